// The countdown of a timed quiz. The deadline itself is printed by the server (and is all a
// page without JavaScript needs); this adds the time left in a polite live region and a
// visible warning before the end (WCAG 2.2.1 Timing Adjustable).
//
// Screen readers announce every change of a live region, so its text changes at most once a
// minute: every 5 minutes while more than 5 are left, then each minute, then once under a
// minute and once at the end. The warning shows when the time left falls under the page's
// data-warn-seconds (5 minutes or a fifth of the time allowed, whichever is longer).
// Seconds left come from the server, so a wrong clock in the browser does not matter.
(function () {
  "use strict";
  var box = document.getElementById("timer");
  if (!box) {
    return;
  }
  var region = box.querySelector("[data-countdown]");
  var warning = box.querySelector("[data-time-warning]");
  var left = parseInt(box.getAttribute("data-seconds-left"), 10);
  var warnAt = parseInt(box.getAttribute("data-warn-seconds"), 10);
  if (!region || isNaN(left)) {
    return;
  }
  var end = Date.now() + left * 1000;
  var shown = null;

  function message(seconds) {
    if (seconds <= 0) {
      return region.getAttribute("data-over");
    }
    var minutes = Math.ceil(seconds / 60);
    if (minutes <= 1) {
      return region.getAttribute("data-last");
    }
    if (shown !== null && minutes > 5 && minutes % 5 !== 0) {
      return shown;
    }
    return region.getAttribute("data-left").replace("%(num)s", String(minutes));
  }

  function tick() {
    var seconds = Math.round((end - Date.now()) / 1000);
    var text = message(seconds);
    if (text !== shown) {
      shown = text;
      region.textContent = text;
    }
    if (warning && !isNaN(warnAt) && seconds <= warnAt) {
      warning.hidden = false;
    }
    if (seconds > 0) {
      window.setTimeout(tick, 5000);
    }
  }

  tick();
})();
