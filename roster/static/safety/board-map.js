/* The operation's map: the shared map document holds no people; this script loads them from
   the operation's points.json (through the access rule, logged) and draws each as a circle
   in the colour of its current status. Staff's points open the person's details on a click
   (/maps/people/<id>, the rule again); planners' carry no ID. */
(function () {
  "use strict";

  var script = document.currentScript;
  var config = JSON.parse(script.getAttribute("data-config") || "{}");
  var texts = config.texts || {};
  var originalSetup = window.RosterMap && window.RosterMap.setup;
  var personUrl = "";

  function popupText(title, lines) {
    var box = document.createElement("div");
    box.className = "roster-popup";
    var heading = document.createElement("strong");
    heading.textContent = title;
    box.appendChild(heading);
    var list = document.createElement("dl");
    (lines || []).forEach(function (line) {
      var term = document.createElement("dt");
      term.textContent = line[0];
      var value = document.createElement("dd");
      value.textContent = line[1];
      list.appendChild(term);
      list.appendChild(value);
    });
    box.appendChild(list);
    return box;
  }

  function details(marker, id, status) {
    var loaded = null;
    marker.bindPopup(function () {
      return loaded || popupText(texts.loading || "…", [[texts.status, status.label]]);
    }, { maxWidth: 320 });
    marker.on("popupopen", function (event) {
      if (loaded) { return; }
      fetch(personUrl + id, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (person) {
          loaded = popupText(person.title, [[texts.status, status.label]].concat(person.lines));
          event.popup.setContent(loaded);
        })
        .catch(function () { event.popup.setContent(popupText(texts.failed || "!", [])); });
    });
  }

  function draw(map, data) {
    var renderer = L.canvas({ padding: 0.5 });
    var layer = L.layerGroup();
    var identified = data.mode === "identified";
    data.points.forEach(function (row) {
      var status = config.legend[identified ? row[3] : row[2]] || { label: "", colour: "#9e9e9e" };
      var approximate = identified ? row[4] : row[3];
      var marker = L.circleMarker([row[0], row[1]], {
        renderer: renderer, radius: 5, color: "#263238", weight: approximate ? 2 : 1,
        dashArray: approximate ? "3 2" : null, fillColor: status.colour,
        fillOpacity: approximate ? 0.45 : 0.9
      });
      if (identified) {
        details(marker, row[2], status);
      } else {
        marker.bindPopup(function () { return popupText(status.label, []); });
      }
      layer.addLayer(marker);
    });
    layer.addTo(map);
  }

  function load(map) {
    fetch(config.points, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) { draw(map, data); });
  }

  if (window.RosterMap && originalSetup) {
    window.RosterMap.setup = function (map, options) {
      originalSetup(map, options);
      personUrl = (options && options.personUrl) || "";
      load(map);
    };
  }
}());
