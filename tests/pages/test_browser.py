"""The pages in headless Debian Chromium: what a phone user does, checked with axe-core."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import ROOT, ServerThread
from tests.pages.conftest import (
    DESKTOP,
    NARROW,
    PHONE,
    Traffic,
    axe_violations,
    open_context,
    screenshot,
    wait_for_pins,
)

COVENTRY_IDS = {
    feature["id"]
    for feature in json.loads((ROOT / "data" / "coventry.geojson").read_text())["features"]
}

PAGES = {
    "map": "/",
    "map-search": "/?q=CV1+1FY",
    "list": "/nearest",
    "list-results": "/nearest?q=CV1+1FY",
    "list-not-found": "/nearest?q=CV99",
    "facility": "/facilities/central-library",
    "facility-fault": "/facilities/coventry-railway-station",
    "facility-missing": "/facilities/no-such-place",
}


def wait_for_map(page: Page) -> None:
    """Until folium's script has built the map and its markers."""
    page.wait_for_function("() => window.locator && window.locator.map")


def marker_ids(page: Page) -> list[str]:
    """Every facility pin: the numbered nearest after a search, and the cluster's."""
    return page.evaluate(
        "[...window.locator.nearest.getLayers(), ...window.locator.markers.getLayers()]"
        ".map(m => m.options.facilityId)"
    )


def result_names(page: Page) -> list[str]:
    return page.locator("ol.results .card-title").all_inner_texts()


def test_map_shows_one_marker_per_facility(
    phone: Page, site: ServerThread, traffic: Traffic
) -> None:
    phone.goto(site.url + "/")
    wait_for_map(phone)
    wait_for_pins(phone)  # the pins are fetched for the view (the first view fits the data)
    ids = marker_ids(phone)
    assert sorted(ids) == sorted(COVENTRY_IDS)
    assert phone.locator("#map-status").inner_text() == (
        f"Showing {len(COVENTRY_IDS)} toilets in this area."
    )
    assert phone.locator(".leaflet-marker-icon").count() >= 1
    assert traffic.tiles, "the map should ask the configured tile server for tiles"
    screenshot(phone, "phone-map")
    assert traffic.blocked == []


def test_popup_says_status_equipment_access_and_links(
    phone: Page, site: ServerThread, traffic: Traffic
) -> None:
    phone.goto(site.url + "/?q=CV1+2GT")
    wait_for_map(phone)
    phone.evaluate(
        """() => new Promise(done => {
            // After a search the nearest are numbered pins outside the cluster.
            const m = window.locator.nearest.getLayers()
                .find(m => m.options.facilityId === 'coventry-railway-station');
            m.openPopup();
            done();
        })"""
    )
    popup = phone.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Coventry railway station" in text
    assert "Hoist: last known not working on 24 May 2023; current state unknown" in text
    assert "RADAR key" in text
    assert "Opening hours unknown" in text
    assert " m " in text or " km " in text  # distance from the searched postcode
    hrefs = popup.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "/facilities/coventry-railway-station" in hrefs
    assert any(h.startswith("geo:") for h in hrefs)
    assert any(h.startswith("https://www.openstreetmap.org/directions") for h in hrefs)
    phone.wait_for_timeout(400)  # the popup fades in
    screenshot(phone, "phone-map-popup")
    assert traffic.blocked == []


def test_postcode_search_lists_the_nearest(
    phone: Page, site: ServerThread, traffic: Traffic
) -> None:
    phone.goto(site.url + "/")
    phone.get_by_label("Postcode, place or facility name").fill("cv1 1fy")
    phone.get_by_role("button", name="Search").click()
    phone.wait_for_url("**/?q=cv1+1fy*")
    first = phone.locator("ol.results--short li").first
    assert first.inner_text().startswith("Coventry Central Library")
    phone.get_by_role("link", name="Full list with directions").click()
    phone.wait_for_url("**/nearest?q=cv1+1fy*")
    assert result_names(phone)[0] == "Coventry Central Library"
    screenshot(phone, "phone-list")
    assert traffic.blocked == []


def test_filters_change_map_and_list(phone: Page, site: ServerThread, traffic: Traffic) -> None:
    phone.goto(site.url + "/nearest?q=CV1+1FY")
    assert len(result_names(phone)) == 10
    phone.locator("summary", has_text="Filters").click()
    phone.get_by_label("Ceiling track hoist").check()
    phone.get_by_role("button", name="Find nearest").click()
    phone.wait_for_url("**ceiling_hoist=on*")
    assert sorted(result_names(phone)) == sorted(
        [
            "Coventry Central Library",
            "Coventry railway station",
            _university(phone),
            "Shire Hall, Warwick",
            "University of Warwick Sports and Wellness Hub – Dry Sports",
            "University of Warwick Sports and Wellness Hub – Poolside",
            "Welcome Break Corley services (M6 northbound)",
            "Wilfred Spencer Centre",
        ]
    )
    phone.get_by_role("link", name="Show on the map").click()
    wait_for_map(phone)
    wait_for_pins(phone)  # the pins fetched for the view are filtered too
    # The first view fits the 5 numbered nearest; further out, the other matching pins come in.
    assert phone.evaluate("window.locator.nearest.getLayers().length") == 5
    phone.evaluate("void window.locator.map.setZoom(9, {animate: false})")
    wait_for_pins(phone)
    assert sorted(marker_ids(phone)) == [
        "central-library",
        "coventry-railway-station",
        "coventry-university",
        "shire-hall-warwick",
        "warwick-swh-dry-sports",
        "warwick-swh-poolside",
        "welcome-break-corley",
        "wilfred-spencer-centre",
    ]
    assert traffic.blocked == []


