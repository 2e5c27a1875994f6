"""Where next: every gain a suggestion reports shows up when the sites are added as facilities
and coverage is computed again, and the greedy order is what it claims."""

from __future__ import annotations

import asyncpg
import pytest

from locator.domain.filters import Filters
from locator.services import coverage
from tests.coverage.conftest import SUNDAY_EVENING, Dataset, with_conn

ADD_SITE = """
INSERT INTO facilities (id, name, category, registered, geog, opening_hours, status, hoist)
VALUES ($1, 'Suggested site', 'changing_places', true,
        ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, '24/7', 'open',
        'ceiling_track_full_room')
"""


async def recomputed(
    conn: asyncpg.Connection, suggestion: coverage.Suggestion, filters: Filters
) -> list[int]:
    """Covered population after adding each pick in turn as a facility (rolled back after)."""
    covered = []
    transaction = conn.transaction()
    await transaction.start()
    try:
        for pick in suggestion.picks:
            site = pick.candidate
            await conn.execute(ADD_SITE, f"pick-{pick.rank}", site.lon, site.lat)
            result = await coverage.coverage(conn, filters, [suggestion.threshold_m])
            covered.append(result.totals[0].population)
    finally:
        await transaction.rollback()
    return covered


CASES = [
    ("synthetic", Filters(), 2000.0, 5),
    ("synthetic", Filters(open_at=SUNDAY_EVENING, hoist="ceiling_track"), 1000.0, 4),
    ("coventry", Filters(), 1000.0, 3),
    ("coventry", Filters(registered=True), 2000.0, 3),
]


@pytest.mark.parametrize(("dataset", "filters", "threshold", "k"), CASES)
def test_reported_gains_are_what_recomputed_coverage_shows(
    request: pytest.FixtureRequest, dataset: str, filters: Filters, threshold: float, k: int
) -> None:
    data: Dataset = request.getfixturevalue(dataset)

    async def check(conn: asyncpg.Connection) -> tuple[coverage.Suggestion, list[int]]:
        suggestion = await coverage.suggest(conn, filters, threshold, k, cell_m=500)
        return suggestion, await recomputed(conn, suggestion, filters)

    suggestion, covered = with_conn(data.url, check)
    assert suggestion.picks, "these data sets leave people beyond the threshold"
    assert [p.population_after for p in suggestion.picks] == covered
    assert suggestion.population_after == (covered[-1] if covered else suggestion.population_before)
    previous = suggestion.population_before
    for pick in suggestion.picks:
        assert pick.population_gain == pick.population_after - previous > 0
        previous = pick.population_after
    gains = [p.population_gain for p in suggestion.picks]
    assert gains == sorted(gains, reverse=True), "greedy gains never grow"


def test_before_is_the_coverage_total(coventry: Dataset) -> None:
    def both(conn: asyncpg.Connection):  # type: ignore[no-untyped-def]
        async def run() -> tuple[coverage.Suggestion, coverage.Coverage]:
            return (
                await coverage.suggest(conn, Filters(), 1500, 2),
                await coverage.coverage(conn, Filters(), [1500]),
            )

        return run()

    suggestion, current = with_conn(coventry.url, both)
    assert suggestion.population_before == current.totals[0].population
    assert suggestion.population == current.population == 345_102


def test_posted_candidates_are_weighed_and_useless_ones_left_out(coventry: Dataset) -> None:
    holbrook = next(a for a in coventry.areas if a.name == "Holbrook")
    longford = next(a for a in coventry.areas if a.name == "Longford")
    assert holbrook.lat and holbrook.lon and longford.lat and longford.lon
    candidates = [
        coverage.Candidate(51.5, -0.12, "London: helps nobody in Coventry"),
        coverage.Candidate(holbrook.lat, holbrook.lon, "Holbrook"),
        coverage.Candidate(longford.lat, longford.lon, "Longford"),
    ]
    suggestion = with_conn(
        coventry.url, lambda conn: coverage.suggest(conn, Filters(), 1000, 3, candidates)
    )
    assert suggestion.candidates == 3
    labels = [p.candidate.label for p in suggestion.picks]
    assert "London: helps nobody in Coventry" not in labels
    assert set(labels) <= {"Holbrook", "Longford"}
    first = suggestion.picks[0]
    assert first.population_gain >= max(holbrook.population, longford.population)


def test_nothing_to_gain_gives_no_picks(coventry: Dataset) -> None:
    """Everyone is within 5 km of some Coventry facility already."""
    suggestion = with_conn(coventry.url, lambda conn: coverage.suggest(conn, Filters(), 5000, 3))
    assert suggestion.picks == []
    assert suggestion.population_after == suggestion.population_before == 345_102
