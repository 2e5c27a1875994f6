"""`Filters` as SQL conditions on `facilities f`, including the one opening-hours filter.

Opening hours are OSM `opening_hours` text, which SQL cannot evaluate; so the hours filter asks
which *distinct* expressions are stored (a loose index scan on `facilities_opening_hours`: a few
hundred rows even nationally), judges each once in Python (opening-hours-py) and keeps the
facilities whose expression is open: one SQL condition, so nearest, listing, counts and coverage
all use the indexes as they do without it. Unknown hours never count as open.
"""

from __future__ import annotations

import datetime as dt

from locator.domain import hours
from locator.domain.features import PROPERTY_NAMES
from locator.domain.filters import CONFIRMED_POSITION_M, Filters
from locator.domain.vocabulary import BENCH_NEEDS, CLOSED, ESSENTIAL_ITEMS, HOIST_NEEDS, KeyScheme
from locator.store.sql import Executor, Params

# A state older than the configured age (`locator.stale_after`, set on every connection from the
# settings) or undated is the last known state, not the current one: filters count it unknown.
STALE_AFTER_SQL = "COALESCE(NULLIF(current_setting('locator.stale_after', true), ''), '90 days')"
STALE_SQL = f"(e.reported_at IS NULL OR e.reported_at < now() - {STALE_AFTER_SQL}::interval)"

# Every distinct stored expression, one index probe each (PostgreSQL has no skip scan).
EXPRESSIONS_SQL = """
WITH RECURSIVE e(expression) AS (
    SELECT min(opening_hours) FROM facilities
    UNION ALL
    SELECT (SELECT min(f.opening_hours) FROM facilities f WHERE f.opening_hours > e.expression)
    FROM e WHERE e.expression IS NOT NULL
)
SELECT expression FROM e WHERE expression IS NOT NULL
"""


async def open_expressions(conn: Executor, at: dt.datetime) -> list[str]:
    """The stored opening-hours expressions that are open at `at`."""
    rows = await conn.fetch(EXPRESSIONS_SQL)
    return [r["expression"] for r in rows if hours.is_open(r["expression"], at) is True]


def conditions(filters: Filters, params: Params) -> list[str]:
    """Every filter but the hours one, as SQL conditions on `f` (values go into `params`)."""
    clauses: list[str] = []
    unknown = " OR f.{0} IS NULL" if filters.include_unknown else ""

    def one_of(column: str, values: list[str]) -> None:
        clauses.append(f"f.{column} = ANY({params.add(values)}){unknown.format(column)}")

    if filters.categories:
        clauses.append(f"f.category = ANY({params.add(list(filters.categories))})")
    if filters.registered is not None:
        clauses.append(
            f"f.registered = {params.add(filters.registered)}{unknown.format('registered')}"
        )
    if filters.hoist:
        one_of("hoist", sorted(HOIST_NEEDS[filters.hoist]))
    if filters.bench:
        one_of("bench", sorted(BENCH_NEEDS[filters.bench]))
    if filters.access:
        one_of("access", list(filters.access))
    if filters.key_free:
        clauses.append(f"f.key_scheme = '{KeyScheme.none}'{unknown.format('key_scheme')}")
        clauses.append("f.access IS DISTINCT FROM 'key'")
    if filters.working:
        items = ", ".join(f"'{item}'" for item in ESSENTIAL_ITEMS)
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM equipment_status e WHERE e.facility_id = f.id"
            f" AND e.item IN ({items}) AND e.working = false AND NOT {STALE_SQL})"
        )
    if filters.confirmed_position:
        clauses.append(
            f"f.location_accuracy_m <= {params.add(CONFIRMED_POSITION_M)}"
            f"{unknown.format('location_accuracy_m')}"
        )
    if not filters.include_closed:
        clauses += [f"f.status IS DISTINCT FROM '{status}'" for status in sorted(CLOSED)]
    if filters.bbox:
        # As lon/lat geometry (index facilities_geom_gist): a box cast to geography would have
        # great-circle edges, wrong for wide boxes and an error for one 180 degrees wide.
        box = ", ".join(params.add(v) for v in filters.bbox)
        clauses.append(f"f.geog::geometry && ST_MakeEnvelope({box}, 4326)")
    for name, value in filters.equals:
        if name not in PROPERTY_NAMES:  # names come from code, never from client text
            raise ValueError(f"not a facility property: {name}")
        clauses.append(f"f.{name} = {params.add(value)}")
    return clauses


async def where(conn: Executor, filters: Filters, params: Params) -> str:
    """All the filters as one SQL condition on `f`; asks the database once for the hours filter."""
    clauses = conditions(filters, params)
    if filters.open_at is not None:
        expressions = await open_expressions(conn, filters.open_at)
        clauses.append(f"f.opening_hours = ANY({params.add(expressions)}::text[])")
    return " AND ".join(f"({c})" for c in clauses) or "true"
