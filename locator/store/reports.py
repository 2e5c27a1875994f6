"""Public problem reports: submitted (their safety effect applied at once), decided, purged.

A report that says something is broken or shut writes an unconfirmed equipment state straight
away and remembers the state it replaced (`previous`), so rejecting it puts that state back;
accepting it confirms the state. Each step is one transaction and one entry in the trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from locator.domain.errors import BadParameter, Conflict, NotFound
from locator.domain.reports import ReportIn, immediate_changes, public_source
from locator.domain.vocabulary import Bench, Decision, EquipmentItem, Hoist, ReportKind
from locator.store import changes
from locator.store.sql import Executor

STATE_COLUMNS = "item, working, reason, reported_at, expected_fix, source, confirmed, report_id"
REPORT_COLUMNS = (
    "r.id, r.facility_id, f.name AS facility_name, r.kind, r.item, r.field, r.correction,"
    " r.details, r.seen_at, r.created_at, r.email, r.state, r.decided_at, r.decided_by,"
    " r.decision_reason, r.duplicate_of"
)
# Closed reports keep their facts; who wrote them and how to reach them go after this long.
PERSONAL_DATA_DAYS = 90
OPEN_LIMIT = 200


async def _states(conn: asyncpg.Connection, facility_id: str) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {STATE_COLUMNS} FROM equipment_status WHERE facility_id = $1", facility_id
    )
    return {row["item"]: changes.json_value(dict(row)) for row in rows}


async def _put_state(conn: asyncpg.Connection, facility_id: str, state: dict[str, Any]) -> None:
    await conn.execute(
        f"INSERT INTO equipment_status (facility_id, {STATE_COLUMNS})"
        " VALUES ($1, $2, $3, $4, $5::text::timestamptz, $6::text::date, $7, $8, $9)"
        " ON CONFLICT (facility_id, item) DO UPDATE SET working = EXCLUDED.working,"
        " reason = EXCLUDED.reason, reported_at = EXCLUDED.reported_at,"
        " expected_fix = EXCLUDED.expected_fix, source = EXCLUDED.source,"
        " confirmed = EXCLUDED.confirmed, report_id = EXCLUDED.report_id",
        facility_id,
        state["item"],
        state["working"],
        state.get("reason"),
        state.get("reported_at"),
        state.get("expected_fix"),
        state.get("source"),
        state.get("confirmed", True),
        state.get("report_id"),
    )


def _vouched_for(facility: asyncpg.Record, states: dict[str, dict[str, Any]]) -> set[EquipmentItem]:
    """What an `all_fine` report says works: the hoist and bench it has, and any stated item."""
    items = {EquipmentItem(item) for item in states}
    if facility["hoist"] not in (None, Hoist.none):
        items.add(EquipmentItem.hoist)
    if facility["bench"] not in (None, Bench.none):
        items.add(EquipmentItem.bench)
    return items


async def submit(conn: asyncpg.Connection, facility_id: str, report: ReportIn) -> int:
    """Store a report and apply what it changes at once; its id is the reporter's reference.

    Runs in its own transaction; a state newer than what the visitor saw is left alone.
    """
    seen_at = report.seen_at or dt.datetime.now(dt.UTC)
    async with conn.transaction():
        facility = await conn.fetchrow(
            "SELECT hoist, bench FROM facilities WHERE id = $1 FOR UPDATE", facility_id
        )
        if facility is None:
            raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
        report_id: int = await conn.fetchval(
            "INSERT INTO reports (facility_id, kind, item, field, correction, details, seen_at,"
            " email) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            facility_id,
            report.kind,
            report.item,
            report.field,
            report.correction,
            report.details,
            seen_at,
            report.email,
        )
        states = await _states(conn, facility_id)
        previous: dict[str, Any] = {}
        diff: dict[str, Any] = {}
        for change in immediate_changes(report, _vouched_for(facility, states)):
            old = states.get(change.item)
            if (
                old
                and old["reported_at"]
                and dt.datetime.fromisoformat(old["reported_at"]) > seen_at
            ):
                continue  # someone saw it more recently than this visitor did
            new = {
                "item": change.item.value,
                "working": change.working,
                "reason": change.reason,
                "reported_at": seen_at.isoformat(),
                "source": public_source(report_id),
                "confirmed": False,
                "report_id": report_id,
            }
            await _put_state(conn, facility_id, new)
            previous[change.item.value] = old
            diff[f"equipment_status.{change.item.value}"] = [old, new]
        if report.kind == ReportKind.all_fine:
            await conn.execute(
                "UPDATE reports SET state = 'cleared', decided_at = now(), decided_by = $2,"
                " decision_reason = 'A later visitor found everything working'"
                " WHERE facility_id = $1 AND state = 'open' AND id <> $3 AND seen_at <= $4"
                " AND kind IN ('equipment_not_working', 'closed_or_locked')",
                facility_id,
                public_source(report_id),
                report_id,
                seen_at,
            )
        await conn.execute("UPDATE reports SET previous = $2 WHERE id = $1", report_id, previous)
        await changes.record(
            conn, facility_id, public_source(report_id), "report", diff, reason=report.kind
        )
    return report_id


async def open_reports(conn: Executor, limit: int = OPEN_LIMIT) -> list[dict[str, Any]]:
    """Reports waiting for an editor, newest first, with the facility's name."""
    rows = await conn.fetch(
        f"SELECT {REPORT_COLUMNS} FROM reports r LEFT JOIN facilities f ON f.id = r.facility_id"
        " WHERE r.state = 'open' ORDER BY r.created_at DESC, r.id DESC LIMIT $1",
        limit,
    )
    return [dict(row) for row in rows]


