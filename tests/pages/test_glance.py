"""What a carer sees at a glance (issue 11, part A): the one-line summary per result, directions
that open on the phone in hand, honest distances, closed facilities without directions, plain
words, short pages and links a screen reader can tell apart.

Most tests read the shared Coventry `site`; the ones that need a changed record (a facility
placed to +-1.5 km) use this module's own database and server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html as html_lib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page

from locator.domain import hours
from locator.domain.words import rounded_distance_words
from locator.services import loading
from locator.settings import Settings
from locator.store import connection as db
from locator.web.pages import words
from tests.conftest import ROOT, ServerThread, drop_database, fresh_database
from tests.pages.conftest import (
    DESKTOP,
    NARROW,
    PHONE,
    Traffic,
    axe_violations,
    open_context,
    screenshot,
)
from tests.pages.test_browser import COVENTRY_IDS

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
NEAR_LIBRARY = "/nearest?q=CV1+1FY"
CLOSED_ID = "the-reel-store"
LIST_BUDGET = 30 * 1024
FACILITY_BUDGET = 40 * 1024
# A Friday evening and a Sunday night, in UK time.
FRIDAY_18 = dt.datetime(2026, 11, 27, 18, 0, tzinfo=hours.LONDON)
FRIDAY_20 = dt.datetime(2026, 11, 27, 20, 0, tzinfo=hours.LONDON)
SUNDAY_3AM = dt.datetime(2026, 11, 29, 3, 0, tzinfo=hours.LONDON)
FACILITY_IDS = sorted(COVENTRY_IDS)
# Directions services, as their links start.
SERVICES = {
    "apple": "https://maps.apple.com/",
    "google": "https://www.google.com/maps/",
    "openstreetmap": "https://www.openstreetmap.org/directions",
    "geo": "geo:",
}


@pytest.fixture(scope="module", autouse=True)
def blurred() -> Iterator[str]:
    """Coventry with Wilfred Spencer Centre placed only to +-1.5 km (as issue 11 found it);
    made before the module's browser starts its event loop."""
    url = fresh_database("locator_test_glance")

    async def load() -> None:
        async with db.connect(url) as conn:
            await loading.load_file(conn, ROOT / "data" / "coventry.geojson")
            await conn.execute(
                "UPDATE facilities SET location_accuracy_m = 1500"
                " WHERE id = 'wilfred-spencer-centre'"
            )

    asyncio.run(load())
    yield url
    drop_database(url)


@pytest.fixture()
def http(site: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=10) as client:
        yield client


def text_of(html: str) -> str:
    """The page's words, without tags, scripts or runs of spaces."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([,.;:])", r"\1", text)


def cards(html: str) -> dict[str, str]:
    """Each result card's HTML by facility id, in list order."""
    found = re.findall(
        r'<article class="card card--\w+">\s*<h3 class="card-title"><a href="/facilities/'
        r'([a-z0-9-]+)".*?</article>',
        html,
        re.S,
    )
    blocks = re.findall(r'<article class="card card--\w+">.*?</article>', html, re.S)
    return dict(zip(found, blocks, strict=True))


def primary_directions(html: str) -> list[str]:
    """The href of each "primary" directions link (the first one shown), in page order."""
    return re.findall(r'<p class="directions"><a class="button-link" href="([^"]+)"', html)


def service_of(href: str) -> str:
    return next(name for name, start in SERVICES.items() if href.startswith(start))


@contextmanager
def opened(
    browser: Browser,
    site: ServerThread,
    path: str,
    viewport: dict[str, int] = PHONE,
    **options: Any,
) -> Iterator[Page]:
    """A page at `path` in a fresh context (an iPhone unless `options` say otherwise), fenced
    to 127.0.0.1; nothing may have left it when the block ends."""
    traffic = Traffic()
    context = open_context(browser, traffic, viewport, **{"user_agent": IPHONE, **options})
    page = context.new_page()
    page.goto(site.url + path)
    yield page
    context.close()
    assert traffic.blocked == []


def directions_hrefs(html: str) -> list[str]:
    hrefs = re.findall(r'href="([^"]+)"', html)
    return [html_lib.unescape(h) for h in hrefs if any(h.startswith(s) for s in SERVICES.values())]


# Directions for the platform in hand


