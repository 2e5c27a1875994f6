"""Photos of facilities: kept with their alt text, public only once an editor approved them."""

from __future__ import annotations

from typing import Any

import asyncpg

from locator.domain.errors import Conflict, NotFound
from locator.store import changes
from locator.store.sql import Executor

PHOTO_COLUMNS = (
    "id, facility_id, digest, width, height, subject, alt_text, state, uploaded_by, created_at"
)


async def add(
    conn: Executor,
    facility_id: str,
    digest: str,
    size: tuple[int, int],
    subject: str,
    alt_text: str,
    actor: str,
) -> int:
    """A new photo, waiting for approval."""
    photo_id: int | None = await conn.fetchval(
        "INSERT INTO photos (facility_id, digest, width, height, subject, alt_text, uploaded_by)"
        " SELECT id, $2, $3, $4, $5, $6, $7 FROM facilities WHERE id = $1 RETURNING id",
        facility_id,
        digest,
        *size,
        subject,
        alt_text,
        actor,
    )
    if photo_id is None:
        raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
    return photo_id


async def of_facility(
    conn: Executor, facility_id: str, state: str = "approved"
) -> list[dict[str, Any]]:
    """A facility's photos in one state, oldest first."""
    rows = await conn.fetch(
        f"SELECT {PHOTO_COLUMNS} FROM photos WHERE facility_id = $1 AND state = $2 ORDER BY id",
        facility_id,
        state,
    )
    return [dict(row) for row in rows]


async def by_id(conn: Executor, photo_id: int) -> dict[str, Any] | None:
    """One photo in any state, or None."""
    row = await conn.fetchrow(f"SELECT {PHOTO_COLUMNS} FROM photos WHERE id = $1", photo_id)
    return dict(row) if row else None


async def pending(conn: Executor) -> list[dict[str, Any]]:
    """Every photo waiting for approval, oldest first."""
    rows = await conn.fetch(
        f"SELECT {PHOTO_COLUMNS} FROM photos WHERE state = 'pending' ORDER BY id"
    )
    return [dict(row) for row in rows]


async def state_of(conn: Executor, digest: str) -> str | None:
    """The best state of any photo with these pixels (approved wins), or None."""
    value: str | None = await conn.fetchval(
        "SELECT state FROM photos WHERE digest = $1"
        " ORDER BY state = 'approved' DESC, state = 'pending' DESC LIMIT 1",
        digest,
    )
    return value


async def decide(
    conn: asyncpg.Connection, photo_id: int, approve: bool, actor: str
) -> dict[str, Any]:
    """Approve (show it: a change to the facility, in the trail and the feed) or reject it."""
    async with conn.transaction():
        return await _decide(conn, photo_id, approve, actor)


async def _decide(
    conn: asyncpg.Connection, photo_id: int, approve: bool, actor: str
) -> dict[str, Any]:
    row = await conn.fetchrow(
        "UPDATE photos SET state = $2, decided_by = $3, decided_at = now()"
        f" WHERE id = $1 AND state = 'pending' RETURNING {PHOTO_COLUMNS}",
        photo_id,
        "approved" if approve else "rejected",
        actor,
    )
    if row is None:
        exists = await conn.fetchval("SELECT state FROM photos WHERE id = $1", photo_id)
        if exists is None:
            raise NotFound(f"No photo #{photo_id}", field="photo_id")
        raise Conflict(f"Photo #{photo_id} is already {exists}", field="photo_id")
    if approve:
        shown = {"id": photo_id, "subject": row["subject"], "alt_text": row["alt_text"]}
        await changes.record(conn, row["facility_id"], actor, "photo", {"photos": [None, shown]})
    return dict(row)
