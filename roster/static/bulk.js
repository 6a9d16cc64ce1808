// The register list's "all on this page" box ticks and unticks every row; unticking a row
// unticks it; the bar says how many are ticked. Without script the server reads the box
// itself, so the form works either way (the count stays hidden).
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var all = form.querySelector("[data-ticks-all]");
  var count = form.querySelector("[data-ticked-count]");
  var rows = document.querySelectorAll('input[name="ids"][form="bulk-form"], #bulk-form input[name="ids"]');
  function show() {
    if (!count) { return; }
    var n = 0;
    rows.forEach(function (box) { if (box.checked) { n += 1; } });
    count.textContent = count.getAttribute("data-text").replace("__N__", String(n));
    count.hidden = n === 0;
  }
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
    show();
  });
  rows.forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) { all.checked = false; }
      show();
    });
  });
  show();
}());
