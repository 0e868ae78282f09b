// Case page on a narrow screen: the primary action (rendered first, data-primary) stays open and the other
// action forms fold behind their titles, one tap away. The page is rendered with every form open, so without
// this script (or on a wide screen) all of them are shown. A form that came back with an error stays open.
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 639px)").matches) return;
  Array.prototype.forEach.call(document.querySelectorAll("details.action-fold"), function (fold) {
    if (!fold.hasAttribute("data-primary") && !fold.hasAttribute("data-error")) fold.open = false;
  });
  // A key shown beside an action (a phone with a keyboard) opens its form before cases.js focuses it.
  document.addEventListener("keydown", function (e) {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    var form = document.querySelector("form.action-form[data-key='" + e.key + "']");
    var fold = form && form.querySelector("details.action-fold");
    if (fold && /^[1-9]$/.test(e.key)) fold.open = true;
  }, true);
})();
