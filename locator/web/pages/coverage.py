"""/coverage: the coverage analysis as one printable page for DEAP meetings.

A shaded map, the totals, a sortable table of areas (sorted on the server, so it works without
JavaScript and screen readers hear `aria-sort`), where new facilities would help most, and the
same figures as CSV and GeoJSON downloads from the API.
"""

from __future__ import annotations

import dataclasses
import re
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from locator.domain.filters import CONFIRMED_POSITION_M, Filters
from locator.domain.vocabulary import ANY
from locator.domain.words import distance_words
from locator.services import coverage
from locator.store import facilities as store
from locator.web.deps import AppSettings, ReadDb, Templates
from locator.web.pages import forms, maps, words
from locator.web.pages.forms import PageFiltersDep

router = APIRouter(include_in_schema=False)

THRESHOLDS = (1000, 2000, 5000)
SUGGEST_THRESHOLDS = (1000, 2000, 5000)
MAP_FACILITIES = 1000
# A facility position known only this roughly is flagged beside distances to it.
UNCERTAIN_M = 500
# Research notes' source references, e.g. "[S34]", are not for people reading the page.
SOURCE_REFERENCE = re.compile(r"\s*\[S\d+\]")


@dataclasses.dataclass(frozen=True)
class SureOf:
    """The page's "count only toilets we are sure of" boxes: unknown equipment, a reported fault
    and a guessed position would otherwise count as full coverage."""

    working: bool = False
    confirmed_position: bool = False

    choices = (
        (
            "working",
            "Only where the hoist and bench are known to be there and not reported broken",
            "Leaves out toilets whose hoist or bench we know nothing about, and those with a "
            "hoist, bench, door or way in reported out of order (by a visitor too, before an "
            "editor checks).",
        ),
        (
            "confirmed_position",
            f"Only toilets whose position is known to within {CONFIRMED_POSITION_M:g} m",
            "Leaves out toilets placed only roughly, for example at a postcode, whose distances "
            "may be out by as much.",
        ),
    )

    def __getitem__(self, name: str) -> bool:
        return bool(getattr(self, name))

    def applied(self, filters: Filters) -> Filters:
        """`filters` narrowed by the ticked boxes (a hoist or bench asked for is kept)."""
        changes: dict[str, Any] = {}
        if self.working:
            changes.update(working=True, hoist=filters.hoist or ANY, bench=filters.bench or ANY)
        if self.confirmed_position:
            changes["confirmed_position"] = True
        return dataclasses.replace(filters, **changes)

    def query(self) -> dict[str, str | None]:
        """The ticked boxes for links that keep them."""
        return {name: "on" if self[name] else None for name, _, _ in self.choices}


@dataclasses.dataclass(frozen=True)
class Shade:
    """A distance band on the map: its words, and a fill that darkens with distance."""

    key: str
    text: str
    colour: str


BANDS = (
    Shade("1", "within 1 km", "#fef0d9"),
    Shade("2", "1 to 2 km", "#fdcc8a"),
    Shade("5", "2 to 5 km", "#fc8d59"),
    Shade("far", "over 5 km", "#d7301f"),
    Shade("none", "no matching facility", "#6b0000"),
)


def band_of(area: coverage.AreaCoverage) -> Shade:
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


def pick_place(pick: coverage.Pick, names: dict[str, str]) -> str:
    """Where a suggested site is, in the words of the areas it would serve."""
    served = [names[code] for code in pick.area_codes]
    if len(served) <= 3:
        return ", ".join(served)
    return f"{', '.join(served[:3])} and {len(served) - 3} more"


@router.get("/coverage", response_class=HTMLResponse)
async def coverage_page(
    request: Request,
    pool: ReadDb,
    settings: AppSettings,
    templates: Templates,
    choices: PageFiltersDep,
    open_at: Annotated[str | None, Query(max_length=40)] = None,
    threshold_m: Annotated[int, Query(ge=100, le=50_000)] = 2000,
    k: Annotated[int, Query(ge=1, le=5)] = 3,
    sort: SortKey = SortKey.distance,
    order: Order = Order.desc,
    working: Annotated[bool, Query(description="Only hoist and bench known, none broken.")] = False,
    confirmed_position: Annotated[
        bool, Query(description="Only positions known to within 100 m.")
    ] = False,
) -> HTMLResponse:
    """Who is far from a facility matching the filters, and where new ones would help most."""
    when, form_error = forms.form_open_at(open_at)
    sure = SureOf(working, confirmed_position)
    filters = sure.applied(choices.filters())
    if when:
        filters = dataclasses.replace(filters, open_at=when, open_now=False)
    result = await coverage.coverage(pool, filters, THRESHOLDS, geometry=True)
    suggestion = await coverage.suggest_on_finest_grid(pool, filters, threshold_m, k)
    features = await store.listing(pool, filters, MAP_FACILITIES, 0)
    facilities = [words.view(f) for f in features]
    names = {area.code: area.name for area in result.areas}
    sources = sorted(
        {(SOURCE_REFERENCE.sub("", area.source), area.year) for area in result.areas}, key=str
    )

    def page_link(**changes: Any) -> str:
        values = {
            "open_at": open_at,
            "threshold_m": threshold_m,
            "k": k,
            "sort": sort.value,
            "order": order.value,
            **sure.query(),
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

    platform = words.platform(request.headers.get("user-agent"))
    context = {
        "current_path": request.url.path,
        "filters": choices,
        "sure": sure,
        "confirmed_m": f"{CONFIRMED_POSITION_M:g}",
        "stale_days": settings.stale_after_days,
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
        "map": maps.coverage_map(
            settings,
            [maps.Shape(a.geometry, band_of(a).colour, a.lat, a.lon) for a in result.areas],
            [maps.pin(f, maps.popup_html(templates, f, platform)) for f in facilities],
            [(pick.rank, pick.candidate.lat, pick.candidate.lon) for pick in suggestion.picks],
        ),
        "sources": sources,
        "uncertain_m": UNCERTAIN_M,
        "uncertain": any(
            a.nearest and (a.nearest.accuracy_m or 0) >= UNCERTAIN_M for a in result.areas
        ),
        "when": when,
        "km": distance_words,
        "downloads": {
            "csv": forms.api_link("/api/v1/coverage", filters, format="csv"),
            "geojson": forms.api_link("/api/v1/coverage", filters, format="geojson"),
            "grid": forms.api_link("/api/v1/coverage/grid", filters, cell_m=500),
            "suggest": forms.api_link(
                "/api/v1/coverage/suggest", filters, k=k, threshold_m=threshold_m
            ),
        },
        "method": coverage.METHOD,
        "suggest_method": coverage.SUGGEST_METHOD,
    }
    response = templates.TemplateResponse(
        request, "coverage.html", context, status_code=422 if form_error else 200
    )
    response.headers.add_vary_header("User-Agent")  # popups' directions suit the platform
    return response
