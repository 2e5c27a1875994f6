"""Exports round-trip: what `locator load` reads back from an export equals the database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from typer.testing import CliRunner

from locator.cli import app as cli
from locator.domain.record import FacilityRecord as Facility
from locator.services import loading as loader
from locator.settings import get_settings
from locator.store import connection as db
from tests.conftest import KNOWN, ROOT, ServerThread, _load, drop_database, facility, fresh_database

# Every kind of value a cell can hold: lists, objects, quotes, commas, newlines, non-ASCII.
RICH = facility(
    "t-rich", 30, 700, registered=True, operator='Café "Y", Ltd', address="1 High St,\nCoventry",
    postcode="cv1 1fy", location_accuracy_m=15.5, floor_level="-1",
    opening_hours="Mo-Fr 09:00-17:00", opening_hours_note="Ask at the desk; key held by staff",
    access="on_request", key_scheme="other",
    room_area_m2=12.02, room_width_m=3.1, hoist="ceiling_track_full_room", hoist_swl_kg=200,
    bench="height_adjustable_wall", bench_length_m=1.8, transfer_left=True, transfer_right=False,
    shower=True, carer_space=True, status="open", last_verified="2026-10-01", licence="OGL-UK-3.0",
    sources=[{"title": "Council list", "url": "https://example.org/list", "note": "row 4"}],
    unverified=["room_area_m2", "location"], notes="Zoë's note — naïve “quotes”",
    equipment_status=[
        {"item": "hoist", "working": False, "reason": "Sling missing, ordered",
         "reported_at": "2026-11-17T09:30", "expected_fix": "2026-11-30", "source": "visitor"},
        {"item": "door", "working": True},
    ],
)  # fmt: skip


def _facilities() -> list[Facility]:
    real = loader.read_geojson(ROOT / "data" / "coventry.geojson")
    return [*KNOWN, RICH, *real]


@pytest.fixture(scope="module")
def source_db() -> Iterator[str]:
    """A database holding the test facilities, a rich one and the real Coventry data."""
    url = fresh_database("locator_test_roundtrip")
    asyncio.run(_load(url, _facilities()))
    yield url
    drop_database(url)


async def _load_file(url: str, path: Path) -> loader.LoadReport:
    async with db.connect(url) as conn:
        return await loader.load_file(conn, path)


@pytest.mark.parametrize("suffix", ["geojson", "csv"])
def test_http_export_loads_back_with_nothing_changed(
    source_db: str, tmp_path: Path, suffix: str
) -> None:
    with ServerThread(source_db) as server:
        response = httpx.get(f"{server.url}/api/v1/facilities.{suffix}", timeout=30)
    assert response.status_code == 200
    path = tmp_path / f"facilities.{suffix}"
    path.write_bytes(response.content)
    report = asyncio.run(_load_file(source_db, path))
    assert report.added == []
    assert report.changed == []
    assert sorted(report.unchanged) == sorted(f.id for f in _facilities())


@pytest.fixture()
def cli_env(source_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`locator` commands pointed at the round-trip database."""
    monkeypatch.setenv("LOCATOR_DATABASE_URL", source_db)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_cli_export_then_load_reports_zero_changed(cli_env: None, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"export.{fmt}"
    runner = CliRunner()
    exported = runner.invoke(cli, ["export", "--format", fmt, "--output", str(path)])
    assert exported.exit_code == 0, exported.output
    loaded = runner.invoke(cli, ["load", str(path)])
    assert loaded.exit_code == 0, loaded.output
    total = len(_facilities())
    assert f"0 added, 0 changed, {total} left unchanged" in loaded.output


def test_a_bad_csv_names_file_line_and_field_and_loads_nothing(
    source_db: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,lat,lon,name,category,postcode,sources\n"
        "t-new-one,52.4,-1.5,New One,changing_places,CV1 1FY,\n"
        "t-new-two,52.4,-1.5,New Two,changing_places,NOT A POSTCODE,\n"
        "t-new-three,52.4,-1.5,New Three,castle,,[{bad json\n",
        encoding="utf-8",
    )
    with pytest.raises(loader.LoadError) as raised:
        asyncio.run(_load_file(source_db, path))
    message = str(raised.value)
    assert f"{path}:3: row (id 't-new-two'): field 'postcode'" in message
    assert f"{path}:4: row (id 't-new-three'): field 'sources': not valid JSON" in message
    assert "t-new-one" not in message
    assert asyncio.run(_count(source_db, "t-new-one")) == 0


async def _count(url: str, fid: str) -> int:
    conn = await asyncpg.connect(db.asyncpg_dsn(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM facilities WHERE id = $1", fid))
    finally:
        await conn.close()


def test_a_csv_with_unknown_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("id,lat,lon,name,category,colour\n", encoding="utf-8")
    with pytest.raises(loader.LoadError, match=r"odd.csv:1: field 'colour': not a facility field"):
        loader.read_csv(path)
