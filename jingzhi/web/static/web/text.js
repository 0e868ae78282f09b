/* Text from the database on the map — place names from imported boundary files, street and category names,
   case descriptions — is shown as text, never parsed as HTML: Leaflet's bindTooltip/bindPopup treat a
   string as HTML, so our map scripts hand them an element whose lines were set with textContent. */
(function () {
  "use strict";
  // lines(["Grid 1 · 0001", "Community"]) → <span>Grid 1 · 0001<br>Community</span>, each line as text.
  function lines(parts) {
    var span = document.createElement("span");
    parts.forEach(function (part, i) {
      if (i) span.appendChild(document.createElement("br"));
      span.appendChild(document.createTextNode(part === null || part === undefined ? "" : String(part)));
    });
    return span;
  }
  window.jzText = { lines: lines };
})();
