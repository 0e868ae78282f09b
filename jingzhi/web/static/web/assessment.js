// 考核 pages: the print button (no inline script under the CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) { window.print(); }
});
