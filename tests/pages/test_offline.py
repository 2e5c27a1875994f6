"""Installable and usable with a poor signal, in Debian Chromium: the manifest and its icons, the
service worker controlling the pages, and offline: pages seen before still open and say how old
they are, a page never seen gives the offline page listing the saved ones, and nothing private
(a position, /admin, a POST, a no-store answer) is ever kept."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page

from locator.web.pages.offline import SHELL_FILES
from locator.web.static import static_url
from tests.conftest import ServerThread
from tests.pages.conftest import DESKTOP, PHONE, Traffic, axe_violations, open_context, screenshot

SEEN = "/facilities/central-library"
SEEN_TOO = "/facilities/albany-theatre"
NEVER_SEEN = "/facilities/the-wave"
# "This page is from 14:05 on Tuesday 3 March 2026 (2 minutes ago)"
SAVED_AT = re.compile(
    r"This page is from \d\d:\d\d on [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4} "
    r"\((less than a minute|\d+ minutes?) ago\): opening hours and equipment may have changed\."
)
ALL_CACHED = """async () => {
    const urls = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) { urls.push(request.url); }
    }
    return urls;
}"""


@pytest.fixture()
def context(browser: Browser, traffic: Traffic) -> Iterator[BrowserContext]:
    """A phone's browser with no service worker yet (each context has its own)."""
    context = open_context(
        browser, traffic, PHONE, has_touch=True, is_mobile=True, service_workers="allow"
    )
    yield context
    context.set_offline(False)
    context.close()
    assert traffic.blocked == [], f"requests left 127.0.0.1: {traffic.blocked}"


def controlled(context: BrowserContext, url: str) -> Page:
    """A page at `url`, once the service worker controls it."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
    return page


def cached(page: Page) -> list[str]:
    """Every URL held in the site's caches, as the page sees them."""
    urls: list[str] = page.evaluate(ALL_CACHED)
    return urls


def wait_until_saved(page: Page, url: str) -> None:
    page.wait_for_function(
        "async (url) => (await caches.match(url)) !== undefined", arg=url, timeout=10_000
    )


def banner(page: Page) -> str:
    """The offline banner's words, once it has them ('' when there is none)."""
    box = page.locator("#offline-banner")
    if box.count() == 0:
        return ""
    page.wait_for_function("() => document.getElementById('offline-banner').textContent !== ''")
    return box.inner_text()


