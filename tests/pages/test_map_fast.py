"""Issue 11, part B: a fast map page and an honest search.

The shell and the list need no script; the map is built in the browser from data the page
carries, the same for the same data and query, with no Folium work per request. After a search
the nearest are numbered pins, never clustered, tabbed nearest first, with the searched place in
the key. Searches that cannot be answered say why on the page, beside the form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from branca.element import Element
from playwright.sync_api import Browser, Page

from locator.web.pages import routes
from tests.conftest import ServerThread
from tests.pages.conftest import (
    DESKTOP,
    PHONE,
    Traffic,
    axe_violations,
    open_context,
    screenshot,
    wait_for_pins,
)

SEARCH = "/?q=CV1+1FY"
LONG = "a" * 101


@pytest.fixture()
def http(site: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=10) as client:
        yield client


@pytest.fixture()
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, Traffic]]:
    """A still page (no zoom animation) at 390x844, or at the viewport given as the param."""
    traffic = Traffic()
    viewport = getattr(request, "param", PHONE)
    context = open_context(browser, traffic, viewport, reduced_motion="reduce")
    yield context.new_page(), traffic
    context.close()
    assert traffic.blocked == []


def head(html: str) -> str:
    found = re.search(r"<head>(.*?)</head>", html, re.S)
    assert found
    return found.group(1)


def scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


# The page itself: no blocking script, the same bytes for the same data and query.


@pytest.mark.parametrize("path", ["/", SEARCH])
def test_no_blocking_script_in_head_and_the_map_code_is_deferred(
    http: httpx.Client, path: str
) -> None:
    html = http.get(path).text
    for tag in scripts(head(html)):
        assert re.search(r"\b(defer|async)\b", tag), f"a blocking script in <head>: {tag}"
    assert "leaflet" not in head(html), "Leaflet's files are not on the page's critical path"
    body = html.split("</head>", 1)[1]
    code = [tag for tag in scripts(body) if "src=" in tag]
    assert any("/static/js/map.js" in tag for tag in code)
    assert all(re.search(r"\bdefer\b", tag) for tag in code), code
    assert "vendor/leaflet" not in "".join(code), "Leaflet is loaded by map.js, after the page"
    inline = [t for t in scripts(body) if "src=" not in t and 'type="application/json"' not in t]
    assert inline == [], "the map needs no inline script"
    assets = map_data(html)["assets"]
    assert any("/static/vendor/leaflet/leaflet.js?v=" in url for url in assets["scripts"])
    assert any("/static/vendor/leaflet/leaflet.css?v=" in url for url in assets["css"])
    if path == SEARCH:  # the list comes before any script in the page
        assert body.index('<ol class="results results--short"') < body.index("<script")


@pytest.mark.parametrize("path", ["/", SEARCH, "/?q=CV1+1FY&ceiling_hoist=on"])
def test_the_page_is_the_same_for_the_same_data_and_query(http: httpx.Client, path: str) -> None:
    first, second = http.get(path), http.get(path)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content  # Folium named every element anew per request
    assert first.headers["etag"] == second.headers["etag"]
    assert "folium" not in first.text.lower()


def test_the_map_page_does_no_folium_work_per_request(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server runs in this process: count branca renders while the map page answers."""
    renders: list[str] = []
    original = Element.render

    def counting(self: Element, **kwargs: Any) -> Any:
        renders.append(type(self).__name__)
        return original(self, **kwargs)

    monkeypatch.setattr(Element, "render", counting)
    for path in ("/", SEARCH, "/?q=Earlsdon&open_now=on"):
        assert http.get(path).status_code == 200
    assert renders == []
    http.get("/facilities/central-library")  # the facility page's small map still is Folium
    assert renders


