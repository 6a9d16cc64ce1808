/* The safety board's refresh: every 30 s the figures are read from board.json and the
   tables and lists redrawn in place, as text (never as markup). A hand-off form being
   filled in is left alone until it is sent or closed. */
(function () {
  "use strict";

  var script = document.currentScript;
  var url = script.getAttribute("data-url");
  var handoffBase = script.getAttribute("data-handoff");
  var personBase = script.getAttribute("data-person");
  var texts = JSON.parse(script.getAttribute("data-texts") || "{}");
  var SVG = "http://www.w3.org/2000/svg";
  var SEGMENTS = ["confirmed", "needs_help", "unreachable", "deceased"];
  var NUMBERS = ["total", "confirmed", "needs_help", "unreachable", "unconfirmed", "deceased"];
  var EVERY = 30000;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function number(n) { return Number(n || 0).toLocaleString("ja-JP"); }

  function bar(row) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "safety-bar");
    svg.setAttribute("viewBox", "0 0 100 10");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("role", "img");
    var x = 0;
    SEGMENTS.forEach(function (key) {
      var width = row.total ? 100 * row[key] / row.total : 0;
      var rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("class", "seg-" + key);
      rect.setAttribute("x", x.toFixed(2));
      rect.setAttribute("y", "0");
      rect.setAttribute("width", width.toFixed(2));
      rect.setAttribute("height", "10");
      svg.appendChild(rect);
      x += width;
    });
    return svg;
  }

  function progress(bodyId, rows) {
    var body = document.getElementById(bodyId);
    if (!body || !rows) { return; }
    var fresh = document.createDocumentFragment();
    rows.forEach(function (row) {
      var tr = el("tr");
      var th = el("th", row.name);
      th.setAttribute("scope", "row");
      tr.appendChild(th);
      var cell = el("td", null, "bar-col");
      cell.appendChild(bar(row));
      tr.appendChild(cell);
      ["total", "confirmed", "needs_help", "unreachable", "unconfirmed", "deceased"].forEach(function (key) {
        var alert = key === "needs_help" && row[key] ? " alert" : "";
        tr.appendChild(el("td", number(row[key]), "num" + alert));
      });
      fresh.appendChild(tr);
    });
    body.replaceChildren(fresh);
  }

  function totals(total) {
    NUMBERS.forEach(function (key) {
      var dd = document.querySelector('#totals dd[data-key="' + key + '"]');
      if (dd) { dd.textContent = number(total[key]); }
    });
  }

  function nameCell(person) {
    var td = el("td");
    var link = el("a", person.name);
    link.href = personBase + person.id;
    td.appendChild(link);
    return td;
  }

  function emptyRow(text, columns) {
    var tr = el("tr", null, "none");
    var td = el("td", text);
    td.colSpan = columns;
    tr.appendChild(td);
    return tr;
  }

  function badge(id, count) {
    var node = document.getElementById(id);
    node.textContent = count;
    node.classList.toggle("zero", !count);
  }

  function needsHelp(list) {
    var body = document.getElementById("needs-help");
    if (!body || !list) { return; }
    badge("needs-help-count", list.count);
    var fresh = document.createDocumentFragment();
    list.people.forEach(function (p) {
      var tr = el("tr");
      tr.appendChild(nameCell(p));
      tr.appendChild(el("td", p.address));
      tr.appendChild(el("td", p.phone, "nowrap"));
      tr.appendChild(el("td", p.status, "nowrap"));
      tr.appendChild(el("td", p.note, "note"));
      tr.appendChild(el("td", p.reporter));
      tr.appendChild(el("td", p.at, "nowrap"));
      fresh.appendChild(tr);
    });
    if (!list.people.length) { fresh.appendChild(emptyRow(texts.none_help, 7)); }
    body.replaceChildren(fresh);
  }

  function handoffCell(person) {
    var td = el("td");
    var template = document.getElementById("handoff-template");
    if (!template) { return td; }
    var copy = template.content.cloneNode(true);
    copy.querySelector("form").action = handoffBase + person.id + "/handoff";
    td.appendChild(copy);
    return td;
  }

  function busy(body) {
    return Array.prototype.some.call(body.querySelectorAll("details"), function (d) {
      return d.open;
    }) || body.contains(document.activeElement);
  }

  function escalation(list) {
    var body = document.getElementById("escalation-list");
    if (!body || !list || busy(body)) { return; }
    badge("escalation-count", list.count);
    var fresh = document.createDocumentFragment();
    list.people.forEach(function (p) {
      var tr = el("tr");
      tr.setAttribute("data-id", p.id);
      tr.appendChild(nameCell(p));
      tr.appendChild(el("td", p.address));
      tr.appendChild(el("td", p.phone, "nowrap"));
      tr.appendChild(el("td", p.status, "nowrap"));
      tr.appendChild(el("td", p.score, "num"));
      tr.appendChild(el("td", p.handoff || "—"));
      tr.appendChild(handoffCell(p));
      fresh.appendChild(tr);
    });
    if (!list.people.length) {
      fresh.appendChild(emptyRow(list.due ? texts.none_escalation : texts.not_due, 7));
    }
    body.replaceChildren(fresh);
  }

  function say(text) {
    var note = document.getElementById("refreshed");
    if (note) { note.textContent = text; }
  }

  /* Forms on a page open for hours get the refresh's fresh CSRF token (the template's too). */
  function renewTokens(token) {
    if (!token) { return; }
    var template = document.getElementById("handoff-template");
    var roots = [document].concat(template ? [template.content] : []);
    roots.forEach(function (root) {
      Array.prototype.forEach.call(root.querySelectorAll('input[name="csrf_token"]'), function (input) {
        input.value = token;
      });
    });
  }

  function draw(data) {
    renewTokens(data.csrf);
    document.getElementById("elapsed").textContent = data.elapsed;
    totals(data.total);
    progress("by-district", data.districts);
    progress("by-organisation", data.organisations);
    needsHelp(data.needs_help);
    escalation(data.escalation);
    var time = new Date().toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    say((texts.refreshed || "").replace("{time}", time));
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        draw(data);
        if (data.running) { window.setTimeout(refresh, EVERY); }
      })
      .catch(function () {
        say(texts.failed || "");
        window.setTimeout(refresh, EVERY);
      });
  }

  window.setTimeout(refresh, EVERY);
}());
