/* One person of a partner's list on the map (templates/portal/person_map.html): the map
   document draws shelters, hazard areas and districts; this script adds the person's home
   as a large red point with a label, above everything else, in a pane of its own. An
   approximate location (町丁目 or district point) gets a dashed red ring around it. */
(function () {
  "use strict";

  var config = JSON.parse(document.currentScript.getAttribute("data-config") || "{}");
  var originalSetup = window.RosterMap && window.RosterMap.setup;
  if (!originalSetup || !config.home) { return; }

  window.RosterMap.setup = function (map, options) {
    originalSetup(map, options);
    var at = L.latLng(config.home[0], config.home[1]);
    map.createPane("home");
    map.getPane("home").style.zIndex = 640;
    if (config.approximate) {
      L.circle(at, {
        pane: "home", radius: 150, color: "#b3261e", weight: 3, dashArray: "6 5",
        fillColor: "#b3261e", fillOpacity: 0.1, interactive: false
      }).addTo(map);
    }
    var home = L.circleMarker(at, {
      pane: "home", radius: 11, color: "#ffffff", weight: 4, fillColor: "#b3261e", fillOpacity: 1
    }).addTo(map);
    home.bindTooltip(config.label, { permanent: true, direction: "top", offset: [0, -12],
                                     className: "home-label" });
  };
}());
