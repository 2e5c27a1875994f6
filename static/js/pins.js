// Facility pins on a Leaflet map: the one place they are drawn, for the map page (map.js and
// map-pins.js) and the small Folium maps (maps.Pins). Each pin is a keyboard-reachable marker
// (Enter opens its popup) whose DivIcon draws the category letters, or the number of one of a
// search's nearest, and a state symbol, with the pin's name as visually hidden text;
// `facilityId` names it. A popup opened from the keyboard takes the focus; Escape closes it and
// the focus goes back to the pin.
(function () {
  "use strict";
  var SIZE = 44;
  var NUMBERED_ABOVE = 1000;  // zIndexOffset: numbered pins are drawn above the others

  function focusPopup(event) {
    var pin = event.target;
    var icon = pin.getElement && pin.getElement();
    if (!icon || document.activeElement !== icon) { return; }  // mouse or touch: leave focus
    var popup = event.popup.getElement();
    var first = popup.querySelector("a");
    if (first) { first.focus(); }
    if (!popup.dataset.escapeCloses) {  // Leaflet reuses a popup's element
      popup.dataset.escapeCloses = "yes";
      popup.addEventListener("keydown", function (key) {
        if (key.key === "Escape") { pin.closePopup(); }
      });
    }
    event.popup.once("remove", function () { icon.focus(); });
  }

  function marker(p, size) {
    var half = size / 2;
    var pin = L.marker([p.lat, p.lon], {
      icon: L.divIcon({html: p.html, className: p.className, iconSize: [size, size],
                       iconAnchor: [half, size], popupAnchor: [0, -size]}),
      keyboard: p.popup !== null, riseOnHover: true, facilityId: p.id,
      number: p.number || null, zIndexOffset: p.number ? NUMBERED_ABOVE : 0
    });
    if (p.popup) {
      pin.bindPopup(p.popup, {maxWidth: 280, minWidth: 200,
        autoPanPaddingTopLeft: [60, 16], autoPanPaddingBottomRight: [12, 16]});
      pin.on("popupopen", focusPopup);
    }
    return pin;
  }

  window.locatorPins = {
    size: SIZE,
    // Markers for `pins` (data from maps.pin), added to `target`: a map or layer group, or a
    // marker cluster in one batch. Returns the markers, in the order given.
    draw: function (target, pins, size) {
      var made = pins.map(function (p) { return marker(p, size || SIZE); });
      if (target.addLayers) {
        target.addLayers(made);
      } else {
        made.forEach(function (pin) { pin.addTo(target); });
      }
      return made;
    },
    // The searched place: a yellow dot in a pane of its own above the pins, so that neither a
    // pin nor a cluster hides it; not a control (the map key explains it). `point.name` is
    // what was searched for, set as text, never as HTML.
    origin: function (map, point) {
      if (!map.getPane("searched")) {
        var pane = map.createPane("searched");
        pane.style.zIndex = 640;  // above markers (600), below popups (700)
        pane.style.pointerEvents = "none";
      }
      var dot = document.createElement("span");
      dot.className = "visually-hidden";
      dot.textContent = "You searched here: " + point.name;
      return L.marker([point.lat, point.lon], {
        pane: "searched", interactive: false, keyboard: false,
        icon: L.divIcon({html: dot, className: "search-dot", iconSize: [44, 44],
                         iconAnchor: [22, 22]})
      }).addTo(map);
    }
  };
})();