def test_the_page_without_a_search_is_rendered_once_per_data_version(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[str] = []
    original = routes._render

    def counting(*args: Any, **kwargs: Any) -> Any:
        renders.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(routes, "_render", counting)
    bodies = {http.get("/?key_free=on&registered=on").text for _ in range(5)}
    assert len(bodies) == 1 and len(renders) <= 1
    http.get(SEARCH)  # a search is the searcher's own: rendered for each, never kept
    http.get(SEARCH)
    assert renders.count("map.html") == len(renders) and len(renders) >= 2


def map_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_page_carries_the_map_as_data(http: httpx.Client) -> None:
    html = http.get(SEARCH).text
    data = map_data(html)
    assert data["tiles"]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert data["origin"]["name"] == "CV1 1FY"
    listed = re.findall(r'<li><a href="/facilities/([a-z0-9-]+)"', html)
    assert [p["id"] for p in data["nearest"]] == listed
    assert [p["number"] for p in data["nearest"]] == list(range(1, len(listed) + 1))
    assert len(listed) == 5
    assert map_data(http.get("/").text)["nearest"] == []


# After a search: numbered pins, never clustered, the searched place shown and explained.


def test_numbered_pins_in_distance_order_with_the_search_dot_visible_and_in_the_key(
    page: tuple[Page, Traffic], site: ServerThread
) -> None:
    phone, _ = page
    phone.goto(site.url + SEARCH)
    wait_for_pins(phone)
    listed = phone.locator("ol.results--short li a").all_inner_texts()
    pins = phone.evaluate(
        """() => {
            const origin = window.locator.map.getPane('searched').firstElementChild;
            return window.locator.nearest.getLayers().map(m => ({
                id: m.options.facilityId, number: m.options.number,
                mark: m.getElement().querySelector('.pin-mark').textContent,
                label: m.getElement().textContent,
                clustered: window.locator.markers.hasLayer(m),
                visible: m.getElement().getBoundingClientRect().width > 0,
                metres: window.locator.map.distance(m.getLatLng(), window.locator.map
                    .layerPointToLatLng(L.DomUtil.getPosition(origin))),
            }));
        }"""
    )
    assert [p["number"] for p in pins] == [1, 2, 3, 4, 5]
    assert [p["mark"] for p in pins] == ["1", "2", "3", "4", "5"]
    assert all(p["visible"] and not p["clustered"] for p in pins)
    for pin, name in zip(pins, listed, strict=True):
        assert f"{pin['number']}. {name}" in pin["label"]
    metres = [p["metres"] for p in pins]
    assert metres == sorted(metres)
    # No cluster bubble holds any of them, and nothing covers the searched place's dot.
    assert phone.locator(".marker-cluster, .cluster-icon.leaflet-marker-icon").count() == 0
    dot = phone.locator(".leaflet-marker-icon.search-dot")
    assert dot.count() == 1 and dot.is_visible()
    assert "You searched here: CV1 1FY" in dot.inner_text()
    dot.scroll_into_view_if_needed()
    box = dot.bounding_box()
    assert box
    # Made hit-testable for the check only (the dot takes no clicks): is it the topmost thing?
    on_top = phone.evaluate(
        """([x, y]) => {
            const dot = document.querySelector('.search-dot');
            dot.parentElement.style.pointerEvents = 'auto';
            dot.style.pointerEvents = 'auto';
            const top = document.elementFromPoint(x, y);
            return top !== null && top.closest('.search-dot') !== null;
        }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top, "something covers the searched place's dot"
    key = phone.locator(".legend").inner_text()
    assert "the place you searched for: CV1 1FY" in key
    assert "numbered 1 to 5: the 5 nearest, as listed" in key
    assert phone.locator(".legend .search-dot--legend").count() == 1
    screenshot(phone, "phone-map-numbered")


def test_pins_are_tabbed_nearest_first(page: tuple[Page, Traffic], site: ServerThread) -> None:
    phone, _ = page
    phone.goto(site.url + "/?q=CV5+6JQ")
    wait_for_pins(phone)
    order: list[dict[str, Any]] = []
    for _ in range(80):
        phone.keyboard.press("Tab")
        stop = phone.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el.classList.contains('leaflet-marker-icon')) { return null; }
                const map = window.locator.map;
                const dot = map.getPane('searched').firstElementChild;
                const at = map.layerPointToLatLng(L.DomUtil.getPosition(el));
                const from = map.layerPointToLatLng(L.DomUtil.getPosition(dot));
                return {number: el.dataset.number || null, metres: map.distance(at, from)};
            }"""
        )
        if stop is None and order:
            break
        if stop is not None:
            order.append(stop)
    assert [s["number"] for s in order[:5]] == ["1", "2", "3", "4", "5"]
    assert len(order) > 5, "the other pins in view are reached after the numbered ones"
    others = [s["metres"] for s in order[5:]]
    assert all(s["number"] is None for s in order[5:])
    assert others == sorted(others), "pins after the numbered ones are tabbed nearest first"


def test_counts_agree_on_the_page(page: tuple[Page, Traffic], site: ServerThread) -> None:
    phone, _ = page
    for path, heading, what in [
        (SEARCH, "The 5 nearest", "toilets"),
        ("/?q=CV1+1FY&ceiling_hoist=on", "The 5 nearest matching your filters", "matching"),
    ]:
        phone.goto(site.url + path)
        wait_for_pins(phone)
        assert phone.locator("#nearest-title").inner_text() == heading
        assert phone.locator("ol.results--short li").count() == 5
        assert phone.evaluate("window.locator.nearest.getLayers().length") == 5
        status = phone.locator("#map-status").inner_text()
        assert re.fullmatch(
            rf"Showing \d+ {what}[a-z ]* in this area\. Pins 1 to 5 are the 5 nearest, as listed\.",
            status,
        ), status
        shown = int(re.findall(r"\d+", status)[0])
        assert shown >= 5


def test_one_location_button(page: tuple[Page, Traffic], site: ServerThread) -> None:
    """The form's "Use my location" only: Leaflet's own locate control (which behaved
    differently) is gone."""
    phone, _ = page
    phone.goto(site.url + "/")
    wait_for_pins(phone)
    controls = phone.locator("button, a, [role=button]").filter(
        has_text=re.compile("location", re.I)
    )
    assert controls.count() == 1
    assert controls.first.inner_text() == "Use my location"
    assert phone.locator(".leaflet-control-locate").count() == 0
    assert phone.get_by_title("Find my location").count() == 0


def test_the_list_shows_without_any_script(browser: Browser, site: ServerThread) -> None:
    """With every script refused, the list and the form are there: nothing waits for them."""
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE)
    context.route("**/*.js*", lambda route: route.abort())
    phone = context.new_page()
    phone.goto(site.url + SEARCH)
    first = phone.locator("ol.results--short li").first
    assert first.is_visible() and first.inner_text().startswith("Coventry Central Library")
    assert phone.get_by_label("Postcode, place or facility name").is_visible()
    context.close()


