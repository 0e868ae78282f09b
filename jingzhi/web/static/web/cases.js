/* Jingzhi case pages: markers on the map component (web/map.js), the report form's pin and geolocation,
   report-in geolocation, the dispatch form's manual part, and the keyboard (workbench: j/k move, Enter
   open, / search; case page: the number shown beside an action opens its form, Ctrl/⌘+Enter in a text area
   submits), and the filing form's conditions following its category. No framework. */
(function () {
  "use strict";

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // ------------------------------------------------------------------ map markers
  var map = window.jingzhiMap;
  var mapEl = document.getElementById("map");
  var caseLayer = null;

  function drawPoints() {
    var data = document.getElementById("case-points");
    if (!map || !data) return;
    var points = JSON.parse(data.textContent);
    if (caseLayer) map.removeLayer(caseLayer);
    caseLayer = L.layerGroup();
    points.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#fff", weight: 2, fillColor: p.c, fillOpacity: 0.95 });
      m.bindTooltip(window.jzText.lines([p.n + " · " + p.s, p.t]));  // descriptions are residents' text
      m.on("click", function () { window.location.href = p.u; });
      caseLayer.addLayer(m);
    });
    caseLayer.addTo(map);
    mapEl.setAttribute("data-case-markers", String(points.length));
  }

  if (map && mapEl && mapEl.dataset.caseLat) {
    L.circleMarker([parseFloat(mapEl.dataset.caseLat), parseFloat(mapEl.dataset.caseLon)],
      { radius: 9, color: "#fff", weight: 3, fillColor: mapEl.dataset.caseColour || "#c5221f", fillOpacity: 1 })
      .addTo(map);
    mapEl.setAttribute("data-case-markers", "1");
  }
  drawPoints();
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "queue-panel") { drawPoints(); selected = -1; }
    var assist = document.getElementById("assist");
    var submit = document.querySelector("[data-testid=submit-report]");
    if (assist && submit && e.detail.target === assist) {
      submit.textContent = assist.querySelector("[data-testid=duplicate]") ? submit.dataset.again : submit.dataset.plain;
    }
  });

  // ------------------------------------------------------------------ report form: pin, place, photos
  // A location is only ever explicit: "use my location" (gps), a tap on the map (map), a place picked by name
  // (place) or the street of a board's QR code (street, set by the server). No pin is shown until then, so a
  // pin at the map's centre is never mistaken for the problem's place.
  var lonInput = document.getElementById("id_lon");
  var latInput = document.getElementById("id_lat");
  var sourceInput = document.getElementById("id_location_source");
  var nameInput = document.getElementById("id_place_name");
  var statusEl = document.getElementById("locate-status");
  var pin = null;
  var pinIcon = window.L ? L.divIcon({ className: "jz-pin", html: "<span></span>", iconSize: [28, 28], iconAnchor: [14, 28] }) : null;
  function showPin(lat, lon) {
    if (!map) return;
    if (pin) { pin.setLatLng([lat, lon]); return; }
    pin = L.marker([lat, lon], { draggable: true, icon: pinIcon, keyboard: true, title: mapEl.getAttribute("aria-label") || "" }).addTo(map);
    pin.on("dragend", function () { var p = pin.getLatLng(); setPoint(p.lat, p.lng, false, "map", ""); });
  }
  function setPoint(lat, lon, pan, source, name) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    if (sourceInput) sourceInput.value = source;
    if (nameInput) nameInput.value = name || "";
    if (statusEl && source === "map") say(statusEl, "geoMap");
    if (statusEl && source === "place") say(statusEl, "geoPlace", "", name);
    showPin(lat, lon);
    if (pan && map) map.setView([lat, lon], Math.max(map.getZoom(), 17));
    document.body.dispatchEvent(new CustomEvent("jz:located", { bubbles: true }));
  }
  if (map && mapEl && mapEl.dataset.pin && lonInput) {
    // A location kept from a failed submit or preset by a street's QR code (the assist names it on load).
    if (lonInput.value && latInput.value) showPin(parseFloat(latInput.value), parseFloat(lonInput.value));
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, false, "map", ""); });
  }
  document.addEventListener("click", function (e) {
    var choice = e.target.closest && e.target.closest(".place-choice");
    if (!choice || !lonInput) return;
    var b = (choice.dataset.bounds || "").split(",").map(parseFloat);
    setPoint(parseFloat(choice.dataset.lat), parseFloat(choice.dataset.lon), false, "place", choice.dataset.name);
    if (map && b.length === 4 && b.every(isFinite)) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: [16, 16], maxZoom: 17 });
    var results = document.getElementById("place-results");
    if (results) results.textContent = "";
  });

  // Photos: web/photos.js (the shared picker), loaded beside this file.

  // The words come translated from the page (data-geo-* on the status element, web/cases/_geo_words.html):
  // the strict CSP allows no inline script, and this file is the same for every language.
  function say(status, key, m, name) {
    if (status && status.dataset[key]) status.textContent = status.dataset[key].replace("{m}", m).replace("{name}", name || "");
  }
  function locate(done, status) {
    if (!navigator.geolocation) { say(status, "geoUnsupported"); return; }
    say(status, "geoBusy");
    navigator.geolocation.getCurrentPosition(function (pos) {
      done(pos.coords.latitude, pos.coords.longitude);
      say(status, "geoDone", Math.round(pos.coords.accuracy || 0));
    }, function () {
      say(status, "geoFailed");
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  var locateMe = document.getElementById("locate-me");
  if (locateMe && lonInput) {
    locateMe.addEventListener("click", function () {
      locate(function (lat, lon) { setPoint(lat, lon, true, "gps", ""); }, statusEl);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".report-in .geo-button"), function (button) {
    var form = button.closest("form");
    button.addEventListener("click", function () {
      locate(function (lat, lon) {
        form.querySelector(".geo-lon").value = lon.toFixed(6);
        form.querySelector(".geo-lat").value = lat.toFixed(6);
      }, form.querySelector(".geo-status"));
    });
  });

  // ------------------------------------------------------------------ dispatch form
  Array.prototype.forEach.call(document.querySelectorAll("form[data-action=dispatch]"), function (form) {
    var manual = form.querySelector(".manual-dispatch");
    function sync() {
      var mode = form.querySelector("input[name=mode]:checked");
      manual.hidden = !(mode && mode.value === "manual");
    }
    form.addEventListener("change", function (e) {
      if (e.target.name === "departments" || e.target.name === "lead") form.querySelector("input[value=manual]").checked = true;
      sync();
    });
    sync();
  });

  // ------------------------------------------------------------------ filing form: conditions follow the category
  // Every offered category's conditions are in the page, each tagged data-category; only the chosen
  // category's (or, with "keep", the case's own) are shown, and a selection of another category's is cleared,
  // so a changed category is never filed under the old category's condition.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-action=file]"), function (form) {
    var category = form.querySelector("select[name=category]");
    var condition = form.querySelector("select[name=filing_condition]");
    if (!category || !condition) return;
    function sync() {
      var chosen = category.value || category.dataset.current || "";
      Array.prototype.forEach.call(condition.options, function (o) {
        if (!o.dataset.category) return;
        var mine = o.dataset.category === chosen;
        o.hidden = !mine;
        o.disabled = !mine;
      });
      var picked = condition.options[condition.selectedIndex];
      if (picked && picked.disabled) condition.value = "";
    }
    category.addEventListener("change", sync);
    sync();
  });

  // ------------------------------------------------------------------ text areas: Ctrl/⌘+Enter submits
  // Plain Enter adds a line (notes are often several); Ctrl+Enter or ⌘+Enter submits the form, as the
  // case page's keyboard guide says.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || !t || t.tagName !== "TEXTAREA" || !t.form) return;
    e.preventDefault();
    if (t.form.requestSubmit) t.form.requestSubmit(); else t.form.submit();
  });

  // ------------------------------------------------------------------ keyboard: workbench
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.wb-row")); }
  function select(i) {
    var list = rows();
    if (!list.length) return;
    selected = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r, j) { r.classList.toggle("selected", j === selected); });
    list[selected].focus({ preventScroll: false });
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && typing(e)) { e.target.blur(); return; }
    if (typing(e)) return;
    var search = document.getElementById("wb-search");
    if (search) {
      if (e.key === "/") { e.preventDefault(); search.focus(); search.select(); return; }
      if (e.key === "j") { e.preventDefault(); select(selected + 1); return; }
      if (e.key === "k") { e.preventDefault(); select(selected - 1); return; }
      if (e.key === "Enter" && selected >= 0) {
        var row = rows()[selected];
        if (row) { e.preventDefault(); window.location.href = row.dataset.href; }
        return;
      }
    }
    // Case page: the key shown beside an action opens its form.
    var form = document.querySelector("form.action-form[data-key='" + e.key + "']");
    if (form && /^[1-9]$/.test(e.key)) {
      e.preventDefault();
      Array.prototype.forEach.call(document.querySelectorAll("form.action-form.chosen"), function (f) { f.classList.remove("chosen"); });
      form.classList.add("chosen");
      form.scrollIntoView({ block: "center" });
      var field = form.querySelector("textarea[required], input[required]:not([type=hidden]), select[required]");
      (field || form.querySelector("button[type=submit]")).focus();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("tr.wb-row"), function (row) {
    row.addEventListener("click", function (e) { if (e.target.tagName !== "A") window.location.href = row.dataset.href; });
  });
})();
