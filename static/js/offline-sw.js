// The service worker for lessons offline (served as /sw.js, see m4eg/main/views.py). It only
// answers from what static/js/offline.js saved when a learner kept a course: course pages
// come from the network first and from the saved copy when there is no connection, or when
// the network has not answered within NETWORK_TIMEOUT (a weak connection: the learner reads
// the saved copy instead of waiting for the browser's own timeout); versioned static files
// (?v=<hash>, never changed) and the webfonts from the saved copy first. A course page the
// learner did not keep (another course, the other language) gets the saved offline page of
// its language when there is no connection. Every other request is left to the browser.
//
// A saved copy is refreshed with each network answer for the same person only: course
// pages name their user in the X-M4EG-User header (m4eg/courses/views.py), and the saved
// copy keeps the header it was saved with, so the worker compares the two. Another person
// signed in on the same computer never overwrites the owner's copies with their own pages
// (static/js/offline-owner.js forgets the owner's copies on that person's first page).
"use strict";
var CACHE = "m4eg-offline-v1";  // the same name as in offline.js
var COURSE_PAGE = /^\/[a-z]{2}\/courses\/[^/]+(\/[^/]+)?$/;
var NETWORK_TIMEOUT = 4000;  // milliseconds
var OWNER_HEADER = "X-M4EG-User";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

// caches.match does not create the cache (caches.open would): after the saved pages were
// forgotten (static/js/offline-owner.js deletes the cache) no page may bring it back.
function saved(request) {
  return caches.match(request, { cacheName: CACHE, ignoreVary: true });
}

function refresh(request, response) {
  if (!response.ok || response.redirected) { return Promise.resolve(); }
  var copy = response.clone();
  return saved(request).then(function (old) {
    if (old && old.headers.get(OWNER_HEADER) === copy.headers.get(OWNER_HEADER)) {
      return caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
  });
}

// The offline page of the request's language, for a navigation to a course page not kept.
function notKept(request) {
  if (request.mode !== "navigate") { return Promise.resolve(Response.error()); }
  var lang = new URL(request.url).pathname.split("/")[1];
  return saved(new URL("/" + lang + "/offline", request.url).href).then(function (hit) {
    return hit || Response.error();
  });
}

function fromNetworkThenSaved(event) {
  var request = event.request;
  var network = fetch(request);
  // The network's answer refreshes the saved copy even when it came after the timeout.
  event.waitUntil(network.then(function (response) { return refresh(request, response); },
                               function () { /* no connection: nothing to refresh */ }));
  return saved(request).then(function (copy) {
    if (!copy) {
      return network.catch(function () { return notKept(request); });
    }
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve(copy); }, NETWORK_TIMEOUT);
      network.then(function (response) {
        clearTimeout(timer);
        resolve(response);
      }, function () {
        clearTimeout(timer);
        resolve(copy);
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  // Versioned static files never change; the webfonts are named without a version by the
  // stylesheet, and a changed font gets a new file name (m4eg/core/assets.py).
  if (url.pathname.indexOf("/static/") === 0 &&
      (url.searchParams.has("v") || url.pathname.indexOf("/static/fonts/") === 0)) {
    event.respondWith(saved(request).then(function (hit) { return hit || fetch(request); }));
  } else if (COURSE_PAGE.test(url.pathname)) {
    event.respondWith(fromNetworkThenSaved(event));
  }
});
