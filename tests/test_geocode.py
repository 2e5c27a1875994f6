"""Offline geocoding: tolerant matching, honest fallbacks, the postcode import and the API."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from geopy.distance import geodesic
from geopy.exc import GeocoderTimedOut

from locator.services import geocode, postcodes
from locator.settings import Settings
from locator.store import connection as db
from tests.conftest import ROOT, drop_database, fresh_database

CODEPOINT = ROOT.parent / "shared" / "data" / "codepoint-open-2014-cv.csv"
needs_codepoint = pytest.mark.skipif(
    not CODEPOINT.exists(),
    reason=f"the Code-Point Open 2014 extract is not at {CODEPOINT} (see shared/data/README.md)",
)
OFFLINE = Settings(online_geocoder=False)


class NoDirectory:
    """A connection whose postcode directory is empty."""

    async def fetchrow(self, *_: object) -> None:
        return None


def find(query: str, settings: Settings = OFFLINE) -> geocode.Place:
    return asyncio.run(geocode.geocode(NoDirectory(), query, settings))  # type: ignore[arg-type]


@pytest.mark.parametrize("query", ["CV1 1FY", "cv11fy", "  cv1   1fy ", "CV1 IFY", "cvl 1fy"])
def test_full_postcode_any_spacing_or_case(query: str) -> None:
    place = find(query)
    assert (place.name, place.kind, place.approximate) == ("CV1 1FY", "postcode", False)


def test_unknown_full_postcode_falls_back_to_its_sector() -> None:
    place = find("CV1 9ZZ")
    assert (place.name, place.kind, place.approximate) == ("CV1 9", "sector", True)
    assert place.error_m >= 100
    assert place.note and "CV1 9ZZ" in place.note and "sector CV1 9" in place.note


def test_unknown_sector_falls_back_to_its_district() -> None:
    place = find("CV6 8ZZ")
    assert (place.name, place.kind, place.approximate) == ("CV6", "district", True)
    assert "district CV6" in (place.note or "")


@pytest.mark.parametrize(
    ("query", "name", "kind"),
    [
        ("CV3", "CV3", "district"),
        ("cv3 6", "CV3 6", "sector"),
        ("Earlsdon", "Earlsdon", "ward"),
        ("earlsdn", "Earlsdon", "ward"),
        ("st michaels", "St Michael's", "ward"),
        ("central library", "Coventry Central Library", "facility"),
        ("Albany theater", "Albany Theatre", "facility"),
        ("War Memorial Park", "War Memorial Park", "place"),
    ],
)
def test_names_and_codes_match_tolerantly(query: str, name: str, kind: str) -> None:
    place = find(query)
    assert (place.name, place.kind) == (name, kind)


@pytest.mark.parametrize("query", ["CV99", "xyzzy plugh", "Q"])
def test_nothing_matches(query: str) -> None:
    with pytest.raises(geocode.PlaceNotFound) as caught:
        find(query)
    assert f"We could not find '{query}'" in caught.value.detail


def test_near_misses_are_suggested() -> None:
    with pytest.raises(geocode.PlaceNotFound) as caught:
        find("Whobberly Road")
    assert "Whoberley" in caught.value.suggestions


def test_gazetteer_rows_all_cite_a_source() -> None:
    gazetteer = geocode.Gazetteer.load()
    places = [*gazetteer.by_code.values(), *gazetteer.names.values()]
    assert len(places) > 100
    assert all(p.source for p in places)


def test_online_geocoder_is_used_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    class Found:
        address, latitude, longitude = "Broadgate, Coventry", 52.4079, -1.5102

    monkeypatch.setattr("geopy.geocoders.Nominatim.geocode", lambda *a, **k: Found())
    place = find("Broadgate", Settings(online_geocoder=True))
    assert (place.kind, place.name) == ("online", "Broadgate, Coventry")


def test_online_geocoder_falls_back_to_local_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def time_out(*_: object, **__: object) -> None:
        raise GeocoderTimedOut("too slow")

    monkeypatch.setattr("geopy.geocoders.Nominatim.geocode", time_out)
    place = find("CV1 1FY", Settings(online_geocoder=True, geocoder_timeout_s=0.1))
    assert (place.kind, place.name) == ("postcode", "CV1 1FY")


def test_online_geocoder_is_off_by_default() -> None:
    assert Settings().online_geocoder is False


# The postcode directory import, against a real database.


@pytest.fixture(scope="module")
def postcode_db() -> Iterator[str]:
    url = fresh_database("locator_test_postcodes")
    yield url
    drop_database(url)


def count(url: str) -> int:
    async def run() -> int:
        conn = await asyncpg.connect(db.asyncpg_dsn(url))
        try:
            return int(await conn.fetchval("SELECT count(*) FROM postcodes"))
        finally:
            await conn.close()

    return asyncio.run(run())


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCATOR_DATABASE_URL": url}
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "locator"), *args],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "codepoint.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD = '"CV1 1FY",10,433208,279120,"E92000001","E19000001","E18000005","","E08000026","E05001228"'
NO_COORDS = '"CV1 9XX",90,0,0,"E92000001","E19000001","E18000005","","E08000026",""'


def test_bad_row_names_file_line_and_field_and_loads_nothing(
    postcode_db: str, tmp_path: Path
) -> None:
    bad = GOOD.replace("CV1 1FY", "CV1 1GA").replace("433208", "43x208")
    path = write(tmp_path, GOOD, bad)
    before = count(postcode_db)
    result = run_cli(postcode_db, "postcodes", "import", str(path))
    assert result.returncode == 2
    assert f"{path}:2: field 'eastings'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert count(postcode_db) == before


def test_rows_without_coordinates_are_skipped_and_counted(tmp_path: Path) -> None:
    rows, skipped = postcodes.read(write(tmp_path, GOOD, NO_COORDS), lambda _: None)
    assert [r.postcode for r in rows] == ["CV1 1FY"]
    assert skipped == 1


def test_repeated_postcode_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(postcodes.PostcodeFileError, match=r":2: field 'postcode'.*repeats line 1"):
        postcodes.read(write(tmp_path, GOOD, GOOD), lambda _: None)


def test_the_current_download_layout_is_read(tmp_path: Path) -> None:
    """A zip of one CSV per postcode area under Data/CSV (7-character postcodes, a header row in
    some files, long or short column names), with the column headers file under Doc/."""
    archive = tmp_path / "codepo_gb.zip"
    long_header = "Postcode,Positional_quality_indicator,Eastings,Northings,Country_code,"
    long_header += "NHS_regional_HA_code,NHS_HA_code,Admin_county_code,Admin_district_code,"
    long_header += "Admin_ward_code"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("Doc/Code-Point_Open_Column_Headers.csv", "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC\n")
        out.writestr("Data/CSV/cv.csv", f"{long_header}\n{GOOD}\n{NO_COORDS}\n")
        out.writestr(
            "Data/CSV/b.csv",
            "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC\n"
            '"B1  1AA",10,406904,286819,"E92000001","E19000001","E18000005","","E08000025",""\n',
        )
    rows, skipped = postcodes.read(archive, lambda _: None)
    assert sorted(r.postcode for r in rows) == ["B1 1AA", "CV1 1FY"]
    assert skipped == 1
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(archive).extractall(folder)
    assert postcodes.read(folder, lambda _: None) == (rows, skipped)


def test_a_postcode_in_two_area_files_names_both(tmp_path: Path) -> None:
    folder = tmp_path / "Data" / "CSV"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(GOOD + "\n")
    (folder / "b.csv").write_text(GOOD + "\n")
    with pytest.raises(postcodes.PostcodeFileError, match=r"b.csv:1: .*repeats .*a.csv:1"):
        postcodes.read(tmp_path, lambda _: None)


@needs_codepoint
def test_codepoint_import_gives_every_postcode_its_own_point(postcode_db: str) -> None:
    result = run_cli(postcode_db, "postcodes", "import", str(CODEPOINT))
    assert result.returncode == 0, result.stderr
    assert "19508 postcodes loaded; 0 skipped" in result.stdout
    assert "checked 5000 lines" in result.stderr  # progress
    assert count(postcode_db) == 19508

    async def look_up(query: str) -> geocode.Place:
        conn = await asyncpg.connect(db.asyncpg_dsn(postcode_db))
        try:
            return await geocode.geocode(conn, query, OFFLINE)
        finally:
            await conn.close()

    # CV5 6JQ (Albany Theatre): E 432450, N 278586 is 52.40433, -1.52445 (coventry-pass2.md).
    theatre = asyncio.run(look_up("cv56jq"))
    assert (theatre.kind, theatre.approximate) == ("postcode", False)
    assert geodesic((theatre.lat, theatre.lon), (52.40433, -1.52445)).meters < 5
    # Not in the gazetteer, but in the directory: its own point, not its sector's.
    nuneaton = asyncio.run(look_up("CV10 0AA"))
    assert (nuneaton.name, nuneaton.kind) == ("CV10 0AA", "postcode")
    # Importing again updates in place.
    assert run_cli(postcode_db, "postcodes", "import", str(CODEPOINT)).returncode == 0
    assert count(postcode_db) == 19508


# The HTTP API, through the real server; nothing about the query reaches the logs.


def test_api_finds_a_postcode(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    response = client.get("/api/v1/geocode", params={"q": "cv1 9zz"})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "CV1 9" and body["approximate"] is True and body["error_m"] > 0
    assert "cv1 9zz" not in caplog.text.lower()
    assert "52.38" not in caplog.text


def test_api_says_what_it_could_not_find(client: httpx.Client) -> None:
    response = client.get("/api/v1/geocode", params={"q": "Earlsdonnnn Rd"})
    assert response.status_code == 404
    body = response.json()
    assert body["field"] == "q"
    assert "Earlsdon" in body["suggestions"]


def test_api_rejects_an_empty_query(client: httpx.Client) -> None:
    assert client.get("/api/v1/geocode", params={"q": ""}).status_code == 422


# Issue 11: coordinates typed in the box, and postcodes of areas we hold nothing for.


@pytest.mark.parametrize(
    ("query", "error_m", "approximate"),
    [("52.40,-1.51", 660, True), ("52.40 -1.51", 660, True), ("52.40091, -1.51372", 10, False)],
)
def test_typed_coordinates_are_a_point_as_precise_as_their_decimals(
    query: str, error_m: int, approximate: bool
) -> None:
    place = find(query)
    assert place.kind == "coordinates"
    assert (place.error_m, place.approximate) == (error_m, approximate)
    assert abs(place.lat - float(query.replace(",", " ").split()[0])) < 1e-9


def test_coordinates_out_of_range_are_rejected() -> None:
    with pytest.raises(geocode.SearchRejected, match="latitude"):
        find("91,0")


class DirectoryHolding:
    """A connection whose postcode directory holds B postcodes around the one asked for."""

    async def fetchrow(self, sql: str, *_: object) -> dict[str, str] | None:
        return {"before": "B1 1AB", "after": "B1 1AD"} if "before" in sql else None


def test_a_postcode_area_we_hold_nothing_for_is_said_so() -> None:
    with pytest.raises(geocode.AreaNotHeld) as caught:
        find("B1 1AA")
    assert caught.value.detail == (
        "We do not hold postcodes for that area yet (B1): try a town or place name."
    )
    # An area the directory holds: the postcode itself is simply not found.
    with pytest.raises(geocode.PlaceNotFound) as held:
        asyncio.run(geocode.geocode(DirectoryHolding(), "B1 1AC", OFFLINE))  # type: ignore[arg-type]
    assert not isinstance(held.value, geocode.AreaNotHeld)
    assert "could not find" in held.value.detail


def test_a_query_over_100_characters_is_rejected() -> None:
    with pytest.raises(geocode.SearchRejected, match="at most 100"):
        find("x" * 101)
