"""The distance surface: British National Grid squares over the areas, each cell's distance
equal to brute force from its centre, and a grid too fine for the areas refused."""

from __future__ import annotations

import json

import pytest

from locator.domain.errors import BadParameter
from locator.domain.filters import Filters
from locator.services import coverage
from tests.coverage.conftest import Dataset, brute_nearest, with_conn


def test_cells_are_squares_on_the_national_grid(coventry: Dataset) -> None:
    cells = with_conn(coventry.url, lambda conn: coverage.grid(conn, Filters(), 500))
    assert 300 < len(cells) < 1000
    shapes = [json.dumps(cell.geometry) for cell in cells[::25]]
    rows = with_conn(
        coventry.url,
        lambda conn: conn.fetch(
            "SELECT ST_Area(g) AS area, ST_XMin(g) AS x, ST_YMin(g) AS y"
            " FROM (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(s), 4326), 27700) AS g"
            " FROM unnest($1::text[]) AS s) t",
            shapes,
        ),
    )
    for row in rows:
        assert row["area"] == pytest.approx(500 * 500, rel=1e-3)
        # corners on multiples of 500 m, to the 0.1 m that 6 decimals of a degree keep
        assert row["x"] == pytest.approx(round(row["x"] / 500) * 500, abs=0.2)
        assert row["y"] == pytest.approx(round(row["y"] / 500) * 500, abs=0.2)


def test_cells_cover_every_area_point(coventry: Dataset) -> None:
    cells = with_conn(coventry.url, lambda conn: coverage.grid(conn, Filters(), 1000))
    for area in coventry.areas:
        assert area.lat is not None and area.lon is not None
        assert any(
            min(p[0] for p in c.geometry["coordinates"][0])
            <= area.lon
            <= max(p[0] for p in c.geometry["coordinates"][0])
            and min(p[1] for p in c.geometry["coordinates"][0])
            <= area.lat
            <= max(p[1] for p in c.geometry["coordinates"][0])
            for c in cells
        ), area.code


@pytest.mark.parametrize("filters", [Filters(), Filters(registered=True)])
def test_cell_distances_equal_brute_force(coventry: Dataset, filters: Filters) -> None:
    cells = with_conn(coventry.url, lambda conn: coverage.grid(conn, filters, 1000))
    for cell in cells:
        brute = brute_nearest((cell.lat, cell.lon), coventry.facilities, _keep(filters))
        assert brute is not None and cell.nearest is not None
        assert cell.nearest.facility_id == brute[0]
        assert cell.nearest.distance_m == pytest.approx(brute[1], abs=0.01)


def _keep(filters: Filters):  # type: ignore[no-untyped-def]
    return (lambda f: f.registered is True) if filters.registered else (lambda f: True)


def test_too_fine_a_grid_says_what_would_do(synthetic: Dataset) -> None:
    """The synthetic areas span about 80 km: a 100 m grid would be far too many cells."""
    with pytest.raises(BadParameter) as caught:
        with_conn(synthetic.url, lambda conn: coverage.grid(conn, Filters(), 100))
    assert caught.value.field == "cell_m"
    smallest = float(caught.value.allowed.split()[2])  # "at least N for the areas..."
    cells = with_conn(synthetic.url, lambda conn: coverage.grid(conn, Filters(), smallest))
    assert 0 < len(cells) <= coverage.MAX_GRID_CELLS
