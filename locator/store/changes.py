"""The audit trail, read and written: a facility's history, and the change feed in commit order.

Every writer records here (`record`) inside its own transaction. The feed must hand each change
to a syncing app exactly once, in order, although transactions commit in any order: so a change
is only returned once every transaction that began before it has ended (its `xid` is below the
snapshot's `xmin`), and the cursor is the (xid, id) of the last change returned.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import orjson

from locator.domain.errors import BadParameter
from locator.store.sql import Executor

CURSOR_RE = re.compile(r"^(\d{1,19})\.(\d{1,19})$")
CURSOR_ALLOWED = "a cursor from an earlier answer's `next`, e.g. 7412.120, or 0 for the start"
HISTORY_LIMIT = 500


async def record(
    conn: asyncpg.Connection,
    facility_id: str,
    actor: str,
    action: str,
    diff: dict[str, Any],
    reason: str | None = None,
    source: dict[str, Any] | None = None,
) -> None:
    """One change, in the caller's transaction; the facility's version and time move on."""
    await conn.execute(
        "INSERT INTO facility_changes (facility_id, actor, action, diff, reason, source)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        facility_id,
        actor,
        action,
        diff,
        reason,
        source,
    )
    await conn.execute(
        "UPDATE facilities SET version = version + 1, updated_at = now() WHERE id = $1",
        facility_id,
    )


async def history(conn: Executor, facility_id: str) -> list[dict[str, Any]]:
    """Every change to one facility, newest first (actors never hold an email address)."""
    rows = await conn.fetch(
        "SELECT id, changed_at, actor, action, diff, reason, source FROM facility_changes"
        " WHERE facility_id = $1 ORDER BY id DESC LIMIT $2",
        facility_id,
        HISTORY_LIMIT,
    )
    return [dict(row) for row in rows]


async def last_change(conn: Executor) -> int:
    """The newest change's number: it moves on with every write, so caches can key on it."""
    return int(await conn.fetchval("SELECT COALESCE(max(id), 0) FROM facility_changes"))


def parse_cursor(raw: str | None) -> tuple[int, int]:
    """`xid.id` as numbers; `0` or nothing is the start of the trail."""
    if raw in (None, "", "0"):
        return 0, 0
    found = CURSOR_RE.match(raw or "")
    if not found:
        raise BadParameter(f"Invalid cursor '{raw}'", "since", CURSOR_ALLOWED)
    return int(found.group(1)), int(found.group(2))


def cursor(xid: int, change_id: int) -> str:
    """The opaque cursor a client sends back as `since`."""
    return f"{xid}.{change_id}"


FEED_SQL = """
SELECT c.id, c.xid::text::bigint AS xid, c.facility_id, c.changed_at, c.actor, c.action,
       c.diff, c.reason, c.source
FROM facility_changes c
WHERE (c.xid, c.id) > ($1::text::xid8, $2)
  AND c.xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY c.xid, c.id
LIMIT $3
"""


async def feed(conn: Executor, since: tuple[int, int], limit: int) -> list[dict[str, Any]]:
    """Changes after the cursor that no running transaction can still precede, in order."""
    rows = await conn.fetch(FEED_SQL, str(since[0]), since[1], limit)
    return [dict(row) for row in rows]


async def latest(conn: Executor, limit: int) -> list[dict[str, Any]]:
    """The newest changes, newest first, with the facility's name (for the Atom feed)."""
    rows = await conn.fetch(
        "SELECT c.id, c.facility_id, c.changed_at, c.actor, c.action, c.diff, c.reason,"
        " COALESCE(f.name, t.record->>'name', c.facility_id) AS name"
        " FROM facility_changes c LEFT JOIN facilities f ON f.id = c.facility_id"
        " LEFT JOIN facility_tombstones t ON t.id = c.facility_id"
        " ORDER BY c.id DESC LIMIT $1",
        limit,
    )
    return [dict(row) for row in rows]


def json_value(value: Any) -> Any:
    """A value as the trail stores it (dates and times as ISO text)."""
    return orjson.loads(orjson.dumps(value))
