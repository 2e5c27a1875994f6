"""`locator areas import`: thousands of polygons in, all or nothing, every problem named, and
coverage over the imported polygons still equals brute force."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely

from locator.domain.filters import Filters
from locator.services import areas, coverage
from locator.store import connection as db
from locator.store import writes
from tests.conftest import ROOT, drop_database, fresh_database
from tests.coverage.conftest import (
    Dataset,
    brute_nearest,
    synthetic_facilities,
    with_conn,
    write_geojson,
)

SIDE = 0.004  # degrees: squares of about 270 m x 445 m
FIELDS = areas.Fields(code="LSOA21CD", name="LSOA21NM", population="pop", year="year")


def square(row: int, column: int) -> dict[str, Any]:
    """A square polygon feature south-west of the test centre, like an LSOA."""
    x, y = -1.60 + column * SIDE, 52.30 + row * SIDE
    ring = [[x, y], [x + SIDE, y], [x + SIDE, y + SIDE], [x, y + SIDE], [x, y]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "LSOA21CD": f"E0{row:03d}{column:03d}",
            "LSOA21NM": f"Square {row}/{column}",
            "pop": 1000 + (row * 7 + column * 13) % 900,
            "year": 2021,
        },
    }


def squares(rows: int = 50, columns: int = 40) -> list[dict[str, Any]]:
    return [square(r, c) for r in range(rows) for c in range(columns)]


@pytest.fixture(scope="module")
def polygon_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dataset]:
    """2,000 imported square polygons and the synthetic facilities."""
    url = fresh_database("locator_test_coverage_polygons")
    path = write_geojson(tmp_path_factory.mktemp("areas") / "squares.geojson", squares())
    facilities = synthetic_facilities()

    async def fill() -> list[areas.AreaRecord]:
        async with db.connect(url) as conn:
            async with conn.transaction():
                await writes.upsert(conn, facilities, actor="tests")
            await areas.import_file(conn, path, FIELDS)
        return areas.read_areas(path, FIELDS)

    records = asyncio.run(fill())
    yield Dataset(url, facilities, records)
    drop_database(url)


def test_two_thousand_polygons_import_with_points_inside(polygon_db: Dataset) -> None:
    row = with_conn(
        polygon_db.url,
        lambda conn: conn.fetchrow(
            "SELECT count(*) AS n, count(*) FILTER (WHERE ST_Intersects(polygon, point::geometry))"
            " AS inside, count(*) FILTER (WHERE point_kind = 'point_on_surface') AS on_surface,"
            " min(year) AS year, min(source) AS source FROM areas"
        ),
    )
    assert dict(row) == {
        "n": 2000,
        "inside": 2000,
        "on_surface": 2000,
        "year": 2021,
        "source": "squares.geojson",
    }


def test_coverage_of_imported_polygons_equals_brute_force(polygon_db: Dataset) -> None:
    result = with_conn(
        polygon_db.url, lambda conn: coverage.coverage(conn, Filters(registered=True), [1000])
    )
    assert len(result.areas) == 2000
    for area in result.areas[::37]:
        brute = brute_nearest((area.lat, area.lon), polygon_db.facilities, lambda f: f.registered)
        assert brute is not None and area.nearest is not None
        assert area.nearest.facility_id == brute[0]
        assert area.nearest.distance_m == pytest.approx(brute[1], abs=0.01)


def test_grid_over_polygons_keeps_only_cells_touching_them(polygon_db: Dataset) -> None:
    cells = with_conn(polygon_db.url, lambda conn: coverage.grid(conn, Filters(), 1000))
    west, south = -1.60, 52.30
    east, north = west + 40 * SIDE, south + 50 * SIDE
    for cell in cells:
        ring = cell.geometry["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        assert min(xs) < east and max(xs) > west and min(ys) < north and max(ys) > south


def test_given_points_are_used_for_polygons(tmp_path: Path) -> None:
    features = squares(1, 2)
    features[0]["properties"].update(plat=52.3021, plon=-1.5985)
    path = write_geojson(tmp_path / "two.geojson", features)
    fields = areas.Fields("LSOA21CD", "LSOA21NM", "pop", lat="plat", lon="plon")
    records = areas.read_areas(path, fields)
    assert (records[0].lat, records[0].lon) == (52.3021, -1.5985)
    assert records[1].lat is None and records[1].polygon is not None


BROKEN = [
    ("population", -5, "feature 1 (LSOA21CD 'E0000001'): field 'pop': expected 0 to"),
    ("population", "many", "feature 1 (LSOA21CD 'E0000001'): field 'pop': expected a whole number"),
    ("name", "", "feature 1 (LSOA21CD 'E0000001'): field 'LSOA21NM': expected 1 to 500"),
    ("code", "E0000000", "(LSOA21CD 'E0000000'): field 'LSOA21CD': duplicate of feature 0"),
    ("geometry", "bowtie", "feature 1 (LSOA21CD 'E0000001'): field 'geometry': invalid polygon"),
    ("geometry", "line", "field 'geometry': expected a Point, Polygon or MultiPolygon, got Line"),
    ("geometry", "osgb", "field 'geometry': coordinates must be WGS84"),
]  # fmt: skip


def broken(kind: str, value: Any) -> list[dict[str, Any]]:
    features = squares(1, 3)
    target = features[1]
    key = {"population": "pop", "name": "LSOA21NM", "code": "LSOA21CD"}.get(kind)
    if key:
        target["properties"][key] = value
    elif value == "bowtie":
        target["geometry"]["coordinates"] = [[[0, 50], [1, 51], [1, 50], [0, 51], [0, 50]]]
    elif value == "line":
        target["geometry"] = {"type": "LineString", "coordinates": [[0, 50], [1, 51]]}
    else:
        target["geometry"]["coordinates"] = [[[430000, 280000], [431000, 280000], [431000, 281000],
                                              [430000, 280000]]]  # fmt: skip
    return features


@pytest.mark.parametrize(("kind", "value", "message"), BROKEN)
def test_problems_name_file_feature_and_field(
    tmp_path: Path, kind: str, value: Any, message: str
) -> None:
    path = write_geojson(tmp_path / "bad.geojson", broken(kind, value))
    with pytest.raises(areas.AreaImportError) as caught:
        areas.read_areas(path, FIELDS)
    text = str(caught.value)
    assert text.startswith(f"{path}: feature 1")
    assert message in text


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    features = squares(1, 5)
    for feature in features[1:]:
        feature["properties"]["pop"] = None
    path = write_geojson(tmp_path / "bad.geojson", features)
    with pytest.raises(areas.AreaImportError) as caught:
        areas.read_areas(path, FIELDS)
    assert len(caught.value.problems) == 4


LOCATOR = [sys.executable, "-m", "locator"]


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCATOR_DATABASE_URL": url}
    return subprocess.run(
        [*LOCATOR, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def area_count(url: str) -> int:
    return int(with_conn(url, lambda conn: conn.fetchval("SELECT count(*) FROM areas")))


def test_cli_imports_all_or_nothing(tmp_path: Path) -> None:
    url = fresh_database("locator_test_coverage_cli")
    try:
        done = run(url, "areas", "import")
        assert done.returncode == 0, done.stderr
        assert "18 areas imported" in done.stdout
        assert area_count(url) == 18

        bad = write_geojson(tmp_path / "bad.geojson", broken("population", -5))
        options = ["--code-field", "LSOA21CD", "--name-field", "LSOA21NM"]
        failed = run(url, "areas", "import", str(bad), *options, "--population-field", "pop")
        assert failed.returncode == 2
        assert "nothing was imported" in failed.stderr
        assert f"{bad}: feature 1 (LSOA21CD 'E0000001'): field 'pop'" in failed.stderr
        assert area_count(url) == 18, "a bad file leaves the areas as they were"

        good = write_geojson(tmp_path / "good.geojson", squares(10, 10))
        done = run(url, "areas", "import", str(good), *options, "--population-field", "pop")
        assert done.returncode == 0, done.stderr
        assert "100/100" in done.stderr, "progress is shown"
        assert area_count(url) == 100, "an import replaces the areas"
    finally:
        drop_database(url)


def test_make_valid_repairs_a_self_intersecting_polygon_and_says_so(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "bowtie.geojson", broken("geometry", "bowtie"))
    records = areas.read_areas(path, FIELDS, make_valid=True)
    repaired = [r for r in records if r.repaired]
    assert [r.code for r in repaired] == ["E0000001"]
    assert "Self-intersection" in (repaired[0].repaired or "")
    polygon = shapely.from_wkb(repaired[0].polygon)
    assert polygon.is_valid and polygon.geom_type == "MultiPolygon"
    assert polygon.area == pytest.approx(0.5)  # the two triangles of the bow tie


def test_cli_make_valid_lists_what_it_repaired(tmp_path: Path) -> None:
    url = fresh_database("locator_test_make_valid")
    try:
        path = write_geojson(tmp_path / "bowtie.geojson", broken("geometry", "bowtie"))
        options = ["--code-field", "LSOA21CD", "--name-field", "LSOA21NM", "--population-field"]
        refused = run(url, "areas", "import", str(path), *options, "pop")
        assert refused.returncode == 2
        assert "--make-valid repairs such polygons" in refused.stderr
        done = run(url, "areas", "import", str(path), *options, "pop", "--make-valid")
        assert done.returncode == 0, done.stderr
        assert "repaired E0000001" in done.stdout and "Self-intersection" in done.stdout
        assert area_count(url) == 3
    finally:
        drop_database(url)