@pytest.mark.parametrize(
    ("agent", "first"),
    [(IPHONE, "apple"), (ANDROID, "google"), (LINUX, "openstreetmap")],
    ids=["iphone", "android", "desktop"],
)
def test_directions_open_first_in_the_platforms_own_maps(
    http: httpx.Client, agent: str, first: str
) -> None:
    listed = http.get(NEAR_LIBRARY, headers={"User-Agent": agent})
    assert "User-Agent" in listed.headers["vary"]
    primaries = primary_directions(listed.text)
    assert len(primaries) == 10 and {service_of(h) for h in primaries} == {first}
    card = cards(listed.text)["central-library"]
    _shown, where = words.DIRECTIONS[first]
    assert f">Directions to Coventry Central Library {where}</a>" in card
    # The others follow under it: every service, once.
    assert sorted(service_of(h) for h in directions_hrefs(card)) == sorted(SERVICES)
    page = http.get("/facilities/central-library", headers={"User-Agent": agent}).text
    # The facility page and the list agree.
    assert primary_directions(page) == primaries[:1]
    assert directions_hrefs(page)[:4] == directions_hrefs(card)


@pytest.mark.parametrize(
    ("agent", "platform"),
    [
        (IPHONE, "apple"),
        ("Mozilla/5.0 (iPad; CPU OS 12_5 like Mac OS X) AppleWebKit/605.1.15 Mobile", "apple"),
        # iPadOS sends a Mac's Safari User-Agent; Apple Maps opens on a Mac as well.
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
         "Gecko) Version/17.5 Safari/605.1.15", "apple"),
        (ANDROID, "android"),
        (LINUX, "desktop"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
         "Gecko) Chrome/126.0.0.0 Safari/537.36", "desktop"),
        (None, "desktop"),
    ],
)  # fmt: skip
def test_the_platform_comes_from_the_user_agent(agent: str | None, platform: str) -> None:
    assert words.platform(agent) == platform


def test_the_hoist_is_said_with_whether_it_works_and_when() -> None:
    def state(**values: Any) -> dict[str, Any]:
        return {"hoist": "ceiling_track", "equipment_status": [{"item": "hoist", **values}]}

    checked = state(working=True, reported_at="2026-11-03T10:00:00+00:00", confirmed=True)
    assert words.hoist_line(checked) == "Ceiling track hoist, working (checked 3 Nov 2026)"
    seen = state(working=False, reported_at="2026-11-23T10:00:00+00:00", confirmed=False)
    assert words.hoist_line(seen) == (
        "Hoist reported not working by a visitor on 23 Nov 2026; not yet confirmed"
    )
    old = state(working=True, reported_at="2023-05-24T10:00:00+00:00", stale=True)
    assert words.hoist_line(old) == (
        "Ceiling track hoist, last known working on 24 May 2023; current state unknown"
    )
    assert words.hoist_line({"hoist": "none"}) == "No hoist"
    assert words.hoist_line({}) == "Hoist: not known"


def test_the_primary_link_is_named_for_the_facility_and_the_service(http: httpx.Client) -> None:
    html = http.get(NEAR_LIBRARY, headers={"User-Agent": IPHONE}).text
    assert ">Directions to Coventry Central Library in Apple Maps</a>" in html
    assert 'aria-label="Directions to Coventry Central Library in Google Maps">Google Maps</a>' in (
        html
    )
    assert "Directions in your maps app" not in html


def test_directions_never_carry_the_users_position(http: httpx.Client) -> None:
    lat, lon = "52.43219", "-1.47777"
    html = http.get("/nearest", params={"lat": lat, "lon": lon}).text
    hrefs = directions_hrefs(html)
    assert len(hrefs) == 40
    assert not any(lat in h or lon in h or lat[:-1] in h or lon[:-1] in h for h in hrefs)
    assert not any("saddr" in h or "origin" in h or "from=" in h for h in hrefs)


# Closed: no directions, and the alternatives first


