"""The Content-Security-Policy in headless Debian Chromium: every page works under it, and a
script the page did not send with its answer's nonce never runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
from playwright.sync_api import Browser, Error, Page

from locator.settings import Settings
from locator.web.http import tile_source
from tests.conftest import ServerThread
from tests.pages.conftest import (
    DESKTOP,
    Traffic,
    axe_violations,
    open_context,
    wait_for_pins,
)

PAGES = {
    "map": "/",
    "list": "/nearest?q=CV1+1FY",
    "facility": "/facilities/central-library",
    "coverage": "/coverage",
    "docs": "/docs",
    "admin-sign-in": "/admin",
    "offline": "/offline",
}
# Swagger UI is not our markup: axe checks our own pages only.
AXE_PAGES = [name for name in PAGES if name != "docs"]
NONCE_RE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{22})'")
# Collects what the policy blocks, from before the page's first script runs.
WATCH_VIOLATIONS = """
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
        window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
    });
"""


class Scripts(HTMLParser):
    """The <script> elements of a page and any attribute that would run code."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[dict[str, str | None]] = []
        self.code_attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.inline.append(attributes)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.code_attributes.append(f"<{tag} {name}={value!r}>")


def nonce_of(response: httpx.Response) -> str:
    """The nonce the answer's policy allows inline scripts with."""
    found = NONCE_RE.search(response.headers["content-security-policy"])
    assert found, response.headers["content-security-policy"]
    return found.group(1)


@pytest.fixture(scope="module")
def http(site: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url) as client:
        yield client


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_has_a_strict_policy_with_a_fresh_nonce(http: httpx.Client, name: str) -> None:
    first, second = http.get(PAGES[name]), http.get(PAGES[name])
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in first.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == f"'self' 'nonce-{nonce_of(first)}'"  # no 'unsafe-inline'
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    tiles = tile_source(Settings().tile_url)
    assert policy["img-src"] == f"'self' data: blob: {tiles}".strip()
    for directive, value in {
        "connect-src": "'self'", "font-src": "'self'", "object-src": "'none'",
        "base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'",
        "manifest-src": "'self'", "worker-src": "'self'",
    }.items():  # fmt: skip
        assert policy[directive] == value, directive
    assert nonce_of(first) != nonce_of(second)
    assert first.headers["x-frame-options"] == "DENY"  # the other headers stay
    page = Scripts()
    page.feed(first.text)
    assert page.code_attributes == []
    for script in page.inline:
        if script.get("type") != "application/json":
            assert script.get("nonce") == nonce_of(first), script


def test_the_map_page_carries_no_nonce(http: httpx.Client) -> None:
    """It is rendered once per data version and kept, so it must need none."""
    first, second = http.get("/"), http.get("/")
    assert first.text == second.text
    assert "nonce" not in first.text
    assert nonce_of(first) != nonce_of(second)


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/openapi.json", "default-src 'none'; frame-ancestors 'none'"),
        ("/api/v1/facilities/central-library", "default-src 'none'; frame-ancestors 'none'"),
        ("/nope", "default-src 'none'; frame-ancestors 'none'"),
        # The service worker's policy is the one its script comes with: it fetches this site.
        ("/sw.js", "default-src 'self'; frame-ancestors 'none'"),
    ],
)
def test_other_answers_get_a_short_policy(http: httpx.Client, path: str, policy: str) -> None:
    assert http.get(path).headers["content-security-policy"] == policy


def test_tile_servers_with_subdomains_are_allowed_by_wildcard() -> None:
    assert (
        tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    )
    assert tile_source("https://tiles.example:8443/{z}/{x}/{y}.png") == "https://tiles.example:8443"
    assert tile_source("/tiles/{z}/{x}/{y}.png") == ""


def works(page: Page, name: str) -> None:
    """Wait until the page's scripts have done their work, and check it."""
    if name in ("map", "facility", "coverage"):
        if name == "map":
            wait_for_pins(page)
        page.wait_for_selector(".leaflet-container .leaflet-tile-loaded")
        assert page.locator(".leaflet-container .leaflet-tile").count() > 0
        assert page.locator(".leaflet-container .leaflet-marker-icon").count() > 0
    elif name == "docs":
        page.wait_for_selector(".opblock")
        assert page.locator(".opblock").count() > 10
        assert page.locator(".opblock-summary-path", has_text="/api/v1/nearest").count() >= 1
    else:
        page.wait_for_load_state("load")


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_work_under_the_policy_and_injected_script_is_blocked(
    browser: Browser, site: ServerThread, traffic: Traffic, name: str
) -> None:
    context = open_context(browser, traffic, DESKTOP)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if message.type == "error" else None,
    )
    page.goto(site.url + PAGES[name])
    works(page, name)
    page.wait_for_timeout(300)  # a late violation (a script added after load) is seen too
    assert page.evaluate("window.cspViolations") == []
    assert [text for text in console if "Content Security Policy" in text] == []

    with pytest.raises(Error, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true;")
    assert page.evaluate("window.injected === undefined")
    violations = page.evaluate("window.cspViolations")
    assert len(violations) == 1 and violations[0].startswith("script-src"), violations
    context.close()
    assert traffic.blocked == []


@pytest.mark.parametrize("name", AXE_PAGES)
def test_axe_still_runs_and_finds_nothing_under_the_policy(
    browser: Browser, site: ServerThread, traffic: Traffic, name: str
) -> None:
    context = open_context(browser, traffic, DESKTOP)
    page = context.new_page()
    page.goto(site.url + PAGES[name])
    works(page, name)
    violations = axe_violations(page)
    context.close()
    assert violations == [], json.dumps(violations, indent=1)
