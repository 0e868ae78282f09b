/* Starts every chart on the page: an element with data-chart="ID" and a <script type="application/json"
   id="ID"> block with {type, data, height, options} (jingzhi.web.charts). Replaces chartkick's inline
   per-chart script, which the Content-Security-Policy refuses. */
(function () {
  "use strict";
  if (!window.Chartkick) return;
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return;
    var cfg = JSON.parse(source.textContent);
    var Chart = window.Chartkick[cfg.type];
    if (!Chart) return;
    el.style.height = cfg.height;  // CSSOM, which the CSP allows (a style attribute it would not)
    new Chart(el, cfg.data, cfg.options || {});
  });
})();
