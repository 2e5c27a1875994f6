"""Writing facilities: upsert by id with their equipment states, each change in the audit trail.

Runs inside the caller's transaction, so an import is all or nothing. `facility_changes` keeps
who (the actor: an import, later an editor or a public report), what (create or update) and
each field's old and new value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg

from locator.domain.record import FacilityRecord, record_from_row
from locator.store.facilities import FEATURE_COLUMNS

# The facilities columns a record fills (position and equipment states are stored apart).
COLUMNS = [
    name
    for name in FacilityRecord.model_fields
    if name not in ("id", "lat", "lon", "equipment_status")
]
EQUIPMENT_COLUMNS = ["item", "working", "reason", "reported_at", "expected_fix", "source"]

UPSERT_SQL = f"""
INSERT INTO facilities (id, {", ".join(COLUMNS)}, geog, synthetic)
VALUES ($1, {", ".join(f"${n}" for n in range(2, len(COLUMNS) + 2))},
        ST_SetSRID(ST_MakePoint(${len(COLUMNS) + 2}, ${len(COLUMNS) + 3}), 4326)::geography,
        ${len(COLUMNS) + 4})
ON CONFLICT (id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)},
    geog = EXCLUDED.geog, synthetic = EXCLUDED.synthetic,
    version = facilities.version + 1, updated_at = now()
"""
EQUIPMENT_SQL = f"""
INSERT INTO equipment_status (facility_id, {", ".join(EQUIPMENT_COLUMNS)})
VALUES ($1, {", ".join(f"${n}" for n in range(2, len(EQUIPMENT_COLUMNS) + 2))})
"""
CHANGE_SQL = (
    "INSERT INTO facility_changes (facility_id, actor, action, diff) VALUES ($1, $2, $3, $4)"
)


@dataclass
class LoadReport:
    """What a load did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.unchanged)} left unchanged; {len(self.not_in_file)} in the database "
            "but not in the file were left as they are"
        )


async def existing_records(conn: asyncpg.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored records of these ids, as JSON-ready dicts (the form diffs compare)."""
    rows = await conn.fetch(f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE f.id = ANY($1)", ids)
    return {row["id"]: record_from_row(row).model_dump(mode="json") for row in rows}


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
) -> LoadReport:
    """Insert or update each facility by id inside the caller's transaction."""
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
        values = [new["sources"] if c == "sources" else getattr(facility, c) for c in COLUMNS]
        rows.append((facility.id, *values, facility.lon, facility.lat, synthetic))
        states += [
            (facility.id, *(getattr(s, c) for c in EQUIPMENT_COLUMNS))
            for s in facility.equipment_status
        ]
        changes.append((facility.id, actor, "create" if old is None else "update", diff))
        (report.added if old is None else report.changed).append(facility.id)
    # A statement per table, each sent for all rows at once (asyncpg pipelines executemany).
    await conn.executemany(UPSERT_SQL, rows)
    await conn.execute(
        "DELETE FROM equipment_status WHERE facility_id = ANY($1)", [row[0] for row in rows]
    )
    await conn.executemany(EQUIPMENT_SQL, states)
    await conn.executemany(CHANGE_SQL, changes)
    others = await conn.fetch(
        "SELECT id FROM facilities WHERE NOT (id = ANY($1)) AND NOT synthetic ORDER BY id", ids
    )
    report.not_in_file = [row["id"] for row in others]
    return report
