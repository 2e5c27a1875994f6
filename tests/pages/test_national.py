"""The pages at national scale: 20,000 synthetic facilities over Great Britain.

The map page embeds no pins (only the nearest after a search), so its first load stays small;
its script fetches `/map/pins` for the view as the map moves. Over HTTP and in Chromium.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request

from locator.store import connection as db
from locator.store import synth
from locator.web.pages.routes import MAP_NEAREST, PINS_LIMIT
from tests.conftest import ServerThread, drop_database, fresh_database
from tests.pages.conftest import (
    DESKTOP,
    PHONE,
    Traffic,
    axe_violations,
    open_context,
    screenshot,
    wait_for_pins,
)

NATIONAL = 20_000
# The first load of / (HTML plus our own JS and CSS; the vendored Leaflet files are cached).
FIRST_LOAD_BUDGET = 100 * 1024
GREAT_BRITAIN = "-8,49.8,2,60"
COVENTRY_BOX = "-1.65,52.35,-1.40,52.47"
WEST_MIDLANDS = "-2.6,52.1,-1.2,52.8"
COVENTRY = (52.4081, -1.5106)
EDINBURGH = (55.9533, -3.1883)
PIN_KEYS = {"id", "lat", "lon", "html", "className", "popup"}
STATUS = "#map-status"


async def _synthesise(url: str) -> None:
    async with db.connect(url) as conn:
        await synth.synthesise(conn, NATIONAL)


@pytest.fixture(scope="module")
def national_db() -> Iterator[str]:
    """A database holding 20,000 synthetic facilities over Great Britain (1 in 50 closed)."""
    url = fresh_database("locator_test_national")
    asyncio.run(_synthesise(url))
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def site(national_db: str) -> Iterator[ServerThread]:
    """This module's server (the browser fixture serves it instead of Coventry's)."""
    with ServerThread(national_db) as running:
        yield running


@pytest.fixture()
def http(site: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        yield client


def own_assets(html: str) -> list[str]:
    """The page's scripts and style sheets, and those its map script loads (named in the map's
    data), leaving out the vendored ones (cached)."""
    assets = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assets += re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    assets += re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', html)
    data = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    if data:
        assets += [url for urls in json.loads(data.group(1))["assets"].values() for url in urls]
    return sorted({url for url in assets if not url.startswith("/static/vendor/")})


def first_load_bytes(http: httpx.Client, path: str) -> tuple[int, str]:
    """Uncompressed bytes of the page and its own JS and CSS, and the page's text."""
    response = http.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assets = own_assets(response.text)
    paths = {url.split("?")[0] for url in assets}  # static_url adds ?v=<content hash>
    assert "/static/js/pins.js" in paths and "/static/js/map-pins.js" in paths
    total = len(response.content)
    total += sum(len(http.get(urljoin("/", url)).content) for url in assets)
    return total, response.text


