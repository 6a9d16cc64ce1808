// Click on the map to set the home coordinates of the person being edited.
// Loaded as a file (the pages' Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var box = document.getElementById("location-picker");
  if (!box || !window.L) {
    return;
  }
  var lat = document.getElementById(box.getAttribute("data-lat-field"));
  var lon = document.getElementById(box.getAttribute("data-lon-field"));
  var districts = JSON.parse(box.getAttribute("data-districts") || "[]");
  var centre = [
    parseFloat(box.getAttribute("data-centre-lat")),
    parseFloat(box.getAttribute("data-centre-lon")),
  ];
  var current = null;
  if (lat.value && lon.value && !isNaN(parseFloat(lat.value)) && !isNaN(parseFloat(lon.value))) {
    current = [parseFloat(lat.value), parseFloat(lon.value)];
  }
  box.hidden = false;
  var map = L.map(box, { scrollWheelZoom: false }).setView(current || centre, current ? 16 : 14);
  L.control.scale({ metric: true, imperial: false }).addTo(map);
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    var options = JSON.parse(box.getAttribute("data-tile-options") || "{}");
    options.attribution = box.getAttribute("data-attribution");
    options.maxZoom = options.maxZoom || 18;
    L.tileLayer(tiles, options).addTo(map);
  }
  districts.forEach(function (d) {
    L.circleMarker([d[1], d[2]], { radius: 4, color: "#555", weight: 1, fillOpacity: 0.4 })
      .bindTooltip(d[0], { permanent: !tiles, direction: "top", className: "picker-district" })
      .addTo(map);
  });
  var marker = null;
  function show(position) {
    if (marker) {
      marker.setLatLng(position);
    } else {
      marker = L.circleMarker(position, { radius: 8, color: "#b00020", weight: 3, fillOpacity: 0.6 }).addTo(map);
    }
  }
  if (current) {
    show(current);
  }
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    show(event.latlng);
  });
})();
