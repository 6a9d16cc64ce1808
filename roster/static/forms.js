// Forms: the 和暦 beside a typed date, and the 「すべての提供先」 box.
// The server reads the same text without this file; it only shows what will be saved.
(function () {
  "use strict";

  function eraTable(input) {
    return input.dataset.eras.split(";").map(function (row) {
      var cells = row.split(",");
      var d = cells[2].split("-").map(Number);
      return { name: cells[0], initial: cells[1], start: new Date(d[0], d[1] - 1, d[2]) };
    });
  }

  function makeDay(y, m, d) {
    var day = new Date(y, m - 1, d);
    day.setFullYear(y);
    return day.getFullYear() === y && day.getMonth() === m - 1 && day.getDate() === d ? day : null;
  }

  function parse(text, eras) {
    var t = text.normalize("NFKC").trim().toUpperCase();
    var m = t.match(/^(\d{4})\s*[年.\-\/]\s*(\d{1,2})\s*[月.\-\/]\s*(\d{1,2})\s*日?$/) ||
      t.match(/^(\d{4})(\d{2})(\d{2})$/);
    if (m) { return makeDay(+m[1], +m[2], +m[3]); }
    m = t.match(/^([^\d\s元.]+?)\.?\s*(\d{1,2}|元)\s*[年.\-\/]\s*(\d{1,2})\s*[月.\-\/]\s*(\d{1,2})\s*日?$/);
    if (!m) { return null; }
    for (var i = 0; i < eras.length; i++) {
      var era = eras[i];
      if (m[1] !== era.name && m[1] !== era.initial && m[1] !== era.name[0]) { continue; }
      var year = m[2] === "元" ? 1 : +m[2];
      var day = year > 0 ? makeDay(era.start.getFullYear() + year - 1, +m[3], +m[4]) : null;
      var end = i > 0 ? eras[i - 1].start : null;
      return day && day >= era.start && (!end || day < end) ? day : null;
    }
    return null;
  }

  function wareki(day, eras) {
    for (var i = 0; i < eras.length; i++) {
      if (day >= eras[i].start) {
        var year = day.getFullYear() - eras[i].start.getFullYear() + 1;
        return eras[i].name + (year === 1 ? "元" : year) + "年" + (day.getMonth() + 1) + "月" +
          day.getDate() + "日";
      }
    }
    return "";
  }

  function iso(day) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return day.getFullYear() + "-" + two(day.getMonth() + 1) + "-" + two(day.getDate());
  }

  function showEra(input) {
    var eras = eraTable(input);
    var out = document.createElement("small");
    out.className = "era-preview";
    out.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", out);
    function update() {
      var day = input.value.trim() ? parse(input.value, eras) : null;
      out.textContent = day ? iso(day) + "（" + wareki(day, eras) + "）" : "";
    }
    input.addEventListener("input", update);
    update();
  }

  function linkAllBox(box) {
    var boxes = box.form.querySelectorAll('input[type=checkbox][name="scope"]');
    box.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = box.checked; });
    });
    boxes.forEach(function (b) {
      b.addEventListener("change", function () {
        box.checked = Array.prototype.every.call(boxes, function (x) { return x.checked; });
      });
    });
  }

  document.querySelectorAll("input[data-eras]").forEach(showEra);
  document.querySelectorAll('input[type=checkbox][name="all_partners"]').forEach(linkAllBox);
}());
