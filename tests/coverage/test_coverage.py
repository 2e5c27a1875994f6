"""Coverage equals a brute-force geodesic computation, filters change it as they should, and the
KNN join runs on the GiST index."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest

from locator.domain import hours
from locator.domain.filters import Filters
from locator.domain.record import FacilityRecord as Facility
from locator.domain.vocabulary import HOIST_NEEDS
from locator.services import areas, coverage
from locator.store import connection as db
from locator.store import synth
from locator.store.filters import where
from locator.store.nearest import SPARE_CANDIDATES, nearest_sql
from locator.store.sql import Params
from tests.conftest import drop_database, fresh_database
from tests.coverage.conftest import (
    SUNDAY_EVENING,
    Dataset,
    brute_nearest,
    synthetic_areas,
    with_conn,
)

FILTER_CASES: list[tuple[str, Filters, Callable[[Facility], bool]]] = [
    ("none", Filters(), lambda f: True),
    ("registered", Filters(registered=True), lambda f: f.registered is True),
    (
        "ceiling hoist",
        Filters(hoist="ceiling_track"),
        lambda f: f.hoist in HOIST_NEEDS["ceiling_track"],
    ),
    (
        "open Sunday 18:00",
        Filters(open_at=SUNDAY_EVENING),
        lambda f: hours.is_open(f.opening_hours, SUNDAY_EVENING) is True,
    ),
    (
        "space to change, registered, open Sunday 18:00",
        Filters(categories=["space_to_change"], registered=True, open_at=SUNDAY_EVENING),
        lambda f: (
            f.category == "space_to_change"
            and f.registered is True
            and hours.is_open(f.opening_hours, SUNDAY_EVENING) is True
        ),
    ),
]


def compute(url: str, filters: Filters, thresholds: list[float]) -> coverage.Coverage:
    return with_conn(url, lambda conn: coverage.coverage(conn, filters, thresholds))


def assert_matches_brute_force(
    data: Dataset, filters: Filters, keep: Callable[[Facility], bool]
) -> coverage.Coverage:
    thresholds = [1000.0, 2000.0, 5000.0]
    result = compute(data.url, filters, thresholds)
    assert len(result.areas) == len(data.areas)
    expected_distance: dict[str, float] = {}
    for area in result.areas:
        brute = brute_nearest((area.lat, area.lon), data.facilities, keep)
        if brute is None:
            assert area.nearest is None, area.code
            expected_distance[area.code] = float("inf")
            continue
        assert area.nearest is not None, area.code
        assert area.nearest.facility_id == brute[0], area.code
        assert area.nearest.distance_m == pytest.approx(brute[1], abs=0.01), area.code
        expected_distance[area.code] = brute[1]
    people = {a.code: a.population for a in data.areas}
    for band in result.totals:
        within = [code for code, d in expected_distance.items() if d <= band.threshold_m]
        assert band.population == sum(people[code] for code in within)
        assert band.areas == len(within)
        assert band.share == pytest.approx(band.population / sum(people.values()))
    distances = [a.distance_m for a in result.areas]
    assert distances == sorted(distances, reverse=True), "worst-served first"
    return result


CASE_IDS = [case[0] for case in FILTER_CASES]


@pytest.mark.parametrize(("label", "filters", "keep"), FILTER_CASES, ids=CASE_IDS)
def test_synthetic_coverage_equals_brute_force(
    synthetic: Dataset, label: str, filters: Filters, keep: Callable[[Facility], bool]
) -> None:
    assert_matches_brute_force(synthetic, filters, keep)


@pytest.mark.parametrize(("label", "filters", "keep"), FILTER_CASES[:4], ids=CASE_IDS[:4])
def test_coventry_coverage_equals_brute_force(
    coventry: Dataset, label: str, filters: Filters, keep: Callable[[Facility], bool]
) -> None:
    assert_matches_brute_force(coventry, filters, keep)


def test_far_cluster_is_exact_on_the_spheroid(synthetic: Dataset) -> None:
    """Areas 40-55 km away see 12 facilities within 1 % of each other on the sphere: more than
    the first 8 KNN candidates must be weighed, and the answer is still the spheroid's nearest."""
    result = assert_matches_brute_force(synthetic, Filters(), lambda f: True)
    far = [a for a in result.areas if a.nearest and a.nearest.facility_id.startswith("far-")]
    assert far, "the fixture should put some areas nearest the far cluster"


