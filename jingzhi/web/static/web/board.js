/* The printable responsibility board: its "print" button (a data attribute, not an inline onclick, so the
   page runs under the site's Content-Security-Policy with no inline script). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
