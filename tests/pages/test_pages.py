"""The pages over real HTTP: the list works as plain HTML, says "unknown", stays light and local."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest

from locator.settings import Settings
from tests.conftest import ServerThread

LIST_BUDGET = 30 * 1024
MAP_ASSET_BUDGET = 400 * 1024
# The toilets in data/coventry.geojson with a ceiling track hoist (none of them closed).
CEILING_HOIST_IDS = [
    "central-library",
    "coventry-railway-station",
    "coventry-university",
    "shire-hall-warwick",
    "warwick-swh-dry-sports",
    "warwick-swh-poolside",
    "welcome-break-corley",
    "wilfred-spencer-centre",
]


@pytest.fixture()
def http(site: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=10) as client:
        yield client


def result_ids(html: str) -> list[str]:
    """Facility ids of the list's cards, in order."""
    return re.findall(r'<h3 class="card-title"><a href="/facilities/([a-z0-9-]+)"', html)


def test_list_page_answers_a_postcode_as_plain_html(http: httpx.Client) -> None:
    response = http.get("/nearest", params={"q": "cv11fy"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    ids = result_ids(response.text)
    assert ids[0] == "central-library"
    assert "the-reel-store" not in ids  # closed for good: left out of the list
    assert re.search(r"\d+ m north|\d+ m [a-z-]+", response.text)
    assert len(response.content) < LIST_BUDGET, f"{len(response.content)} bytes"


def test_list_page_filters_change_the_results(http: httpx.Client) -> None:
    everything = result_ids(http.get("/nearest", params={"q": "CV1 1FY"}).text)
    hoists = result_ids(http.get("/nearest", params={"q": "CV1 1FY", "ceiling_hoist": "on"}).text)
    assert len(everything) == 10
    assert sorted(hoists) == sorted(CEILING_HOIST_IDS)


def test_list_page_says_what_it_could_not_find(http: httpx.Client) -> None:
    response = http.get("/nearest", params={"q": "CV99"})
    assert response.status_code == 404
    assert "We could not find &#39;CV99&#39;" in response.text
    assert "Try a full postcode such as CV1 1FY, or a place name." in response.text


def test_list_page_suggests_near_misses(http: httpx.Client) -> None:
    response = http.get("/nearest", params={"q": "Earlsdn"})
    assert response.status_code == 200
    assert "Earlsdon" in response.text


def test_unknown_is_said_as_unknown(http: httpx.Client) -> None:
    # Asda's register entry lists no hoist and no shower: not known, never "no" (said once for
    # all the equipment not known, issue 11).
    html = http.get("/facilities/asda-whitley").text
    not_known = re.findall(r'<p class="not-known">Not known yet: ([^<]+)\.</p>', html)[-1]
    assert {"hoist", "shower"} <= set(not_known.split(", "))
    assert ">no<" not in html


def test_facility_page_shows_faults_and_key(http: httpx.Client) -> None:
    html = http.get("/facilities/coventry-railway-station").text
    assert "Hoist: last known not working on 24 May 2023; current state unknown" in html
    assert "RADAR key" in html
    assert "geo:52.401" in html


def test_missing_facility_is_a_404_page(http: httpx.Client) -> None:
    response = http.get("/facilities/no-such-place")
    assert response.status_code == 404
    assert "Facility not found" in response.text


@pytest.mark.parametrize("path", ["/", "/nearest?q=CV1+1FY", "/facilities/the-wave"])
def test_pages_load_nothing_from_elsewhere(http: httpx.Client, path: str) -> None:
    html = http.get(path).text
    loaded = re.findall(r'<(?:script|img|iframe)[^>]+src="([^"]+)"', html)
    loaded += re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert loaded, "expected some assets"
    # This site's own: static files, and the web app manifest (served from the root).
    own = [url for url in loaded if url.startswith("/static/") or url == "/manifest.webmanifest"]
    assert own == loaded


def test_map_page_own_js_and_css_fit_the_budget(http: httpx.Client) -> None:
    response = http.get("/")
    html = response.text
    assets = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assets += re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    total = sum(len(http.get(urljoin("/", url)).content) for url in assets)
    inline = sum(len(s) for s in re.findall(r"<script>(.*?)</script>", html, re.S))
    assert total + inline < MAP_ASSET_BUDGET, f"{total} + {inline} bytes"


def test_tile_server_comes_from_settings(http: httpx.Client) -> None:
    html = http.get("/").text
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "openstreetmap.org/copyright" in html


def test_map_page_has_no_zoom_lock(http: httpx.Client) -> None:
    html = http.get("/").text
    assert "user-scalable=no" not in html and "maximum-scale" not in html
    assert 'lang="en-GB"' in html


def test_tile_server_and_attribution_are_configurable(coventry_db: str) -> None:
    settings = Settings(
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        tile_attribution="Tiles by Example",
        rate_limit_per_minute=0,
    )
    with ServerThread(coventry_db, settings) as other, httpx.Client(base_url=other.url) as client:
        html = client.get("/").text
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in html
    assert "Tiles by Example" in html
    assert "tile.openstreetmap.org" not in html
