"""Maps drawn with folium (people, shelters, hazard areas, districts, by role) and the
vendored Leaflet files they load (issue 5). The hazard layers and shelter assignment pages
are roster.hazards'. The blueprints (maps.views, maps.vendor) are registered by
roster.blueprints."""
