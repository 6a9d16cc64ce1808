// The register list's "all on this page" box ticks and unticks every row; unticking a row
// unticks it. Without script the server reads the box itself, so the form works either way.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var all = form.querySelector("[data-ticks-all]");
  var rows = document.querySelectorAll('input[name="ids"][form="bulk-form"], #bulk-form input[name="ids"]');
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
  });
  rows.forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) { all.checked = false; }
    });
  });
}());
