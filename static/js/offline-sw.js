// The service worker for lessons offline (served as /sw.js, see m4eg/main/views.py). It only
// answers from what static/js/offline.js saved when a learner kept a course: course pages
// come from the network first and from the saved copy when there is no connection (a saved
// copy is refreshed on each visit); versioned static files (?v=<hash>, never changed) from
// the saved copy first. Every other request is left to the browser.
"use strict";
var CACHE = "m4eg-offline-v1";  // the same name as in offline.js
var COURSE_PAGE = /^\/[a-z]{2}\/courses\/[^/]+(\/[^/]+)?$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function saved(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true });
  });
}

function fromNetworkThenSaved(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      saved(request).then(function (old) {
        if (old) { caches.open(CACHE).then(function (cache) { cache.put(request, copy); }); }
      });
    }
    return response;
  }, function () {
    return saved(request).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0 && url.searchParams.has("v")) {
    event.respondWith(saved(request).then(function (hit) { return hit || fetch(request); }));
  } else if (COURSE_PAGE.test(url.pathname)) {
    event.respondWith(fromNetworkThenSaved(request));
  }
});
