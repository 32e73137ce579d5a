// Quiz answers are saved in the background as the official answers, so a dropped connection
// or a closed tab loses nothing. The page works the same without this script: its "Save my
// answers" button posts to the same address.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function save() {
    timer = null;
    var data = new FormData(form);
    data.delete("go");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Aula-Autosave": "1" }
    }).then(function (response) {
      say(response.status === 204 ? status.dataset.saved : status.dataset.failed);
    }).catch(function () {
      say(status.dataset.failed);
    });
  }

  function soon() {
    if (timer) {
      clearTimeout(timer);
    }
    // Typing a short answer fires many events; one save when the official pauses.
    timer = setTimeout(save, 700);
  }

  form.addEventListener("change", soon);
  form.addEventListener("input", soon);
})();
