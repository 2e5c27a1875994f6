"""/coverage: the coverage analysis as one printable page for DEAP meetings.

A shaded map, the totals, a sortable table of areas (sorted on the server, so it works without
JavaScript and screen readers hear `aria-sort`), where new facilities would help most, and the
same figures as CSV and GeoJSON downloads from the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

import folium
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import escape

from locator import coverage, hours, maps, queries
from locator.api.deps import AppSettings, Db
from locator.errors import BadParameter
from locator.pages import words
from locator.pages.forms import PageFiltersDep
from locator.pages.routes import popup_html, templates
from locator.queries import Filters
from locator.settings import Settings

router = APIRouter(include_in_schema=False)

THRESHOLDS = (1000, 2000, 5000)
SUGGEST_THRESHOLDS = (1000, 2000, 5000)
# Candidate grids tried for suggestions, finest first, until one fits the areas' extent.
SUGGEST_CELLS = (500, 1000, 2000, 5000, 10_000)
MAP_FACILITIES = 1000
# A facility position known only this roughly is flagged beside distances to it.
UNCERTAIN_M = 500


@dataclasses.dataclass(frozen=True)
class Band:
    """A distance band: its words, and a fill that darkens as people are further away."""

    key: str
    text: str
    colour: str


BANDS = (
    Band("1", "within 1 km", "#fef0d9"),
    Band("2", "1 to 2 km", "#fdcc8a"),
    Band("5", "2 to 5 km", "#fc8d59"),
    Band("far", "over 5 km", "#d7301f"),
    Band("none", "no matching facility", "#6b0000"),
)


def band_of(area: coverage.AreaCoverage) -> Band:
    """The band an area falls in."""
    if area.nearest is None:
        return BANDS[-1]
    for threshold, band in zip(THRESHOLDS, BANDS, strict=False):
        if area.distance_m <= threshold:
            return band
    return BANDS[-2]


class SortKey(StrEnum):
    area = "area"
    population = "population"
    distance = "distance"


class Order(StrEnum):
    asc = "asc"
    desc = "desc"


SORT_WORDS = {SortKey.area: "Area", SortKey.population: "People", SortKey.distance: "Distance"}


def sort_areas(
    areas: list[coverage.AreaCoverage], key: SortKey, order: Order
) -> list[coverage.AreaCoverage]:
    """The table's rows in the asked order (ties broken by name)."""
    value = {
        SortKey.distance: lambda a: a.distance_m,
        SortKey.population: lambda a: a.population,
        SortKey.area: lambda a: a.name.casefold(),
    }[key]
    by_name = sorted(areas, key=lambda a: a.name.casefold())
    return sorted(by_name, key=value, reverse=order is Order.desc)


def parse_open_at(raw: str | None) -> tuple[dt.datetime | None, str | None]:
    """The form's date and time (Europe/London), or a message saying what was wrong."""
    if not raw or not raw.strip():
        return None, None
    try:
        when = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        return None, "Give the date and time like 2026-11-22T18:00."
    return (when if when.tzinfo else when.replace(tzinfo=hours.LONDON)), None


def api_query(filters: Filters, **extra: Any) -> str:
    """The API's query string for the same filters, for the download links."""
    items: list[tuple[str, Any]] = [(k, v) for k, v in extra.items() if v is not None]
    if filters.registered:
        items.append(("registered", "true"))
    for name in ("hoist", "bench"):
        if getattr(filters, name):
            items.append((name, getattr(filters, name)))
    if filters.key_free:
        items.append(("key_free", "true"))
    if filters.open_at:
        items.append(("open_at", filters.open_at.isoformat(timespec="minutes")))
    return "?" + urlencode(items) if items else ""


async def suggest_on_a_grid(
    pool: Db, filters: Filters, threshold_m: float, k: int
) -> coverage.Suggestion:
    """Suggestions on the finest candidate grid the areas' extent allows."""
    for cell_m in SUGGEST_CELLS[:-1]:
        try:
            return await coverage.suggest(pool, filters, threshold_m, k, cell_m=cell_m)
        except BadParameter:
            continue
    return await coverage.suggest(pool, filters, threshold_m, k, cell_m=SUGGEST_CELLS[-1])


