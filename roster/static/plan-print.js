/* The plan print (templates/plans/print.html): sets the largest type with which the sheet
   holds everything. roster/plans/printing.py estimates the size on the server (and shortens
   notes that cannot fit at all); this measures in the browser, on load and before printing,
   and shows the page's overflow note if even the smallest type does not fit. */
(function () {
  "use strict";
  var SIZES = ["density-normal", "density-compact", "density-tight"];

  function overflowing(sheet) {
    return sheet.scrollHeight > sheet.clientHeight + 1;
  }

  function fit() {
    var body = document.body;
    var sheet = document.querySelector(".sheet");
    if (!sheet) {
      return;
    }
    var i = 0;
    SIZES.forEach(function (size) {
      body.classList.remove(size);
    });
    body.classList.add(SIZES[0]);
    while (overflowing(sheet) && i < SIZES.length - 1) {
      body.classList.remove(SIZES[i]);
      i += 1;
      body.classList.add(SIZES[i]);
    }
    body.classList.toggle("overflowing", overflowing(sheet));
  }

  window.addEventListener("beforeprint", fit);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    if (print.addEventListener) {
      print.addEventListener("change", fit);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fit);
  } else {
    fit();
  }
})();
