// The map page's map, built in the browser from the page's data (locator.web.pages.maps.page_map,
// in <script type="application/json" id="map-data">): the configured tile server, the first
// view, and after a search the nearest pins, numbered as in the list, outside the marker cluster
// so they are never merged into a bubble, and the searched place's dot above every pin.
// map-pins.js fills the cluster with the other pins for the view.
// Keyboard order follows distance: the numbered pins first (1, 2, ...), then the others nearest
// first from the searched place (or from the middle of the view when there is none).
//
// This is the only script the page names for the map, and it is deferred: the page, its list
// and its styles come first, with the whole of a slow connection to themselves. Only then does
// it load Leaflet's styles (placed before the site's, so that the site's rules still win) and
// scripts (in order), draw the map, and load map-pins.js.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var source = document.getElementById("map-data");
  var status = document.getElementById("map-status");
  if (!element || !source) { return; }
  var data = JSON.parse(source.textContent);

  function failed() {
    if (!status) { return; }
    status.textContent = "The map could not be loaded (a poor connection?). The list works " +
      "without it: reload the page to try the map again.";
    status.setAttribute("data-state", "failed");
  }

  function styles(urls) {
    var site = document.querySelector('link[rel="stylesheet"][href*="css/site.css"]');
    urls.forEach(function (url) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = url;
      document.head.insertBefore(link, site);
    });
  }

  // Scripts run in the order given (async = false); `done` once the last has run.
  function scripts(urls, done) {
    urls.forEach(function (url, i) {
      var script = document.createElement("script");
      script.src = url;
      script.async = false;
      script.onerror = failed;
      if (i === urls.length - 1) { script.onload = done; }
      document.body.appendChild(script);
    });
  }

  function draw() {
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var map = L.map(element, {
      center: data.center, zoom: data.zoom,
      zoomAnimation: !still, fadeAnimation: !still, markerZoomAnimation: !still
    });
    L.tileLayer(data.tiles.url, {
      attribution: data.tiles.attribution, maxZoom: data.tiles.maxZoom
    }).addTo(map);
    L.control.scale({metric: true, imperial: false}).addTo(map);
    if (data.fit) {
      map.fitBounds(data.fit, {padding: [20, 20], maxZoom: data.fitMaxZoom, animate: false});
    }

    // Cluster bubbles say how many facilities they hold, in words for screen readers.
    var cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 64, animate: false,
      iconCreateFunction: function (group) {
        var n = group.getChildCount();
        return L.divIcon({
          html: '<span class="cluster-count" aria-hidden="true">' + n + "</span>" +
                '<span class="visually-hidden">' + n + " facilities here: zoom in</span>",
          className: "cluster-icon", iconSize: L.point(44, 44), iconAnchor: L.point(22, 44)
        });
      }
    }).addTo(map);
    var nearest = L.layerGroup().addTo(map);
    window.locatorPins.draw(nearest, data.nearest, data.size);
    nearest.eachLayer(function (pin) {
      var icon = pin.getElement();
      if (icon) { icon.setAttribute("data-number", String(pin.options.number)); }
    });
    var origin = data.origin ? window.locatorPins.origin(map, data.origin) : null;

    // Tab order is the order of the pins' elements in the marker pane, which Leaflet and the
    // cluster leave as they were added: put them in order of distance whenever they change,
    // unless the focus is on one of them (moving a focused element would drop the focus).
    var pane = map.getPane("markerPane");
    var pending = false;
    function rank(icon, from) {
      var number = icon.getAttribute("data-number");
      if (number) { return -1e9 + Number(number); }
      var at = L.DomUtil.getPosition(icon);  // the marker's point in the map's layer
      return at ? at.distanceTo(from) : 1e9;
    }
    function order() {
      pending = false;
      if (pane.contains(document.activeElement)) { return; }
      var from = map.latLngToLayerPoint(origin ? origin.getLatLng() : map.getCenter());
      var icons = Array.prototype.slice.call(pane.children);
      var ranked = icons.map(function (icon) { return [rank(icon, from), icon]; });
      ranked.sort(function (a, b) { return a[0] - b[0]; });
      var inOrder = ranked.every(function (pair, i) { return pair[1] === icons[i]; });
      if (!inOrder) { ranked.forEach(function (pair) { pane.appendChild(pair[1]); }); }
    }
    function reorder() {
      if (!pending) { pending = true; window.requestAnimationFrame(order); }
    }
    map.on("moveend zoomend layeradd", reorder);
    cluster.on("animationend layeradd", reorder);

    window.locator = {map: map, markers: cluster, nearest: nearest, order: reorder};
  }

  styles(data.assets.css);
  scripts(data.assets.scripts, function () {
    if (!window.L || !L.markerClusterGroup || !window.locatorPins) { failed(); return; }
    draw();
    scripts(data.assets.then, function () {});
  });
})();
