// Autosave for plan blocks: a progressive enhancement. Without JavaScript the Save button
// does the same; with it, the block is saved a few seconds after the last change.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".autosave-status");
  var version = form.querySelector("input[name=version]");
  var timer = null;
  var busy = false;
  var lang = document.documentElement.lang;
  var words = lang === "az"
    ? { saving: "Yadda saxlanılır…", saved: "Avtomatik yadda saxlanıldı: ", failed: "Avtomatik yadda saxlanılmadı: " }
    : { saving: "Saving…", saved: "Saved automatically at ", failed: "Not saved automatically: " };

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    if (busy) { return; }
    busy = true;
    say(words.saving);
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Autosave": "1" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        version.value = result.data.version;
        say(words.saved + new Date().toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }));
      } else {
        say(words.failed + result.data.message);
      }
    }).catch(function () {
      say(words.failed + "—");
    }).then(function () { busy = false; });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 4000);
  });
  form.addEventListener("submit", function () { clearTimeout(timer); });
}());
