"""Reading the whole dataset for downloads: every real facility in id order, and a fingerprint.

The fingerprint changes whenever a load or an edit touches a real facility or any equipment
state, so an unchanged dataset can answer 304 before any export query runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

from locator.domain.record import FacilityRecord, record_from_row
from locator.store.facilities import FEATURE_COLUMNS
from locator.store.sql import Executor

BATCH = 1000

FINGERPRINT_SQL = """
    SELECT md5(
        coalesce((SELECT string_agg(f.id || ':' || f.version || ':' || f.updated_at, ','
                                    ORDER BY f.id)
                  FROM facilities f WHERE NOT f.synthetic), '')
        || '|' ||
        coalesce((SELECT string_agg(e::text, ',' ORDER BY e.facility_id, e.item)
                  FROM equipment_status e), '')
    )
"""

RECORDS_SQL = (
    f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE NOT f.synthetic AND f.id > $1"
    " ORDER BY f.id LIMIT $2"
)


async def fingerprint(conn: Executor) -> str:
    """A digest of what is stored, for the exports' ETag."""
    return str(await conn.fetchval(FINGERPRINT_SQL))


async def records(conn: asyncpg.Connection) -> AsyncIterator[FacilityRecord]:
    """Every real facility in id order, a batch at a time, as the record a data file holds."""
    after = ""
    while True:
        rows = await conn.fetch(RECORDS_SQL, after, BATCH)
        for row in rows:
            yield record_from_row(row)
        if len(rows) < BATCH:
            return
        after = rows[-1]["id"]
