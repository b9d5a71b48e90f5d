// Autosave for plan sections: a progressive enhancement. Without JavaScript the Save button
// does the same. With it, the section is saved a few seconds after the last change, and a
// copy of what is typed is kept in this browser until the server has it, so that a dropped
// connection or an ended session loses nothing. Every text shown comes from the page
// (data-msg-* attributes, translated on the server).
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.querySelector(".autosave-status");
  var version = form.querySelector("input[name=version]");
  var key = form.getAttribute("data-draft-key");
  var timer = null;
  var busy = false;
  var again = false;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function say(text) { if (status) { status.textContent = text; } }
  function now() {
    return new Date().toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function values() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") { data[name] = value; }
    });
    return data;
  }

  function keep() {
    var store = storage();
    if (!store || !key) { return; }
    try {
      store.setItem(key, JSON.stringify({ values: values(), at: now(), version: version.value }));
    } catch (e) { /* a full or disabled storage only loses the extra copy */ }
  }

  // Save pressed: the copy stays until a page shows that the server has the text.
  function sent() {
    var store = storage();
    var raw = store && key ? store.getItem(key) : null;
    if (!raw) { return; }
    try {
      var copy = JSON.parse(raw);
      copy.sent = version.value;
      store.setItem(key, JSON.stringify(copy));
    } catch (e) { forget(); }
  }

  function forget() {
    var store = storage();
    if (store && key) { store.removeItem(key); }
  }

  function save() {
    if (busy) { again = true; return; }
    busy = true;
    say(msg("saving"));
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Autosave": "1", "Accept": "application/json" },
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        return { ok: false, data: { signed_out: true } };
      }
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        version.value = result.data.version;
        forget();
        say(msg("saved").replace("%s", result.data.saved_at || now()));
      } else if (result.data.signed_out) {
        say(msg("signed-out"));
      } else if (result.data.conflict) {
        say(msg("conflict"));
      } else {
        say(msg("invalid"));
      }
    }).catch(function () {
      say(msg("offline"));
    }).then(function () {
      busy = false;
      if (again) { again = false; save(); }
    });
  }

  // A copy left by an earlier visit (the connection dropped, the session ended): offer it.
  function offer() {
    var store = storage();
    var raw = store && key ? store.getItem(key) : null;
    if (!raw) { return; }
    var copy;
    try { copy = JSON.parse(raw); } catch (e) { forget(); return; }
    if (copy.sent !== undefined && Number(version.value) > Number(copy.sent)) {
      forget();  // the section's version moved on after the Save: the server has it
      return;
    }
    var current = values();
    var differs = Object.keys(copy.values || {}).some(function (name) {
      return name !== "version" && (current[name] || "") !== copy.values[name];
    });
    if (!differs) { forget(); return; }
    var box = document.createElement("div");
    box.className = "notice draft-copy";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = msg("copy").replace("%s", copy.at || "");
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "button small";
    restore.textContent = msg("restore");
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button small secondary";
    discard.textContent = msg("discard");
    restore.addEventListener("click", function () {
      Object.keys(copy.values).forEach(function (name) {
        if (name === "version") { return; }
        var field = form.elements.namedItem(name);
        if (field && field.type !== "hidden" && "value" in field) { field.value = copy.values[name]; }
      });
      box.remove();
      say(msg("restored"));
    });
    discard.addEventListener("click", function () { forget(); box.remove(); });
    box.appendChild(text);
    box.appendChild(restore);
    box.appendChild(discard);
    form.parentNode.insertBefore(box, form);
  }

  offer();
  form.addEventListener("input", function () {
    keep();
    say(msg("unsaved"));
    clearTimeout(timer);
    timer = setTimeout(save, 4000);
  });
  form.addEventListener("submit", function () { clearTimeout(timer); sent(); });
}());