def coverage_map(
    settings: Settings,
    result: coverage.Coverage,
    facilities: list[words.FacilityView],
    picks: list[coverage.Pick],
) -> maps.MapParts:
    """Areas shaded by band, matching facilities as pins, suggested sites as numbered stars."""
    m = maps.base_map(settings, maps.COVENTRY, 11)
    shapes = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": area.geometry,
                "properties": {"fill": band_of(area).colour},
            }
            for area in result.areas
            if area.geometry
        ],
    }
    if shapes["features"]:
        folium.GeoJson(
            shapes,
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
        m.fit_bounds([[a.lat, a.lon] for a in result.areas], padding=(24, 24))
    pins = [maps.pin(f, popup_html(f)) for f in facilities]
    m.add_child(maps.Pins(m, pins))
    for pick in picks:
        label = f"Suggested site {pick.rank}"
        folium.Marker(
            [pick.candidate.lat, pick.candidate.lon],
            icon=folium.DivIcon(
                html=f'<span class="site-mark" aria-hidden="true">★{pick.rank}</span>'
                f'<span class="visually-hidden">{escape(label)}</span>',
                class_name="site-icon",
                icon_size=(44, 44),
                icon_anchor=(22, 22),
            ),
            interactive=False,
            keyboard=False,
        ).add_to(m)
    maps.Expose(m, None).add_to(m)
    return maps.map_parts(m)


def pick_place(pick: coverage.Pick, names: dict[str, str]) -> str:
    """Where a suggested site is, in the words of the areas it would serve."""
    served = [names[code] for code in pick.area_codes]
    if len(served) <= 3:
        return ", ".join(served)
    return f"{', '.join(served[:3])} and {len(served) - 3} more"


@router.get("/coverage", response_class=HTMLResponse)
async def coverage_page(
    request: Request,
    pool: Db,
    settings: AppSettings,
    choices: PageFiltersDep,
    open_at: Annotated[str | None, Query(max_length=40)] = None,
    threshold_m: Annotated[int, Query(ge=100, le=50_000)] = 2000,
    k: Annotated[int, Query(ge=1, le=5)] = 3,
    sort: SortKey = SortKey.distance,
    order: Order = Order.desc,
) -> HTMLResponse:
    """Who is far from a facility matching the filters, and where new ones would help most."""
    when, form_error = parse_open_at(open_at)
    filters = choices.filters()
    if when:
        filters = dataclasses.replace(filters, open_at=when)
    result = await coverage.coverage(pool, filters, THRESHOLDS, geometry=True)
    suggestion = await suggest_on_a_grid(pool, filters, threshold_m, k)
    features = await queries.listing(pool, filters, MAP_FACILITIES, 0)
    facilities = [words.view(f) for f in features]
    names = {area.code: area.name for area in result.areas}
    sources = sorted({(area.source, area.year) for area in result.areas}, key=str)

    def page_link(**changes: Any) -> str:
        values = {
            "open_at": open_at,
            "threshold_m": threshold_m,
            "k": k,
            "sort": sort.value,
            "order": order.value,
        }
        return "/coverage" + choices.query(**{**values, **changes})

    def header(key: SortKey) -> dict[str, str | None]:
        """A sortable column heading: its link flips the order, `aria-sort` says the current."""
        flip = Order.asc if sort is key and order is Order.desc else Order.desc
        current = "ascending" if order is Order.asc else "descending"
        return {
            "label": SORT_WORDS[key],
            "link": page_link(sort=key.value, order=flip.value),
            "aria_sort": current if sort is key else None,
        }

    context = {
        "current_path": request.url.path,
        "filters": choices,
        "open_at": open_at or "",
        "form_error": form_error,
        "threshold_m": threshold_m,
        "k": k,
        "thresholds": SUGGEST_THRESHOLDS,
        "result": result,
        "rows": [(a, band_of(a)) for a in sort_areas(result.areas, sort, order)],
        "bands": BANDS,
        "sort": sort,
        "order": order,
        "headers": {key.value: header(key) for key in SortKey},
        "suggestion": suggestion,
        "pick_place": lambda pick: pick_place(pick, names),
        "map": coverage_map(settings, result, facilities, suggestion.picks),
        "sources": sources,
        "uncertain_m": UNCERTAIN_M,
        "uncertain": any(
            a.nearest and (a.nearest.accuracy_m or 0) >= UNCERTAIN_M for a in result.areas
        ),
        "when": when,
        "km": words.distance_words,
        "downloads": {
            "csv": "/api/v1/coverage" + api_query(filters, format="csv"),
            "geojson": "/api/v1/coverage" + api_query(filters, format="geojson"),
            "grid": "/api/v1/coverage/grid" + api_query(filters, cell_m=500),
            "suggest": "/api/v1/coverage/suggest"
            + api_query(filters, k=k, threshold_m=threshold_m),
        },
        "method": coverage.METHOD,
        "suggest_method": coverage.SUGGEST_METHOD,
    }
    return templates.TemplateResponse(
        request, "coverage.html", context, status_code=422 if form_error else 200
    )
