"""The coverage analysis's queries: areas, the grid over them, and which areas a site reaches.

The nearest facility to each area point or cell centre is `locator.store.nearest.nearest_each`;
`snapshot` runs a whole analysis on one connection and transaction, planned for its inputs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg

from locator.store.sql import Executor

AREAS_SQL = """
SELECT a.code, a.name, a.population, a.year, a.source, a.point_kind,
       ST_X(a.point::geometry) AS lon, ST_Y(a.point::geometry) AS lat,
       {geometry} AS geometry
FROM areas a
ORDER BY a.code
"""

# The areas' extent in British National Grid metres, one cell wider on every side.
EXTENT_SQL = """
SELECT ST_XMin(e.b) AS xmin, ST_YMin(e.b) AS ymin, ST_XMax(e.b) AS xmax, ST_YMax(e.b) AS ymax,
       e.has_polygons
FROM (
    SELECT ST_Expand(ST_Extent(ST_Transform(COALESCE(a.polygon, a.point::geometry), 27700)), $1)
               AS b,
           bool_or(a.polygon IS NOT NULL) AS has_polygons
    FROM areas a
) e
"""

# Square cells aligned to the British National Grid; where areas have polygons, only cells that
# touch one (so no cells over the neighbouring towns or the sea).
CELLS_SQL = """
SELECT {geometry} AS geometry,
       round(ST_X(c.centre)::numeric, 6)::float8 AS lon,
       round(ST_Y(c.centre)::numeric, 6)::float8 AS lat
FROM ST_SquareGrid($1, ST_MakeEnvelope($2, $3, $4, $5, 27700)) g
CROSS JOIN LATERAL (SELECT ST_Transform(ST_Centroid(g.geom), 4326) AS centre) c
WHERE NOT $6 OR EXISTS (
    SELECT 1 FROM areas a WHERE ST_Intersects(a.polygon, ST_Transform(g.geom, 4326))
)
ORDER BY g.j DESC, g.i
"""

# Which not-yet-covered areas each candidate site would bring within the threshold. The
# candidate stands first in ST_Distance, as a facility does in the nearest search, so the
# figures match.
REACH_SQL = """
SELECT c.i, a.code
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS c(lon, lat, i)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)::geography AS point) q
JOIN areas a ON ST_DWithin(q.point, a.point, $3) AND ST_Distance(q.point, a.point) <= $3
WHERE a.code = ANY($4)
"""


@asynccontextmanager
async def snapshot(conn: Executor) -> AsyncIterator[asyncpg.Connection]:
    """One connection and transaction for a whole analysis, planned for its real inputs.

    JIT is off: compiling thousands of small KNN lookups costs more than it saves (about 170 ms
    of 460 ms for 10,000 areas). Plans are always custom: after five runs of a prepared statement
    PostgreSQL may switch to a generic plan that guesses 100 points and an unknown LIMIT, and
    then scans every facility for every point (seconds instead of milliseconds).
    """
    async with AsyncExitStack() as stack:
        if isinstance(conn, asyncpg.Pool):
            conn = await stack.enter_async_context(conn.acquire())
        await stack.enter_async_context(conn.transaction())
        await conn.execute("SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan")
        yield conn


async def areas(conn: asyncpg.Connection, geometry: bool) -> list[asyncpg.Record]:
    """Every area with its point, and its outline as GeoJSON when `geometry` is asked for."""
    shape = "ST_AsGeoJSON(COALESCE(a.polygon, a.point::geometry), 6)::json" if geometry else "NULL"
    rows: list[asyncpg.Record] = await conn.fetch(AREAS_SQL.format(geometry=shape))
    return rows


async def grid_extent(conn: asyncpg.Connection, cell_m: float) -> asyncpg.Record | None:
    """The areas' extent in BNG metres (xmin, ymin, xmax, ymax, has_polygons); None if none."""
    extent = await conn.fetchrow(EXTENT_SQL, cell_m)
    return None if extent is None or extent["xmin"] is None else extent


async def cells(
    conn: asyncpg.Connection, cell_m: float, extent: asyncpg.Record, geometry: bool
) -> list[asyncpg.Record]:
    """The grid's cells over `extent`: centre (lon, lat) and, if asked, the WGS84 polygon."""
    shape = "ST_AsGeoJSON(ST_Transform(g.geom, 4326), 6)::json" if geometry else "NULL"
    rows: list[asyncpg.Record] = await conn.fetch(
        CELLS_SQL.format(geometry=shape),
        cell_m,
        extent["xmin"],
        extent["ymin"],
        extent["xmax"],
        extent["ymax"],
        bool(extent["has_polygons"]),
    )
    return rows


async def reach(
    conn: asyncpg.Connection,
    sites: Sequence[tuple[float, float]],
    threshold_m: float,
    codes: list[str],
) -> list[list[str]]:
    """For each (lat, lon) site, the codes among `codes` of the areas within `threshold_m`."""
    out: list[list[str]] = [[] for _ in sites]
    lons, lats = [lon for _, lon in sites], [lat for lat, _ in sites]
    for row in await conn.fetch(REACH_SQL, lons, lats, threshold_m, codes):
        out[row["i"] - 1].append(row["code"])
    return out
