"""Reading facilities: by id, a page in id order, the editors' search, counts and the extent.

Queries run on asyncpg with `$n` parameters and return just what responses need; no ORM on the
request path. The filters' SQL is `locator.store.filters`; nearest is `locator.store.nearest`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from locator.domain import hours
from locator.domain.features import PROPERTY_NAMES, facility_feature
from locator.domain.filters import Bbox, Filters
from locator.store.filters import STALE_SQL, where
from locator.store.sql import Executor, Params

WORLD: Bbox = (-180.0, -90.0, 180.0, 90.0)
# An exact id first, then every name or id holding the pattern. No index serves `ILIKE '%..%'`,
# so this reads the whole table: fine for the thousands of facilities there are.
SEARCH_SQL = """
SELECT id, name, locality, status FROM facilities
WHERE id = $1 OR name ILIKE $2 ESCAPE '\\' OR id ILIKE $2 ESCAPE '\\'
ORDER BY id = $1 DESC, name, id LIMIT $3
"""

# Everything a client sees about a facility `f`, in the record's order.
FEATURE_COLUMNS = ", ".join(
    [
        "f.id",
        "ST_Y(f.geog::geometry) AS lat",
        "ST_X(f.geog::geometry) AS lon",
        "f.version",
        *(f"f.{name}" for name in PROPERTY_NAMES),
        "(SELECT COALESCE(json_agg(json_build_object('item', e.item, 'working', e.working,"
        " 'reason', e.reason, 'reported_at', e.reported_at, 'expected_fix', e.expected_fix,"
        f" 'source', e.source, 'confirmed', e.confirmed, 'stale', {STALE_SQL})"
        " ORDER BY e.item), '[]') FROM equipment_status e"
        " WHERE e.facility_id = f.id) AS equipment_status",
    ]
)


async def by_ids(conn: Executor, ids: list[str]) -> list[asyncpg.Record]:
    """Rows of FEATURE_COLUMNS for these ids, in id order."""
    if not ids:
        return []
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE f.id = ANY($1) ORDER BY f.id", ids
    )
    return rows


async def facility(
    conn: Executor, facility_id: str, at: dt.datetime | None = None
) -> dict[str, Any] | None:
    """One facility by id as a feature, or None."""
    rows = await by_ids(conn, [facility_id])
    return facility_feature(rows[0], at or hours.now()) if rows else None


async def search(conn: Executor, text: str, limit: int) -> list[dict[str, Any]]:
    """Facilities whose id is `text`, then those whose name or id contains it (any case, its
    `%` and `_` taken literally), by name: id, name, locality and status."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await conn.fetch(SEARCH_SQL, text, f"%{escaped}%", limit)
    return [dict(row) for row in rows]


async def listing(
    conn: Executor,
    filters: Filters,
    limit: int,
    offset: int,
    at: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Facilities passing the filters in id order, a page at a time, as features."""
    at = filters.open_at or at or hours.now()
    params = Params()
    where_sql = await where(conn, filters, params)
    rows = await conn.fetch(
        f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE {where_sql}"
        f" ORDER BY f.id LIMIT {params.add(limit)} OFFSET {params.add(offset)}",
        *params,
    )
    return [facility_feature(row, at) for row in rows]


async def count(conn: Executor, filters: Filters) -> int:
    """How many facilities pass the filters."""
    params = Params()
    return await count_where(conn, await where(conn, filters, params), params)


async def count_where(conn: Executor, where_sql: str, params: Params) -> int:
    """How many facilities pass a condition already built by `locator.store.filters.where`."""
    return int(await conn.fetchval(f"SELECT count(*) FROM facilities f WHERE {where_sql}", *params))


async def count_all(conn: Executor) -> int:
    """How many facilities are loaded (for readiness)."""
    return int(await conn.fetchval("SELECT count(*) FROM facilities"))


async def extent(conn: Executor) -> Bbox:
    """The bounding box of every facility in CRS84, or the whole world when there are none."""
    row = await conn.fetchrow(
        "SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy"
        " FROM (SELECT ST_Extent(geog::geometry) AS e FROM facilities) s"
    )
    if row is None or row["minx"] is None:
        return WORLD
    minx, miny, maxx, maxy = (round(row[key], 6) for key in ("minx", "miny", "maxx", "maxy"))
    return minx, miny, maxx, maxy
