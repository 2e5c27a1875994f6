"""HTTP behaviour third-party clients rely on: CORS, ETags and 304s, gzip, and the rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from locator.settings import Settings
from locator.web.http import is_fresh, prefers_html
from tests.conftest import ServerThread

ITEMS = "/ogc/collections/facilities/items"
# What a council open-data portal expects in a CSV of toilets.
PORTAL_COLUMNS = (
    *("id", "name", "address", "postcode", "lat", "lon", "category", "registered"),
    *("opening_hours", "access", "key_scheme", "hoist", "bench", "status", "last_verified"),
)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nearest?lat=52.4&lon=-1.5", "/api/v1/facilities", ITEMS, "/ogc",
     "/api/v1/facilities.geojson", "/api/v1/facilities.csv"],
)  # fmt: skip
def test_an_unchanged_response_is_answered_304(client: httpx.Client, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert "max-age=" in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "max-age=" in again.headers["cache-control"]
    other = client.get(path, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


def test_different_content_gets_a_different_etag(client: httpx.Client) -> None:
    one = client.get(ITEMS, params={"limit": 1}).headers["etag"]
    two = client.get(ITEMS, params={"limit": 2}).headers["etag"]
    geojson = client.get("/api/v1/facilities.geojson").headers["etag"]
    csv = client.get("/api/v1/facilities.csv").headers["etag"]
    assert len({one, two, geojson, csv}) == 4


def test_positions_are_never_kept_by_shared_caches(client: httpx.Client) -> None:
    nearest = client.get("/api/v1/nearest", params={"lat": 52.4, "lon": -1.5})
    assert nearest.headers["cache-control"].startswith("private")
    assert client.get(ITEMS).headers["cache-control"].startswith("public")


def test_probes_and_errors_are_not_cached(client: httpx.Client) -> None:
    assert client.get("/healthz").headers["cache-control"] == "no-store"
    assert client.get("/readyz").headers["cache-control"] == "no-store"
    bad = client.get(ITEMS, params={"limit": 0})
    assert bad.status_code == 422
    assert "etag" not in bad.headers


def test_large_bodies_are_gzipped_small_ones_not(client: httpx.Client) -> None:
    big = client.get(ITEMS, headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert big.json()["numberReturned"] == 8
    export = client.get("/api/v1/facilities.geojson", headers={"Accept-Encoding": "gzip"})
    assert export.headers["content-encoding"] == "gzip"
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_any_origin_may_get(client: httpx.Client) -> None:
    response = client.get(ITEMS, headers={"Origin": "https://journeys.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    preflight = client.options(
        ITEMS,
        headers={
            "Origin": "https://journeys.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_exports_are_files_not_facility_ids(client: httpx.Client) -> None:
    geojson = client.get("/api/v1/facilities.geojson")
    assert geojson.headers["content-type"] == "application/geo+json"
    assert geojson.headers["content-disposition"] == 'attachment; filename="facilities.geojson"'
    assert len(geojson.json()["features"]) == 8
    csv = client.get("/api/v1/facilities.csv")
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    header = csv.text.splitlines()[0].split(",")
    assert set(PORTAL_COLUMNS) <= set(header)
    assert len(csv.text.splitlines()) == 9


@pytest.fixture()
def limited(known_db: str) -> Iterator[httpx.Client]:
    """A server whose clients may make 3 requests a minute."""
    budget = Settings(rate_limit_per_minute=3)
    with ServerThread(known_db, budget) as running, httpx.Client(base_url=running.url) as http:
        yield http


def test_a_client_over_its_budget_is_told_when_to_retry(limited: httpx.Client) -> None:
    assert [limited.get("/ogc").status_code for _ in range(3)] == [200, 200, 200]
    refused = limited.get("/ogc", headers={"Origin": "https://journeys.example"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["allowed"] == "3 requests per minute"
    assert refused.headers["access-control-allow-origin"] == "*"  # a web app can read it


def test_health_checks_are_never_limited(limited: httpx.Client) -> None:
    for _ in range(4):
        limited.get("/ogc")
    assert {limited.get("/healthz").status_code for _ in range(10)} == {200}
    assert limited.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    ("header", "etag", "fresh"),
    [(None, 'W/"a"', False), ('W/"a"', 'W/"a"', True), ('"a"', 'W/"a"', True),
     ('W/"b", W/"a"', 'W/"a"', True), ("*", 'W/"a"', True), ('W/"b"', 'W/"a"', False)],
)  # fmt: skip
def test_if_none_match_uses_weak_comparison(header: str | None, etag: str, fresh: bool) -> None:
    assert is_fresh(header, etag) is fresh


@pytest.mark.parametrize(
    ("accept", "html"),
    [("*/*", False), (None, False), ("application/json", False), ("text/html", True),
     ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
     ("application/geo+json, text/html;q=0.5", False)],
)  # fmt: skip
def test_content_negotiation_defaults_to_json(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html
