"""Page handlers: resolve the search, call the core queries, render a template."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from locator.domain.errors import BadParameter
from locator.domain.filters import BBOX_ALLOWED, Bbox, Filters, parse_bbox
from locator.domain.record import MAX_ID_LENGTH
from locator.domain.vocabulary import ReportKind
from locator.domain.words import error_words
from locator.services import geocode
from locator.store import changes
from locator.store import facilities as store
from locator.store import photos as photo_store
from locator.store.nearest import nearest as find_nearest
from locator.web.auth import SessionPrincipal
from locator.web.deps import AppSettings, BboxParam, ReadDb, Templates
from locator.web.errors import STATUS
from locator.web.pages import maps, words
from locator.web.pages.forms import PageFilters, PageFiltersDep

router = APIRouter(include_in_schema=False)

NEAREST_LIMIT = 10
# After a search the map page lists the nearest few that are not closed and numbers their pins
# the same; static/js/map-pins.js fetches every other pin (closed ones too) for the view.
MAP_NEAREST = 5
# The most pins one /map/pins answer holds; beyond it the answer says it is truncated.
PINS_LIMIT = 2000
# A /map/pins answer with more pins than this is made in a worker thread, so that making the
# words and popups of up to PINS_LIMIT pins never holds up the event loop.
PINS_INLINE = 200
# The facility page lists this many of the latest changes; the API has the rest.
HISTORY_SHOWN = 20
# The map key: each state's pin, symbol and words.
LEGEND_STATES = (
    ("open", "✓", "open now"),
    ("shut", "☾", "closed now (outside its hours)"),
    ("unknown", "?", "opening hours unknown"),
    ("fault", "!", "hoist, bench, door or way in out of order, or reported so"),
    ("closed", "✕", "closed (temporarily or for good)"),
)

# The pages take these as text and check them in `resolve`, so that a bad value is said on the
# page beside the form (422) rather than as a JSON error.
RawQ = Annotated[str | None, Query(description="Postcode, place or facility name.")]
PlatformParam = Annotated[
    Literal["apple", "android", "desktop"] | None,
    Query(description="Order popups' directions for this platform (the map page's own)."),
]
RawLat = Annotated[str | None, Query(description="Latitude of the device (-90 to 90).")]
RawLon = Annotated[str | None, Query(description="Longitude of the device (-180 to 180).")]


@dataclasses.dataclass(frozen=True)
class Search:
    """What the form asked for, where distances are measured from, or why we could not tell."""

    q: str | None = None
    lat: float | None = None
    lon: float | None = None
    place: geocode.Place | None = None
    error: geocode.PlaceNotFound | geocode.SearchRejected | None = None

    @property
    def origin(self) -> tuple[float, float] | None:
        """(lat, lon) of the place, if any."""
        return (self.place.lat, self.place.lon) if self.place else None

    @property
    def status(self) -> int:
        """The page's status: 200, 404 when nothing was found, 422 when it cannot be a search."""
        if self.error is None:
            return 200
        return next(code for kind, code in STATUS.items() if isinstance(self.error, kind))

    @property
    def failed(self) -> str | None:
        """The start of the page title when the search failed ("Not found: B1 1AA")."""
        if isinstance(self.error, geocode.PlaceNotFound):
            return f"Not found: {' '.join((self.q or '').split())}"
        return "Search not accepted" if self.error else None


def _degrees(raw: str | None, name: str, limit: int) -> float | None:
    """A latitude or longitude sent by the form, or SearchRejected saying what it must be."""
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and -limit <= value <= limit):
        raise geocode.SearchRejected(
            f"We could not use the position sent: the {name} must be a number from {-limit} to "
            f"{limit}. Search for a postcode or place instead, or try your location again.",
            field="lat" if name == "latitude" else "lon",
            allowed=f"a number from {-limit} to {limit}",
        )
    return value


