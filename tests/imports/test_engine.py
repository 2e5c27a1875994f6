"""The import engine against a real PostGIS: matching, ownership of fields, duplicates across
sources, closing, placing by postcode, dry runs and the import history."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from locator.services.imports import engine
from locator.services.imports.candidates import Candidate, Rejected
from locator.store import connection as db
from locator.store import writes
from tests.conftest import at, drop_database, facility, fresh_database

LICENCE = "CC BY 4.0"


def candidate(source_id: str, bearing: float, metres: float, **fields: Any) -> Candidate:
    lat, lon = at(bearing, metres)
    base: dict[str, Any] = {"name": f"Toilet {source_id}", "category": "accessible_toilet"}
    return Candidate(
        where=f"test record {source_id}",
        source_id=source_id,
        fields={**base, **fields},
        lat=lat,
        lon=lon,
    )


@pytest.fixture()
def database() -> Iterator[str]:
    url = fresh_database("locator_test_imports")
    yield url
    drop_database(url)


def run_import(
    url: str,
    items: list[Candidate | Rejected],
    source: str = "toiletmap",
    dry_run: bool = False,
    tmp_path: Path | None = None,
) -> engine.Report:
    async def go() -> engine.Report:
        async with db.connect(url) as conn, conn.transaction():
            report, plan = await engine.plan_import(conn, items, source, LICENCE)
            if not dry_run:
                path = (tmp_path or Path("/tmp")) / "source.json"
                path.write_text(
                    json.dumps([c.source_id for c in items if isinstance(c, Candidate)])
                )
                await engine.apply_import(
                    conn, plan, report, fmt="test", source=source, licence=LICENCE,
                    path=path, actor="tests",
                )  # fmt: skip
            return report

    return asyncio.run(go())


def fetch(url: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        async with db.connect(url) as conn:
            return [dict(r) for r in await conn.fetch(sql, *args)]

    return asyncio.run(go())


def test_a_second_import_of_the_same_file_changes_nothing(database: str, tmp_path: Path) -> None:
    items: list[Candidate | Rejected] = [
        candidate("1", 0, 500, opening_hours="24/7", key_scheme="radar", access="key"),
        candidate("2", 90, 900, sources=[{"title": "The Toilet Map", "url": "https://x/2"}]),
    ]
    first = run_import(database, items, tmp_path=tmp_path)
    assert len(first.added) == 2 and not first.changed
    second = run_import(database, items, tmp_path=tmp_path)
    assert (len(second.added), len(second.changed), len(second.unchanged)) == (0, 0, 2)
    assert fetch(database, "SELECT count(*) AS n FROM facilities")[0]["n"] == 2
    history = fetch(database, "SELECT source, file_sha256, counts FROM imports ORDER BY id")
    assert [h["counts"]["added"] for h in history] == [2, 0]
    assert all(len(h["file_sha256"]) == 64 and h["source"] == "toiletmap" for h in history)


def test_a_field_someone_else_set_is_proposed_not_overwritten(
    database: str, tmp_path: Path
) -> None:
    curated = facility("central", 0, 300, phone="024 7683 2314", opening_hours=None)

    async def load() -> None:
        async with db.connect(database) as conn, conn.transaction():
            await writes.upsert(conn, [curated], actor="load:coventry.geojson")

    asyncio.run(load())
    # The same toilet from the Toilet Map, 20 m off, with another phone number and its hours.
    dup = candidate("77", 0, 320, name="Central", phone="024 0000 0000", opening_hours="24/7")
    report = run_import(database, [dup], tmp_path=tmp_path)
    assert [(fid, why.split(",")[0]) for _, fid, why in report.duplicates] == [
        ("central", "20 m away")
    ]
    assert ("central", "phone", "024 7683 2314", "024 0000 0000") in report.proposals
    row = fetch(
        database, "SELECT phone, opening_hours, licence FROM facilities WHERE id = 'central'"
    )
    assert row[0]["phone"] == "024 7683 2314", "the curated phone stays"
    assert row[0]["opening_hours"] == "24/7", "an unknown field is filled"
    assert LICENCE in row[0]["licence"], "the source's attribution is kept"
    assert fetch(database, "SELECT count(*) AS n FROM facilities")[0]["n"] == 1, "not doubled"


def test_the_same_toilet_from_two_sources_is_matched_not_doubled(
    database: str, tmp_path: Path
) -> None:
    run_import(database, [candidate("tm-1", 45, 1000, name="Market Hall toilets")], "toiletmap")
    osm = candidate("node/5", 45, 1030, name="Market Hall Toilets", fee="no")
    osm.fields.pop("fee")
    report = run_import(database, [osm], "openstreetmap", tmp_path=tmp_path)
    assert len(report.duplicates) == 1 and not report.added
    assert fetch(database, "SELECT count(*) AS n FROM facilities")[0]["n"] == 1
    sources = fetch(database, "SELECT source FROM facility_sources ORDER BY source")
    assert [s["source"] for s in sources] == ["openstreetmap", "toiletmap"]


def test_an_unlike_name_nearby_is_added_and_listed_as_doubtful(
    database: str, tmp_path: Path
) -> None:
    run_import(database, [candidate("a", 10, 2000, name="Library toilets")], "toiletmap")
    other = candidate("node/9", 10, 2005, name="Bus station WC")
    report = run_import(database, [other], "openstreetmap", tmp_path=tmp_path)
    assert len(report.added) == 1 and len(report.doubtful) == 1
    assert "check and merge" in report.doubtful[0][2]


def test_a_record_gone_from_its_source_is_closed_with_the_reason(
    database: str, tmp_path: Path
) -> None:
    items: list[Candidate | Rejected] = [candidate("1", 0, 100), candidate("2", 180, 100)]
    run_import(database, items, tmp_path=tmp_path)
    removed = candidate("2", 180, 100)
    removed.active, removed.removal_reason = False, "Demolished in 2025"
    report = run_import(database, [items[0], removed], tmp_path=tmp_path)
    assert [reason for _, reason in report.closed] == ["Demolished in 2025"]
    report = run_import(database, [], tmp_path=tmp_path)
    assert [reason for _, reason in report.closed] == ["no longer in toiletmap"]
    rows = fetch(database, "SELECT status, status_note FROM facilities ORDER BY status_note")
    assert [r["status"] for r in rows] == ["permanently_closed"] * 2, "closed, never deleted"


def test_missing_coordinates_are_placed_from_the_postcode_or_rejected(
    database: str, tmp_path: Path
) -> None:
    async def directory() -> None:
        async with db.connect(database) as conn:
            await conn.execute(
                "INSERT INTO postcodes (postcode, quality, geog) VALUES ('CV1 1FY', 10,"
                " ST_SetSRID(ST_MakePoint(-1.5137, 52.4084), 4326)::geography)"
            )

    asyncio.run(directory())
    placed = candidate("p", 0, 0, postcode="CV1 1FY")
    placed.lat = placed.lon = None
    lost = candidate("q", 0, 0, postcode="ZZ9 9ZZ")
    lost.lat = lost.lon = None
    report = run_import(database, [placed, lost], tmp_path=tmp_path)
    assert report.placed_from_postcode == ["test record p"]
    assert [str(r) for r in report.rejected] == [
        "test record q: field 'location': no coordinates, and no postcode in the postcode"
        " directory to place it by"
    ]
    row = fetch(database, "SELECT location_accuracy_m, unverified FROM facilities")[0]
    assert row["location_accuracy_m"] == 100 and "location" in row["unverified"]


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(database: str) -> None:
    report = run_import(database, [candidate("1", 0, 100)], dry_run=True)
    assert len(report.added) == 1
    assert any(line.startswith("added (1):") for line in report.details())
    assert fetch(database, "SELECT count(*) AS n FROM facilities")[0]["n"] == 0
    assert fetch(database, "SELECT count(*) AS n FROM imports")[0]["n"] == 0


def test_not_accessible_records_are_skipped_and_bad_ones_rejected_by_field(
    database: str, tmp_path: Path
) -> None:
    plain = candidate("w", 0, 100, category="public_toilet")
    plain.relevant = False
    bad = candidate("b", 0, 200, hoist="crane")
    report = run_import(
        database, [plain, bad, Rejected("line 9", "lat", "swapped")], tmp_path=tmp_path
    )
    assert report.skipped == 1
    assert {(r.where, r.field) for r in report.rejected} == {
        ("test record b", "hoist"),
        ("line 9", "lat"),
    }


def test_the_same_uprn_from_another_source_is_the_same_toilet(
    database: str, tmp_path: Path
) -> None:
    first = candidate("row-1", 0, 3000, name="Park toilets")
    first.identifiers = {"uprn": "100070000001"}
    run_import(database, [first], "coventry-council", tmp_path=tmp_path)
    again = candidate("row-7", 200, 3000, name="Toilets, Memorial Park")  # moved, renamed
    again.identifiers = {"uprn": "100070000001"}
    report = run_import(database, [again], "coventry-council-2026", tmp_path=tmp_path)
    assert [why for _, _, why in report.duplicates] == ["same UPRN"]
    assert fetch(database, "SELECT count(*) AS n FROM facilities")[0]["n"] == 1
