// Facility pins on a Leaflet map: the one place they are drawn, for pins that come in the page
// (maps.Pins in Folium's script) and pins fetched for the view (map-pins.js). Each pin is a
// keyboard-reachable marker (Enter opens its popup) whose DivIcon draws the category letters and
// a state symbol, with the pin's name as visually hidden text; `facilityId` names it.
(function () {
  "use strict";
  var SIZE = 44;

  function marker(p, size) {
    var half = size / 2;
    var pin = L.marker([p.lat, p.lon], {
      icon: L.divIcon({html: p.html, className: p.className, iconSize: [size, size],
                       iconAnchor: [half, size], popupAnchor: [0, -size]}),
      keyboard: p.popup !== null, riseOnHover: true, facilityId: p.id
    });
    if (p.popup) {
      pin.bindPopup(p.popup, {maxWidth: 280, minWidth: 200,
        autoPanPaddingTopLeft: [60, 16], autoPanPaddingBottomRight: [12, 16]});
    }
    return pin;
  }

  window.locatorPins = {
    size: SIZE,
    // Markers for `pins` (data from maps.pin), added to `target`: a map, or a marker cluster in
    // one batch. Returns the markers.
    draw: function (target, pins, size) {
      var made = pins.map(function (p) { return marker(p, size || SIZE); });
      if (target.addLayers) {
        target.addLayers(made);
      } else {
        made.forEach(function (pin) { pin.addTo(target); });
      }
      return made;
    },
    // The searched place, as a yellow dot that is not a control.
    origin: function (map, point) {
      L.circleMarker([point.lat, point.lon], {
        radius: 10, color: "#1d1d1b", weight: 3, fillColor: "#ffdd00",
        fillOpacity: 1, interactive: false
      }).addTo(map);
    }
  };
})();
