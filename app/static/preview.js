// Live preview of a lesson while a trainer writes it: the server renders the text with the
// same renderer and sanitiser as the published page, and the result replaces the preview.
// Without this script the form's "Preview" button does the same in a full page load.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  var target = document.getElementById("preview-body");
  if (!form || !target || !window.fetch || !window.FormData) {
    return;
  }
  var body = form.querySelector("textarea[name=body]");
  var timer = null;

  function refresh() {
    timer = null;
    var data = new FormData();
    data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    data.append("body", body.value);
    fetch(form.getAttribute("data-preview"), {
      method: "POST",
      body: data,
      credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) {
        // Sanitised on the server by the same allow-list as published lessons.
        target.innerHTML = html;
      }
    }).catch(function () {});
  }

  body.addEventListener("input", function () {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(refresh, 600);
  });
})();
