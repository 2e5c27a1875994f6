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
    assert len(first.added) == 14
    again = load(database, path)
    assert again.added == [] and again.changed == [] and len(again.unchanged) == 14
