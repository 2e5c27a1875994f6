"""The postcode directory (OS Code-Point Open): one point per postcode unit, for geocoding."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from locator.store.sql import Executor

LOOKUP_SQL = (
    "SELECT quality, ST_Y(geog::geometry) AS lat, ST_X(geog::geometry) AS lon"
    " FROM postcodes WHERE postcode = $1"
)

# The postcodes either side of one in the directory's order, which keeps each postcode area
# ("CV", "B") together in any collation: two probes of the primary key.
NEIGHBOURS_SQL = (
    "SELECT (SELECT postcode FROM postcodes WHERE postcode <= $1 ORDER BY postcode DESC LIMIT 1)"
    " AS before, (SELECT postcode FROM postcodes WHERE postcode >= $1 ORDER BY postcode LIMIT 1)"
    " AS after"
)

# From a scratch table of British National Grid metres to WGS84 points, replacing older rows.
UPSERT_SQL = """
INSERT INTO postcodes (postcode, quality, geog, district_code, ward_code)
SELECT postcode, quality,
       ST_Transform(ST_SetSRID(ST_MakePoint(eastings, northings), 27700), 4326)::geography,
       district_code, ward_code
FROM postcode_import
ON CONFLICT (postcode) DO UPDATE SET
    quality = EXCLUDED.quality, geog = EXCLUDED.geog,
    district_code = EXCLUDED.district_code, ward_code = EXCLUDED.ward_code,
    imported_at = now()
"""


async def lookup(conn: Executor, postcode: str) -> asyncpg.Record | None:
    """(quality, lat, lon) of a full postcode ("CV1 1FY"); None if not held or not imported."""
    try:
        return await conn.fetchrow(LOOKUP_SQL, postcode)
    except asyncpg.UndefinedTableError:
        return None


async def neighbours(conn: Executor, postcode: str) -> list[str]:
    """The directory's postcodes just before and after `postcode` (none when not imported)."""
    try:
        row = await conn.fetchrow(NEIGHBOURS_SQL, postcode)
    except asyncpg.UndefinedTableError:
        return []
    if row is None:
        return []
    return [code for code in (row["before"], row["after"]) if code]


async def load(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[str, int, int, int, str | None, str | None]],
) -> None:
    """Write (postcode, quality, eastings, northings, district, ward) rows in one transaction."""
    async with conn.transaction():
        await conn.execute(
            "CREATE TEMP TABLE postcode_import (postcode text, quality int, eastings int,"
            " northings int, district_code text, ward_code text) ON COMMIT DROP"
        )
        await conn.copy_records_to_table("postcode_import", records=rows)
        await conn.execute(UPSERT_SQL)
