"""The one nearest search: for each point, the facilities nearest on the WGS84 spheroid.

PostGIS orders geography KNN (`ORDER BY geog <-> point`, the GiST index) by distance on a
sphere, while `distance_m` is `ST_Distance` on the spheroid; the two differ by under 0.6 %. So
each point takes two index passes in one statement, whatever the distances:

1. KNN: the `limit` facilities nearest on the sphere, and the largest spheroid distance among
   them, `radius_m`. At least `limit` facilities lie within `radius_m` on the spheroid, so the
   true nearest `limit` all do.
2. `ST_DWithin(geog, point, radius_m)` (spheroid, index-assisted), ordered by spheroid distance.

The answer is exact, and a point far from any facility (out at sea) costs the same two passes
as one in a city. The API, the pages, OGC and coverage all call `nearest_each`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from locator.domain import hours
from locator.domain.features import facility_feature
from locator.domain.filters import Filters
from locator.store.facilities import FEATURE_COLUMNS
from locator.store.filters import where
from locator.store.sql import Executor, Params

# ST_DWithin and ST_Distance may round differently at the last digit; a centimetre more only
# admits candidates, which the spheroid ordering then ranks.
SLACK_M = 0.01

# For points p(i, lon, lat): the `limit` facilities passing `where` nearest on the spheroid.
NEAREST_SQL = """
SELECT p.i, n.id, n.name, n.accuracy_m, n.distance_m
FROM unnest({lons}::float8[], {lats}::float8[]) WITH ORDINALITY AS p(lon, lat, i)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography AS point) q
CROSS JOIN LATERAL (
    SELECT max(ST_Distance(k.geog, q.point)) AS radius_m
    FROM (
        SELECT f.geog FROM facilities f
        WHERE {where}
        ORDER BY f.geog <-> q.point
        LIMIT {limit}
    ) k
) r
CROSS JOIN LATERAL (
    SELECT f.id, f.name, f.location_accuracy_m AS accuracy_m,
           ST_Distance(f.geog, q.point) AS distance_m
    FROM facilities f
    WHERE {where} AND ST_DWithin(f.geog, q.point, r.radius_m + {slack})
    ORDER BY distance_m, f.id
    LIMIT {limit}
) n
"""


@dataclass(frozen=True)
class Nearest:
    """The nearest qualifying facility to a point, and how far it is on the spheroid."""

    facility_id: str
    facility_name: str
    distance_m: float
    accuracy_m: float | None = None  # how far the facility's recorded position may be out


def nearest_sql(
    where_sql: str,
    params: Params,
    points: Sequence[tuple[float, float]],
    limit: int,
    within_m: float | None = None,
) -> str:
    """NEAREST_SQL for these (lat, lon) points, adding its values to `params`."""
    if within_m is not None:
        where_sql += f" AND ST_DWithin(f.geog, q.point, {params.add(within_m)})"
    return NEAREST_SQL.format(
        lons=params.add([lon for _, lon in points]),
        lats=params.add([lat for lat, _ in points]),
        where=where_sql,
        limit=params.add(limit),
        slack=SLACK_M,
    )


async def nearest_each(
    conn: Executor, points: Sequence[tuple[float, float]], where_sql: str, params: Params
) -> list[Nearest | None]:
    """For each (lat, lon), the facility passing `where_sql` nearest on the spheroid, or None."""
    found: list[Nearest | None] = [None] * len(points)
    query = Params(params)
    for row in await conn.fetch(nearest_sql(where_sql, query, points, 1), *query):
        found[row["i"] - 1] = Nearest(row["id"], row["name"], row["distance_m"], row["accuracy_m"])
    return found


async def nearest(
    conn: Executor,
    lat: float,
    lon: float,
    filters: Filters,
    limit: int,
    max_distance_m: float | None = None,
    at: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """The `limit` facilities nearest to (lat, lon) that pass the filters, as features."""
    at = filters.open_at or at or hours.now()
    params = Params()
    where_sql = await where(conn, filters, params)
    found = nearest_sql(where_sql, params, [(lat, lon)], limit, max_distance_m)
    rows = await conn.fetch(
        f"SELECT {FEATURE_COLUMNS}, n.distance_m FROM ({found}) n"
        " JOIN facilities f ON f.id = n.id ORDER BY n.distance_m, f.id",
        *params,
    )
    return [facility_feature(row, at, row["distance_m"]) for row in rows]