def pins(http: httpx.Client, bbox: str, **params: str) -> dict[str, Any]:
    response = http.get("/map/pins", params={"bbox": bbox, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    data: dict[str, Any] = response.json()
    return data


def api_ids(http: httpx.Client, bbox: str, **params: str) -> set[str]:
    """Ids in a box from the JSON API, closed ones too (the box must hold under 1,000)."""
    query = {"bbox": bbox, "include_closed": "true", "limit": "1000", **params}
    features = http.get("/api/v1/facilities", params=query).json()["features"]
    assert len(features) < 1000
    return {f["id"] for f in features}


def test_first_load_of_the_map_stays_small(http: httpx.Client) -> None:
    total, html = first_load_bytes(http, "/")
    print(f"first load of / with {NATIONAL:,} facilities: {total:,} bytes")
    assert total < FIRST_LOAD_BUDGET, f"{total} bytes"
    assert "synth-" not in html  # no facility in the page: the script fetches them
    assert 'id="map-status"' in html and 'data-pins="/map/pins?platform=desktop"' in html


def test_map_after_a_search_holds_only_the_nearest(http: httpx.Client) -> None:
    total, html = first_load_bytes(http, "/?q=CV1+1FY&ceiling_hoist=on")
    assert total < FIRST_LOAD_BUDGET, f"{total} bytes"
    embedded = set(re.findall(r"/facilities/(synth-\d+)", html))
    assert 0 < len(embedded) <= MAP_NEAREST  # the numbered nearest, as listed
    listed = re.findall(r'<li><a href="/facilities/(synth-\d+)"', html)
    assert len(listed) == MAP_NEAREST and set(listed) <= embedded
    # The fetched pins filter the same (and order directions for the same platform).
    assert 'data-pins="/map/pins?platform=desktop&amp;ceiling_hoist=on"' in html


def test_pins_for_a_box_are_every_facility_in_it_with_words_and_popups(
    http: httpx.Client,
) -> None:
    data = pins(http, COVENTRY_BOX)
    assert data["truncated"] is False
    assert {p["id"] for p in data["pins"]} == api_ids(http, COVENTRY_BOX)
    for pin in data["pins"]:
        assert set(pin) == PIN_KEYS
        assert -1.65 <= pin["lon"] <= -1.40 and 52.35 <= pin["lat"] <= 52.47
        assert 'class="visually-hidden">Synthetic facility' in pin["html"]
        assert f'href="/facilities/{pin["id"]}"' in pin["popup"]
        assert "Hoist:" in pin["popup"]


def test_pins_include_closed_facilities_marked(http: httpx.Client) -> None:
    data = pins(http, WEST_MIDLANDS)
    assert data["truncated"] is False
    everything = api_ids(http, WEST_MIDLANDS)
    open_ones = {
        f["id"]
        for f in http.get(
            "/api/v1/facilities", params={"bbox": WEST_MIDLANDS, "limit": "1000"}
        ).json()["features"]
    }
    closed = {p["id"] for p in data["pins"] if p["className"] == "pin-icon pin-icon--closed"}
    assert {p["id"] for p in data["pins"]} == everything
    assert closed and closed == everything - open_ones
    assert all("✕" in p["html"] for p in data["pins"] if p["id"] in closed)


def test_pins_follow_the_page_filters(http: httpx.Client) -> None:
    hoists = pins(http, WEST_MIDLANDS, ceiling_hoist="on", registered="on")
    expected = api_ids(http, WEST_MIDLANDS, hoist="ceiling_track", registered="true")
    assert {p["id"] for p in hoists["pins"]} == expected
    assert 0 < len(expected) < len(pins(http, WEST_MIDLANDS)["pins"])


@pytest.mark.parametrize("bbox", [GREAT_BRITAIN, "-180,-90,180,90"])
def test_a_box_holding_too_many_is_truncated(http: httpx.Client, bbox: str) -> None:
    data = pins(http, bbox)
    assert data["truncated"] is True
    assert len(data["pins"]) == PINS_LIMIT
    assert len({p["id"] for p in data["pins"]}) == PINS_LIMIT


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", "bbox is required"),
        ("?bbox=1,2,3", "bbox must be four finite numbers"),
        ("?bbox=-1,52,-2,53", "bbox is out of range or has min >= max"),
        ("?bbox=a,b,c,d", "bbox must be four numbers"),
        ("?bbox=0,0,200,10", "bbox is out of range or has min >= max"),
    ],
)
def test_bad_boxes_are_a_422_naming_bbox(http: httpx.Client, query: str, detail: str) -> None:
    response = http.get("/map/pins" + query)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "bbox" and body["detail"] == detail
    assert "minLon,minLat,maxLon,maxLat" in body["allowed"]


def test_list_nearest_and_facility_pages_keep_working(http: httpx.Client) -> None:
    listing = http.get("/nearest", params={"q": "CV1 1FY"})
    assert listing.status_code == 200
    ids = re.findall(r'<h3 class="card-title"><a href="/facilities/(synth-\d+)"', listing.text)
    assert len(ids) == 10
    assert http.get("/nearest").status_code == 200
    page = http.get(f"/facilities/{ids[0]}")
    assert page.status_code == 200 and "Synthetic facility" in page.text