def test_a_closed_facility_has_no_directions_and_its_alternatives_come_first(
    http: httpx.Client,
) -> None:
    html = http.get(f"/facilities/{CLOSED_ID}", headers={"User-Agent": IPHONE}).text
    assert directions_hrefs(html) == []
    assert "Closed: no directions" in html
    section = html[html.index('id="alternatives-title"') :]
    listed = re.findall(r'<li><a href="/facilities/([a-z0-9-]+)">', section)[:3]
    assert len(listed) == 3 and CLOSED_ID not in listed
    assert "ikea-coventry" not in listed and "royal-priors-leamington" not in listed  # closed
    # High on the page: before reporting, the equipment and the sources.
    at = html.index('id="alternatives-title"')
    assert at < html.index('id="report-title"') < html.index("<h2>Equipment</h2>")
    assert at < html.index("Where this information comes from")
    assert 'href="/nearest?lat=52.41070&amp;lon=-1.51470#results">Other facilities near here' in (
        html
    )


def map_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert found, "the map page carries its map as data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def first_directions(popup: str) -> str:
    return service_of(directions_hrefs(popup)[0])


@pytest.mark.parametrize(
    ("agent", "platform", "first"),
    [(IPHONE, "apple", "apple"), (ANDROID, "android", "google"),
     (LINUX, "desktop", "openstreetmap")],
    ids=["iphone", "android", "desktop"],
)  # fmt: skip
def test_map_popups_put_the_platforms_own_maps_first(
    http: httpx.Client, agent: str, platform: str, first: str
) -> None:
    headers = {"User-Agent": agent}
    searched = http.get("/?q=CV1+1FY", headers=headers)
    assert "User-Agent" in searched.headers["vary"]
    nearest = map_data(searched.text)["nearest"]
    assert nearest and {first_directions(pin["popup"]) for pin in nearest} == {first}
    # The page without a search is kept once per platform, and its pins come for that platform.
    for _ in range(2):  # rendered, then kept
        page = http.get("/", headers=headers)
        assert "User-Agent" in page.headers["vary"]
        assert f'data-pins="/map/pins?platform={platform}"' in page.text
    pins = http.get(
        "/map/pins", params={"platform": platform, "bbox": "-1.62,52.36,-1.40,52.46"}
    ).json()["pins"]
    open_ones = [pin["popup"] for pin in pins if directions_hrefs(pin["popup"])]
    assert len(open_ones) > 10 and {first_directions(p) for p in open_ones} == {first}
    assert (
        http.get("/map/pins", params={"platform": "nokia", "bbox": "0,50,1,51"}).status_code == 422
    )


def test_a_map_popup_on_an_iphone_offers_apple_maps_first(
    browser: Browser, site: ServerThread
) -> None:
    with opened(browser, site, "/?q=CV1+1FY") as page:  # an iPhone
        page.wait_for_function("() => window.locator && window.locator.nearest")
        page.evaluate(
            """() => window.locator.nearest.getLayers()
                .find(m => m.options.facilityId === 'central-library').openPopup()"""
        )
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        first = popup.locator("p.links", has_text="Directions").locator("a").first
        assert first.get_attribute("aria-label") == (
            "Directions to Coventry Central Library in Apple Maps"
        )


def test_closed_facilities_popups_offer_no_directions(site: ServerThread) -> None:
    from fastapi.templating import Jinja2Templates

    from locator.web.app import TEMPLATES

    macros = Jinja2Templates(directory=TEMPLATES).env.get_template("_facility.html").module
    with httpx.Client(base_url=site.url) as client:
        closed = client.get(f"/api/v1/facilities/{CLOSED_ID}").json()
        library = client.get("/api/v1/facilities/central-library").json()
    popup = str(macros.popup(words.view(closed)))  # type: ignore[attr-defined]
    assert directions_hrefs(popup) == [] and "Closed: no directions" in popup
    assert 'aria-label="Details of The Reel Store">Details</a>' in popup
    popup = str(macros.popup(words.view(library)))  # type: ignore[attr-defined]
    names = re.findall(r'aria-label="([^"]+)"', popup)
    assert "Directions to Coventry Central Library in Apple Maps" in names
    assert "Call Coventry Central Library on 024 7683 2314" in names
    assert all("Coventry Central Library" in name for name in names)


# Honest distances


def test_distances_are_rounded_to_what_the_positions_support() -> None:
    assert rounded_distance_words(2800, 1500) == "about 3 km"
    assert rounded_distance_words(200, 1000) == "within about 1 km"
    assert rounded_distance_words(350, 100) == "about 400 m"
    assert rounded_distance_words(2800, 75) is None  # known well: plain words
    assert rounded_distance_words(2800, 100) is None  # 2.8 km says no more than that


