// Signing out forgets the courses this browser kept for offline reading (static/js/offline.js):
// on a shared computer the next person must not read the previous learner's saved pages, with
// their name in the header, from the Cache Storage. The queued "done"s stay: they carry their
// owner's id and are sent only once that person signs in again. Without JavaScript nothing was
// kept, so the plain form is enough.
(function () {
  "use strict";
  var form = document.querySelector("form[data-signout]");
  if (!form || !window.caches) { return; }
  var CACHE = "m4eg-offline-v1";  // the name used by offline.js and offline-sw.js
  var KEPT = "m4eg-offline-courses";
  var leaving = false;
  form.addEventListener("submit", function (event) {
    if (leaving) { return; }
    event.preventDefault();
    leaving = true;
    try { window.localStorage.removeItem(KEPT); } catch (e) { /* storage blocked: nothing kept */ }
    var done = function () { form.submit(); };
    // Sign out even if the browser takes too long to clear its storage.
    var timer = window.setTimeout(done, 1500);
    caches.delete(CACHE).then(function () { window.clearTimeout(timer); done(); }, function () {
      window.clearTimeout(timer); done();
    });
  });
})();