# Searches that cannot be answered: said on the page, beside the form.


def is_page_with_form(response: httpx.Response) -> bool:
    return response.headers["content-type"].startswith("text/html") and (
        '<form class="search"' in response.text and 'maxlength="100"' in response.text
    )


@pytest.mark.parametrize("path", ["/", "/nearest"])
def test_a_query_over_100_characters_gets_the_form_back(http: httpx.Client, path: str) -> None:
    response = http.get(path, params={"q": LONG})
    assert response.status_code == 422
    assert is_page_with_form(response), response.text[:300]
    assert "Your search is 101 characters long: please type at most 100" in response.text
    assert 'role="alert"' in response.text


@pytest.mark.parametrize("path", ["/", "/nearest"])
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"lat": "91", "lon": "0"}, "the latitude must be a number from -90 to 90"),
        ({"lat": "52.4", "lon": "east"}, "the longitude must be a number from -180 to 180"),
        ({"lat": "nan", "lon": "0"}, "the latitude must be a number from -90 to 90"),
    ],
)
def test_a_bad_position_is_a_422_page_with_the_form(
    http: httpx.Client, path: str, params: dict[str, str], words: str
) -> None:
    response = http.get(path, params=params)
    assert response.status_code == 422
    assert is_page_with_form(response)
    assert words in response.text


@pytest.mark.parametrize("path", ["/", "/nearest"])
def test_a_postcode_outside_the_data_we_hold_says_so(http: httpx.Client, path: str) -> None:
    response = http.get(path, params={"q": "B1 1AA"})
    assert response.status_code == 404
    assert is_page_with_form(response)
    assert "We do not hold postcodes for that area yet (B1): try a town or place name." in (
        response.text
    )
    assert "could not find" not in response.text
    # A postcode of an area we hold, that does not exist, is still not found.
    assert "We could not find" in http.get(path, params={"q": "CV99"}).text


@pytest.mark.parametrize("typed", ["52.40,-1.51", "52.40 -1.51", "52.40, -1.51"])
def test_coordinates_typed_in_the_box_are_taken(http: httpx.Client, typed: str) -> None:
    response = http.get("/", params={"q": typed})
    assert response.status_code == 200
    assert "Showing distances from <strong>52.40, -1.51</strong>" in response.text
    assert len(re.findall(r'<li[^>]*><a href="/facilities/', response.text)) == 5
    data = map_data(response.text)
    assert (data["origin"]["lat"], data["origin"]["lon"]) == (52.4, -1.51)
    assert http.get("/nearest", params={"q": typed}).status_code == 200


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found
    return found.group(1)


def test_a_failed_search_on_the_map_says_so_in_the_title(
    http: httpx.Client, page: tuple[Page, Traffic], site: ServerThread
) -> None:
    assert title(http.get("/", params={"q": "B1 1AA"}).text).startswith("Not found: B1 1AA – Map")
    assert title(http.get("/", params={"q": "xyzzy"}).text).startswith("Not found: xyzzy – Map")
    assert title(http.get("/", params={"q": LONG}).text).startswith("Search not accepted – Map")
    assert title(http.get(SEARCH).text).startswith("Map near CV1 1FY")
    phone, _ = page
    phone.goto(site.url + "/?q=xyzzy")
    assert phone.title().startswith("Not found: xyzzy – Map")


# Accessibility: axe-core at both sizes, with and without a search, and after a failed one.


@pytest.mark.parametrize("page", [PHONE, DESKTOP], ids=["390x844", "1280x800"], indirect=True)
@pytest.mark.parametrize(
    "path", ["/", SEARCH, "/?q=CV1+1FY&ceiling_hoist=on", "/?q=B1+1AA", "/?lat=91&lon=0"]
)
def test_axe_finds_no_violations_on_the_map_page(
    page: tuple[Page, Traffic], site: ServerThread, path: str
) -> None:
    browser_page, _ = page
    browser_page.goto(site.url + path)
    wait_for_pins(browser_page)
    violations = axe_violations(browser_page)
    assert violations == [], json.dumps(violations, indent=1)
