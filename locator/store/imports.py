"""The imports' queries: provenance per source, facilities near a point, the import history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

# Facilities within `radius` of each point, nearest first: the candidates for a duplicate.
NEAR_SQL = """
SELECT p.i, f.id, f.name, ST_Distance(f.geog, q.point) AS distance_m
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography AS point) q
JOIN facilities f ON ST_DWithin(f.geog, q.point, $3)
ORDER BY p.i, distance_m
"""

PROVENANCE_SQL = """
INSERT INTO facility_sources (source, source_id, facility_id, fields, active, import_id, seen_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (source, source_id) DO UPDATE SET
    facility_id = EXCLUDED.facility_id, fields = EXCLUDED.fields, active = EXCLUDED.active,
    import_id = EXCLUDED.import_id, seen_at = now()
"""

IMPORT_SQL = """
INSERT INTO imports (format, source, licence, file_name, file_sha256, counts, actor)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
"""


@dataclass(frozen=True)
class Known:
    """A source's record we have seen before: which facility it is and what the source set."""

    facility_id: str
    fields: dict[str, Any]
    active: bool


@dataclass(frozen=True)
class Nearby:
    """A facility near a point, for duplicate matching."""

    facility_id: str
    name: str
    distance_m: float


async def known(conn: asyncpg.Connection, source: str) -> dict[str, Known]:
    """Every record of `source` seen by earlier imports, by its id in that source."""
    rows = await conn.fetch(
        "SELECT source_id, facility_id, fields, active FROM facility_sources WHERE source = $1",
        source,
    )
    return {r["source_id"]: Known(r["facility_id"], r["fields"], r["active"]) for r in rows}


async def others(conn: asyncpg.Connection, source: str, facility_ids: list[str]) -> set[str]:
    """Which of these facilities some other source (or a data file) also lists."""
    rows = await conn.fetch(
        "SELECT DISTINCT facility_id FROM facility_sources"
        " WHERE facility_id = ANY($1) AND source <> $2 AND active",
        facility_ids,
        source,
    )
    listed = {r["facility_id"] for r in rows}
    curated = await conn.fetch(
        "SELECT DISTINCT facility_id FROM facility_changes"
        " WHERE facility_id = ANY($1) AND actor NOT LIKE 'import:%'",
        facility_ids,
    )
    return listed | {r["facility_id"] for r in curated}


async def near(
    conn: asyncpg.Connection, points: Sequence[tuple[float, float]], radius_m: float
) -> list[list[Nearby]]:
    """For each (lat, lon), the facilities within `radius_m`, nearest first."""
    out: list[list[Nearby]] = [[] for _ in points]
    if not points:
        return out
    lons, lats = [lon for _, lon in points], [lat for lat, _ in points]
    for row in await conn.fetch(NEAR_SQL, lons, lats, radius_m):
        out[row["i"] - 1].append(Nearby(row["id"], row["name"], row["distance_m"]))
    return out


async def existing_ids(conn: asyncpg.Connection, ids: list[str]) -> set[str]:
    """Which of these facility ids are taken."""
    rows = await conn.fetch("SELECT id FROM facilities WHERE id = ANY($1)", ids)
    return {r["id"] for r in rows}


async def save_provenance(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[str, str, str, dict[str, Any], bool]],
    import_id: int,
) -> None:
    """(source, source_id, facility_id, fields set, active) for every record this import saw."""
    await conn.executemany(PROVENANCE_SQL, [(*row, import_id) for row in rows])


async def record_import(
    conn: asyncpg.Connection,
    fmt: str,
    source: str,
    licence: str | None,
    file_name: str,
    sha256: str,
    counts: dict[str, int],
    actor: str,
) -> int:
    """Write the import into the history; its id."""
    return int(
        await conn.fetchval(IMPORT_SQL, fmt, source, licence, file_name, sha256, counts, actor)
    )
