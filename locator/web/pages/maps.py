"""The pages' maps, served entirely from /static (no CDN) and readable without colour.

The map page's map is data: `page_map` is a small JSON document the page carries, from which
`static/js/map.js` (deferred, with Leaflet) builds the map, and `static/js/map-pins.js` fetches
the pins for the view from /map/pins; nothing is rendered per request but that data.

The facility and coverage pages' small maps are Folium. Folium's stock page template locks zoom
(`user-scalable=no`), sets page-wide CSS and loads jQuery and Bootstrap from CDNs; `PageMap`
keeps only the Leaflet map itself, and popups are bound from ready HTML so no jQuery is needed.
Our own page templates hold the map's parts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from fastapi.templating import Jinja2Templates
from folium.template import Template
from markupsafe import Markup, escape

from locator.domain.features import feature
from locator.settings import Settings
from locator.web.pages.words import FacilityView
from locator.web.static import static_url

COVENTRY = (52.4081, -1.5106)
PIN_SIZE = 44
# What static/js/map.js loads once the page has shown: styles, then scripts in order, then the
# script that fetches the pins for the view.
MAP_STYLES = ("vendor/leaflet/leaflet.css", "vendor/markercluster/MarkerCluster.css")
MAP_SCRIPTS = ("vendor/leaflet/leaflet.js", "vendor/markercluster/leaflet.markercluster.js",
               "js/pins.js")  # fmt: skip
MAP_THEN = ("js/map-pins.js",)
# The closest a fitted first view zooms in (a single facility, or a search right beside one).
FIT_MAX_ZOOM = 15


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


class Raw(Element):
    """Finished script text kept as it is (branca would compile rendered text as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class Pins(MacroElement):
    """Facility pins in one script, from data: cheap to render and never re-templated.

    `static/js/pins.js` (loaded with Leaflet) draws them, as it draws the map page's pins:
    keyboard-reachable markers (Enter opens the popup) whose DivIcon shows the category letters
    and a state symbol; `facilityId` names each for the browser tests.
    """

    def __init__(self, target: MacroElement, pins: list[dict[str, Any]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Pins"
        self.target, self.pins = target, pins

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        assert isinstance(figure, Figure)
        data = _json({"pins": self.pins, "size": PIN_SIZE})
        script = f"""
            (function (target, data) {{
                window.locatorPins.draw(target, data.pins, data.size);
            }})({self.target.get_name()}, {data});
        """
        figure.script.add_child(Raw(script), name=self.get_name())
        return ""


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
    """The rendered map, for a page template: links for <head>, the map element, its script.

    The script goes inline, in `<script nonce="{{ request.state.csp_nonce }}">`: the
    Content-Security-Policy (`locator.web.http.SecurityHeaders`) runs no other inline script.
    """

    head: Markup
    html: Markup
    script: Markup


def popup_html(templates: Jinja2Templates, facility: FacilityView, platform: str | None) -> str:
    """The popup for one pin, from the same macro file as the list cards, its directions in the
    order that suits `platform` (`words.platform`)."""
    macros: Any = templates.env.get_template("_facility.html").module
    return str(macros.popup(facility, platform))


def pin(facility: FacilityView, popup: str | None, number: int | None = None) -> dict[str, Any]:
    """The data one pin is drawn from; a `number` (a search's nearest, as in the list) takes
    the place of the category letters."""
    data: dict[str, Any] = {
        "id": facility.id,
        "lat": facility.lat,
        "lon": facility.lon,
        "html": pin_html(facility, number),
        "className": f"pin-icon pin-icon--{facility.state.key}"
        + (" pin-icon--numbered" if number else ""),
        "popup": popup,
    }
    if number:
        data["number"] = number
    return data


def pin_html(facility: FacilityView, number: int | None = None) -> str:
    """A pin whose shape and letters (or number) carry category and state; the hidden text
    names it."""
    mark = str(number) if number else facility.mark
    label = f"{number}. {facility.label}" if number else facility.label
    return (
        f'<span class="pin pin--{facility.state.key}" aria-hidden="true">'
        f'<span class="pin-mark">{escape(mark)}</span>'
        f'<span class="pin-state">{escape(facility.state.symbol)}</span></span>'
        f'<span class="visually-hidden">{escape(label)}</span>'
    )


def page_map(
    settings: Settings,
    nearest: Sequence[dict[str, Any]],
    origin: dict[str, Any] | None,
    show: Sequence[tuple[float, float]],
) -> Markup:
    """The map page's map as JSON for `<script type="application/json">`: what to load, the tile
    server, the first view, the numbered nearest pins (`pin` data) and the searched place (lat,
    lon, name).

    The first view fits the (lat, lon) points in `show` (the searched place and its nearest, or
    the corners of the data's extent); else it is the searched place, else Coventry.
    """
    centre = (origin["lat"], origin["lon"]) if origin else COVENTRY
    return Markup(
        _json(
            {
                "assets": {
                    "css": [static_url(path) for path in MAP_STYLES],
                    "scripts": [static_url(path) for path in MAP_SCRIPTS],
                    "then": [static_url(path) for path in MAP_THEN],
                },
                "tiles": {
                    "url": settings.tile_url,
                    "attribution": settings.tile_attribution,
                    "maxZoom": settings.tile_max_zoom,
                },
                "center": list(centre),
                "zoom": 13 if origin else 11,
                "fit": [list(point) for point in show] if len(show) > 1 else None,
                "fitMaxZoom": FIT_MAX_ZOOM,
                "size": PIN_SIZE,
                "nearest": list(nearest),
                "origin": origin,
            }
        )
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
