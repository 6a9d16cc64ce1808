/* Roster's maps: popups built as text from the data, people's points, and a person's details
   fetched on a click (staff and partners) from an endpoint that applies the access rule and
   logs the view. Loaded from the app (no CDN); the map document only calls RosterMap.*.
   The staff map's document holds no people: RosterMap.live asks the points endpoint for the
   view each time the map stops moving and draws counts per cell or the points. */
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


  /* The view as numbers for the points endpoint (never anything else in the URL). */
  function viewQuery(map) {
    var b = map.getBounds();
    function clamp(value, low, high) {
      return Math.round(Math.max(low, Math.min(high, value)) * 1e6) / 1e6;
    }
    return "south=" + clamp(b.getSouth(), -90, 90) + "&west=" + clamp(b.getWest(), -180, 180) +
      "&north=" + clamp(b.getNorth(), -90, 90) + "&east=" + clamp(b.getEast(), -180, 180) +
      "&zoom=" + Math.floor(map.getZoom());
  }

  /* A count per cell: Leaflet.markercluster's look; a click zooms in on the cell. */
  function cellMarker(map, row, cell) {
    var count = Number(row[2]) || 0;
    var size = count < 10 ? "small" : (count < 100 ? "medium" : "large");
    var box = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = String(count);
    box.appendChild(number);
    var marker = L.marker([row[0], row[1]], {
      icon: L.divIcon({
        html: box, className: "marker-cluster marker-cluster-" + size + " roster-cell",
        iconSize: L.point(40, 40)
      }),
      title: String(count), keyboard: true
    });
    marker.on("click", function () {
      var half = cell / 2;
      map.fitBounds([[row[0] - half, row[1] - half], [row[0] + half, row[1] + half]],
                    { maxZoom: map.getZoom() + 3 });
    });
    return marker;
  }

  /* A point of the answer ([lat, lon, id, approximate] or, for planners, [lat, lon,
     category code, made-up id, approximate]) as the embedded maps draw it. */
  function pointMarker(identified, row) {
    if (identified) {
      return window.RosterMap.people({ origin: [0, 0], scale: 1 })(row);
    }
    var index = 4;
    config.categories.forEach(function (category, position) {
      if (category.code === row[2]) { index = position; }
    });
    return window.RosterMap.planning({ origin: [0, 0], scale: 1 })(
      [row[0], row[1], index, row[3], row[4]]);
  }

  function live(map, options) {
    var points = L.markerClusterGroup(options.cluster || {});
    var cells = L.layerGroup();
    var group = L.layerGroup([cells, points]);
    var timer = null;
    var asked = 0;

    function draw(data) {
      cells.clearLayers();
      points.clearLayers();
      if (data.kind === "clusters") {
        (data.clusters || []).forEach(function (row) {
          cells.addLayer(cellMarker(map, row, data.cell));
        });
      } else {
        var identified = data.mode === "identified";
        points.addLayers((data.points || []).map(function (row) {
          return pointMarker(identified, row);
        }));
      }
      map.getContainer().setAttribute("data-people", data.kind || "");
    }

    function load() {
      if (!map.hasLayer(group)) { return; }
      var number = ++asked;  /* an older answer arriving later is dropped */
      var url = options.url + (options.url.indexOf("?") < 0 ? "?" : "&") + viewQuery(map);
      fetch(url, {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        if (number === asked) { draw(data); }
      }).catch(function () { /* the next move asks again */ });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 250);
    }

    map.on("moveend", later);  /* also after each zoom */
    group.on("add", later);
    return group;
  }

  window.RosterMap = {
    live: live,

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