def test_filters_narrow_the_facilities(synthetic: Dataset) -> None:
    every = compute(synthetic.url, Filters(), [2000])
    sunday = compute(synthetic.url, Filters(open_at=SUNDAY_EVENING), [2000])
    assert sunday.facilities < every.facilities
    assert sunday.totals[0].population < every.totals[0].population
    sunday_distance = {a.code: a.distance_m for a in sunday.areas}
    assert all(sunday_distance[a.code] >= a.distance_m for a in every.areas)


# Open on a Sunday at 18:00 by their registered hours (2021 register): the Warwick Hub's two
# rooms, the two 24/7 motorway services and Stratford Leisure Centre. Every other toilet is
# closed then by its hours, or its hours are not known.
KNOWN_OPEN_SUNDAY_EVENING = {
    "warwick-swh-dry-sports",
    "warwick-swh-poolside",
    "welcome-break-corley",
    "moto-rugby-services",
    "stratford-leisure-centre",
}


def test_coventry_sunday_evening_counts_only_toilets_known_to_be_open(coventry: Dataset) -> None:
    """Unknown hours never count as open: only toilets whose hours say so are reached."""
    state = {f.id: hours.is_open(f.opening_hours, SUNDAY_EVENING) for f in coventry.facilities}
    assert {fid for fid, is_open in state.items() if is_open} == KNOWN_OPEN_SUNDAY_EVENING
    assert {"coventry-railway-station", "the-wave", "war-memorial-park"} <= {
        fid for fid, is_open in state.items() if is_open is None
    }
    result = compute(coventry.url, Filters(open_at=SUNDAY_EVENING), [1000, 2000, 5000])
    assert result.facilities == len(KNOWN_OPEN_SUNDAY_EVENING)
    assert all(a.nearest is not None for a in result.areas)
    assert {a.nearest.facility_id for a in result.areas if a.nearest} <= KNOWN_OPEN_SUNDAY_EVENING
    assert result.population == 345_102


def test_no_qualifying_facility_puts_areas_first_without_a_distance(synthetic: Dataset) -> None:
    result = compute(synthetic.url, Filters(categories=["accessible_toilet"]), [1000])
    assert result.facilities == 0
    assert all(a.nearest is None for a in result.areas)
    assert result.totals[0].population == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1000,2000,5000", [1000, 2000, 5000]), ("5000, 1000", [1000, 5000]), ("750", [750])],
)
def test_thresholds_parse(raw: str, expected: list[float]) -> None:
    assert coverage.parse_thresholds(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "0", "-5", "1,2,3,4,5,6", "200000", "nan", "inf"])
def test_bad_thresholds_say_what_is_allowed(raw: str) -> None:
    with pytest.raises(coverage.BadParameter) as caught:
        coverage.parse_thresholds(raw)
    assert caught.value.field == "thresholds"
    assert caught.value.allowed == coverage.THRESHOLDS_ALLOWED


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


@pytest.fixture(scope="module")
def large_db() -> Iterator[str]:
    """20,000 synthetic facilities over Great Britain: enough that an index matters."""
    url = fresh_database("locator_test_coverage_plan")

    async def fill() -> None:
        async with db.connect(url) as conn:
            await synth.synthesise(conn, 20_000)
            await areas.write_areas(conn, synthetic_areas())
            await conn.execute("ANALYZE")

    asyncio.run(fill())
    yield url
    drop_database(url)


@pytest.mark.parametrize("filters", [Filters(), Filters(open_at=SUNDAY_EVENING, registered=True)])
def test_knn_join_uses_the_gist_index(large_db: str, filters: Filters) -> None:
    async def explain(conn: asyncpg.Connection) -> list[dict[str, Any]]:
        params = Params()
        where_sql = await where(conn, filters, params)
        points = [(r.lat or 0, r.lon or 0) for r in synthetic_areas()]
        sql = nearest_sql(where_sql, params, points, 1, SPARE_CANDIDATES)
        rows = await conn.fetch(f"EXPLAIN (FORMAT JSON) {sql}", *params)
        return list(plan_nodes(rows[0][0][0]["Plan"]))

    nodes = with_conn(large_db, explain)
    scans = [n for n in nodes if n.get("Relation Name") == "facilities"]
    assert scans and all(n["Node Type"] == "Index Scan" for n in scans), scans
    assert all(n["Index Name"] == "facilities_geog_gist" for n in scans)
    assert any("<->" in n.get("Order By", "") for n in scans)
