// Lessons offline: a progressive enhancement of the course and lesson pages. Without
// JavaScript or without service workers the panel stays hidden and every button is a plain
// form. With them, "Keep this course for offline reading" saves the course's pages and the
// files they need in the Cache Storage, and /sw.js answers from there when the network does
// not. A "Mark as done" pressed without a connection is queued in localStorage with the form's
// CSRF token and sent when the connection returns; a token the server refuses (it expired) is
// replaced by a fresh one from the lesson page and the request sent again. A queued "done" is
// dropped only once the server has answered it, and the panel says how many wait. The saved
// pages belong to the learner who kept them ("m4eg-offline-owner", recorded before anything
// is saved): static/js/offline-owner.js forgets them on any page of another person.
(function () {
  "use strict";
  var panel = document.querySelector("[data-offline]");
  if (!panel || !("serviceWorker" in navigator) || !window.caches || !window.fetch) { return; }
  var store;
  try { store = window.localStorage; store.getItem("x"); } catch (e) { return; }

  var CACHE = "m4eg-offline-v1";  // the same name as in offline-sw.js
  var KEPT = "m4eg-offline-courses";
  var QUEUE = "m4eg-offline-queue";
  var OWNER = "m4eg-offline-owner";  // the name used by offline-owner.js
  var user = panel.getAttribute("data-offline-user");
  var lang = panel.getAttribute("data-offline-lang");
  var key = user + ":" + lang + ":" + panel.getAttribute("data-offline");
  var pages = JSON.parse(panel.getAttribute("data-offline-urls"));
  // The offline page of each language (shown for a course page that was not saved): shared
  // by every kept course, so removing one course leaves them.
  var shared = JSON.parse(panel.getAttribute("data-offline-shared") || "[]");
  var status = panel.querySelector(".offline-status");
  var queueStatus = panel.querySelector(".offline-queue");
  var keepButton = panel.querySelector("[data-offline-keep]");
  var forgetButton = panel.querySelector("[data-offline-forget]");
  var flushing = false;

  function msg(name) { return panel.getAttribute("data-msg-" + name) || ""; }
  function read(name, empty) {
    try { return JSON.parse(store.getItem(name)) || empty; } catch (e) { return empty; }
  }
  function write(name, value) { store.setItem(name, JSON.stringify(value)); }
  function kept() { return read(KEPT, {})[key]; }
  // A browser without the page language's date names (Chromium has none for az: it writes
  // "2026 M12 2") gets the numeric form the az convention also uses: 02.12.2026 06:32.
  function when(iso) {
    var date = new Date(iso);
    var language = document.documentElement.lang;
    if (Intl.DateTimeFormat.supportedLocalesOf([language]).length &&
        new Intl.DateTimeFormat(language, { month: "long" }).format(date).indexOf("M") !== 0) {
      return date.toLocaleString(language, { day: "numeric", month: "long", year: "numeric",
                                             hour: "2-digit", minute: "2-digit" });
    }
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(date.getDate()) + "." + two(date.getMonth() + 1) + "." + date.getFullYear() +
      " " + two(date.getHours()) + ":" + two(date.getMinutes());
  }

  function show(note) {
    var record = kept();
    if (note) {
      status.textContent = note;
    } else if (record) {
      status.textContent = msg("kept").replace("{date}", when(record.saved)) + " " + msg("limits");
    } else {
      status.textContent = msg("invite");
    }
    keepButton.hidden = Boolean(record);
    forgetButton.hidden = !record;
    var waiting = read(QUEUE, []).filter(function (item) { return item.user === user; }).length;
    queueStatus.textContent = waiting ? msg("queued").replace("{count}", String(waiting)) : "";
  }

  // A same-origin file as the page asks for it: path and query, no fragment (the sprite's
  // icons are one file, "icons.svg?v=…#bell" and "…#user" alike).
  function file(url) {
    var absolute = new URL(url, location.href);
    return absolute.pathname + absolute.search;
  }

  // The webfont files the stylesheets name (@font-face src), as the browser asks for them:
  // resolved against the stylesheet's own address.
  function fontFiles() {
    var found = [];
    Array.prototype.forEach.call(document.styleSheets, function (sheet) {
      var rules;
      try { rules = sheet.cssRules; } catch (e) { return; }  // another origin's sheet
      Array.prototype.forEach.call(rules || [], function (rule) {
        if (rule.type !== CSSRule.FONT_FACE_RULE) { return; }
        var src = rule.style.getPropertyValue("src");
        var pattern = /url\(\s*["']?([^"')]+)["']?\s*\)/g;
        var match;
        while ((match = pattern.exec(src))) {
          found.push(file(new URL(match[1], sheet.href || location.href).href));
        }
      });
    });
    return found;
  }

  // The course's pages, and the stylesheet, its fonts, scripts, images and the icon sprite
  // this page loads, so that a lesson offline looks as it does online.
  function urls() {
    var files = [];
    document.querySelectorAll("link[rel=stylesheet][href], link[rel=icon][href], script[src], img[src]")
      .forEach(function (node) { files.push(file(node.getAttribute("href") || node.getAttribute("src"))); });
    document.querySelectorAll("svg use[href]").forEach(function (node) {
      files.push(file(node.getAttribute("href")));
    });
    files = files.concat(fontFiles());
    // Once each: Cache.addAll refuses a list that names a file twice (the EU emblem stands in
    // the header and the footer, the sprite in every icon).
    return pages.concat(shared, files).filter(function (url, i, all) {
      return all.indexOf(url) === i;
    });
  }

  function keep() {
    keepButton.disabled = true;
    show(msg("saving"));
    store.setItem(OWNER, user);
    navigator.serviceWorker.ready.then(function () {
      return caches.open(CACHE);
    }).then(function (cache) {
      return cache.addAll(urls());
    }).then(function () {
      var all = read(KEPT, {});
      all[key] = { saved: new Date().toISOString(), urls: urls(),
                   title: panel.getAttribute("data-offline-title") };
      write(KEPT, all);
      show();
    }).catch(function () {
      show(msg("failed"));
    }).then(function () { keepButton.disabled = false; });
  }

  function forget() {
    var record = kept();
    var all = read(KEPT, {});
    delete all[key];
    write(KEPT, all);
    caches.open(CACHE).then(function (cache) {
      return Promise.all(((record && record.urls) || pages).filter(function (url) {
        return pages.indexOf(url) !== -1;  // files other kept courses need stay
      }).map(function (url) { return cache.delete(url); }));
    }).then(function () { show(msg("removed")); });
  }

  // --- "Mark as done" without a connection ----------------------------------------------

  function post(item) {
    var body = new URLSearchParams();
    body.set("csrf_token", item.token);
    return fetch(item.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json" }
    });
  }

  // A fresh CSRF token from the lesson page (the server's, never a cached copy).
  function freshToken(item) {
    return fetch(item.page, { credentials: "same-origin", cache: "no-store", redirect: "manual",
                              headers: { "X-Offline-Refresh": "1" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("no page"); }
        return response.text();
      }).then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var field = page.querySelector("form.lesson-done input[name=csrf_token]");
        if (!field) { throw new Error("no token"); }
        return field.value;
      });
  }

  // Resolves to "done", "refused" (the server said no: its message is shown), "signed-out",
  // "offline" or "failed"; the last three keep the item queued.
  function send(item, retried) {
    return post(item).then(function (response) {
      if (response.type === "opaqueredirect") { return "signed-out"; }
      if (response.status === 400 && !retried) {
        return freshToken(item).then(function (token) {
          item.token = token;
          return send(item, true);
        });
      }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { return "failed"; }
      return response.json().then(function (data) {
        if (response.ok && data.done) { item.then = data.then; return "done"; }
        item.message = data.message;
        return response.status === 403 ? "refused" : "failed";
      });
    }, function () { return "offline"; }).catch(function () { return "failed"; });
  }

  function enqueue(item) {
    var queue = read(QUEUE, []);
    if (!queue.some(function (other) { return other.user === item.user && other.action === item.action; })) {
      queue.push(item);
    }
    write(QUEUE, queue);
  }

  function dequeue(item) {
    write(QUEUE, read(QUEUE, []).filter(function (other) {
      return !(other.user === item.user && other.action === item.action);
    }));
  }

  // Send what waits, one at a time; only this person's (a shared computer keeps the others').
  function flush() {
    if (flushing) { return; }
    var mine = read(QUEUE, []).filter(function (item) { return item.user === user; });
    if (!mine.length) { return; }
    flushing = true;
    var notes = [];
    mine.reduce(function (previous, item) {
      return previous.then(function () {
        return send(item).then(function (outcome) {
          if (outcome === "done" || outcome === "refused") { dequeue(item); }
          if (outcome === "refused") { notes.push(item.message); }
          if (outcome === "signed-out") { notes.push(msg("signed-out")); }
          if (outcome === "failed") { notes.push(msg("not-sent")); }
          if (outcome === "done" && !notes.length) { notes.push(msg("sent")); }
        });
      });
    }, Promise.resolve()).then(function () {
      flushing = false;
      show();
      queueStatus.textContent = [queueStatus.textContent].concat(notes).join(" ").trim();
    });
  }

  var doneForm = document.querySelector("form.lesson-done");
  if (doneForm) {
    doneForm.addEventListener("submit", function (event) {
      if (!kept()) { return; }  // not kept offline: the plain form, as without JavaScript
      event.preventDefault();
      var item = { user: user, action: doneForm.action, page: window.location.href,
                   token: doneForm.elements.namedItem("csrf_token").value,
                   at: new Date().toISOString() };
      var button = doneForm.querySelector("button");
      button.disabled = true;
      send(item).then(function (outcome) {
        button.disabled = false;
        if (outcome === "done") { window.location.href = item.then; return; }
        if (outcome === "refused") { show(item.message); return; }
        enqueue(item);
        show();
        queueStatus.textContent = outcome === "signed-out" ? msg("signed-out") : msg("queued-now");
      });
    });
  }

  keepButton.addEventListener("click", keep);
  forgetButton.addEventListener("click", forget);
  window.addEventListener("online", flush);
  navigator.serviceWorker.register(panel.getAttribute("data-offline-worker"), { scope: "/" })
    .then(function () {
      panel.hidden = false;
      show();
      if (navigator.onLine) { flush(); }
    }, function () { /* no worker (a private window, an old browser): the page as without it */ });
}());
