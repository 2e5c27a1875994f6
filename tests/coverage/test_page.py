"""The /coverage page in headless Debian Chromium (the pages' own browser set-up): axe-core clean
at phone and desktop sizes, the map drawn, the table sortable by keyboard-reachable links with
`aria-sort`, the filters working, the figures equal to the API's, and printable."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from locator.domain.words import distance_words
from tests.conftest import ServerThread
from tests.pages.conftest import (  # noqa: F401  (browser: the pages' fixture, used here)
    ARTIFACTS,
    DESKTOP,
    PHONE,
    Traffic,
    axe_violations,
    browser,
    open_context,
    screenshot,
)

PAGES = {
    "coverage": "/coverage",
    "coverage-sunday-registered": "/coverage?open_at=2026-11-22T18:00&registered=on&sort=area"
    "&order=asc",
    "coverage-bad-time": "/coverage?open_at=teatime",
}


@pytest.fixture(scope="session")
def site(coventry_server: ServerThread) -> ServerThread:
    """The browser fixture's server: Coventry's facilities and wards."""
    return coventry_server


@pytest.fixture(params=[PHONE, DESKTOP], ids=["390x844", "1280x800"])
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, Traffic]]:  # noqa: F811
    traffic = Traffic()
    context = open_context(browser, traffic, request.param, reduced_motion="reduce")
    yield context.new_page(), traffic
    context.close()


@pytest.fixture()
def desktop(browser: Browser) -> Iterator[Page]:  # noqa: F811
    traffic = Traffic()
    context = open_context(browser, traffic, DESKTOP, reduced_motion="reduce")
    yield context.new_page()
    context.close()
    assert traffic.blocked == []


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violations(
    sized: tuple[Page, Traffic], site: ServerThread, name: str
) -> None:
    page, traffic = sized
    response = page.goto(site.url + PAGES[name])
    assert response is not None and response.status == (422 if "bad" in name else 200)
    page.wait_for_function("window.locator && window.locator.map")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    screenshot(page, f"{name}-{page.viewport_size['width'] if page.viewport_size else 0}")
    assert traffic.blocked == []


def test_map_shades_areas_and_shows_facilities_and_sites(desktop: Page, site: ServerThread) -> None:
    desktop.goto(site.url + "/coverage?k=3&threshold_m=2000")
    desktop.wait_for_function("window.locator && window.locator.map")
    assert desktop.locator(".leaflet-overlay-pane path").count() == 18  # one per ward
    assert desktop.locator(".leaflet-marker-pane .pin-icon").count() == 18  # not the 3 closed
    assert desktop.locator(".leaflet-marker-pane .site-icon").count() == 3
    assert desktop.locator("ol.picks li").count() == 3


def rows(page: Page) -> list[list[str]]:
    return [
        row.locator("th, td").all_inner_texts()
        for row in page.locator(".table-wrap tbody tr").all()
    ]


def test_table_sorts_by_links_with_aria_sort(desktop: Page, site: ServerThread) -> None:
    desktop.goto(site.url + "/coverage")
    distance = desktop.locator(".table-wrap th", has_text="Distance")
    assert distance.get_attribute("aria-sort") == "descending"
    assert rows(desktop)[0][0] == "Holbrook"  # furthest from any facility
    desktop.get_by_role("link", name="People").click()
    desktop.wait_for_url("**sort=population**")
    people = desktop.locator(".table-wrap th", has_text="People")
    assert people.get_attribute("aria-sort") == "descending"
    assert rows(desktop)[0][0] == "St Michael's"
    desktop.get_by_role("link", name="People").focus()
    desktop.keyboard.press("Enter")
    desktop.wait_for_url("**order=asc**")
    assert desktop.locator(".table-wrap th", has_text="People").get_attribute("aria-sort") == (
        "ascending"
    )
    assert rows(desktop)[0][0] == "Wainbody"  # fewest people


def test_figures_equal_the_api(desktop: Page, site: ServerThread) -> None:
    desktop.goto(site.url + "/coverage?registered=on")
    api = httpx.get(site.url + "/api/v1/coverage", params={"registered": "true"}).json()
    caption = desktop.locator(".figures caption").first.inner_text()
    assert f"one of the {api['facilities']} matching toilets" in caption
    shown = desktop.locator(".figures").first.locator("tbody td.num").all_inner_texts()
    for total in api["totals"]:
        assert f"{total['population']:,}" in shown
    by_name = {area["name"]: area for area in api["areas"]}
    for name, people, nearest, distance, _band in rows(desktop):
        area = by_name[name]
        assert people == f"{area['population']:,}"
        assert nearest.startswith(area["nearest"]["name"])
        rough = (area["nearest"]["location_accuracy_m"] or 0) >= 500
        assert ("position known only to within" in nearest) == rough
        assert distance == distance_words(area["nearest"]["distance_m"])


# The toilets whose registered hours (2021) say they are open on a Sunday at 18:00.
OPEN_SUNDAY_EVENING = (
    "University of Warwick Sports and Wellness Hub",
    "Welcome Break Corley services",
    "Moto Rugby services",
    "Stratford Leisure Centre",
)


def test_sunday_evening_filter_counts_only_toilets_known_to_be_open(
    desktop: Page, site: ServerThread
) -> None:
    desktop.goto(site.url + "/coverage")
    desktop.get_by_label("Or open at this date and time").fill("2026-11-22T18:00")
    desktop.get_by_role("button", name="Update").click()
    desktop.wait_for_url("**open_at=2026-11-22T18**")
    assert "one of the 5 matching toilets" in desktop.locator(".figures caption").first.inner_text()
    nearest = {r[2] for r in rows(desktop)}
    assert all(name.startswith(OPEN_SUNDAY_EVENING) for name in nearest), nearest
    # Late on Sunday no toilet with a height-adjustable bench is known to be open (the one
    # whose weekend hours are unknown does not count), and the page says why none match.
    desktop.get_by_label("Height-adjustable changing bench").check()
    desktop.get_by_label("Or open at this date and time").fill("2026-11-22T23:00")
    desktop.get_by_role("button", name="Update").click()
    desktop.wait_for_url("**open_at=2026-11-22T23**")
    assert "one of the 0 matching toilets" in desktop.locator(".figures caption").first.inner_text()
    assert "almost no opening hours are known" in desktop.locator("#totals-note").inner_text()
    assert {r[4] for r in rows(desktop)} == {"no matching facility"}


def test_prints_without_the_form(desktop: Page, site: ServerThread) -> None:
    desktop.goto(site.url + "/coverage")
    desktop.wait_for_function("window.locator && window.locator.map")
    desktop.emulate_media(media="print")
    assert not desktop.locator(".coverage-form").is_visible()
    assert desktop.locator(".coverage-map").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    desktop.pdf(path=str(ARTIFACTS / "coverage-meeting-pack.pdf"), format="A4")


@pytest.mark.parametrize("width", [320, 640])
def test_no_sideways_scrolling(browser: Browser, site: ServerThread, width: int) -> None:  # noqa: F811
    traffic = Traffic()
    context = open_context(browser, traffic, {"width": width, "height": 700})
    page = context.new_page()
    page.goto(site.url + "/coverage")
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow <= 0
    assert traffic.blocked == []


@pytest.mark.parametrize(
    "open_at", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "2200-12-31T23:59-14:00"]
)
def test_out_of_range_times_are_a_form_error_not_a_crash(site: ServerThread, open_at: str) -> None:
    response = httpx.get(f"{site.url}/coverage", params={"open_at": open_at}, timeout=30)
    assert response.status_code == 422
    assert "in the years 1900 to 2200" in response.text
