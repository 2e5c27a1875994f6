// Progressive enhancement for the pages; everything works without it.
// "Use my location" (the one location button, in the search form of the map and the list)
// fills the form with the browser's position and sends it. Positions go to this server only
// for this one answer; they are never stored or logged. (Keyboard focus for map popups is in
// pins.js, with the pins.)
(function () {
  "use strict";
  if (!("geolocation" in navigator)) { return; }
  document.querySelectorAll("form.search").forEach(function (form) {
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
})();
