/* The phone photo picker (web/_photo_picker.html), for every form that takes photos: a big button opens the
   camera or gallery; each picture shows as a preview with a remove button. The chosen files live in the input
   itself (rebuilt through a DataTransfer), so the form posts them as usual; previews are drawn on a canvas,
   since the CSP allows no blob: or data: images. Photos the server kept from a failed attempt (drafts) are
   listed by the page with a hidden field and removed the same way. */
(function () {
  "use strict";
  function setup(input) {
    var previews = document.getElementById(input.dataset.previews);
    if (!previews) return;
    var picked = [];
    function syncFiles() {
      if (!window.DataTransfer) return;
      var dt = new DataTransfer();
      picked.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
    }
    function removeButton(onRemove) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "photo-remove"; b.textContent = "×";
      b.setAttribute("aria-label", input.dataset.remove || "");
      b.setAttribute("data-testid", "photo-remove");
      b.addEventListener("click", onRemove);
      return b;
    }
    function preview(file) {
      var li = document.createElement("li");
      li.className = "photo-preview";
      li.setAttribute("data-testid", "new-photo");
      var canvas = document.createElement("canvas");
      canvas.width = 88; canvas.height = 88;
      li.appendChild(canvas);
      if (window.createImageBitmap) {
        createImageBitmap(file).then(function (img) {
          var side = Math.min(img.width, img.height);
          canvas.getContext("2d").drawImage(img, (img.width - side) / 2, (img.height - side) / 2, side, side, 0, 0, 88, 88);
        }).catch(function () { /* not decodable here: the server will say so */ });
      }
      li.appendChild(removeButton(function () {
        picked = picked.filter(function (f) { return f !== file; });
        syncFiles();
        li.remove();
      }));
      previews.appendChild(li);
    }
    input.addEventListener("change", function () {
      var added = Array.prototype.slice.call(input.files || []).filter(function (f) { return picked.indexOf(f) < 0; });
      picked = picked.concat(added);
      syncFiles();
      added.forEach(preview);
    });
    previews.addEventListener("click", function (e) {
      var b = e.target.closest && e.target.closest(".photo-remove");
      var li = b && b.closest("li");
      if (li && li.querySelector("input[name=draft_photos]")) li.remove();
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input.photo-input[data-previews]"), setup);
})();
