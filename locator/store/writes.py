"""Writing facilities: upsert by id with their equipment states, each change in the audit trail.

Runs inside the caller's transaction, so an import is all or nothing. `facility_changes` keeps
who (the actor: an import, later an editor or a public report), what (create or update) and
each field's old and new value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from locator.domain.record import FacilityRecord, record_from_row
from locator.store.facilities import FEATURE_COLUMNS

# The facilities columns a record fills (position and equipment states are stored apart).
COLUMNS = [
    name
    for name in FacilityRecord.model_fields
    if name not in ("id", "lat", "lon", "equipment_status")
]
EQUIPMENT_COLUMNS = ["item", "working", "reason", "reported_at", "expected_fix", "source"]

# Rows are copied (COPY, binary) into a scratch table shaped like `facilities` (JSON as text),
# then upserted in one statement: far faster than a statement per facility.
SCRATCH_SQL = f"""
DROP TABLE IF EXISTS facility_import;
CREATE TEMP TABLE facility_import AS
    SELECT id, {", ".join(COLUMNS)}, 0::float8 AS lon, 0::float8 AS lat, synthetic
    FROM facilities WITH NO DATA;
ALTER TABLE facility_import ALTER COLUMN sources TYPE text
"""
UPSERT_SQL = f"""
INSERT INTO facilities (id, {", ".join(COLUMNS)}, geog, synthetic)
SELECT id, {", ".join("sources::jsonb" if c == "sources" else c for c in COLUMNS)},
       ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, synthetic
FROM facility_import
ON CONFLICT (id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)},
    geog = EXCLUDED.geog, synthetic = EXCLUDED.synthetic,
    version = facilities.version + 1, updated_at = now()
"""
CHANGES_SQL = """
DROP TABLE IF EXISTS change_import;
CREATE TEMP TABLE change_import (
    facility_id text, actor text, action text, diff text, reason text, source text
)
"""
# A record's states are confirmed ones. A visitor's unconfirmed report survives a write unless
# the written state of that item is at least as recent (an editor's, or newer data).
EQUIPMENT_SQL = f"""
INSERT INTO equipment_status (facility_id, {", ".join(EQUIPMENT_COLUMNS)})
VALUES ($1, {", ".join(f"${n}" for n in range(2, len(EQUIPMENT_COLUMNS) + 2))})
ON CONFLICT (facility_id, item) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in EQUIPMENT_COLUMNS[1:])},
    confirmed = true, report_id = NULL
WHERE EXCLUDED.reported_at >= equipment_status.reported_at
"""


@dataclass
class LoadReport:
    """What a load did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI."""
        kept = f", {len(self.kept_edits)} kept as editors left them" if self.kept_edits else ""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.unchanged)} left unchanged{kept}; {len(self.not_in_file)} in the "
            "database but not in the file were left as they are"
        )


async def edited_by_people(conn: asyncpg.Connection, ids: list[str]) -> list[str]:
    """Those of `ids` an editor or admin has changed (through a page, a token or moderation)."""
    rows = await conn.fetch(
        "SELECT DISTINCT facility_id FROM facility_changes"
        " WHERE facility_id = ANY($1) AND actor ~ '^(editor|admin) #' ORDER BY facility_id",
        ids,
    )
    return [row["facility_id"] for row in rows]


async def existing_records(conn: asyncpg.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored records of these ids, as JSON-ready dicts (the form diffs compare)."""
    rows = await conn.fetch(f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE f.id = ANY($1)", ids)
    return {row["id"]: record_from_row(row).model_dump(mode="json") for row in rows}


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return {key: [None, value] for key, value in new.items() if value not in (None, [], "")}
    return {key: [old.get(key), value] for key, value in new.items() if old.get(key) != value}


async def upsert(
    conn: asyncpg.Connection,
    facilities: list[FacilityRecord],
    actor: str,
    *,
    synthetic: bool = False,
    reason: str | None = None,
    source: dict[str, Any] | None = None,
) -> LoadReport:
    """Insert or update each facility by id inside the caller's transaction.

    `reason` and `source` go into the trail with each change (an editor's must give a source).
    """
    report = LoadReport()
    ids = [f.id for f in facilities]
    existing = await existing_records(conn, ids)
    rows, states, changes = [], [], []
    for facility in facilities:
        new = facility.model_dump(mode="json")
        old = existing.get(facility.id)
        diff = _diff(old, new)
        if old is not None and not diff:
            report.unchanged.append(facility.id)
            continue
        values = [_json(new[c]) if c == "sources" else getattr(facility, c) for c in COLUMNS]
        rows.append((facility.id, *values, facility.lon, facility.lat, synthetic))
        states += [
            (facility.id, *(getattr(s, c) for c in EQUIPMENT_COLUMNS))
            for s in facility.equipment_status
        ]
        action = "create" if old is None else "update"
        changes.append((facility.id, actor, action, _json(diff), reason, _json(source)))
        (report.added if old is None else report.changed).append(facility.id)
    await conn.execute(SCRATCH_SQL)
    await conn.copy_records_to_table("facility_import", records=rows)
    await conn.execute(UPSERT_SQL)
    await conn.execute(
        "DELETE FROM equipment_status WHERE facility_id = ANY($1) AND confirmed",
        [row[0] for row in rows],
    )
    await conn.executemany(EQUIPMENT_SQL, states)
    await conn.execute(CHANGES_SQL)
    await conn.copy_records_to_table("change_import", records=changes)
    await conn.execute(
        "INSERT INTO facility_changes (facility_id, actor, action, diff, reason, source)"
        " SELECT facility_id, actor, action, diff::jsonb, reason, source::jsonb FROM change_import"
    )
    await conn.execute("DROP TABLE facility_import; DROP TABLE change_import")
    others = await conn.fetch(
        "SELECT id FROM facilities WHERE NOT (id = ANY($1)) AND NOT synthetic ORDER BY id", ids
    )
    report.not_in_file = [row["id"] for row in others]
    return report
