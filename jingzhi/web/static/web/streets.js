/* 十无一创建 pages. (1) The street grade map: streets drawn from /streets/map.geojson in their grade's colour
   on Leaflet, tiles optional exactly as in map.js. (2) The inspection form: a failing item opens its
   deduction fields, and the live score follows the deduction rule (points per finding, capped at the item's
   points) — the server recomputes it; this is only a preview. (3) "Use my location" buttons fill hidden
   lon/lat fields (WGS84 from the browser's geolocation). */
(function () {
  "use strict";

  // ---- grade map
  var el = document.getElementById("streets-map");
  var cfgEl = document.getElementById("streets-map-config");
  if (el && cfgEl && window.L && window.jzText) {
    var cfg = JSON.parse(cfgEl.textContent);
    var map = L.map(el, { attributionControl: cfg.tiles !== "none", zoomSnap: 0.5, minZoom: 10, maxZoom: 19 });
    if (cfg.tiles === "osm" || cfg.tiles === "tianditu") {
      L.tileLayer(cfg.url, { maxZoom: 18, subdomains: cfg.subdomains || "abc", attribution: cfg.attribution }).addTo(map);
    }
    if (cfg.bounds) map.fitBounds(cfg.bounds, { padding: [12, 12] }); else map.setView([39.91, 116.37], 14);
    fetch(cfg.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) {
            var poly = f.geometry && f.geometry.type.indexOf("Polygon") >= 0;
            return { color: f.properties.colour, weight: poly ? 1 : 5, opacity: 0.95, fillColor: f.properties.colour, fillOpacity: 0.35 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            // Street names are imported data: text, never HTML (web/text.js).
            l.bindTooltip(window.jzText.lines([p.name + " · " + p.grade_label + (p.score !== null ? " · " + p.score : "")]), { sticky: true });
            l.on("click", function () { window.location.href = p.url; });
          }
        }).addTo(map);
        el.setAttribute("data-loaded", String((data.features || []).length));
        window.jingzhiStreetLayer = layer;
      });
    var legend = L.control({ position: "topright" });
    legend.onAdd = function () {
      // Elements, not an HTML string: a style attribute would be refused by the CSP; CSSOM is not.
      var div = L.DomUtil.create("div", "map-legend");
      Object.keys(cfg.colours).forEach(function (g, i) {
        if (i) div.appendChild(document.createElement("br"));
        L.DomUtil.create("i", "legend-line", div).style.background = cfg.colours[g];
        div.appendChild(document.createTextNode(cfg.labels[g] || g));
      });
      return div;
    };
    legend.addTo(map);
    window.jingzhiStreetMap = map;
  }

  // ---- inspection form
  var form = document.querySelector(".inspect-form");
  if (form) {
    var full = parseFloat(form.getAttribute("data-full")) || 100;
    var out = document.querySelector("[data-testid=live-score]");
    var cards = form.querySelectorAll(".item-card");
    var recompute = function () {
      var score = full;
      cards.forEach(function (card) {
        var box = card.querySelector("input[type=checkbox]");
        card.classList.toggle("failing", box.checked);
        if (!box.checked) return;
        var points = parseFloat(card.getAttribute("data-points")) || 0;
        var per = parseFloat(card.getAttribute("data-per")) || 0;
        var given = card.querySelector("input[name^=deduction_]").value;
        var count = parseInt(card.querySelector("input[name^=count_]").value, 10) || 1;
        var d = given !== "" ? parseFloat(given) : Math.min(points, per * count);
        score -= Math.min(points, Math.max(0, d || 0));
      });
      score = Math.max(0, Math.round(score * 10) / 10);
      if (out) {
        out.textContent = String(score);
        out.parentNode.classList.toggle("failing", score < 90);
      }
    };
    form.addEventListener("input", recompute);
    form.addEventListener("change", recompute);
    recompute();
  }

  // ---- use my location
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    button.addEventListener("click", function () {
      var scope = button.closest(".item-card") || button.closest("form");
      var where = scope.querySelector("[data-where]");
      if (!navigator.geolocation) { if (where) where.textContent = "×"; return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        scope.querySelector("input[name^=lon]").value = pos.coords.longitude.toFixed(7);
        scope.querySelector("input[name^=lat]").value = pos.coords.latitude.toFixed(7);
        if (where) where.textContent = pos.coords.longitude.toFixed(5) + ", " + pos.coords.latitude.toFixed(5);
      }, function (err) { if (where) where.textContent = err.message; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  });
})();
