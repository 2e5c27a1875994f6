"""Page handlers: resolve the search, call the core queries, render a template."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from locator.domain.record import MAX_ID_LENGTH
from locator.services import geocode
from locator.store import facilities as store
from locator.store.nearest import nearest as find_nearest
from locator.web.deps import AppSettings, Db, Templates
from locator.web.pages import maps, words
from locator.web.pages.forms import PageFilters, PageFiltersDep

router = APIRouter(include_in_schema=False)

NEAREST_LIMIT = 10
MAP_NEAREST = 5
MAP_LIMIT = 1000

Lat = Annotated[float | None, Query(ge=-90, le=90)]
Lon = Annotated[float | None, Query(ge=-180, le=180)]
Q = Annotated[str | None, Query(max_length=100)]


@dataclasses.dataclass(frozen=True)
class Search:
    """What the form asked for, where distances are measured from, or why we could not tell."""

    q: str | None = None
    lat: float | None = None
    lon: float | None = None
    place: geocode.Place | None = None
    error: geocode.PlaceNotFound | None = None

    @property
    def origin(self) -> tuple[float, float] | None:
        """(lat, lon) of the place, if any."""
        return (self.place.lat, self.place.lon) if self.place else None


async def resolve(
    pool: Db, settings: AppSettings, q: Q = None, lat: Lat = None, lon: Lon = None
) -> Search:
    """A position from the form: the browser's own position wins over the typed query."""
    asked = Search(q=q, lat=lat, lon=lon)
    if lat is not None and lon is not None:
        here = geocode.Place("your location", "here", lat, lon, 0, False, "your device")
        return dataclasses.replace(asked, place=here)
    if q and q.strip():
        try:
            return dataclasses.replace(asked, place=await geocode.geocode(pool, q, settings))
        except geocode.PlaceNotFound as exc:
            return dataclasses.replace(asked, error=exc)
    return asked


SearchDep = Annotated[Search, Depends(resolve)]


def _render(
    request: Request, templates: Jinja2Templates, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
async def map_page(
    request: Request,
    pool: Db,
    settings: AppSettings,
    templates: Templates,
    choices: PageFiltersDep,
    search: SearchDep,
) -> HTMLResponse:
    """Every facility on a map (closed ones too, marked); nearest first once a place is known."""
    filters = choices.filters(include_closed=True)
    if search.origin:
        features = await find_nearest(pool, *search.origin, filters, MAP_LIMIT)
    else:
        features = await store.listing(pool, filters, MAP_LIMIT, 0)
    facilities = [words.view(f, search.origin) for f in features]
    nearest = [f for f in facilities if f.state.key != "closed"][:MAP_NEAREST]
    return _render(
        request,
        templates,
        "map.html",
        status=404 if search.error else 200,
        map=maps.facilities_map(
            settings, facilities, [maps.popup_html(templates, f) for f in facilities], search.origin
        ),
        q=search.q,
        filters=choices,
        place=search.place,
        error=search.error,
        nearest=nearest if search.origin else [],
        shown=len(facilities),
        list_query=_query(choices, search),
        legend_states=[
            ("open", "✓", "open now"),
            ("shut", "☾", "closed now (outside its hours)"),
            ("unknown", "?", "opening hours unknown"),
            ("fault", "!", "hoist or bench out of order"),
            ("closed", "✕", "closed (temporarily or for good)"),
        ],
    )


def _query(choices: PageFilters, search: Search) -> str:
    """The same search and filters as a query string, for the link to the other page."""
    if search.lat is not None and search.lon is not None:
        return choices.query(lat=f"{search.lat:.5f}", lon=f"{search.lon:.5f}")
    return choices.query(q=search.q)


@router.get("/nearest", response_class=HTMLResponse)
async def nearest_page(
    request: Request, templates: Templates, pool: Db, choices: PageFiltersDep, search: SearchDep
) -> HTMLResponse:
    """The nearest open-for-business facilities as a plain list; works without JavaScript."""
    results: list[words.FacilityView] = []
    if search.origin:
        features = await find_nearest(pool, *search.origin, choices.filters(), NEAREST_LIMIT)
        results = [words.view(f, search.origin) for f in features]
    return _render(
        request,
        templates,
        "nearest.html",
        status=404 if search.error else 200,
        q=search.q,
        filters=choices,
        place=search.place,
        error=search.error,
        results=results,
        map_query=_query(choices, search),
    )


@router.get("/facilities/{facility_id}", response_class=HTMLResponse)
async def facility_page(
    request: Request, pool: Db, settings: AppSettings, templates: Templates, facility_id: str
) -> HTMLResponse:
    """Everything known about one facility, including what is not known."""
    feature = await store.facility(pool, facility_id[:MAX_ID_LENGTH])
    if feature is None:
        return _render(
            request,
            templates,
            "error.html",
            status=404,
            heading="Facility not found",
            message="We have no facility at this address. It may have been removed.",
        )
    facility = words.view(feature)
    return _render(
        request,
        templates,
        "facility.html",
        f=facility,
        p=feature["properties"],
        details=words.details(feature["properties"]),
        address=words.address(feature["properties"]),
        map=maps.facility_map(settings, facility),
    )
