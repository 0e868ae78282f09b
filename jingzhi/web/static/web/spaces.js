/* 腾退空间 pages. (1) The registry map: spaces from /spaces/map.geojson in their state's colour on
   Leaflet (tiles optional, as in map.js; without tiles the shapes are drawn on a plain background).
   (2) A space's own map. (3) The coverage map: grids green when a point of the kind is within the walk,
   red when not, with the points. (4) "Use my location" on the re-check form. (5) The print button. */
(function () {
  "use strict";

  function baseMap(el, cfg) {
    var map = L.map(el, { attributionControl: cfg.tiles !== "none", zoomSnap: 0.5, minZoom: 10, maxZoom: 19 });
    if (cfg.tiles === "osm" || cfg.tiles === "tianditu") {
      L.tileLayer(cfg.url, { maxZoom: 18, subdomains: cfg.subdomains || "abc", attribution: cfg.attribution }).addTo(map);
    }
    if (cfg.bounds) map.fitBounds(cfg.bounds, { padding: [12, 12] }); else map.setView([39.91, 116.37], 14);
    return map;
  }

  function config(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function legend(map, entries) {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      // Elements, not an HTML string: a style attribute would be refused by the CSP; CSSOM is not.
      var div = L.DomUtil.create("div", "map-legend");
      entries.forEach(function (e, i) {
        if (i) div.appendChild(document.createElement("br"));
        L.DomUtil.create("i", "", div).style.background = e[0];
        div.appendChild(document.createTextNode(e[1]));
      });
      return div;
    };
    control.addTo(map);
  }

  function pointStyle(colour) {
    return function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: colour(feature), fillOpacity: 0.95 });
    };
  }

  // ---- registry map
  var listEl = document.getElementById("spaces-map");
  var listCfg = config("spaces-map-config");
  if (listEl && listCfg && window.L) {
    var map = baseMap(listEl, listCfg);
    if (listCfg.outlines) {
      fetch(listCfg.outlines, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          L.geoJSON(data, {
            interactive: false,
            style: function () { return { color: "#7c3aed", weight: 1, dashArray: "4 3", fill: false }; }
          }).addTo(map).bringToBack();
        });
    }
    fetch(listCfg.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var colour = function (f) { return f.properties.colour; };
        L.geoJSON(data, {
          pointToLayer: pointStyle(colour),
          style: function (f) { return { color: colour(f), weight: 2, fillColor: colour(f), fillOpacity: 0.45 }; },
          onEachFeature: function (f, l) {
            var p = f.properties;
            // Names are imported data: text, never HTML (web/text.js).
            l.bindTooltip(window.jzText.lines([p.number + " " + p.name, p.state_label + " · " + p.area_m2 + " m²"]), { sticky: true });
            l.on("click", function () { window.location.href = p.url; });
          }
        }).addTo(map);
        listEl.setAttribute("data-loaded", String((data.features || []).length));
      });
    legend(map, Object.keys(listCfg.colours).map(function (k) { return [listCfg.colours[k], listCfg.labels[k] || k]; }));
  }

  // ---- one space
  var oneEl = document.getElementById("space-map");
  var oneCfg = config("space-map-config");
  if (oneEl && oneCfg && window.L) {
    var one = baseMap(oneEl, oneCfg);
    var c = oneCfg.feature.properties.colour;
    // The grid the space lies in, for context when there are no tiles.
    if (oneCfg.grid) L.geoJSON(oneCfg.grid, { style: function () { return { color: "#1d5fa8", weight: 1, dashArray: "4 3", fillColor: "#8fb8e8", fillOpacity: 0.15 }; } }).addTo(one);
    var layer = L.geoJSON(oneCfg.feature, {
      pointToLayer: pointStyle(function () { return c; }),
      style: function () { return { color: c, weight: 2, fillColor: c, fillOpacity: 0.45 }; }
    }).addTo(one);
    if (oneCfg.feature.geometry.type !== "Point") one.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 18 });
    oneEl.setAttribute("data-loaded", "1");
  }

  // ---- coverage map
  var covEl = document.getElementById("coverage-map");
  var covCfg = config("coverage-map-config");
  if (covEl && covCfg && window.L) {
    var cov = baseMap(covEl, covCfg);
    var labels = JSON.parse(covEl.getAttribute("data-labels") || "{}");
    fetch(covCfg.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        L.geoJSON(data, {
          pointToLayer: pointStyle(function () { return "#1d4ed8"; }),
          style: function (f) {
            if (f.properties.point) return { color: "#fff", weight: 2, fillColor: "#1d4ed8", fillOpacity: 0.95 };
            var ok = f.properties.covered;
            return { color: ok ? "#15803d" : "#dc2626", weight: 1, fillColor: ok ? "#22c55e" : "#ef4444", fillOpacity: ok ? 0.25 : 0.45 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var text = p.point ? p.name : p.name + (p.covered ? " · " + p.distance_m + " m" : " · " + (labels.gap || "×"));
            l.bindTooltip(window.jzText.lines([text]), { sticky: true });
          }
        }).addTo(cov);
        covEl.setAttribute("data-loaded", String((data.features || []).length));
      });
    legend(cov, [["#22c55e", labels.covered || "✓"], ["#ef4444", labels.gap || "×"], ["#1d4ed8", labels.point || "•"]]);
  }

  // ---- use my location
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var where = form.querySelector("[data-where]");
      if (!navigator.geolocation) { if (where) where.textContent = "×"; return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("input[name=lon]").value = pos.coords.longitude.toFixed(7);
        form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(7);
        if (where) where.textContent = pos.coords.longitude.toFixed(5) + ", " + pos.coords.latitude.toFixed(5);
      }, function (err) { if (where) where.textContent = err.message; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  });

  // ---- print
  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
})();
