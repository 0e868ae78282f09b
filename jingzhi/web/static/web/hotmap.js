/* 考核 hot-spot map: grid cells coloured by the cases received in the month (from the assessment snapshot,
   embedded in the page as GeoJSON in <script type="application/json" id="hot-map-data">). Drawn on Leaflet
   from our own static files; base tiles only when the site configures them (none by default). The table
   beside the map carries the same figures for screen readers and print. */
(function () {
  "use strict";
  var el = document.getElementById("hot-map");
  var src = document.getElementById("hot-map-data");
  if (!el || !src || !window.L) return;
  var data = JSON.parse(src.textContent);
  var dark = el.classList.contains("dark");
  // Band 1 (few) → 5 (the month's busiest grids): light yellow to deep red.
  var fills = ["#e5e7eb", "#fde68a", "#fdba74", "#f97316", "#dc2626", "#7f1d1d"];
  var cfg = data.tiles || { tiles: "none" };
  var map = L.map(el, { zoomControl: !dark, attributionControl: cfg.tiles !== "none", zoomSnap: 0.25 });
  if (cfg.tiles === "osm" || cfg.tiles === "tianditu") {
    L.tileLayer(cfg.url, { maxZoom: 18, subdomains: cfg.subdomains || "abc", attribution: cfg.attribution }).addTo(map);
  }
  var context = null;
  if (data.outlines && data.outlines.length) {
    context = L.geoJSON({ type: "FeatureCollection", features: data.outlines }, {
      interactive: false,
      style: function () { return { color: dark ? "#475569" : "#64748b", weight: 1.5, fill: true, fillColor: dark ? "#1e293b" : "#f8fafc", fillOpacity: 0.6, dashArray: "4 3" }; }
    }).addTo(map);
  }
  var layer = L.geoJSON({ type: "FeatureCollection", features: data.features || [] }, {
    style: function (f) {
      var band = f.properties.band || 0;
      return { color: dark ? "#0f172a" : "#ffffff", weight: 1, fillColor: fills[band], fillOpacity: 0.85 };
    },
    onEachFeature: function (f, l) {
      var p = f.properties || {};
      var label = (data.labels && data.labels.count) || "";
      var text = p.name + " · " + label + " " + p.count;
      if (window.jzText) { l.bindTooltip(window.jzText.lines([text]), { sticky: true }); }
    }
  }).addTo(map);
  // The whole jurisdiction (its subdistricts' outlines) with every hot cell in view.
  var view = context ? context.getBounds() : null;
  if (data.bounds) view = view ? view.extend(data.bounds) : L.latLngBounds(data.bounds);
  if (view && view.isValid()) {
    map.fitBounds(view, { padding: [12, 12] });
  } else {
    map.setView([39.91, 116.37], 12);
  }
  el.setAttribute("data-drawn", String((data.features || []).length));
  window.jingzhiHotMap = { map: map, layer: layer };
})();