def test_shopmobility_is_within_about_1_km_not_200_m(http: httpx.Client) -> None:
    card = text_of(cards(http.get(NEAR_LIBRARY).text)["coventry-shopmobility"])
    assert "within about 1 km (position known to about 1 km)" in card
    assert not re.search(r"\b\d+0 m (north|south|east|west)", card)


def test_a_facility_known_to_1_5_km_is_about_3_km_away(blurred: str) -> None:
    with ServerThread(blurred, Settings(rate_limit_per_minute=0)) as server:
        html = httpx.get(server.url + NEAR_LIBRARY, timeout=10).text
        page = httpx.get(server.url + "/facilities/wilfred-spencer-centre", timeout=10).text
    card = text_of(cards(html)["wilfred-spencer-centre"])
    assert "about 3 km (position known to about 1.5 km)" in card
    assert "2.9 km" not in card and "west" not in card  # no direction it cannot support
    assert "within about 1.5 km of the map pin" in text_of(page)


def test_a_search_placed_at_a_postcode_sector_gets_rounded_distances(http: httpx.Client) -> None:
    html = http.get("/nearest", params={"q": "CV1 1"}).text
    distances = re.findall(r'<strong class="distance">([^<]+)</strong>', html)
    assert len(distances) == 10
    assert all(d.startswith(("about ", "within about ")) for d in distances), distances
    assert "your search is placed only to within about" in text_of(html)


def test_straight_line_is_said_once_per_list(http: httpx.Client) -> None:
    text = text_of(http.get(NEAR_LIBRARY).text).lower()
    assert text.count("straight-line") + text.count("straight line") == 1


# The one-line summary


def test_each_result_says_hours_hoist_key_distance_and_where_at_a_glance(
    http: httpx.Client,
) -> None:
    with mock.patch.object(hours, "now", return_value=FRIDAY_18):
        html = http.get(NEAR_LIBRARY).text
    found = cards(html)
    library = text_of(found["central-library"])
    assert "Open now, closes at 19:00" in library
    assert "Ceiling track hoist; not known if it works" in library
    assert "Ask staff to open it" in library
    assert re.search(r"\b\d+ m north", library)
    assert "First floor, reached by lift" in library
    station = text_of(found["coventry-railway-station"])
    assert "Hoist: last known not working on 24 May 2023; current state unknown" in station
    assert station.count("last known not working") == 1  # said once, in the summary
    # RADAR is explained the first time the list names it, and only then.
    text = text_of(html)
    assert text.count("RADAR key (the national key for accessible toilets)") == 1
    assert text.index("RADAR key (the national key") < text.index("RADAR key needed")
    # The hours state once per card.
    for card in found.values():
        said = text_of(card)
        assert said.count("Opening hours unknown") + said.count("Open now") <= 1
        assert "Hours unknown" not in said


def test_closes_at_and_opens_at_come_from_the_hours(http: httpx.Client) -> None:
    with mock.patch.object(hours, "now", return_value=FRIDAY_20):
        library = text_of(cards(http.get(NEAR_LIBRARY).text)["central-library"])
    assert "Closed now, opens tomorrow at 09:00" in library
    with mock.patch.object(hours, "now", return_value=FRIDAY_18):
        page = text_of(http.get("/facilities/tesco-rugby").text)
    assert "Open now, closes tomorrow at midnight" in page  # Mo-Sa 00:00-24:00
    with mock.patch.object(hours, "now", return_value=FRIDAY_18 - dt.timedelta(days=1)):
        page = text_of(http.get("/facilities/tesco-rugby").text)
    assert "Open now, closes on Saturday at midnight" in page


def test_unknown_hours_offer_the_venues_phone_and_website(http: httpx.Client) -> None:
    found = cards(http.get(NEAR_LIBRARY).text)
    wave = found["the-wave"]
    assert "Opening hours unknown – check:" in text_of(wave)
    assert 'href="https://thewavecoventry.com/" aria-label="The Wave, Coventry website">' in wave
    park = found["war-memorial-park"]
    assert 'href="tel:08085834333" aria-label="Call War Memorial Park on 08085 834333">' in park
    assert park.count('href="tel:08085834333"') == 1  # not again under the directions


