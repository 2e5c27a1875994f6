"""`locator load`: the whole file is validated first; writes are all or nothing; changes audited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from locator.services import loading as loader
from locator.store import connection as db
from tests.conftest import ROOT, drop_database, fresh_database


def feature(fid: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": [-1.51, 52.41]},
        "properties": {"name": fid.title(), "category": "changing_places", **properties},
    }


def write(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, indent=2))
    return path


@pytest.fixture()
def database() -> Iterator[str]:
    url = fresh_database("locator_test_loader")
    yield url
    drop_database(url)


def load(url: str, path: Path) -> loader.LoadReport:
    async def run() -> loader.LoadReport:
        async with db.connect(url) as conn:
            return await loader.load_file(conn, path)

    return asyncio.run(run())


def scalar(url: str, sql: str) -> Any:
    async def run() -> Any:
        async with db.connect(url) as conn:
            return await conn.fetchval(sql)

    return asyncio.run(run())


def test_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.geojson",
        [feature("good"), feature("bad-hoist", hoist="crane"), feature("Bad Id"), feature("good")],
    )
    with pytest.raises(loader.LoadError) as error:
        loader.read_geojson(path)
    message = str(error.value)
    assert f"{path}:" in message
    lines = message.splitlines()
    assert any("feature 1 (id 'bad-hoist')" in line and "field 'hoist'" in line for line in lines)
    assert any("field 'id'" in line and "slug" in line for line in lines)
    assert any("duplicate of feature 0" in line for line in lines)
    line_of_bad_hoist = path.read_text().splitlines().index('      "id": "bad-hoist",') + 1
    assert f"{path}:{line_of_bad_hoist}: feature 1" in message


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n}')
    with pytest.raises(loader.LoadError, match=r"broken.geojson:3: not valid JSON"):
        loader.read_geojson(path)


def test_a_bad_record_loads_nothing(database: str, tmp_path: Path) -> None:
    load(database, write(tmp_path / "a.geojson", [feature("one")]))
    bad = write(
        tmp_path / "b.geojson",
        [feature("one", phone="024 7600 0000"), feature("two", opening_hours="Mo-Fr 25:00-26:00")],
    )
    with pytest.raises(loader.LoadError, match="opening_hours"):
        load(database, bad)
    assert scalar(database, "SELECT count(*) FROM facilities") == 1
    assert scalar(database, "SELECT phone FROM facilities WHERE id = 'one'") is None


def test_upsert_reports_added_changed_and_unchanged_and_audits(
    database: str, tmp_path: Path
) -> None:
    first = load(database, write(tmp_path / "a.geojson", [feature("one"), feature("two")]))
    assert (first.added, first.changed, first.unchanged) == (["one", "two"], [], [])
    second = load(
        database,
        write(
            tmp_path / "b.geojson",
            [feature("one"), feature("two", hoist="mobile"), feature("three")],
        ),
    )
    assert (second.added, second.changed, second.unchanged) == (["three"], ["two"], ["one"])
    third = load(database, write(tmp_path / "c.geojson", [feature("one")]))
    assert third.unchanged == ["one"] and third.not_in_file == ["three", "two"]
    assert "left as they are" in third.summary()
    diff = scalar(
        database,
        "SELECT diff FROM facility_changes WHERE facility_id = 'two' AND action = 'update'",
    )
    assert diff == {"hoist": [None, "mobile"]}
    assert scalar(database, "SELECT version FROM facilities WHERE id = 'two'") == 2


def test_the_coventry_data_loads_and_reloads_unchanged(database: str) -> None:
    path = ROOT / "data" / "coventry.geojson"
    first = load(database, path)
    assert len(first.added) == 21
    again = load(database, path)
    assert again.added == [] and again.changed == [] and len(again.unchanged) == 21


def test_a_latin1_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.geojson"
    document = {"type": "FeatureCollection", "features": [feature("cafe", notes="Café")]}
    path.write_bytes(json.dumps(document, indent=2, ensure_ascii=False).encode("latin-1"))
    line = next(n for n, text in enumerate(path.read_bytes().splitlines(), 1) if b"Caf\xe9" in text)
    with pytest.raises(loader.LoadError, match=rf"latin1.geojson:{line}: not UTF-8 text"):
        loader.read_geojson(path)


def test_old_mac_line_ends_load_and_errors_name_the_right_line(tmp_path: Path) -> None:
    path = write(tmp_path / "mac.geojson", [feature("good"), feature("bad-hoist", hoist="crane")])
    text = path.read_text()
    line = text.splitlines().index('      "id": "bad-hoist",') + 1
    path.write_bytes(text.replace("\n", "\r").encode())
    with pytest.raises(loader.LoadError, match=rf"mac.geojson:{line}: feature 1 .*'hoist'"):
        loader.read_geojson(path)
    csv_path = tmp_path / "mac.csv"
    csv_path.write_bytes(b"id,lat,lon,name,category\rone,52.4,-1.5,One,changing_places\r")
    assert [f.id for f in loader.read_csv(csv_path)] == ["one"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Car\u0000park", "NUL character"), ("Lift \ud800", "lone surrogate")],
    ids=["nul", "lone-surrogate"],
)
def test_text_the_database_cannot_store_is_refused_and_nothing_loads(
    database: str, tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "bad-text.geojson"
    document = {"type": "FeatureCollection", "features": [feature("one", notes=text)]}
    path.write_text(json.dumps(document, indent=2))  # escaped as \u0000 / \ud800 in the file
    with pytest.raises(loader.LoadError, match=rf"field 'notes': .*{reason}"):
        load(database, path)
    assert scalar(database, "SELECT count(*) FROM facilities") == 0


def test_nul_bytes_in_a_csv_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,lat,lon,name,category\none,52.4,-1.5,O\x00ne,changing_places\n")
    with pytest.raises(loader.LoadError, match=r"nul.csv:\d+: not valid CSV|field 'name'"):
        loader.read_csv(path)
