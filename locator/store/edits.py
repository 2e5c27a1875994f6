"""Editors' writes: add, change against a version, verify, and delete as an audited tombstone.

Each runs in one transaction that locks the facility's row, so two editors saving at once are
ordered and the second sees the first's version (and gets a VersionConflict).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from locator.domain import edits, hours
from locator.domain.errors import Conflict, NotFound, VersionConflict
from locator.domain.record import FacilityRecord, record_from_row
from locator.store import changes, writes
from locator.store.facilities import FEATURE_COLUMNS


async def _locked(conn: asyncpg.Connection, facility_id: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {FEATURE_COLUMNS}, f.version FROM facilities f WHERE f.id = $1 FOR UPDATE OF f",
        facility_id,
    )
    if row is None:
        raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
    return row


async def version(conn: asyncpg.pool.Pool | asyncpg.Connection, facility_id: str) -> int | None:
    """The facility's current version (what its ETag names), or None."""
    value: int | None = await conn.fetchval(
        "SELECT version FROM facilities WHERE id = $1", facility_id
    )
    return value


async def add(conn: asyncpg.Connection, new: edits.NewFacility, actor: str) -> int:
    """A new facility; its id must be free. Returns its version."""
    async with conn.transaction():
        if await version(conn, new.facility.id) is not None:
            raise Conflict(f"A facility with id '{new.facility.id}' exists", field="id")
        data = new.facility.model_dump(mode="json")
        data["sources"].append(edits.source_entry(new.source, ["everything"]))
        record = FacilityRecord.model_validate(data)
        await writes.upsert(
            conn, [record], actor, reason=new.reason, source=new.source.model_dump(mode="json")
        )
        return int(await version(conn, record.id) or 1)


async def change(
    conn: asyncpg.Connection,
    facility_id: str,
    expected_version: int,
    change: edits.FacilityChange,
    actor: str,
) -> int:
    """Apply a change made against `expected_version`; returns the new version."""
    async with conn.transaction():
        row = await _locked(conn, facility_id)
        if row["version"] != expected_version:
            raise VersionConflict(
                f"Facility '{facility_id}' changed since version {expected_version}: it is now"
                f" version {row['version']}. Fetch it again and redo your change.",
                field="If-Match",
            )
        record = edits.apply(record_from_row(row), change, dt.datetime.now(dt.UTC))
        report = await writes.upsert(
            conn,
            [record],
            actor,
            reason=change.reason,
            source=change.source.model_dump(mode="json"),
        )
        if report.unchanged:
            return int(row["version"])
        return int(await version(conn, facility_id) or 0)


async def verify(conn: asyncpg.Connection, facility_id: str, how: str, actor: str) -> int:
    """Someone confirmed the whole record today, on site or by phone; returns the version."""
    today = hours.now().date()
    verified_by = f"{actor}, {edits.HOW_VERIFIED[how]}"
    async with conn.transaction():
        row = await _locked(conn, facility_id)
        await conn.execute(
            "UPDATE facilities SET last_verified = $2, verified_by = $3 WHERE id = $1",
            facility_id,
            today,
            verified_by,
        )
        old = [changes.json_value(row["last_verified"]), row["verified_by"]]
        diff = {
            "last_verified": [old[0], today.isoformat()],
            "verified_by": [old[1], verified_by],
        }
        await changes.record(conn, facility_id, actor, "verify", diff)
        return int(await version(conn, facility_id) or 0)


async def delete(conn: asyncpg.Connection, facility_id: str, reason: str, actor: str) -> None:
    """Remove a facility from every answer, keeping its last record as a tombstone."""
    async with conn.transaction():
        row = await _locked(conn, facility_id)
        record: dict[str, Any] = record_from_row(row).model_dump(mode="json")
        await conn.execute(
            "INSERT INTO facility_tombstones (id, deleted_by, reason, record)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET deleted_at = now(),"
            " deleted_by = EXCLUDED.deleted_by, reason = EXCLUDED.reason, record = EXCLUDED.record",
            facility_id,
            actor,
            reason,
            record,
        )
        await conn.execute("DELETE FROM facilities WHERE id = $1", facility_id)
        await changes.record(conn, facility_id, actor, "delete", {}, reason=reason)