def test_open_now_with_no_results_says_the_hours_are_not_known(http: httpx.Client) -> None:
    asked = {"q": "CV1 1FY", "open_now": "on", "key_free": "on"}
    with mock.patch.object(hours, "now", return_value=SUNDAY_3AM):
        html = http.get("/nearest", params=asked).text
    assert cards(html) == {}
    text = text_of(html)
    assert (
        "The hours of 1 facility near here are not known, so they are not counted as open: "
        "see them without the ‘open now’ filter." in text
    )
    assert "No facility matches all your filters" not in text
    link = re.search(r'<a href="([^"]+)">see them without the ‘open now’ filter</a>', html)
    assert link
    target = urlsplit(html_lib.unescape(link.group(1)))
    assert parse_qs(target.query) == {"q": ["CV1 1FY"], "key_free": ["on"]}
    with mock.patch.object(hours, "now", return_value=SUNDAY_3AM):
        without = http.get(f"{target.path}?{target.query}").text
    assert "coventry-university" in cards(without)


# Plain words, shorter pages


@pytest.mark.parametrize("fid", FACILITY_IDS)
def test_facility_pages_carry_no_jargon_and_fit_the_budget(http: httpx.Client, fid: str) -> None:
    response = http.get(f"/facilities/{fid}")
    assert len(response.content) < FACILITY_BUDGET, f"{len(response.content)} bytes"
    main = response.text[response.text.index("<main") : response.text.index("History</h2>")]
    text = text_of(main)
    assert "(null)" not in text and "null" not in text.lower().split()
    assert "transfer_left" not in text and "transfer_right" not in text and "`" not in text
    assert not re.search(r"\[[A-Z]{1,5}\d{0,3}\]", text), re.findall(
        r".{20}\[[A-Z]+\d*\].{20}", text
    )
    assert "positional quality" not in text
    assert ">Sources<" not in main
    assert "Where this information comes from" in text


def test_radar_key_is_explained_and_access_notes_are_under_getting_there(
    http: httpx.Client,
) -> None:
    station = text_of(http.get("/facilities/coventry-railway-station").text)
    assert "RADAR key (the national key for accessible toilets) needed" in station
    albany = http.get("/facilities/albany-theatre").text
    getting_there = albany[albany.index("Getting there and in") : albany.index("<h2>Equipment")]
    assert "bus stop" in getting_there and "Coventry Rugby Club car park" in getting_there
    how_we_know = albany[albany.index("<h2>How we know") :]
    assert "bus stop" not in how_we_know
    assert "placed within the building of a matched address" in text_of(albany)


def test_unknown_equipment_is_one_line_not_twenty_rows(http: httpx.Client) -> None:
    html = http.get("/facilities/asda-whitley").text
    assert "<dd>unknown</dd>" not in html
    section = html[html.index("<h2>Equipment</h2>") : html.index("<h2>How we know")]
    unknown = re.findall(r'<p class="not-known">Not known yet: ([^<]+)\.</p>', section)
    assert len(unknown) == 1
    equipment = unknown[0].split(", ")
    assert "hoist" in equipment and "shower" in equipment and "changing bench" in equipment
    assert "room to transfer from the left side of the toilet" in equipment
    assert "<dt>Room area</dt><dd>12 m²</dd>" in html  # what is known stays a row
    assert ">no<" not in html


def test_the_list_page_fits_the_budget(http: httpx.Client) -> None:
    response = http.get(NEAR_LIBRARY, headers={"User-Agent": IPHONE})
    assert len(cards(response.text)) == 10
    assert len(response.content) < LIST_BUDGET, f"{len(response.content)} bytes"


def test_show_10_more_works_without_javascript(browser: Browser, site: ServerThread) -> None:
    with opened(browser, site, NEAR_LIBRARY, java_script_enabled=False) as page:
        assert page.locator("ol.results > li").count() == 10
        page.get_by_role("link", name="Show 10 more").click()
        page.wait_for_url("**limit=20#result-11")
        # 18 of the 21 are not closed: all of them, and no further link.
        assert page.locator("ol.results > li").count() == 18
        assert page.get_by_role("link", name="Show 10 more").count() == 0
        assert page.evaluate("document.activeElement.id") == "result-11"