def view_box(page: Page) -> tuple[float, float, float, float]:
    """The map's view as (west, south, east, north)."""
    box: list[float] = page.evaluate(
        "(() => { const b = window.locator.map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    west, south, east, north = box
    return west, south, east, north


def asked_box(url: str) -> tuple[float, float, float, float]:
    west, south, east, north = (
        float(v) for v in parse_qs(urlsplit(url).query)["bbox"][0].split(",")
    )
    return west, south, east, north


def holds(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    return (
        outer[0] <= max(inner[0], -180)
        and outer[1] <= max(inner[1], -90)
        and outer[2] >= min(inner[2], 180)
        and outer[3] >= min(inner[3], 90)
    )


def marker_ids(page: Page) -> list[str]:
    ids: list[str] = page.evaluate(
        "window.locator.markers.getLayers().map(m => m.options.facilityId)"
    )
    return ids


def move(page: Page, centre: tuple[float, float], zoom: int) -> None:
    # `void`: setView returns the map, which Playwright would copy out of the page, slowly.
    page.evaluate(f"void window.locator.map.setView({list(centre)}, {zoom}, {{animate: false}})")
    wait_for_pins(page)


def test_map_fetches_pins_for_the_view(
    phone: Page, site: ServerThread, traffic: Traffic, http: httpx.Client
) -> None:
    asked: list[str] = []

    def seen(request: Request) -> None:
        if "/map/pins" in request.url:
            asked.append(request.url)

    phone.on("request", seen)
    response = phone.goto(site.url + "/")
    assert response is not None and len(response.body()) < FIRST_LOAD_BUDGET
    wait_for_pins(phone)
    # The first view is the extent of the data, Great Britain: more than one answer holds.
    assert len(asked) == 1 and holds(asked_box(asked[0]), view_box(phone))
    assert phone.locator(STATUS).inner_text() == (
        f"Showing {PINS_LIMIT:,} toilets. Zoom in to see all toilets here."
    )
    assert len(marker_ids(phone)) == PINS_LIMIT

    move(phone, COVENTRY, 12)
    assert len(asked) == 2 and holds(asked_box(asked[1]), view_box(phone))
    ids = marker_ids(phone)
    assert len(ids) == len(set(ids)), "a pin was added twice"
    west, south, east, north = view_box(phone)
    # Rounded outwards to 4 decimals, as the page's script counts what is in view.
    box = [math.floor(west * 1e4), math.floor(south * 1e4), math.ceil(east * 1e4)]
    box.append(math.ceil(north * 1e4))
    in_view = api_ids(http, ",".join(f"{v / 1e4:.4f}" for v in box))
    assert in_view and in_view <= set(ids)
    assert phone.locator(STATUS).inner_text() == f"Showing {len(in_view)} toilets in this area."

    # A small move stays inside the area already fetched in full: nothing is asked.
    phone.evaluate("void window.locator.map.panBy([60, 60], {animate: false})")
    wait_for_pins(phone)
    assert len(asked) == 2
    move(phone, EDINBURGH, 12)
    assert len(asked) == 3 and holds(asked_box(asked[2]), view_box(phone))
    move(phone, COVENTRY, 12)  # fetched in full before
    assert len(asked) == 3
    ids = marker_ids(phone)
    assert len(ids) == len(set(ids))
    screenshot(phone, "phone-map-national-coventry")
    assert traffic.blocked == []


def test_fetched_pins_open_by_keyboard(
    phone: Page, site: ServerThread, traffic: Traffic, http: httpx.Client
) -> None:
    target = pins(http, COVENTRY_BOX)["pins"][0]
    phone.goto(site.url + "/")
    wait_for_pins(phone)
    move(phone, (target["lat"], target["lon"]), 16)
    assert target["id"] in marker_ids(phone)
    for _ in range(80):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.classList.contains('pin-icon')"):
            break
    else:
        pytest.fail("Tab never reached a map pin")
    pin = phone.evaluate_handle("document.activeElement")
    assert "Synthetic facility" in phone.evaluate("document.activeElement.textContent")
    phone.keyboard.press("Enter")
    popup = phone.locator(".leaflet-popup-content")
    popup.wait_for()
    assert phone.evaluate("document.activeElement.closest('.leaflet-popup') !== null")
    assert "Details" in popup.inner_text()
    phone.keyboard.press("Escape")
    popup.wait_for(state="detached")
    assert phone.evaluate("el => el === document.activeElement", pin)
    assert traffic.blocked == []


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390x844", "1280x800"])
def still(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, Traffic]]:
    traffic = Traffic()
    context = open_context(browser, traffic, request.param, reduced_motion="reduce")
    yield context.new_page(), traffic
    context.close()


def test_axe_finds_no_violations_on_the_national_map(
    still: tuple[Page, Traffic], site: ServerThread
) -> None:
    page, traffic = still
    page.goto(site.url + "/")
    wait_for_pins(page)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    move(page, COVENTRY, 13)
    page.evaluate(
        """() => new Promise(done => {
            const view = window.locator.map.getBounds();
            const pin = window.locator.markers.getLayers().find(m => view.contains(m.getLatLng()));
            window.locator.markers.zoomToShowLayer(pin, () => { pin.openPopup(); done(); });
        })"""
    )
    page.locator(".leaflet-popup-content").wait_for()
    wait_for_pins(page)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    assert traffic.blocked == []


def test_without_javascript_the_map_page_offers_the_list(
    browser: Browser, site: ServerThread
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "/")
    assert page.locator("noscript").count() == 1
    assert page.get_by_role("link", name="List facilities by distance").count() == 1
    page.goto(site.url + "/?q=CV1+1FY")
    assert page.locator("ol.results--short li").count() == MAP_NEAREST
    page.get_by_role("link", name="Full list with directions").click()
    page.wait_for_url("**/nearest?q=CV1+1FY*")
    assert page.locator("ol.results .card-title").count() == 10
    context.close()
    assert traffic.blocked == []
