// Who owns the pages this browser kept for offline reading (static/js/offline.js), checked on
// every page; base.html loads this script everywhere and names the page's user in
// <meta name="m4eg-user"> (empty when nobody is signed in). On a shared computer the next
// person must not read the previous learner's saved pages, with their name in the header,
// nor queue a "Mark as done" there under that learner's id. Logging out is not the only way
// a session ends (it expires, the browser is closed), so:
// - offline.js records the owner ("m4eg-offline-owner") before it saves anything;
// - a page whose user is not the owner (another person, or nobody) forgets the saved pages
//   and the kept-courses record. A saved copy is its owner's page, so reading it offline
//   forgets nothing; a page from the network names whoever is signed in now;
// - the Log out form forgets them before it is sent, as before.
// The queued "done"s stay: they carry their owner's id and are sent only once that person
// signs in again. Without JavaScript nothing was kept, so there is nothing to forget.
// It also fills the list of kept courses on the offline page (/<lang>/offline), which the
// service worker shows for a course page that was not saved.
(function () {
  "use strict";
  var CACHE = "m4eg-offline-v1";  // the name used by offline.js and offline-sw.js
  var KEPT = "m4eg-offline-courses";
  var OWNER = "m4eg-offline-owner";
  var meta = document.querySelector("meta[name=m4eg-user]");
  var store;
  try { store = window.localStorage; store.getItem(OWNER); } catch (e) { return; }
  if (!meta || !window.caches) { return; }
  var user = meta.getAttribute("content");

  function forget() {
    store.removeItem(KEPT);
    store.removeItem(OWNER);
    return caches.delete(CACHE);
  }

  var owner = store.getItem(OWNER);
  // No owner but saved pages: kept before the owner was recorded, so whose is unknown.
  if (owner === null) {
    caches.has(CACHE).then(function (found) { if (found) { forget(); } });
  } else if (owner !== user) {
    forget();
  }

  var list = document.querySelector("[data-offline-kept-list]");
  if (list) {
    var kept = {};
    try { kept = JSON.parse(store.getItem(KEPT)) || {}; } catch (e) { /* nothing readable */ }
    Object.keys(kept).filter(function (key) {
      return key.indexOf(user + ":") === 0 && kept[key].urls && kept[key].urls.length;
    }).forEach(function (key) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = kept[key].urls[0];  // the course page comes first (offline.js)
      link.textContent = kept[key].title || kept[key].urls[0];
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = !list.children.length;
    var none = document.querySelector("[data-offline-kept-none]");
    if (none) { none.hidden = Boolean(list.children.length); }
  }

  var form = document.querySelector("form[data-signout]");
  if (!form) { return; }
  var leaving = false;
  form.addEventListener("submit", function (event) {
    if (leaving) { return; }
    event.preventDefault();
    leaving = true;
    var done = function () { form.submit(); };
    // Sign out even if the browser takes too long to clear its storage.
    var timer = window.setTimeout(done, 1500);
    forget().then(function () { window.clearTimeout(timer); done(); }, function () {
      window.clearTimeout(timer); done();
    });
  });
})();