async def resolve(
    pool: ReadDb, settings: AppSettings, q: RawQ = None, lat: RawLat = None, lon: RawLon = None
) -> Search:
    """A position from the form: the browser's own position wins over the typed query. What
    cannot be a search (a query over 100 characters, latitude 91) comes back as the error."""
    try:
        latitude, longitude = _degrees(lat, "latitude", 90), _degrees(lon, "longitude", 180)
    except geocode.SearchRejected as exc:
        return Search(q=q, error=exc)
    asked = Search(q=q, lat=latitude, lon=longitude)
    if latitude is not None and longitude is not None:
        here = geocode.Place("your location", "here", latitude, longitude, 0, False, "your device")
        return dataclasses.replace(asked, place=here)
    if q and q.strip():
        try:
            return dataclasses.replace(asked, place=await geocode.geocode(pool, q, settings))
        except (geocode.PlaceNotFound, geocode.SearchRejected) as exc:
            return dataclasses.replace(asked, error=exc)
    return asked


SearchDep = Annotated[Search, Depends(resolve)]


async def data_extent(request: Request, pool: ReadDb, version: int) -> Bbox:
    """The extent of every facility, kept on the app until the data changes (any write, in any
    worker, adds to the trail: `changes.last_change` tells, one index probe)."""
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
    pool: ReadDb,
    settings: AppSettings,
    templates: Templates,
    choices: PageFiltersDep,
    search: SearchDep,
) -> HTMLResponse:
    """The map page: the form and, after a search, the nearest few as a list, then the map as
    data that static/js/map.js draws (deferred), fetching the other pins for the view. Without
    a search the page is the same for everyone: it is rendered once per data version (and set
    of filters) and kept."""
    nearest: list[words.FacilityView] = []
    show: list[tuple[float, float]] = []
    shared: dict[str, tuple[int, bytes]] | None = None
    version = 0
    # Popups put the maps app of the visitor's platform first: one shared page per platform.
    platform = words.platform(request.headers.get("user-agent"))
    kept_as = choices.query(platform=platform)
    if search.origin:
        features = await find_nearest(pool, *search.origin, choices.filters(), MAP_NEAREST)
        error_m = place_error_m(search.place)
        nearest = [words.view(f, search.origin, error_m) for f in features]
        show = [search.origin, *((f.lat, f.lon) for f in nearest)]
    elif not search.error:
        version = await changes.last_change(pool)
        if not search.q:
            shared = _shared_map_pages(request)
            kept = shared.get(kept_as)
            if kept is not None and kept[0] == version:
                return _vary_by_platform(HTMLResponse(kept[1]))
        extent = await data_extent(request, pool, version)
        if extent != store.WORLD:
            min_lon, min_lat, max_lon, max_lat = extent
            show = [(min_lat, min_lon), (max_lat, max_lon)]
    place = search.place
    response = _render(
        request,
        templates,
        "map.html",
        status=search.status,
        map_data=maps.page_map(
            settings,
            [
                maps.pin(f, maps.popup_html(templates, f, platform), number)
                for number, f in enumerate(nearest, start=1)
            ],
            {"lat": place.lat, "lon": place.lon, "name": place.name} if place else None,
            show,
        ),
        q=search.q,
        filters=choices,
        place=place,
        error=search.error,
        failed=search.failed,
        nearest=nearest,
        pins_url="/map/pins" + kept_as,
        list_query=_query(choices, search),
        legend_states=LEGEND_STATES,
    )
    if shared is not None:
        shared[kept_as] = (version, bytes(response.body))
    return _vary_by_platform(response)


def _shared_map_pages(request: Request) -> dict[str, tuple[int, bytes]]:
    """The map page without a search, by filters: (data version, body), in this worker."""
    pages: dict[str, tuple[int, bytes]] | None = getattr(request.app.state, "map_pages", None)
    if pages is None:
        pages = request.app.state.map_pages = {}
    return pages