async def report(conn: Executor, report_id: int) -> dict[str, Any] | None:
    """One report with everything an editor sees, or None."""
    row = await conn.fetchrow(
        f"SELECT {REPORT_COLUMNS} FROM reports r LEFT JOIN facilities f ON f.id = r.facility_id"
        " WHERE r.id = $1",
        report_id,
    )
    return dict(row) if row else None


async def decide(
    conn: asyncpg.Connection,
    report_id: int,
    decision: Decision,
    reason: str,
    actor: str,
    duplicate_of: int | None = None,
) -> dict[str, Any]:
    """Accept (confirm what it set), reject or mark duplicate (put the old state back).

    Accepting an `information_wrong` report records the decision only: the editor makes the
    change itself through the editing form or PATCH, with its source.
    """
    async with conn.transaction():
        row = await conn.fetchrow(
            "SELECT id, facility_id, state, previous FROM reports WHERE id = $1 FOR UPDATE",
            report_id,
        )
        if row is None:
            raise NotFound(f"No report #{report_id}", field="report_id")
        if row["state"] != "open":
            raise Conflict(f"Report #{report_id} is already {row['state']}", field="report_id")
        if decision == Decision.duplicate:
            other = await conn.fetchval(
                "SELECT id FROM reports WHERE id = $1 AND facility_id = $2 AND id <> $3",
                duplicate_of,
                row["facility_id"],
                report_id,
            )
            if other is None:
                raise BadParameter(
                    "A duplicate must name another report of the same facility",
                    "duplicate_of",
                    "the number of another report of this facility",
                )
        facility_id = row["facility_id"]
        states = await _states(conn, facility_id)
        diff: dict[str, Any] = {}
        for item, old in (row["previous"] or {}).items():
            now = states.get(item)
            if now is None or now.get("report_id") != report_id:
                continue  # changed again since: leave the newer state
            if decision == Decision.accept:
                new = now | {"confirmed": True, "source": f"{now['source']}, confirmed by {actor}"}
                await _put_state(conn, facility_id, new)
            elif old is None:
                new = None
                await conn.execute(
                    "DELETE FROM equipment_status WHERE facility_id = $1 AND item = $2",
                    facility_id,
                    item,
                )
            else:
                new = old
                await _put_state(conn, facility_id, old)
            diff[f"equipment_status.{item}"] = [now, new]
        state = {"accept": "accepted", "reject": "rejected", "duplicate": "duplicate"}[decision]
        await conn.execute(
            "UPDATE reports SET state = $2, decided_at = now(), decided_by = $3,"
            " decision_reason = $4, duplicate_of = $5 WHERE id = $1",
            report_id,
            state,
            actor,
            reason,
            duplicate_of if decision == Decision.duplicate else None,
        )
        if diff:
            await changes.record(
                conn,
                facility_id,
                actor,
                "moderation",
                diff,
                reason=f"{public_source(report_id)} {state}: {reason}",
            )
    decided = await report(conn, report_id)
    assert decided is not None
    return decided


async def purge(conn: Executor, days: int = PERSONAL_DATA_DAYS) -> int:
    """Delete reporters' emails and free text from reports closed more than `days` ago."""
    status: str = await conn.execute(
        "UPDATE reports SET email = NULL, details = NULL, purged_at = now()"
        " WHERE state <> 'open' AND purged_at IS NULL"
        " AND decided_at < now() - make_interval(days => $1)",
        days,
    )
    return int(status.split()[-1])
