// The map page's pins come from /map/pins for the part of the map in view, so the page itself
// stays small however many facilities there are (without JavaScript there is no map, and the
// page offers the list instead).
// - On load and after each move (debounced), the view and a margin around it are fetched, unless
//   the view lies inside an area already fetched in full (an answer that was not truncated).
// - New pins join the page's marker cluster once each: pins already there (the numbered nearest
//   to a searched place, which say their distance) are kept.
// - The status line (a polite live region) says how many toilets the view shows, and how many
//   of them are the numbered nearest, so it agrees with the list; or to zoom in where there
//   were more than one answer holds. Its data-state ("loading", "done", "failed") is for the
//   browser tests.
(function () {
  "use strict";
  var locator = window.locator;
  var status = document.getElementById("map-status");
  if (!locator || !locator.map || !locator.markers || !status || !window.locatorPins ||
      !window.fetch || !window.AbortController) { return; }
  var WAIT_MS = 300;   // after the last move, before fetching
  var MARGIN = 0.25;   // fetched around the view on each side, as a share of its size
  var map = locator.map;
  var cluster = locator.markers;
  var numbered = locator.nearest ? locator.nearest.getLayers() : [];
  var url = status.getAttribute("data-pins");
  var what = status.hasAttribute("data-filtered") ? "matching toilet" : "toilet";
  var shown = {};      // facility id -> its marker
  var complete = [];   // areas fetched in full, as L.LatLngBounds
  var inFlight = null; // the AbortController of the fetch under way
  var timer = null;

  cluster.getLayers().concat(numbered).forEach(function (pin) {
    shown[pin.options.facilityId] = pin;
  });

  function within(value, limit) { return Math.max(-limit, Math.min(limit, value)); }

  // The view (padded by `margin`) as a box the server accepts: Leaflet's world repeats sideways,
  // so it is cut to the one world, and rounded outwards to 4 decimals (about 10 m).
  function box(margin) {
    var b = map.getBounds().pad(margin);
    var west = Math.floor(within(b.getWest(), 180) * 1e4) / 1e4;
    var east = Math.ceil(within(b.getEast(), 180) * 1e4) / 1e4;
    var south = Math.floor(within(b.getSouth(), 90) * 1e4) / 1e4;
    var north = Math.ceil(within(b.getNorth(), 90) * 1e4) / 1e4;
    if (!(west < east)) { west = -180; east = 180; }
    if (!(south < north)) { south = -90; north = 90; }
    return L.latLngBounds([south, west], [north, east]);
  }

  function isComplete(view) {
    return complete.some(function (area) { return area.contains(view); });
  }

  function say(text, state) {
    if (status.textContent !== text) { status.textContent = text; }  // no repeats read out
    status.setAttribute("data-state", state);
  }

  function report() {
    var view = box(0);
    var n = 0;
    Object.keys(shown).forEach(function (id) {
      if (view.contains(shown[id].getLatLng())) { n += 1; }
    });
    var toilets = n.toLocaleString("en-GB") + " " + what + (n === 1 ? "" : "s");
    if (!isComplete(view)) {
      say("Showing " + toilets + ". Zoom in to see all toilets here." + nearestInView(view),
          "done");
    } else if (n === 0) {
      say("No " + what + "s in this area. Zoom out to see more.", "done");
    } else {
      say("Showing " + toilets + " in this area." + nearestInView(view), "done");
    }
  }

  // " Pins 1 to 5 are the 5 nearest, as listed.": the numbered pins in view, in the list's words.
  function nearestInView(view) {
    var total = numbered.length;
    var inView = numbered.filter(function (pin) { return view.contains(pin.getLatLng()); });
    if (!total || !inView.length) { return ""; }
    if (inView.length === total) {
      return total === 1 ? " Pin 1 is the nearest, as listed."
        : " Pins 1 to " + total + " are the " + total + " nearest, as listed.";
    }
    return " " + inView.length + " of the " + total + " nearest listed are in view.";
  }

  function load() {
    timer = null;
    if (isComplete(box(0))) { report(); return; }
    var wanted = box(MARGIN);
    var bbox = [wanted.getWest(), wanted.getSouth(), wanted.getEast(), wanted.getNorth()];
    if (inFlight) { inFlight.abort(); }
    var controller = new AbortController();
    inFlight = controller;
    status.setAttribute("data-state", "loading");
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + bbox.join(","), {
      signal: controller.signal, headers: {Accept: "application/json"}
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (inFlight !== controller) { return; }
      inFlight = null;
      var fresh = data.pins.filter(function (p) { return !shown[p.id]; });
      window.locatorPins.draw(cluster, fresh).forEach(function (pin) {
        shown[pin.options.facilityId] = pin;
      });
      if (!data.truncated) { complete.push(wanted); }
      report();
    }).catch(function () {
      if (inFlight !== controller) { return; }  // aborted for a newer view
      inFlight = null;
      say("We could not load the toilets for this part of the map. Move the map to try again, " +
          "or use the list.", "failed");
    });
  }

  map.on("moveend", function () {
    status.setAttribute("data-state", "loading");
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(load, WAIT_MS);
  });
  load();
})();
