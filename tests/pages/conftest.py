"""Fixtures for the pages: the Coventry data behind a real server, and headless Debian Chromium.

The browser may reach 127.0.0.1 only. Requests to the configured tile server get a blank tile
(so the tests stay offline); any other request is blocked and counted, and the test fails.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from locator.settings import get_settings
from tests.conftest import ROOT, ServerThread, coventry_database, drop_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
# The narrowest phone, and a 1280 px window at 200 % zoom: no page may scroll sideways at either.
NARROW = pytest.mark.parametrize(
    "viewport", [{"width": 320, "height": 640}, {"width": 640, "height": 400}],
    ids=["320px", "200pct-zoom-of-1280"],
)  # fmt: skip
DESKTOP = {"width": 1280, "height": 800}
# A 1x1 transparent PNG, served for every tile.
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture(scope="session")
def coventry_db() -> Iterator[str]:
    """A database holding data/coventry.geojson (21 facilities)."""
    url = coventry_database("locator_test_pages")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def site(coventry_db: str) -> Iterator[ServerThread]:
    """The real app over HTTP, serving the Coventry data."""
    with ServerThread(coventry_db) as running:
        yield running


@dataclass
class Traffic:
    """Requests the page made that did not go to the test server."""

    tiles: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser(site: ServerThread) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (never Playwright's own download).

    Module-scoped, after the server: Playwright's sync API keeps an event loop running in this
    thread, and the other fixtures' `asyncio.run` must not happen while it does.
    """
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (make test installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture()
def traffic() -> Traffic:
    return Traffic()


def open_context(
    browser: Browser, traffic: Traffic, viewport: dict[str, int], **options: object
) -> BrowserContext:
    """A fresh browser context whose requests off 127.0.0.1 are blocked and counted.

    The site's service worker is blocked unless a test asks for it (`service_workers="allow"`,
    as tests/pages/test_offline.py does): Playwright does not see or route the requests a worker
    answers, and reports a form's redirect as the page the worker gave.
    """
    tile_host = urlsplit(get_settings().tile_url.replace("{s}", "a")).hostname
    options.setdefault("service_workers", "block")
    context = browser.new_context(viewport=viewport, **options)  # type: ignore[arg-type]

    def route(route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if host == "127.0.0.1":
            route.continue_()
        elif host == tile_host:
            traffic.tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            traffic.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    return context


@pytest.fixture()
def phone(browser: Browser, traffic: Traffic) -> Iterator[Page]:
    """A phone-size page (390x844) with the network fenced in."""
    context = open_context(browser, traffic, PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()
    assert traffic.blocked == [], f"requests left 127.0.0.1: {traffic.blocked}"


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot into test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Page) -> list[dict[str, object]]:
    """Run axe-core (WCAG 2.0-2.2 A and AA rules) in the page; return its violations.

    axe is evaluated through the DevTools protocol, which the pages' Content-Security-Policy
    does not govern: a <script> tag added without the page's nonce would be blocked.
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'wcag22aa', 'best-practice']}
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def wait_for_pins(page: Page) -> None:
    """Until the map page's script has fetched (or skipped fetching) the pins for the view."""
    page.wait_for_function(
        "() => { const s = document.getElementById('map-status');"
        " return s !== null && s.dataset.state === 'done'; }"
    )
