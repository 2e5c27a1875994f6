"""The coverage API over real HTTP: the same answers as the functions, in JSON, GeoJSON and CSV;
bad input is a 422 naming the field and what it allows; never a 500; the CLI agrees."""

from __future__ import annotations

import csv
import io
import logging
import os
import subprocess
import sys

import httpx
import pytest

from locator.domain.filters import Filters
from locator.services import coverage
from tests.conftest import ROOT, ServerThread
from tests.coverage.conftest import SUNDAY_EVENING, Dataset, with_conn


@pytest.fixture()
def api(synthetic_server: ServerThread) -> httpx.Client:
    return httpx.Client(base_url=synthetic_server.url, timeout=30)


@pytest.fixture()
def coventry_api(coventry_server: ServerThread) -> httpx.Client:
    return httpx.Client(base_url=coventry_server.url, timeout=30)


def test_coverage_json_matches_the_computation(api: httpx.Client, synthetic: Dataset) -> None:
    response = api.get(
        "/api/v1/coverage",
        params={"thresholds": "2000,1000", "registered": "true", "open_at": "2026-11-22T18:00"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = with_conn(
        synthetic.url,
        lambda conn: coverage.coverage(
            conn, Filters(registered=True, open_at=SUNDAY_EVENING), [1000, 2000]
        ),
    )
    assert body["thresholds_m"] == [1000, 2000]
    assert body["facilities"] == expected.facilities
    assert [t["population"] for t in body["totals"]] == [b.population for b in expected.totals]
    assert [a["code"] for a in body["areas"]] == [a.code for a in expected.areas]
    first = body["areas"][0]
    assert set(first) >= {"code", "name", "population", "nearest", "lat", "lon", "source"}
    assert "straight-line" in body["method"].lower()


def test_coverage_geojson_and_csv_downloads(coventry_api: httpx.Client) -> None:
    geo = coventry_api.get("/api/v1/coverage", params={"format": "geojson"})
    assert geo.status_code == 200
    assert geo.headers["content-type"] == "application/geo+json"
    collection = geo.json()
    assert len(collection["features"]) == 18
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["band_m"] in (1000, 2000, 5000, None)
    assert [t["threshold_m"] for t in collection["totals"]] == [1000, 2000, 5000]

    table = coventry_api.get("/api/v1/coverage", params={"format": "csv", "thresholds": "1500"})
    assert table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == 18 and "within_1500_m" in rows[0]
    assert sum(int(r["population"]) for r in rows) == 345_102


def test_grid_is_geojson_with_distances(coventry_api: httpx.Client) -> None:
    response = coventry_api.get("/api/v1/coverage/grid", params={"cell_m": 2000})
    assert response.status_code == 200
    cells = response.json()["features"]
    assert cells and all(c["geometry"]["type"] == "Polygon" for c in cells)
    assert all(c["properties"]["distance_m"] >= 0 for c in cells)


def test_suggest_get_and_post(coventry_api: httpx.Client) -> None:
    got = coventry_api.get("/api/v1/coverage/suggest", params={"k": 2, "threshold_m": 1000})
    assert got.status_code == 200, got.text
    body = got.json()
    assert len(body["picks"]) == 2
    assert body["after"]["population"] == body["picks"][-1]["population_after"]
    assert (
        body["before"]["population"] + sum(p["population_gain"] for p in body["picks"])
        == (body["after"]["population"])
    )
    posted = coventry_api.post(
        "/api/v1/coverage/suggest",
        params={"k": 1, "threshold_m": 1000},
        json={"candidates": [{"lat": 52.4447, "lon": -1.5131, "label": "Holbrook library"}]},
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["picks"][0]["label"] == "Holbrook library"


BAD_INPUT = [
    ("/api/v1/coverage", {"thresholds": "abc"}, "thresholds"),
    ("/api/v1/coverage", {"thresholds": "0"}, "thresholds"),
    ("/api/v1/coverage", {"thresholds": "1,2,3,4,5,6"}, "thresholds"),
    ("/api/v1/coverage", {"thresholds": "1000,nan"}, "thresholds"),
    ("/api/v1/coverage", {"thresholds": "9" * 300}, "thresholds"),
    ("/api/v1/coverage", {"format": "xlsx"}, "format"),
    ("/api/v1/coverage", {"category": "palace"}, "category"),
    ("/api/v1/coverage", {"open_at": "sunday evening"}, "open_at"),
    ("/api/v1/coverage/grid", {"cell_m": 5}, "cell_m"),
    ("/api/v1/coverage/grid", {"cell_m": 100}, "cell_m"),  # too many cells for these areas
    ("/api/v1/coverage/grid", {"cell_m": "inf"}, "cell_m"),
    ("/api/v1/coverage/suggest", {"k": 0}, "k"),
    ("/api/v1/coverage/suggest", {"k": 11}, "k"),
    ("/api/v1/coverage/suggest", {"threshold_m": 10}, "threshold_m"),
    ("/api/v1/coverage/suggest", {"threshold_m": "nan"}, "threshold_m"),
    ("/api/v1/coverage/suggest", {"hoist": "crane"}, "hoist"),
]


@pytest.mark.parametrize(("path", "params", "field"), BAD_INPUT)
def test_bad_input_is_422_naming_the_field(
    api: httpx.Client, path: str, params: dict[str, object], field: str
) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    assert body["detail"] and body["allowed"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"candidates": [{"lat": 95, "lon": 0}]}, "body.candidates.0.lat"),
        ({"candidates": []}, "body.candidates"),
        ({"candidates": [{"lat": 52}]}, "body.candidates.0.lon"),
        ({"sites": []}, "body.candidates"),
    ],
)
def test_bad_candidates_are_422(api: httpx.Client, payload: object, field: str) -> None:
    response = api.post("/api/v1/coverage/suggest", json=payload)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_openapi_describes_ranges(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    params = {
        (path, p["name"]): p
        for path in ("/api/v1/coverage", "/api/v1/coverage/grid", "/api/v1/coverage/suggest")
        for p in paths[path]["get"]["parameters"]
    }
    for path, name, low, high in [
        ("/api/v1/coverage/grid", "cell_m", 100, 10_000),
        ("/api/v1/coverage/suggest", "k", 1, 10),
        ("/api/v1/coverage/suggest", "threshold_m", 100, 50_000),
    ]:
        schema = params[(path, name)]["schema"]
        assert (schema["minimum"], schema["maximum"]) == (low, high)
        assert str(low) in params[(path, name)]["description"]
    assert "100000" in params[("/api/v1/coverage", "thresholds")]["description"]
    assert params[("/api/v1/coverage", "open_at")]["description"]


def test_odd_input_never_gives_a_500(api: httpx.Client) -> None:
    odd = ["", " ", "-0", "1e309", "0x10", "１０００", "1000,", ",", "%00", "null", "[1000]"]
    for value in odd:
        for path, name in [
            ("/api/v1/coverage", "thresholds"),
            ("/api/v1/coverage/grid", "cell_m"),
            ("/api/v1/coverage/suggest", "threshold_m"),
        ]:
            response = api.get(path, params={name: value})
            assert response.status_code in (200, 422), (path, value, response.text)


def test_posted_positions_are_not_logged(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        api.post(
            "/api/v1/coverage/suggest",
            params={"threshold_m": 1000},
            json={"candidates": [{"lat": 52.412345, "lon": -1.498765}]},
        )
    assert "52.412345" not in caplog.text and "1.498765" not in caplog.text


def test_cli_agrees_with_the_api(coventry_api: httpx.Client, coventry: Dataset) -> None:
    env = {**os.environ, "LOCATOR_DATABASE_URL": coventry.url}
    args = ["coverage", "--thresholds", "1000,2000,5000", "--registered", "--format", "csv"]
    cli = subprocess.run(
        [sys.executable, "-m", "locator", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    api_csv = coventry_api.get(
        "/api/v1/coverage", params={"format": "csv", "registered": "true"}
    ).text
    assert cli.stdout == api_csv
    markdown = subprocess.run(
        [sys.executable, "-m", "locator", *args[:-1], "markdown"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert "| 1 km |" in markdown.stdout and "Holbrook" in markdown.stdout


def test_cli_counts_only_confirmed_positions_like_the_api(
    coventry_api: httpx.Client, coventry: Dataset
) -> None:
    env = {**os.environ, "LOCATOR_DATABASE_URL": coventry.url}
    args = ["coverage", "--confirmed-position", "--format", "csv"]
    cli = subprocess.run(
        [sys.executable, "-m", "locator", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    confirmed = coventry_api.get(
        "/api/v1/coverage", params={"format": "csv", "confirmed_position": "true"}
    ).text
    assert cli.stdout == confirmed
    # Some Coventry positions are not confirmed, so the answer differs from the unfiltered one.
    assert confirmed != coventry_api.get("/api/v1/coverage", params={"format": "csv"}).text


def test_no_areas_loaded_is_an_empty_answer_not_an_error(client: httpx.Client) -> None:
    """The shared test database has facilities but no areas."""
    body = client.get("/api/v1/coverage").json()
    assert body["areas"] == [] and body["population"] == 0
    assert [t["share"] for t in body["totals"]] == [None, None, None]
    assert client.get("/api/v1/coverage/grid").json()["features"] == []
    suggested = client.get("/api/v1/coverage/suggest").json()
    assert suggested["picks"] == [] and suggested["candidates"] == 0


def test_cli_says_what_is_wrong(coventry: Dataset) -> None:
    env = {**os.environ, "LOCATOR_DATABASE_URL": coventry.url}
    done = subprocess.run(
        [sys.executable, "-m", "locator", "coverage", "--thresholds", "0,abc"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "error: thresholds must be numbers (--thresholds: 1 to 5" in done.stderr
