"""Defects found by probing, each fixed: HEAD and OPTIONS, security headers, log lines that a
request cannot forge, throttled outage warnings, bounded waits for a connection."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from locator.settings import Settings
from locator.store import connection as db
from locator.store import synth
from locator.web.logs import Throttled, loggable_path
from tests.conftest import ServerThread, drop_database, fresh_database


@pytest.mark.parametrize(
    "path", ["/api/v1/facilities/t-closed", "/api/v1/nearest?lat=52.4&lon=-1.5", "/", "/ogc"]
)
def test_head_is_get_without_the_body(client: httpx.Client, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_options_says_what_is_allowed(client: httpx.Client) -> None:
    item = client.options("/api/v1/facilities/t-closed")
    assert item.status_code == 204
    assert item.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    assert client.options("/api/v1/facilities").headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/no/such/thing").status_code == 404
    # unknown paths stay 404 for every method (an OPTIONS route would have made them 405)
    assert client.get("/no/such/thing").status_code == 404
    assert client.post("/no/such/thing").status_code == 404
    preflight = client.options(
        "/api/v1/nearest",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize("path", ["/", "/api/v1/nearest?lat=52.4&lon=-1.5", "/nope", "/healthz"])
def test_every_answer_carries_the_security_headers(client: httpx.Client, path: str) -> None:
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "geolocation=(self)" in headers["permissions-policy"]


def test_a_path_cannot_forge_a_log_line_or_flood_the_log() -> None:
    forged = loggable_path("/x\r\n2026-12-01 INFO locator.access GET /admin 200")
    assert "\r" not in forged and "\n" not in forged and "\\r\\n" in forged
    assert loggable_path("/" + "a" * 10_000).endswith("...")
    assert len(loggable_path("/" + "a" * 10_000)) <= 203
    assert loggable_path("/facilities/central-library") == "/facilities/central-library"


def test_outage_warnings_are_throttled(caplog: pytest.LogCaptureFixture) -> None:
    throttled = Throttled(logging.getLogger("locator.test"), every_s=60)
    with caplog.at_level(logging.WARNING, logger="locator.test"):
        for _ in range(1000):
            throttled.warning("OSError", "database unavailable: OSError")
    assert len(caplog.records) == 1


def test_waiting_for_a_connection_is_bounded(known_db: str) -> None:
    """While a lock holds the only connection, the next request gets 503 within the acquire
    timeout instead of queueing for as long as the lock lasts."""
    settings = Settings(
        rate_limit_per_minute=0, pool_size=1, pool_acquire_timeout_s=0.5, statement_timeout_ms=4000
    )
    with ServerThread(known_db, settings) as server:

        async def scenario() -> tuple[httpx.Response, float, httpx.Response]:
            async with (
                db.connect(known_db) as locker,
                httpx.AsyncClient(base_url=server.url, timeout=30) as http,
            ):
                async with locker.transaction():
                    await locker.execute("LOCK TABLE facilities IN ACCESS EXCLUSIVE MODE")
                    stuck = asyncio.create_task(http.get("/api/v1/facilities/t-closed"))
                    await asyncio.sleep(0.3)  # the first request now holds the connection
                    started = time.monotonic()
                    second = await http.get("/api/v1/facilities/t-far")
                    waited = time.monotonic() - started
                first = await stuck
            return second, waited, first

        second, waited, first = asyncio.run(scenario())
    assert second.status_code == 503
    assert second.headers["retry-after"]
    assert waited < 2.0
    assert first.status_code != 500  # released with the lock, or timed out: never a 500


@pytest.fixture(scope="module")
def large_db() -> Iterator[str]:
    """30,000 facilities counted as real, so an export is far larger than a socket's buffers."""
    url = fresh_database("locator_test_large_export")

    async def fill() -> None:
        async with db.connect(url) as conn:
            await synth.synthesise(conn, 30_000)
            await conn.execute("UPDATE facilities SET synthetic = false")

    asyncio.run(fill())
    yield url
    drop_database(url)


def test_downloads_that_are_not_read_cannot_take_every_connection(large_db: str) -> None:
    """Exports get a quarter of the pool; the next download is told to retry, searches go on."""
    settings = Settings(rate_limit_per_minute=0, pool_size=4, pool_acquire_timeout_s=1)
    with ServerThread(large_db, settings) as server:

        async def scenario() -> tuple[int, str | None, int]:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                async with http.stream("GET", "/api/v1/facilities.geojson") as held:
                    assert held.status_code == 200
                    another = await http.get("/api/v1/facilities.csv")
                    search = await http.get("/api/v1/nearest", params={"lat": 52.4, "lon": -1.5})
                    return (
                        another.status_code,
                        another.headers.get("retry-after"),
                        search.status_code,
                    )

        refused, retry, search = asyncio.run(scenario())
    assert refused == 429 and retry == "30"
    assert search == 200


def test_static_files_have_content_hashed_urls_cached_for_a_year(client: httpx.Client) -> None:
    page = client.get("/").text
    found = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', page)
    assert found, "the page links its stylesheet by content hash"
    versioned = client.get(found.group(1))
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/css/site.css")
    assert plain.headers["cache-control"] == "public, no-cache"
    assert plain.content == versioned.content


def test_an_unknown_host_header_is_refused_so_links_cannot_point_elsewhere(
    client: httpx.Client,
) -> None:
    evil = client.get("/ogc", headers={"Host": "evil.example"})
    assert evil.status_code == 400
    assert "evil.example" not in evil.text
    good = client.get("/ogc?f=json")
    assert good.status_code == 200
    assert all(link["href"].startswith("http://127.0.0.1:") for link in good.json()["links"])


def test_the_api_docs_load_nothing_from_a_cdn(client: httpx.Client) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text) + re.findall(
        r"url: ?'([^']+)'", docs.text
    )
    assert sources, "the docs page names its script, styles and icon"
    for url in sources:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
    assert client.get("/redoc").status_code == 404


@pytest.mark.parametrize(
    ("sent", "answer"),
    [
        (b"", b""),
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b""),
        (
            b"POST /api/v1/facilities/t-far/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"kind"',
            b"HTTP/1.1 408",
        ),
    ],
    ids=["idle", "half-sent-headers", "body-shorter-than-its-length"],
)
def test_slow_or_stalled_clients_are_cut_off(known_db: str, sent: bytes, answer: bytes) -> None:
    settings = Settings(rate_limit_per_minute=0, header_timeout_s=1, body_timeout_s=1)
    with ServerThread(known_db, settings) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(sent)
            started = time.monotonic()
            received = conn.recv(100)
            waited = time.monotonic() - started
    assert waited < 3
    assert received.startswith(answer)
