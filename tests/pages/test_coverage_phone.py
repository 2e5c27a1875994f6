"""/coverage on a phone: every area's distance on screen at 390 px, and the two boxes that stop
toilets we are not sure of counting as full coverage (a hoist reported broken, equipment not
known, a position only guessed), in Debian Chromium, axe-core clean at phone and desktop sizes.

A visitor reports the Central Library's hoist broken, so this module has its own database
(Coventry's facilities and wards) and server; the shared `site` stays as loaded.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from locator.services import areas
from locator.services import loading as loader
from locator.settings import Settings
from locator.store import connection as db
from locator.store import writes
from tests.conftest import ROOT, ServerThread, drop_database, fresh_database
from tests.pages.conftest import DESKTOP, PHONE, Traffic, axe_violations, open_context, screenshot

BROKEN = "central-library"
WORKING_BOX = "Only where the hoist and bench are known to be there and not reported broken"
POSITION_BOX = "Only toilets whose position is known to within 100 m"


async def _fill(url: str) -> None:
    async with db.connect(url) as conn:
        async with conn.transaction():
            facilities = loader.read_geojson(ROOT / "data" / "coventry.geojson")
            await writes.upsert(conn, facilities, actor="tests")
            await areas.write_areas(conn, areas.read_areas(areas.DEFAULT_PATH, areas.Fields()))
        await conn.execute("ANALYZE")


@pytest.fixture(scope="module")
def site() -> Iterator[ServerThread]:
    """Coventry's facilities and wards, after a visitor says the Central Library's hoist is
    not working (module scope: made before the browser's event loop starts)."""
    url = fresh_database("locator_test_coverage_phone")
    asyncio.run(_fill(url))
    with ServerThread(url, Settings(rate_limit_per_minute=0)) as running:
        report = httpx.post(
            f"{running.url}/api/v1/facilities/{BROKEN}/reports",
            json={"kind": "equipment_not_working", "item": "hoist"},
        )
        assert report.status_code == 201, report.text
        yield running
    drop_database(url)


@pytest.fixture()
def phone(browser: Browser) -> Iterator[Page]:
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE, has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()
    assert traffic.blocked == [], traffic.blocked


def api(site: ServerThread, **params: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(site.url + "/api/v1/coverage", params=params).json()
    return answer


def counted(page: Page) -> int:
    """How many toilets the totals table's caption says were counted."""
    caption = page.locator(".figures caption").first.inner_text()
    found = re.search(r"one of the (\d+) matching", caption)
    assert found, caption
    return int(found[1])


def nearest_to(page: Page) -> dict[str, str]:
    """Each area's nearest matching toilet, as the table says."""
    rows = page.locator(".areas-table tbody tr")
    return {
        row.locator(".c-area").inner_text(): row.locator(".c-nearest").inner_text()
        for row in rows.all()
    }


def test_every_distance_is_on_screen_at_390px(phone: Page, site: ServerThread) -> None:
    phone.goto(site.url + "/coverage")
    cells = phone.locator(".areas-table tbody .c-distance")
    assert cells.count() == 18
    for cell in cells.all():
        cell.scroll_into_view_if_needed()
        box = cell.bounding_box()
        assert box is not None and box["width"] > 0
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], box
        assert re.fullmatch(r"\d+(\.\d)? k?m", cell.inner_text()), cell.inner_text()
    # The sort links stay in reach, and the page never scrolls sideways.
    assert phone.get_by_role("link", name="Distance", exact=True).is_visible()
    assert phone.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    # Read as a table still: the heading row names each cell.
    assert phone.get_by_role("columnheader", name="Distance", exact=True).count() == 1
    assert phone.locator(".areas-table").get_by_role("rowheader").count() == 18
    screenshot(phone, "phone-coverage-areas")


def test_the_working_box_leaves_out_a_broken_hoist_and_unknown_equipment(
    phone: Page, site: ServerThread
) -> None:
    phone.goto(site.url + "/coverage")
    everything = counted(phone)
    assert everything == api(site)["facilities"] == 18
    assert nearest_to(phone)["Foleshill"].startswith("Coventry Central Library")

    phone.get_by_label(WORKING_BOX).check()
    phone.get_by_role("button", name="Update").click()
    phone.wait_for_url("**working=on**")
    expected = api(site, working="true", hoist="any", bench="any")
    assert counted(phone) == expected["facilities"] < everything
    shown = nearest_to(phone)
    assert not [area for area, toilet in shown.items() if "Central Library" in toilet]
    by_name = {a["name"]: a["nearest"]["name"] for a in expected["areas"] if a["nearest"]}
    assert all(shown[name].startswith(toilet) for name, toilet in by_name.items())
    # The box stays ticked, and sorting keeps it.
    assert phone.get_by_label(WORKING_BOX).is_checked()
    people = phone.get_by_role("link", name="People", exact=True)
    assert "working=on" in (people.get_attribute("href") or "")
    # The download has the same filter.
    csv = phone.get_by_role("link", name=re.compile("CSV")).get_attribute("href") or ""
    assert "working=true" in csv


def test_the_position_box_counts_only_positions_known_to_100m(
    phone: Page, site: ServerThread
) -> None:
    phone.goto(site.url + "/coverage?confirmed_position=on")
    expected = api(site, confirmed_position="true")
    # Albany Theatre, Tesco Extra, Wilfred Spencer Centre, Asda Whitley, the Central Library
    # and The Wave are placed to within 100 m; the rest only roughly.
    assert counted(phone) == expected["facilities"] == 6
    assert phone.get_by_label(POSITION_BOX).is_checked()
    assert "position known only to within" not in phone.locator(".areas-table").inner_text()
    both = "/coverage?confirmed_position=on&working=on"
    phone.goto(site.url + both)
    sure = api(site, confirmed_position="true", working="true", hoist="any", bench="any")
    assert counted(phone) == sure["facilities"]


def test_no_jargon_outside_how_this_is_worked_out(phone: Page, site: ServerThread) -> None:
    phone.goto(site.url + "/coverage")
    details = phone.locator("details.method")
    words = phone.locator("main").inner_text()
    assert not details.evaluate("d => d.open")
    hidden = details.inner_text()
    for term in ("greedy maximal coverage", "wgs84", "spheroid", "ellipsoid", "[s"):
        assert term not in words.replace(hidden, "").lower(), term
    details.locator("summary").click()
    assert "Greedy maximal coverage" in details.inner_text()
    assert "WGS84 spheroid" in details.inner_text()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x800"])
@pytest.mark.parametrize("query", ["", "?working=on&confirmed_position=on"], ids=["all", "sure"])
def test_axe_finds_no_violations(
    browser: Browser, site: ServerThread, viewport: dict[str, int], query: str
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, viewport, reduced_motion="reduce")
    page = context.new_page()
    page.goto(site.url + "/coverage" + query)
    page.wait_for_function("() => window.locator && window.locator.map")
    violations = axe_violations(page)
    context.close()
    assert violations == [], json.dumps(violations, indent=1)
    assert traffic.blocked == []