def test_limit_is_kept_between_10_and_50(http: httpx.Client) -> None:
    assert len(cards(http.get(NEAR_LIBRARY + "&limit=500").text)) == 18
    assert len(cards(http.get(NEAR_LIBRARY + "&limit=3").text)) == 3
    assert len(cards(http.get(NEAR_LIBRARY + "&limit=lots").text)) == 10
    assert "Show 10 more" in http.get(NEAR_LIBRARY + "&limit=3").text


# Screen readers


def link_names(page: Page, scope: str) -> list[str]:
    """The accessible name of every link in `scope`, as Chromium computes it."""
    names: list[str] = []
    for link in page.locator(f"{scope} a").all():
        snapshot = link.aria_snapshot()
        found = re.match(r'- link "(.*)"', snapshot)
        assert found, snapshot
        names.append(found.group(1))
    return names


def test_every_link_on_the_list_is_named_with_its_facility(
    browser: Browser, site: ServerThread
) -> None:
    with opened(browser, site, NEAR_LIBRARY) as page:
        names = link_names(page, "ol.results")
        assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
        titles = page.locator("ol.results .card-title").all_inner_texts()
        for card, title in zip(page.locator("ol.results > li").all(), titles, strict=True):
            for name in link_names(page, f"#{card.get_attribute('id')}"):
                assert title in name, (title, name)
    assert "Directions to Coventry Central Library in Apple Maps" in names
    assert "Call Coventry Central Library on 024 7683 2314" in names


def test_after_a_search_focus_and_title_announce_the_results(
    browser: Browser, site: ServerThread
) -> None:
    with opened(browser, site, "/nearest", java_script_enabled=False) as page:
        page.get_by_label("Postcode, place or facility name").fill("CV1 1FY")
        page.get_by_role("button", name="Find nearest").click()
        page.wait_for_url("**/nearest?q=CV1+1FY*#results")
        title = page.title()
        assert title == "10 results near CV1 1FY – Nearest list – Changing Places toilet finder"
        assert page.evaluate("document.activeElement.id") == "results"
        status = page.get_by_role("status").filter(has_text="nearest to")
        assert status.inner_text().startswith("10 nearest to CV1 1FY")
        page.get_by_label("Postcode, place or facility name").fill("Nowhere at all")
        page.get_by_role("button", name="Find nearest").click()
        page.wait_for_load_state()
        assert page.title().startswith("Not found: Nowhere at all – Nearest list")


def test_keyboard_reaches_the_directions_of_the_nearest(
    browser: Browser, site: ServerThread
) -> None:
    with opened(browser, site, NEAR_LIBRARY) as page:
        name = "Directions to Coventry Central Library in Apple Maps"
        wanted = page.get_by_role("link", name=name)
        for _ in range(40):
            page.keyboard.press("Tab")
            if wanted.evaluate("a => a === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reached the nearest result's directions")


# Accessibility of the new pieces


GLANCE_PAGES = {
    "list-iphone": NEAR_LIBRARY,
    "list-open-now": "/nearest?q=CV1+1FY&open_now=on&key_free=on",
    "list-20": NEAR_LIBRARY + "&limit=20",
    "list-sector": "/nearest?q=CV1+1",
    "facility-closed": f"/facilities/{CLOSED_ID}",
    "facility-hours-unknown": "/facilities/the-wave",
    "facility-notes": "/facilities/albany-theatre",
}


# Where axe-core runs, and (with those) where no page may scroll sideways: the narrowest phone
# and a 1280 px window at 200 % zoom.
AXE_SIZES = {"390x844": PHONE, "1280x800": DESKTOP}
SIZES = {**AXE_SIZES, **dict(zip(NARROW.kwargs["ids"], NARROW.args[1], strict=True))}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(GLANCE_PAGES))
def test_axe_and_no_sideways_scrolling(
    browser: Browser, site: ServerThread, name: str, size: str
) -> None:
    with opened(browser, site, GLANCE_PAGES[name], SIZES[size], reduced_motion="reduce") as page:
        page.wait_for_load_state("load")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {size}"
        if size in AXE_SIZES:
            violations = axe_violations(page)
            assert violations == [], json.dumps(violations, indent=1)
        if size == "390x844":
            screenshot(page, f"glance-{name}")
