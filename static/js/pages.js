// Progressive enhancement for the pages; everything works without it.
// 1. "Use my location" fills the search form with the browser's position and sends it.
//    Positions go to this server only for this one answer; they are never stored or logged.
// 2. On the map, a pin opened from the keyboard moves focus into its popup; Escape closes it
//    and focus goes back to the pin.
// 3. On the map, Leaflet's "Find my location" offers the list for that position.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.search");
  if (window.locator && window.locator.markers) {
    window.locator.markers.on("popupopen", function (event) {
      var marker = event.propagatedFrom || event.sourceTarget;
      var pin = marker && marker.getElement && marker.getElement();
      if (!pin || document.activeElement !== pin) { return; }  // mouse or touch: leave focus
      var popup = event.popup.getElement();
      var first = popup.querySelector("a");
      if (first) { first.focus(); }
      if (!popup.dataset.escapeCloses) {  // Leaflet reuses a popup's element
        popup.dataset.escapeCloses = "yes";
        popup.addEventListener("keydown", function (key) {
          if (key.key === "Escape") { marker.closePopup(); }
        });
      }
      event.popup.once("remove", function () { pin.focus(); });
    });
  }
  if (!("geolocation" in navigator)) { return; }
  forms.forEach(function (form) {
    var button = form.querySelector(".use-location");
    var message = form.querySelector(".locate-message");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      message.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        form.elements.lat.disabled = false;
        form.elements.lon.disabled = false;
        form.elements.q.value = "";
        form.elements.q.disabled = true;
        form.submit();
      }, function () {
        message.textContent = "We could not get your location. Type a postcode or place instead.";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });
  // On the map, the Leaflet "Find my location" button offers the list for that position too.
  if (window.locator && window.locator.map) {
    window.locator.map.on("locationfound", function (event) {
      var form = document.querySelector("form.search");
      var message = form && form.querySelector(".locate-message");
      if (!message) { return; }
      var link = document.createElement("a");
      var params = new URLSearchParams(new FormData(form));
      params.delete("q");
      params.set("lat", event.latlng.lat.toFixed(5));
      params.set("lon", event.latlng.lng.toFixed(5));
      link.href = "/nearest?" + params.toString();
      link.textContent = "List the nearest to your location";
      message.textContent = "Found your location. ";
      message.appendChild(link);
    });
  }
})();
