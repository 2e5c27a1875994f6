"""The one nearest search: for each point, the facilities nearest on the WGS84 spheroid.

PostGIS orders geography KNN (`ORDER BY geog <-> point`, the GiST index) by distance on a
sphere, while `distance_m` is `ST_Distance` on the spheroid. So each point takes `k` candidates
in KNN order, ranks them on the spheroid and keeps the first `limit`; the answer is settled when
no facility beyond the candidates could be nearer on the spheroid than the last one kept:

    last kept (spheroid) / ratio <= farthest candidate (sphere)

where `ratio` is the least the spheroid distance can be over the sphere one near the point
(0.9997 to 1.001 in Great Britain, 0.993 at the equator: see `least_ratio`; the fixed margin it
replaces was 1 %, so far fewer candidates settle a point far from any facility). Points not
settled are asked again with four times as many candidates. The API, the pages and coverage (a
LATERAL join over many points at once) all use this one query.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from locator.domain import hours
from locator.domain.features import facility_feature
from locator.domain.filters import Filters
from locator.store.facilities import FEATURE_COLUMNS
from locator.store.filters import where
from locator.store.sql import Executor, Params

SPARE_CANDIDATES = 10
MAX_CANDIDATES = 5000
# PostGIS's sphere (the WGS84 mean radius, which `<->` uses) and the WGS84 spheroid's a(1 - e^2)
# and e^2. The meridian radius of curvature M(lat) is the least at each latitude, and it grows
# towards the poles, so spheroid / sphere distance >= M(lat nearest the equator) / SPHERE_M.
SPHERE_M = 6371008.7714
A_1_MINUS_E2 = 6335439.327
E2 = 0.00669437999014
# A further 0.1 % for what the local bound leaves out (long geodesics, rounding).
SAFETY = 0.999

# For points p(i, lon, lat): the `limit` facilities nearest on the spheroid among the `k` that
# pass `where` nearest on the sphere (the GiST index's order), and what settles the answer.
NEAREST_SQL = """
SELECT p.i, n.id, n.name, n.accuracy_m, n.distance_m, n.farthest_knn_m, n.candidates
FROM {points}
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography AS point) q
CROSS JOIN LATERAL (
    SELECT c.id, c.name, c.accuracy_m, c.distance_m,
           max(c.knn_m) OVER () AS farthest_knn_m, count(*) OVER () AS candidates
    FROM (
        SELECT f.id, f.name, f.location_accuracy_m AS accuracy_m,
               f.geog <-> q.point AS knn_m,
               ST_Distance(f.geog, q.point) AS distance_m
        FROM facilities f
        WHERE {where}
        ORDER BY f.geog <-> q.point
        LIMIT {k}
    ) c
    ORDER BY c.distance_m, c.id
    LIMIT {limit}
) n
"""

# Where the points p(lon, lat, i) come from: one point, or many at once (coverage).
SINGLE_POINT = "(VALUES ({lon}::float8, {lat}::float8, 1::bigint)) AS p(lon, lat, i)"
MANY_POINTS = "unnest({lons}::float8[], {lats}::float8[]) WITH ORDINALITY AS p(lon, lat, i)"


@dataclass(frozen=True)
class Nearest:
    """The nearest qualifying facility to a point, and how far it is on the spheroid."""

    facility_id: str
    facility_name: str
    distance_m: float
    accuracy_m: float | None = None  # how far the facility's recorded position may be out


def least_ratio(lat: float, radius_m: float) -> float:
    """The least spheroid / sphere distance ratio from (lat, any lon) out to `radius_m`."""
    nearest_equator = max(abs(lat) - math.degrees(radius_m / A_1_MINUS_E2), 0.0)
    meridian = A_1_MINUS_E2 / math.pow(1 - E2 * math.sin(math.radians(nearest_equator)) ** 2, 1.5)
    return SAFETY * meridian / SPHERE_M


def settled(rows: Sequence[asyncpg.Record], lat: float, limit: int, k: int) -> bool:
    """Whether a point's ranked rows are its true nearest `limit` on the spheroid."""
    if not rows or rows[0]["candidates"] < k or k >= MAX_CANDIDATES:
        return True  # every qualifying facility was a candidate (or none qualifies)
    last = rows[-1]["distance_m"]
    return len(rows) == limit and last / least_ratio(lat, last) <= rows[0]["farthest_knn_m"]


def nearest_sql(
    where_sql: str,
    params: Params,
    points: Sequence[tuple[float, float]],
    limit: int,
    k: int,
    within_m: float | None = None,
) -> str:
    """NEAREST_SQL for these (lat, lon) points, adding its values to `params`.

    The two limits are written into the text (integers from code, never client text): with
    `LIMIT $n` PostgreSQL cannot keep a generic plan (it would assume a tenth of the table) and
    plans the query again on every execution. One point is one row of `VALUES`, which a generic
    plan estimates exactly (`unnest` of an array parameter counts as ten rows).
    """
    if within_m is not None:
        where_sql += f" AND ST_DWithin(f.geog, q.point, {params.add(within_m)})"
    if len(points) == 1:
        [(lat, lon)] = points
        source = SINGLE_POINT.format(lon=params.add(lon), lat=params.add(lat))
    else:
        lons = params.add([lon for _, lon in points])
        source = MANY_POINTS.format(lons=lons, lats=params.add([lat for lat, _ in points]))
    return NEAREST_SQL.format(points=source, where=where_sql, k=int(k), limit=int(limit))


async def nearest_each(
    conn: Executor, points: Sequence[tuple[float, float]], where_sql: str, params: Params
) -> list[Nearest | None]:
    """For each (lat, lon), the facility passing `where_sql` nearest on the spheroid, or None."""
    found: list[Nearest | None] = [None] * len(points)
    todo, k = list(range(len(points))), 1 + SPARE_CANDIDATES // 2
    while todo:
        query = Params(params)
        sql = nearest_sql(where_sql, query, [points[i] for i in todo], 1, k)
        rows: dict[int, list[asyncpg.Record]] = {}
        for row in await conn.fetch(sql, *query):
            rows.setdefault(todo[row["i"] - 1], []).append(row)
        retry = []
        for index in todo:
            mine = rows.get(index, [])
            if not settled(mine, points[index][0], 1, k):
                retry.append(index)
            elif mine:
                row = mine[0]
                found[index] = Nearest(row["id"], row["name"], row["distance_m"], row["accuracy_m"])
        todo, k = retry, min(k * 4, MAX_CANDIDATES)
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
    base = Params()
    where_sql = await where(conn, filters, base)
    k = limit + SPARE_CANDIDATES
    while True:
        params = Params(base)
        found = nearest_sql(where_sql, params, [(lat, lon)], limit, k, max_distance_m)
        rows = await conn.fetch(
            f"SELECT {FEATURE_COLUMNS}, n.distance_m, n.farthest_knn_m, n.candidates"
            f" FROM ({found}) n JOIN facilities f ON f.id = n.id ORDER BY n.distance_m, f.id",
            *params,
        )
        if settled(rows, lat, limit, k):
            return [facility_feature(row, at, row["distance_m"]) for row in rows]
        k = min(k * 4, MAX_CANDIDATES)
