"""Page handlers: resolve the search, call the core queries, render a template."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from locator.domain.errors import BadParameter
from locator.domain.filters import BBOX_ALLOWED, Bbox, parse_bbox
from locator.domain.record import MAX_ID_LENGTH
from locator.domain.vocabulary import ReportKind
from locator.services import geocode
from locator.store import changes
from locator.store import facilities as store
from locator.store import photos as photo_store
from locator.store.nearest import nearest as find_nearest
from locator.web.auth import SessionPrincipal
from locator.web.deps import AppSettings, BboxParam, Db, Templates
from locator.web.pages import maps, words
from locator.web.pages.forms import PageFilters, PageFiltersDep

router = APIRouter(include_in_schema=False)

NEAREST_LIMIT = 10
# After a search the map page holds the nearest pins (closed ones too) and lists the nearest few
# that are not closed; static/js/map-pins.js fetches every other pin for the view.
MAP_PINS_NEAR = NEAREST_LIMIT
MAP_NEAREST = 5
# The most pins one /map/pins answer holds; beyond it the answer says it is truncated.
PINS_LIMIT = 2000
# The facility page lists this many of the latest changes; the API has the rest.
HISTORY_SHOWN = 20

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


async def data_extent(request: Request, pool: Db) -> Bbox:
    """The extent of every facility, kept on the app until the data changes (any write, in any
    worker, adds to the trail: one index probe tells)."""
    version = await changes.last_change(pool)
    kept: tuple[int, Bbox] | None = getattr(request.app.state, "map_extent", None)
    if kept is not None and kept[0] == version:
        return kept[1]
    extent = await store.extent(pool)
    request.app.state.map_extent = (version, extent)
    return extent


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
    """The map, holding only what its first view needs: the nearest once a place is known, else
    no pins (the page's script fetches them for the view from /map/pins)."""
    facilities: list[words.FacilityView] = []
    nearest: list[words.FacilityView] = []
    show: list[tuple[float, float]] = []
    if search.origin:
        features = await find_nearest(
            pool, *search.origin, choices.filters(include_closed=True), MAP_PINS_NEAR
        )
        facilities = [words.view(f, search.origin) for f in features]
        nearest = [f for f in facilities if f.state.key != "closed"][:MAP_NEAREST]
        show = [search.origin, *((f.lat, f.lon) for f in nearest)]
    else:
        extent = await data_extent(request, pool)
        if extent != store.WORLD:
            min_lon, min_lat, max_lon, max_lat = extent
            show = [(min_lat, min_lon), (max_lat, max_lon)]
    return _render(
        request,
        templates,
        "map.html",
        status=404 if search.error else 200,
        map=maps.facilities_map(
            settings,
            facilities,
            [maps.popup_html(templates, f) for f in facilities],
            search.origin,
            show,
        ),
        q=search.q,
        filters=choices,
        place=search.place,
        error=search.error,
        nearest=nearest,
        pins_url="/map/pins" + choices.query(),
        list_query=_query(choices, search),
        legend_states=[
            ("open", "✓", "open now"),
            ("shut", "☾", "closed now (outside its hours)"),
            ("unknown", "?", "opening hours unknown"),
            ("fault", "!", "hoist, bench, door or way in out of order, or reported so"),
            ("closed", "✕", "closed (temporarily or for good)"),
        ],
    )


@router.get("/map/pins")
async def map_pins(
    pool: Db, templates: Templates, choices: PageFiltersDep, bbox: BboxParam = None
) -> JSONResponse:
    """The map's pins inside `bbox` with the page's filters, closed ones too (marked), as
    `{"pins": [maps.pin data], "truncated": bool}`: at most PINS_LIMIT, in id order, and
    `truncated` when the box holds more. Words and popups are made here, as for the page."""
    box = parse_bbox(bbox)
    if box is None:
        raise BadParameter("bbox is required", "bbox", BBOX_ALLOWED)
    filters = choices.filters(include_closed=True, bbox=box)
    features = await store.listing(pool, filters, PINS_LIMIT + 1, 0)
    views = [words.view(f) for f in features[:PINS_LIMIT]]
    return JSONResponse(
        {
            "pins": [maps.pin(v, maps.popup_html(templates, v)) for v in views],
            "truncated": len(features) > PINS_LIMIT,
        }
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
    request: Request,
    pool: Db,
    settings: AppSettings,
    templates: Templates,
    editor: SessionPrincipal,
    facility_id: str,
) -> HTMLResponse:
    """Everything known about one facility, including what is not known, and what changed."""
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
    rows, photos = await asyncio.gather(
        changes.history(pool, feature["id"]), photo_store.of_facility(pool, feature["id"])
    )
    facility = words.view(feature)
    response = _render(
        request,
        templates,
        "facility.html",
        f=facility,
        p=feature["properties"],
        details=words.details(feature["properties"]),
        address=words.address(feature["properties"]),
        map=maps.facility_map(settings, facility),
        report_kinds=[(kind.value, kind.words) for kind in ReportKind],
        history=words.history(rows[:HISTORY_SHOWN]),
        history_total=len(rows),
        history_capped=len(rows) >= changes.HISTORY_LIMIT,
        photos=words.photos(photos),
        editor=editor,
        safe_url=words.safe_url,
    )
    # Pages are revalidated every time (locator.web.http); an editor's (with its links) is
    # theirs alone.
    if editor:
        response.headers["Cache-Control"] = "private, no-store"
    return response