def contrast(one: str, two: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_manifest_is_valid_and_its_icons_load(site: ServerThread) -> None:
    response = httpx.get(site.url + "/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/manifest+json"
    manifest: dict[str, Any] = json.loads(response.text)
    assert manifest["name"] == "Changing Places toilet finder"
    assert 0 < len(manifest["short_name"]) <= 12  # what fits under a home-screen icon
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert contrast(manifest["theme_color"], "#ffffff") >= 4.5  # the header's white text on it
    assert contrast(manifest["background_color"], "#1d1d1b") >= 4.5  # the page's text on it
    sizes = {}
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/icons/") and "?v=" in icon["src"]
        image = httpx.get(site.url + icon["src"])
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert "immutable" in image.headers["cache-control"]
        width, height = Image.open(io.BytesIO(image.content)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes[icon["purpose"], width] = icon["src"]
    assert {("any", 192), ("any", 512), ("maskable", 512)} <= set(sizes)
    page = httpx.get(site.url + "/nearest").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<script src="{static_url("js/offline.js")}" defer></script>' in page


def test_the_worker_is_served_from_the_root_with_this_builds_shell(site: ServerThread) -> None:
    response = httpx.get(site.url + "/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    shell = json.loads(re.search(r"const SHELL = (\[.*\]);", response.text)[1])  # type: ignore[index]
    assert shell == ["/offline", "/manifest.webmanifest", *(static_url(f) for f in SHELL_FILES)]
    assert 'const VERSION = "dev"' not in response.text
    for url in shell:
        assert httpx.get(site.url + url).status_code == 200, url


def test_the_worker_registers_and_controls_the_page(
    context: BrowserContext, site: ServerThread
) -> None:
    page = controlled(context, site.url + SEEN)
    worker = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            const script = navigator.serviceWorker.controller.scriptURL;
            return {scope: registration.scope, script: script};
        }"""
    )
    assert worker == {"scope": site.url + "/", "script": site.url + "/sw.js"}
    # The shell is kept at once, and the page that installed the worker as soon as it can.
    wait_until_saved(page, site.url + SEEN)
    urls = cached(page)
    assert site.url + "/offline" in urls
    assert site.url + static_url("css/site.css") in urls


def test_offline_a_page_seen_before_opens_with_how_old_it_is(
    context: BrowserContext, site: ServerThread
) -> None:
    page = controlled(context, site.url + SEEN)
    page.goto(site.url + SEEN_TOO)
    wait_until_saved(page, site.url + SEEN)
    wait_until_saved(page, site.url + SEEN_TOO)
    assert banner(page) == ""

    context.set_offline(True)
    response = page.goto(site.url + SEEN)
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "Coventry Central Library"
    words = banner(page)
    assert words.startswith("You are offline. ")
    assert SAVED_AT.search(words), words
    # First in the main content, where the skip link lands, and in the page's title.
    assert page.locator("main > :first-child").get_attribute("id") == "offline-banner"
    assert page.title().startswith("Saved copy: ")
    screenshot(page, "phone-offline-saved-copy")

    # The connection comes back: the copy says it is one until the current page is loaded.
    context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('offline-banner').textContent"
        ".startsWith('You are back online')"
    )
    page.get_by_role("link", name="Load the current page").click()
    page.wait_for_load_state("load")
    assert banner(page) == ""
    assert not page.title().startswith("Saved copy")


def test_losing_the_connection_on_an_open_page_says_so_until_it_is_back(
    context: BrowserContext, site: ServerThread
) -> None:
    page = controlled(context, site.url + SEEN)
    context.set_offline(True)
    page.wait_for_selector("#offline-banner")
    assert banner(page).startswith("You are offline. This page is from ")
    context.set_offline(False)
    page.wait_for_selector("#offline-banner", state="detached")


def test_offline_a_page_never_seen_gives_the_offline_page_listing_the_saved_ones(
    context: BrowserContext, site: ServerThread
) -> None:
    page = controlled(context, site.url + SEEN)
    for url in (SEEN, SEEN_TOO, "/nearest?q=CV1+1FY"):
        page.goto(site.url + url)
        wait_until_saved(page, site.url + url)  # in this order: the list is newest first

    context.set_offline(True)
    response = page.goto(site.url + NEVER_SEEN)
    assert response is not None
    assert page.locator("h1").inner_text() == "You are offline"
    assert "Pages you have opened before still work:" in page.locator("main").inner_text()
    page.wait_for_selector("#saved[data-state='done']")
    toilets = page.locator("#saved-facilities li")
    names = toilets.locator("a").all_inner_texts()
    assert names == ["Albany Theatre", "Coventry Central Library"]  # newest first
    for saved in toilets.locator(".saved-when").all_inner_texts():
        assert re.fullmatch(r"Saved at \d\d:\d\d on \w+day \d+ \w+ \d{4} \(.+ ago\)", saved)
    assert page.get_by_role("link", name="Albany Theatre").get_attribute("href") == SEEN_TOO
    others = page.locator("#saved-others li a").all_inner_texts()
    assert len(others) == 1 and "CV1 1FY" in others[0]  # the page's title, as it says it
    screenshot(page, "phone-offline-page")
    # A saved one opens from there.
    page.get_by_role("link", name="Albany Theatre").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Albany Theatre"
    assert banner(page).startswith("You are offline.")
    # And they can be forgotten.
    page.go_back()
    page.wait_for_selector("#saved[data-state='done']")
    page.get_by_role("button", name="Forget the saved pages").click()
    page.wait_for_function("() => document.getElementById('forget-done').textContent !== ''")
    assert page.locator("#saved-facilities li").count() == 0
    assert page.locator("#saved-none").is_visible()
    page.goto(site.url + SEEN)
    assert page.locator("h1").inner_text() == "You are offline"


def test_a_position_is_never_kept(context: BrowserContext, site: ServerThread) -> None:
    # The page that installs the worker is kept by asking it: not when it holds a position.
    page = controlled(context, site.url + "/nearest?lat=52.40760&lon=-1.50752")
    page.goto(site.url + "/nearest")
    page.goto(site.url + "/?lat=52.40760&lon=-1.50752")
    page.evaluate("fetch('/api/v1/nearest?lat=52.4076&lon=-1.5075&limit=3').then(r => r.json())")
    page.goto(site.url + "/nearest?q=CV1+1FY")  # a place searched by name is kept
    wait_until_saved(page, site.url + "/nearest?q=CV1+1FY")
    queries = [parse_qs(urlsplit(url).query) for url in cached(page)]
    assert not [q for q in queries if "lat" in q or "lon" in q]

    context.set_offline(True)
    page.goto(site.url + "/nearest?lat=52.40760&lon=-1.50752")
    assert page.locator("h1").inner_text() == "You are offline"


def test_admin_post_answers_and_no_store_answers_are_never_kept(
    context: BrowserContext, site: ServerThread
) -> None:
    page = controlled(context, site.url + "/admin")
    page.goto(site.url + "/nearest")
    # A read-only POST with a 200 answer, and a GET answer that says no-store (the report form).
    status = page.evaluate(
        """async () => (await fetch('/api/v1/coverage/suggest?k=1', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({candidates: [{lat: 52.4, lon: -1.5}]})})).status"""
    )
    assert status == 200
    report = page.evaluate("async () => (await fetch('/facilities/central-library/report')).status")
    assert report == 200
    page.goto(site.url + "/admin")
    page.goto(site.url + "/api/v1/facilities/central-library")  # JSON opened as a page
    page.goto(site.url + "/coverage")
    wait_until_saved(page, site.url + "/nearest")
    wait_until_saved(page, site.url + "/coverage")
    paths = {urlsplit(url).path for url in cached(page)}
    assert "/nearest" in paths
    assert "/api/v1/facilities/central-library" not in paths
    assert not [p for p in paths if p.startswith("/admin")]
    assert "/api/v1/coverage/suggest" not in paths
    assert "/facilities/central-library/report" not in paths


def test_an_api_answer_given_from_the_cache_says_so(
    context: BrowserContext, site: ServerThread
) -> None:
    page = controlled(context, site.url + "/nearest")
    answers = "/api/v1/facilities?limit=3"
    page.evaluate(f"fetch('{answers}').then(r => r.json())")
    wait_until_saved(page, site.url + answers)
    assert banner(page) == ""
    context.set_offline(True)
    saved = page.evaluate(
        f"""async () => {{
            const r = await fetch('{answers}');
            return {{status: r.status, savedAt: r.headers.get('X-Saved-At'),
                     count: (await r.json()).features.length}};
        }}"""
    )
    assert saved["status"] == 200 and saved["count"] == 3 and saved["savedAt"]
    assert SAVED_AT.search(banner(page))


def test_the_saved_pages_are_bounded(context: BrowserContext, site: ServerThread) -> None:
    page = controlled(context, site.url + "/nearest")
    page.evaluate(
        """async () => {
            const worker = (await navigator.serviceWorker.ready).active;
            for (let n = 0; n < 56; n++) {
                worker.postMessage({type: 'keep', url: '/nearest?n=' + n});
                await new Promise((done) => setTimeout(done, 15));
            }
        }"""
    )
    wait_until_saved(page, site.url + "/nearest?n=55")
    page.wait_for_timeout(300)
    pages = [url for url in cached(page) if "/nearest" in url]
    assert len(pages) == 50
    assert site.url + "/nearest?n=55" in pages and site.url + "/nearest?n=0" not in pages


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x800"])
def test_the_offline_page_has_no_axe_violations(
    browser: Browser, site: ServerThread, viewport: dict[str, int]
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, viewport, service_workers="allow")
    page = controlled(context, site.url + SEEN)
    wait_until_saved(page, site.url + SEEN)
    context.set_offline(True)
    page.goto(site.url + NEVER_SEEN)
    page.wait_for_selector("#saved[data-state='done']")
    violations = axe_violations(page)
    page.goto(site.url + SEEN)
    banner(page)
    on_saved_copy = axe_violations(page)
    context.set_offline(False)
    context.close()
    assert violations == [], json.dumps(violations, indent=1)
    assert on_saved_copy == [], json.dumps(on_saved_copy, indent=1)
    assert traffic.blocked == []
