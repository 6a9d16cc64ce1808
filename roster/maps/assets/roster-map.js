/* Roster's maps: popups built as text from the data, people's points, and a person's details
   fetched on a click (staff and partners) from an endpoint that applies the access rule and
   logs the view. Loaded from the app (no CDN); the map document only calls RosterMap.*. */
(function () {
  "use strict";

  var config = { texts: {}, categories: [], personUrl: "", identified: false };
  /* A 町丁目 or district point stands for many homes: pale, with a dashed edge. */
  var APPROXIMATE = {
    radius: 6, color: "#0b3d6e", weight: 2, dashArray: "3 2", fillColor: "#bbdefb", fillOpacity: 0.5
  };

  function text(key, fallback) {
    return (config.texts && config.texts[key]) || fallback || key;
  }

  /* A popup's content: a title and label/value lines, always as text, never as markup. */
  function content(title, lines) {
    var box = document.createElement("div");
    box.className = "roster-popup";
    if (title) {
      var heading = document.createElement("strong");
      heading.textContent = title;
      box.appendChild(heading);
    }
    if (lines && lines.length) {
      var list = document.createElement("dl");
      lines.forEach(function (line) {
        var term = document.createElement("dt");
        term.textContent = line[0];
        var value = document.createElement("dd");
        value.textContent = line[1];
        list.appendChild(term);
        list.appendChild(value);
      });
      box.appendChild(list);
    }
    return box;
  }

  function note(message, className) {
    var box = document.createElement("p");
    box.className = "roster-popup " + (className || "");
    box.textContent = message;
    return box;
  }

  function latLng(opts, row) {
    return [opts.origin[0] + row[0] / opts.scale, opts.origin[1] + row[1] / opts.scale];
  }

  /* Fetch one person's details when their popup opens; the answer is kept for this map. */
  function personPopup(marker, id) {
    var loaded = null;
    marker.bindPopup(function () {
      return loaded || note(text("loading", "…"), "loading");
    }, { maxWidth: 320 });
    marker.on("popupopen", function (event) {
      if (loaded) { return; }
      var popup = event.popup;
      fetch(config.personUrl + id, {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (person) {
        loaded = content(person.title, person.lines);
        if (person.url && person.url.charAt(0) === "/") {
          var link = document.createElement("a");
          link.href = person.url;
          link.target = "_top";
          link.textContent = text("open", "→");
          loaded.appendChild(link);
        }
        popup.setContent(loaded);
      }).catch(function () {
        popup.setContent(note(text("failed", "!"), "failed"));
      });
    });
  }

  window.RosterMap = {
    setup: function (map, options) {
      config = options || config;
      if (map.attributionControl && config.attribution) {
        map.attributionControl.addAttribution(config.attribution);
      }
      /* Metres and kilometres only. */
      L.control.scale({ metric: true, imperial: false }).addTo(map);
    },

    /* Shelters and hazard areas: the properties carry the popup's title and lines. */
    feature: function (feature, layer) {
      var props = feature.properties || {};
      layer.bindPopup(function () { return content(props.title, props.lines); });
    },

    /* Approximate district outlines: a label on hover. */
    district: function (feature, layer) {
      var props = feature.properties || {};
      layer.bindTooltip(function () { return content(props.title, props.lines); },
                        { sticky: true });
    },

    /* Staff and partners: [dy, dx, register number, approximate]; details on a click.
       An approximate point (町丁目 or district) is a pale ring with a dashed edge. */
    people: function (opts) {
      return function (row) {
        var marker = L.circleMarker(latLng(opts, row), row[3] ? APPROXIMATE : {
          radius: 6, color: "#0b3d6e", weight: 1, fillColor: "#1e88e5", fillOpacity: 0.9
        });
        personPopup(marker, row[2]);
        return marker;
      };
    },

    /* Planners: [dy, dx, need category, made-up id, approximate]; the popup shows the
       category only. */
    planning: function (opts) {
      return function (row) {
        var category = config.categories[row[2]] || { label: "", colour: "#5b6470" };
        var marker = L.circleMarker(latLng(opts, row), {
          radius: 6, color: "#263238", weight: row[4] ? 2 : 1, dashArray: row[4] ? "3 2" : null,
          fillColor: category.colour, fillOpacity: row[4] ? 0.35 : 0.9
        });
        marker.bindPopup(function () {
          return content(category.label, [[text("pseudonym", "ID"), "P-" + row[3]]]);
        });
        return marker;
      };
    }
  };
}());
