/* The inspector's home: "nearest first". Once the phone knows where the inspector stands (asked on a tap,
   or straight away when the browser already has permission), the task list is re-ordered by distance and
   each row says how far it is. Tasks without a location keep their place at the end. No inline script:
   the CSP forbids it; the words come from data-words-* attributes so they follow the page's language. */
(function () {
  "use strict";
  function metres(lon1, lat1, lon2, lat2) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    var a = Math.sin(dlat / 2) * Math.sin(dlat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dlon / 2) * Math.sin(dlon / 2);
    return 2 * r * Math.asin(Math.sqrt(a));
  }
  function sortList(list, status, lon, lat) {
    var rows = Array.prototype.slice.call(list.querySelectorAll("li[data-lon]"));
    rows.forEach(function (li) {
      li._d = metres(lon, lat, parseFloat(li.dataset.lon), parseFloat(li.dataset.lat));
      var span = li.querySelector(".distance");
      if (span) {
        span.textContent = li._d < 1000 ? Math.round(li._d) + " " + status.dataset.wordsMetres
          : (li._d / 1000).toFixed(1) + " km";
      }
    });
    rows.sort(function (a, b) { return a._d - b._d; });
    var rest = Array.prototype.slice.call(list.querySelectorAll("li:not([data-lon])"));
    rows.concat(rest).forEach(function (li) { list.appendChild(li); });
    list.dataset.sorted = "distance";
    status.textContent = status.dataset.wordsSorted;
  }
  function locate(button) {
    var list = document.getElementById(button.dataset.near);
    var status = document.querySelector('[data-near-status="' + button.dataset.near + '"]');
    if (!list || !status || !navigator.geolocation) { return; }
    status.textContent = status.dataset.wordsLocating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      sortList(list, status, pos.coords.longitude, pos.coords.latitude);
    }, function () {
      status.textContent = status.dataset.wordsFailed;
    }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
  }
  document.querySelectorAll("button[data-near]").forEach(function (button) {
    button.addEventListener("click", function () { locate(button); });
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({name: "geolocation"}).then(function (p) {
        if (p.state === "granted") { locate(button); }
      }).catch(function () {});
    }
  });
})();
