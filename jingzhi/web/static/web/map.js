/* Jingzhi map component: draws our own grids, communities and streets from /map/geojson/ on Leaflet.
   Base tiles are optional (settings JINGZHI_MAP_TILES = none | osm | tianditu). With "none" nothing is
   requested from any tile server: the container's plain background shows and our shapes stand on their own.
   Features are fetched for the visible box only, one request per level, and replaced on every move. With
   cfg.public (the report form) the public outlines of any place are drawn, so a resident can look beyond
   their own community; on a map with data-pin a tap on a shape places the pin instead of opening a page. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var cfgEl = document.getElementById("map-config");
  if (!el || !cfgEl || !window.L || !window.jzText) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var labels = cfg.labels || {};

  var map = L.map(el, { zoomControl: true, attributionControl: cfg.tiles !== "none", preferCanvas: false,
                        zoomSnap: 0.5, minZoom: 11, maxZoom: 19 });
  if (cfg.tiles === "osm") {
    L.tileLayer(cfg.url, { maxZoom: 19, attribution: cfg.attribution }).addTo(map);
  } else if (cfg.tiles === "tianditu") {
    L.tileLayer(cfg.url, { maxZoom: 18, subdomains: cfg.subdomains, attribution: cfg.attribution }).addTo(map);
    if (cfg.annotation) L.tileLayer(cfg.annotation, { maxZoom: 18, subdomains: cfg.subdomains }).addTo(map);
  }
  if (cfg.bounds) {
    map.fitBounds(cfg.bounds, { padding: [16, 16], maxZoom: cfg.highlight ? 16 : 18 });
  } else {
    map.setView([39.91, 116.37], 14);
  }

  var styles = {
    community: { color: "#7c3aed", weight: 2, fill: true, fillOpacity: 0.04, dashArray: "6 4" },
    grid: { color: "#1d5fa8", weight: 1, fillColor: "#8fb8e8", fillOpacity: 0.18 },
    gridHighlight: { color: "#b3261e", weight: 3, fillColor: "#f28b82", fillOpacity: 0.45 },
    street: { color: "#c2410c", weight: 3, opacity: 0.9 }
  };
  var layers = {};
  var pending = {};

  function wanted(zoom) {
    // Grids are ~100 m: below zoom 14 they are specks, so show communities instead.
    if (zoom >= 14) return ["community", "grid", "street"];
    return ["community", "street"];
  }

  var lines = window.jzText.lines;

  function bindInfo(feature, layer) {
    // Names come from imported boundary files: text, never HTML (web/text.js).
    var p = feature.properties || {};
    // Placing a pin: a tap must not also pop up a place code over the pin (residents read names, below).
    if (el.dataset.pin) return;
    var parts = [p.name + (p.code ? " · " + p.code : "")];
    if (p.level === "grid" && p.community) parts.push(p.community);
    layer.bindTooltip(lines(parts), { sticky: true });
    // On a map that places a pin (the report form) a tap is for the pin, never a way off the page.
    if (p.url && !el.dataset.pin) layer.on("click", function () { window.location.href = p.url; });
  }

  function draw(level, data) {
    if (layers[level]) map.removeLayer(layers[level]);
    var opts = {
      style: function (f) {
        if (level === "grid" && cfg.highlight && f.properties.code === cfg.highlight) return styles.gridHighlight;
        return styles[level] || styles.grid;
      },
      onEachFeature: bindInfo
    };
    layers[level] = L.geoJSON(data, opts).addTo(map);
    if (level === "community") {
      layers[level].eachLayer(function (l) {
        l.bindTooltip(lines([l.feature.properties.name]), { permanent: map.getZoom() < 16, direction: "center", className: "map-label" });
      });
    }
    if (level === "street" && map.getZoom() >= 16) {
      // Close enough to read: name the lanes on the map itself, as a paper map would.
      layers[level].eachLayer(function (l) {
        l.unbindTooltip();
        l.bindTooltip(lines([l.feature.properties.name]), { permanent: true, direction: "center", className: "map-label street-label" });
      });
    }
    if (layers.street) layers.street.bringToFront();
    el.setAttribute("data-loaded-" + level, String((data.features || []).length));
  }

  function load() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    var levels = wanted(map.getZoom());
    Object.keys(layers).forEach(function (level) {
      if (levels.indexOf(level) < 0) { map.removeLayer(layers[level]); delete layers[level]; }
    });
    levels.forEach(function (level) {
      var url = cfg.geojson + "?level=" + level + "&bbox=" + bbox + (cfg.public ? "&scope=public" : "");
      if (pending[level] === url) return;
      pending[level] = url;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/geo+json, application/json" } })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) { if (pending[level] === url) draw(level, data); })
        .catch(function () { /* the next move retries */ });
    });
  }

  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 150); });
  load();

  var legend = L.control({ position: "topright" });
  legend.onAdd = function () {
    // Built from elements and classes: a style attribute in HTML would be refused by the CSP.
    var div = L.DomUtil.create("div", "map-legend");
    [["legend-grid", labels.grid || "grid"], ["legend-community", labels.community || "community"],
     ["legend-street", labels.street || "street"]].forEach(function (row, i) {
      if (i) div.appendChild(document.createElement("br"));
      L.DomUtil.create("i", row[0], div);
      div.appendChild(document.createTextNode(row[1]));
    });
    if (cfg.tiles === "none") {
      div.appendChild(document.createElement("br"));
      L.DomUtil.create("span", "legend-note", div).textContent = labels.none || "";
    }
    return div;
  };
  legend.addTo(map);
  window.jingzhiMap = map;
})();
