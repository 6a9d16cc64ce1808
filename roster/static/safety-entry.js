// The entry screen for paper results (templates/safety/entry.html): the name of the typed
// number shows for checking; in the status and method groups a single key picks the choice
// and moves on; Enter records. No choice is ever made for the user.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var number = form.querySelector("#number");
  var sheet = form.querySelector("#sheet");
  var who = document.getElementById("who");
  var place = form.querySelector("#place");
  var note = form.querySelector("#note");
  var asked = 0;

  function show(text, bad) {
    who.textContent = text;
    who.classList.toggle("bad", !!bad);
  }

  function lookUp() {
    var value = number.value.trim();
    if (!value) { show(who.dataset.none, false); return; }
    var mine = ++asked;
    var url = form.dataset.lookup + "?number=" + encodeURIComponent(value) +
      (sheet && sheet.value ? "&sheet=" + encodeURIComponent(sheet.value) : "");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
      .then(function (answer) {
        if (mine !== asked) { return; }
        var body = answer[1];
        if (!answer[0]) { show(body.error, true); return; }
        show(body.id + "　" + (body.name || "") + (body.name_kana ? "（" + body.name_kana + "）" : "") +
             "　" + body.district + "　／　" + who.dataset.now + body.status, false);
      })
      .catch(function () { if (mine === asked) { show(who.dataset.none, false); } });
  }

  var timer = null;
  number.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 250);
  });
  if (sheet) { sheet.addEventListener("change", lookUp); }

  function firstOf(group) { return form.querySelector('[data-group="' + group + '"] input'); }

  function pick(group, key) {
    var inputs = form.querySelectorAll('[data-group="' + group + '"] input');
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].dataset.key === key) { inputs[i].checked = true; return inputs[i]; }
    }
    return null;
  }

  form.addEventListener("keydown", function (event) {
    var target = event.target;
    var group = target.closest && target.closest("[data-group]");
    if (event.key === "Enter" && target.type === "radio") {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (!group || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var chosen = pick(group.dataset.group, event.key.toLowerCase());
    if (!chosen) { return; }
    event.preventDefault();
    if (group.dataset.group === "status") {
      firstOf("method").focus();
    } else if (chosen && form.querySelector('[name="status"][value="evacuated"]').checked) {
      place.focus();
    } else {
      note.focus();
    }
  });

  // From the number box, Enter moves to the status keys until a status is chosen.
  number.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !form.querySelector('[name="status"]:checked')) {
      event.preventDefault();
      firstOf("status").focus();
    }
  });
  if (number.value) { lookUp(); }
})();