@router.get("/map/pins")
async def map_pins(
    pool: ReadDb,
    templates: Templates,
    choices: PageFiltersDep,
    bbox: BboxParam = None,
    platform: PlatformParam = None,
) -> JSONResponse:
    """The map's pins inside `bbox` with the page's filters, closed ones too (marked), as
    `{"pins": [maps.pin data], "truncated": bool}`: at most PINS_LIMIT, in id order, and
    `truncated` when the box holds more. Words and popups are made here, as for the page (in a
    worker thread for a large answer)."""
    box = parse_bbox(bbox)
    if box is None:
        raise BadParameter("bbox is required", "bbox", BBOX_ALLOWED)
    filters = choices.filters(include_closed=True, bbox=box)
    features = await store.listing(pool, filters, PINS_LIMIT + 1, 0)
    shown = features[:PINS_LIMIT]

    def made() -> list[dict[str, Any]]:
        views = [words.view(f) for f in shown]
        return [maps.pin(v, maps.popup_html(templates, v, platform)) for v in views]

    pins = await asyncio.to_thread(made) if len(shown) > PINS_INLINE else made()
    return JSONResponse({"pins": pins, "truncated": len(features) > PINS_LIMIT})


def _query(choices: PageFilters, search: Search) -> str:
    """The same search and filters as a query string, for the link to the other page."""
    if search.lat is not None and search.lon is not None:
        return choices.query(lat=f"{search.lat:.5f}", lon=f"{search.lon:.5f}")
    return choices.query(q=search.q)


# The list grows by NEAREST_LIMIT at a time ("Show 10 more"), up to NEAREST_MAX.
NEAREST_MAX = 50
RawLimit = Annotated[str | None, Query(description="How many to list (10 to 50).")]


def list_limit(raw: str | None) -> int:
    """How many results to list: `limit` if it is a whole number, kept within 1 to NEAREST_MAX
    (a page never answers a bad value with an error)."""
    try:
        return min(max(int(raw or NEAREST_LIMIT), 1), NEAREST_MAX)
    except ValueError:
        return NEAREST_LIMIT


def _list_url(choices: PageFilters, search: Search, fragment: str, **extra: Any) -> str:
    """A link to this list with the same search and filters, plus `extra` query values."""
    query = _query(choices, search)
    more = urlencode(extra)
    if more:
        query = f"{query}&{more}" if query else f"?{more}"
    return f"/nearest{query}#{fragment}"


def place_error_m(place: geocode.Place | None) -> float:
    """How far off the searched point may be, when it is approximate (0 when it is not)."""
    return float(place.error_m) if place is not None and place.approximate else 0.0


def hours_unknown(features: list[dict[str, Any]]) -> int:
    """How many of these facilities have hours that are not known now."""
    return sum(1 for f in features if f["properties"].get("open") is None)


def _vary_by_platform(response: HTMLResponse) -> HTMLResponse:
    """Directions are ordered for the platform the User-Agent names: caches must tell apart."""
    response.headers.add_vary_header("User-Agent")
    return response


@dataclasses.dataclass
class NearestList:
    """What the list page shows: the results, the link to 10 more, and (with "open now") how
    many near here have hours not known, with the link to see them."""

    results: list[words.FacilityView] = dataclasses.field(default_factory=list)
    more_url: str | None = None
    hours_unknown: int = 0
    without_open_now: str | None = None