def _university(page: Page) -> str:
    return next(n for n in result_names(page) if n.startswith("Coventry University"))


def test_list_works_without_javascript(browser: Browser, site: ServerThread) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "/nearest")
    assert page.get_by_role("button", name="Use my location").count() == 0  # needs JS
    page.get_by_label("Postcode, place or facility name").fill("CV1 1FY")
    page.get_by_label("Postcode, place or facility name").press("Enter")
    page.wait_for_url("**/nearest?q=CV1+1FY*")
    assert result_names(page)[0] == "Coventry Central Library"
    screenshot(page, "phone-list-no-javascript")
    context.close()
    assert traffic.blocked == []


def test_use_my_location_with_a_mocked_position(browser: Browser, site: ServerThread) -> None:
    traffic = Traffic()
    context = open_context(
        browser,
        traffic,
        PHONE,
        geolocation={"latitude": 52.4009, "longitude": -1.5137},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(site.url + "/nearest")
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url("**/nearest?*lat=52.40090*")
    assert result_names(page)[0] == "Coventry railway station"
    assert "your location" in page.locator(".place").inner_text()
    context.close()
    assert traffic.blocked == []


def test_use_my_location_on_the_map_leads_to_the_list(browser: Browser, site: ServerThread) -> None:
    """The map has one location button, the form's (issue 11: Leaflet's own is gone)."""
    traffic = Traffic()
    context = open_context(
        browser,
        traffic,
        PHONE,
        geolocation={"latitude": 52.4046, "longitude": -1.5250},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(site.url + "/")
    wait_for_map(page)
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url("**/?*lat=52.40460*")
    assert page.locator("ol.results--short li").first.inner_text().startswith("Albany Theatre")
    page.get_by_role("link", name="Full list with directions").click()
    page.wait_for_url("**/nearest?*lat=52.40460*")
    assert result_names(page)[0] == "Albany Theatre"
    context.close()
    assert traffic.blocked == []


def test_keyboard_reaches_and_opens_the_nearest(
    phone: Page, site: ServerThread, traffic: Traffic
) -> None:
    phone.goto(site.url + "/nearest?q=CV1+1FY")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Skip to main content"
    first_result = phone.locator("ol.results .card-title a").first
    for _ in range(40):
        phone.keyboard.press("Tab")
        if first_result.evaluate("a => a === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the nearest result")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/facilities/central-library")
    assert phone.locator("h1").inner_text() == "Coventry Central Library"
    assert traffic.blocked == []


def test_keyboard_opens_a_map_pin(phone: Page, site: ServerThread, traffic: Traffic) -> None:
    phone.goto(site.url + "/?q=CV5+6JQ")
    wait_for_map(phone)
    for _ in range(60):
        phone.keyboard.press("Tab")
        if phone.evaluate("!!document.activeElement.closest('.leaflet-marker-icon .pin')") or (
            phone.evaluate("document.activeElement.classList.contains('pin-icon')")
        ):
            break
    else:
        pytest.fail("Tab never reached a map pin")
    pin = phone.evaluate_handle("document.activeElement")
    phone.keyboard.press("Enter")
    phone.locator(".leaflet-popup-content").wait_for()
    assert phone.evaluate("document.activeElement.closest('.leaflet-popup') !== null")
    phone.keyboard.press("Escape")
    phone.locator(".leaflet-popup-content").wait_for(state="detached")
    assert phone.evaluate("el => el === document.activeElement", pin)
    assert traffic.blocked == []


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390x844", "1280x800"])
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, Traffic]]:
    traffic = Traffic()
    # Still pages (no zoom animation) so axe measures where things rest.
    context = open_context(browser, traffic, request.param, reduced_motion="reduce")
    yield context.new_page(), traffic
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violations(
    sized: tuple[Page, Traffic], site: ServerThread, name: str
) -> None:
    page, traffic = sized
    page.goto(site.url + PAGES[name])
    if name.startswith("map") or name.startswith("facility-") or name == "facility":
        page.wait_for_load_state("load")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    if page.viewport_size == PHONE:
        screenshot(page, f"phone-{name}")
    assert traffic.blocked == []


@NARROW
@pytest.mark.parametrize("name", list(PAGES))
def test_no_sideways_scrolling(
    browser: Browser, site: ServerThread, viewport: dict[str, int], name: str
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, viewport)
    page = context.new_page()
    page.goto(site.url + PAGES[name])
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport['width']}px"
    assert traffic.blocked == []


@pytest.mark.parametrize("path", ["/?q=CV1+1FY", "/nearest?q=CV1+1FY"])
def test_touch_targets_are_at_least_44px(phone: Page, site: ServerThread, path: str) -> None:
    phone.goto(site.url + path)
    phone.wait_for_load_state("load")
    small = phone.evaluate(
        """() => [...document.querySelectorAll(
                'a, button, input, summary, .leaflet-marker-icon')]
            .filter(el => el.offsetParent !== null && !el.closest('.leaflet-control-attribution')
                          && !el.closest('.site-footer') && el.type !== 'hidden')
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, r]) => r.width > 0 && (r.width < 44 || r.height < 44)
                                 && el.type !== 'checkbox')
            .map(([el, r]) => el.outerHTML.slice(0, 80) + ` ${r.width}x${r.height}`)"""
    )
    assert small == [], "\n".join(small)
