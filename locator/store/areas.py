"""The areas whose residents coverage counts: replaced as a whole by an import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

BATCH = 500

# A polygon's population point is the one given, else a point on its surface (which PostGIS
# guarantees to lie inside the polygon; a centroid may not).
INSERT_SQL = """
INSERT INTO areas (code, name, population, year, source, polygon, point, point_kind)
SELECT $1, $2, $3, $4, $5, g.polygon,
       COALESCE(ST_SetSRID(ST_MakePoint($6, $7), 4326), ST_PointOnSurface(g.polygon))
           ::geography,
       CASE WHEN $6::float8 IS NULL THEN 'point_on_surface' ELSE 'given' END
FROM (SELECT ST_Multi(ST_GeomFromWKB($8::bytea, 4326)) AS polygon) g
"""


async def replace(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[Any, ...]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Delete all areas and insert (code, name, population, year, source, lon, lat, polygon
    WKB) rows in one transaction; `progress` hears how many are written."""
    async with conn.transaction():
        await conn.execute("DELETE FROM areas")
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            await conn.executemany(INSERT_SQL, batch)
            if progress:
                progress(start + len(batch))
    return len(rows)