async def nearest_list(
    pool: ReadDb, search: Search, choices: PageFilters, shown: int
) -> NearestList:
    """The nearest `shown` to the searched place, distances as honest as both positions allow."""
    if search.origin is None:
        return NearestList()
    listed = NearestList()
    asked = find_nearest(pool, *search.origin, choices.filters(), shown + 1)
    if choices.open_now:
        all_hours = dataclasses.replace(choices, open_now=False)
        features, others = await asyncio.gather(
            asked, find_nearest(pool, *search.origin, all_hours.filters(), shown)
        )
        listed.hours_unknown = hours_unknown(others)
        listed.without_open_now = _list_url(all_hours, search, "results")
    else:
        features = await asked
    error_m = place_error_m(search.place)
    listed.results = [words.view(f, search.origin, error_m) for f in features[:shown]]
    if len(features) > shown and shown < NEAREST_MAX:
        more = min(shown + NEAREST_LIMIT, NEAREST_MAX)
        listed.more_url = _list_url(choices, search, f"result-{shown + 1}", limit=more)
    return listed


@router.get("/nearest", response_class=HTMLResponse)
async def nearest_page(
    request: Request,
    templates: Templates,
    pool: ReadDb,
    choices: PageFiltersDep,
    search: SearchDep,
    limit: RawLimit = None,
) -> HTMLResponse:
    """The nearest open-for-business facilities as a plain list, 10 more at a time; works
    without JavaScript. With "open now", says how many near here have hours not known."""
    listed = await nearest_list(pool, search, choices, list_limit(limit))
    error_m = place_error_m(search.place)
    response = _render(
        request,
        templates,
        "nearest.html",
        status=search.status,
        q=search.q,
        failed=search.failed,
        filters=choices,
        place=search.place,
        place_error_m=error_m,
        place_error_words=error_words(error_m),
        error=search.error,
        results=listed.results,
        more_url=listed.more_url,
        hours_unknown=listed.hours_unknown,
        without_open_now=listed.without_open_now,
        platform=words.platform(request.headers.get("user-agent")),
        map_query=_query(choices, search),
    )
    return _vary_by_platform(response)


# A closed facility's page lists this many of the nearest that are not closed.
ALTERNATIVES = 3


async def open_alternatives(pool: ReadDb, feature: dict[str, Any]) -> list[words.FacilityView]:
    """The nearest facilities that are not closed, with distances from this one (as far as its
    own position is known)."""
    lon, lat = feature["geometry"]["coordinates"]
    found = await find_nearest(pool, lat, lon, Filters(), ALTERNATIVES + 1)
    error_m = feature["properties"].get("location_accuracy_m") or 0
    near = [f for f in found if f["id"] != feature["id"]][:ALTERNATIVES]
    return [words.view(f, (lat, lon), error_m) for f in near]


async def _nothing() -> list[words.FacilityView]:
    return []


@router.get("/facilities/{facility_id}", response_class=HTMLResponse)
async def facility_page(
    request: Request,
    pool: ReadDb,
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
    facility = words.view(feature)
    rows, photos, alternatives = await asyncio.gather(
        changes.history(pool, feature["id"]),
        photo_store.of_facility(pool, feature["id"]),
        open_alternatives(pool, feature) if facility.closed else _nothing(),
    )
    props = feature["properties"]
    getting_in, notes = words.access_notes(props)
    response = _render(
        request,
        templates,
        "facility.html",
        f=facility,
        p=props,
        equipment=words.equipment(props),
        getting_in=getting_in,
        access_unknowns=words.access_unknowns(props),
        notes=notes,
        unverified=words.field_labels(props.get("unverified") or []),
        alternatives=alternatives,
        platform=words.platform(request.headers.get("user-agent")),
        address=words.address(props),
        map=maps.facility_map(settings, facility),
        report_kinds=[(kind.value, kind.words) for kind in ReportKind],
        history=words.history(rows[:HISTORY_SHOWN]),
        history_total=len(rows),
        history_capped=len(rows) >= changes.HISTORY_LIMIT,
        photos=words.photos(photos),
        editor=editor,
        safe_url=words.safe_url,
        report_link_words=words.report_link_words,
        plain=words.plain,
    )
    _vary_by_platform(response)
    # Pages are revalidated every time (locator.web.http); an editor's (with its links) is
    # theirs alone.
    if editor:
        response.headers["Cache-Control"] = "private, no-store"
    return response
