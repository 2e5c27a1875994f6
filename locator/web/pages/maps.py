"""Folium maps for the pages, served entirely from /static (no CDN) and readable without colour.

Folium's stock page template locks zoom (`user-scalable=no`), sets page-wide CSS and loads
jQuery and Bootstrap from CDNs; `PageMap` keeps only the Leaflet map itself, and popups are bound
from ready HTML so no jQuery is needed. Our own page templates hold the map's parts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from fastapi.templating import Jinja2Templates
from folium.map import FitBounds
from folium.plugins import LocateControl, MarkerCluster
from folium.template import Template
from markupsafe import Markup, escape

from locator.domain.features import feature
from locator.settings import Settings
from locator.web.pages.words import FacilityView
from locator.web.static import static_url

LOCATE = "vendor/locatecontrol/L.Control.Locate.min"
COVENTRY = (52.4081, -1.5106)
PIN_SIZE = 44
# The closest a fitted first view zooms in (a single facility, or a search right beside one).
FIT_MAX_ZOOM = 15

# Cluster bubbles say how many facilities they hold, in words for screen readers.
CLUSTER_ICON = """
function (cluster) {
    var n = cluster.getChildCount();
    return L.divIcon({
        html: '<span class="cluster-count" aria-hidden="true">' + n + '</span>' +
              '<span class="visually-hidden">' + n + ' facilities here: zoom in</span>',
        className: 'cluster-icon', iconSize: L.point(44, 44), iconAnchor: L.point(22, 44)
    });
}
"""


class PageMap(folium.Map):
    """A folium Map without folium's page template: no zoom lock, no CDN, no jQuery/Bootstrap.

    It also honours "reduce motion": no zoom or fade animations.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="map" id={{ this.get_name()|tojson }} role="region"
                 aria-label="Map of facilities"></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
                return L.map({{ this.get_name()|tojson }}, {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    zoomAnimation: !still, fadeAnimation: !still, markerZoomAnimation: !still,
                    ...{{ this.options|tojavascript }}
                });
            })();
            {%- if this.control_scale %}
            L.control.scale({metric: true, imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )
    default_js = [
        ("leaflet", static_url("vendor/leaflet/leaflet.js")),
        ("locator_pins", static_url("js/pins.js")),
    ]
    default_css = [("leaflet_css", static_url("vendor/leaflet/leaflet.css"))]


class Cluster(MarkerCluster):
    """MarkerCluster from /static/vendor (our own cluster icons replace its default theme)."""

    default_js = [("markerclusterjs", static_url("vendor/markercluster/leaflet.markercluster.js"))]
    default_css = [("markerclustercss", static_url("vendor/markercluster/MarkerCluster.css"))]


class Locate(LocateControl):
    """LocateControl ("Find my location") from /static/vendor."""

    default_js = [
        ("Control_locate_min_js", static_url("vendor/locatecontrol/L.Control.Locate.min.js"))
    ]
    default_css = [
        ("Control_locate_min_css", static_url("vendor/locatecontrol/L.Control.Locate.min.css"))
    ]


class Raw(Element):
    """Finished script text kept as it is (branca would compile rendered text as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class Pins(MacroElement):
    """Facility pins in one script, from data: cheap to render and never re-templated.

    `static/js/pins.js` (loaded with Leaflet) draws them, as it draws the pins the map page
    fetches for its view: keyboard-reachable markers (Enter opens the popup) whose DivIcon shows
    the category letters and a state symbol; `facilityId` names each for the browser tests.
    """

    def __init__(
        self,
        target: MacroElement,
        pins: list[dict[str, Any]],
        origin: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Pins"
        self.target, self.pins, self.origin = target, pins, origin

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        assert isinstance(figure, Figure)
        data = _json({"pins": self.pins, "origin": self.origin, "size": PIN_SIZE})
        script = f"""
            (function (target, map, data) {{
                window.locatorPins.draw(target, data.pins, data.size);
                if (data.origin) {{ window.locatorPins.origin(map, data.origin); }}
            }})({self.target.get_name()}, {self._map_name()}, {data});
        """
        figure.script.add_child(Raw(script), name=self.get_name())
        return ""

    def _map_name(self) -> str:
        node: Any = self.target
        while not isinstance(node, folium.Map):
            node = node._parent
        return str(node.get_name())


def _json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class Expose(MacroElement):
    """Names the map and its markers on `window.locator` for our script and the browser tests."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.locator = {map: {{ this.map.get_name() }},
                              markers: {{ this.markers.get_name() if this.markers else 'null' }}};
        {% endmacro %}
        """
    )

    def __init__(self, map_: folium.Map, markers: MacroElement | None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Expose"
        self.map = map_
        self.markers = markers


@dataclass(frozen=True)
class MapParts:
    """The rendered map, for a page template: links for <head>, the map element, its script."""

    head: Markup
    html: Markup
    script: Markup


def popup_html(templates: Jinja2Templates, facility: FacilityView) -> str:
    """The popup for one pin, from the same macro file as the list cards."""
    macros: Any = templates.env.get_template("_facility.html").module
    return str(macros.popup(facility))


def pin(facility: FacilityView, popup: str | None) -> dict[str, Any]:
    """The data one pin is drawn from."""
    return {
        "id": facility.id,
        "lat": facility.lat,
        "lon": facility.lon,
        "html": pin_html(facility),
        "className": f"pin-icon pin-icon--{facility.state.key}",
        "popup": popup,
    }


def pin_html(facility: FacilityView) -> str:
    """A pin whose shape and letters carry category and state; the hidden text names it."""
    return (
        f'<span class="pin pin--{facility.state.key}" aria-hidden="true">'
        f'<span class="pin-mark">{escape(facility.mark)}</span>'
        f'<span class="pin-state">{escape(facility.state.symbol)}</span></span>'
        f'<span class="visually-hidden">{escape(facility.label)}</span>'
    )


def base_map(settings: Settings, location: Sequence[float], zoom: int) -> PageMap:
    return PageMap(
        location=list(location),
        zoom_start=zoom,
        tiles=folium.TileLayer(
            tiles=settings.tile_url,
            attr=settings.tile_attribution,
            max_zoom=settings.tile_max_zoom,
        ),
        control_scale=True,
        width="100%",
        height="100%",
    )


def map_parts(m: PageMap) -> MapParts:
    """Render the map's pieces, leaving out branca's page-level meta tag."""
    figure = m.get_root()
    assert isinstance(figure, Figure)
    figure.header._children.pop("meta_http", None)
    for child in list(figure._children.values()):
        child.render()
    return MapParts(
        head=Markup(figure.header.render()),
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
    )


def facilities_map(
    settings: Settings,
    facilities: Sequence[FacilityView],
    popups: Sequence[str],
    origin: tuple[float, float] | None = None,
    show: Sequence[tuple[float, float]] = (),
) -> MapParts:
    """The map page's map: a locate button and a marker cluster holding the pins given (the
    nearest to a searched place, or none), which `static/js/map-pins.js` fills for the view.

    The first view fits the (lat, lon) points in `show` (the searched place and its nearest, or
    the corners of the data's extent); else it is the searched place, else Coventry.
    """
    m = base_map(settings, origin or COVENTRY, 13 if origin else 11)
    Locate(  # type: ignore[no-untyped-call]
        position="topleft", flyTo=False, showPopup=False, strings={"title": "Find my location"}
    ).add_to(m)
    cluster = Cluster(  # type: ignore[no-untyped-call]
        icon_create_function=CLUSTER_ICON,
        options={"showCoverageOnHover": False, "maxClusterRadius": 64, "animate": False},
    )
    cluster.add_to(m)
    pins = [pin(f, popup) for f, popup in zip(facilities, popups, strict=True)]
    near = {"lat": origin[0], "lon": origin[1]} if origin else None
    cluster.add_child(Pins(cluster, pins, near))
    if len(show) > 1:
        fit = FitBounds([list(point) for point in show], padding=(20, 20), max_zoom=FIT_MAX_ZOOM)
        fit.options["animate"] = False  # the first view appears at once, not zooming in
        m.add_child(fit)
    Expose(m, cluster).add_to(m)
    return map_parts(m)


def facility_map(settings: Settings, facility: FacilityView) -> MapParts:
    """A small map of one facility."""
    m = base_map(settings, (facility.lat, facility.lon), 16)
    m.add_child(Pins(m, [pin(facility, None)]))
    Expose(m, None).add_to(m)
    return map_parts(m)


@dataclass(frozen=True)
class Shape:
    """An area on the coverage map: its outline (or point), fill colour and population point."""

    geometry: dict[str, Any] | None
    fill: str
    lat: float
    lon: float


def coverage_map(
    settings: Settings,
    shapes: Sequence[Shape],
    pins: list[dict[str, Any]],
    sites: Sequence[tuple[int, float, float]],
) -> MapParts:
    """Areas shaded by band, facilities as pins, suggested sites (rank, lat, lon) as stars."""
    m = base_map(settings, COVENTRY, 11)
    outlines = [feature(None, s.geometry, {"fill": s.fill}) for s in shapes if s.geometry]
    if outlines:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": outlines},
            style_function=lambda feature: {
                "fill": True,
                "fillColor": feature["properties"]["fill"],
                "fillOpacity": 0.85,
                "color": "#1d1d1b",
                "weight": 1,
                "interactive": False,
            },
            marker=folium.CircleMarker(radius=14, interactive=False),
            control=False,
        ).add_to(m)
        m.fit_bounds([[s.lat, s.lon] for s in shapes], padding=(24, 24))
    m.add_child(Pins(m, pins))
    for rank, lat, lon in sites:
        label = f"Suggested site {rank}"
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=f'<span class="site-mark" aria-hidden="true">★{rank}</span>'
                f'<span class="visually-hidden">{escape(label)}</span>',
                class_name="site-icon",
                icon_size=(44, 44),
                icon_anchor=(22, 22),
            ),
            interactive=False,
            keyboard=False,
        ).add_to(m)
    Expose(m, None).add_to(m)
    return map_parts(m)
