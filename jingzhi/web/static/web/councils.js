// 多元共治: fill a form's hidden lon/lat from the browser's location as soon as the page opens (a patrol
// check-in, check-out or finding records where the member is); print the minutes. No inline script (CSP).
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-geo]");
  var status = document.querySelector("[data-locate-status]");
  function say(key) {
    if (!status) return;
    status.hidden = false;
    status.textContent = status.getAttribute("data-" + key) || "";
  }
  if (forms.length && navigator.geolocation) {
    say("waiting");
    navigator.geolocation.getCurrentPosition(function (pos) {
      forms.forEach(function (form) {
        var lon = form.querySelector("input[name=lon]"), lat = form.querySelector("input[name=lat]");
        if (lon && lat) { lon.value = pos.coords.longitude.toFixed(7); lat.value = pos.coords.latitude.toFixed(7); }
      });
      say("ok");
    }, function () { say("failed"); }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
