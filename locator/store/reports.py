"""Public problem reports: submitted (their safety effect applied at once), decided, purged.

A report that says something is broken or shut writes an unconfirmed equipment state straight
away and remembers the state it replaced (`previous`), so rejecting it puts that state back;
accepting it confirms the state. Each step is one transaction and one entry in the trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from locator.domain import hours
from locator.domain.edits import ChangeSource, FacilityChange
from locator.domain.errors import BadParameter, Conflict, NotFound
from locator.domain.reports import ReportIn, immediate_changes, public_source
from locator.domain.vocabulary import Bench, Decision, EquipmentItem, Hoist, ReportKind
from locator.store import changes, edits
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


# The facility, locked (reports of one facility are applied one at a time), with its states.
LOCK_SQL = """
SELECT f.hoist, f.bench,
       (SELECT COALESCE(json_agg(json_build_object('item', e.item, 'working', e.working,
               'reason', e.reason, 'reported_at', e.reported_at, 'expected_fix', e.expected_fix,
               'source', e.source, 'confirmed', e.confirmed, 'report_id', e.report_id)), '[]')
        FROM equipment_status e WHERE e.facility_id = f.id) AS states
FROM facilities f WHERE f.id = $1 FOR UPDATE OF f
"""
INSERT_SQL = """
INSERT INTO reports (facility_id, kind, item, field, correction, details, seen_at, email,
                     previous)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
"""
# What a report sets at once, in one statement: the states, the trail, the facility's version.
APPLY_SQL = """
WITH states AS (
    INSERT INTO equipment_status (facility_id, item, working, reason, reported_at, source,
                                  confirmed, report_id)
    SELECT $1, u.item, u.working, u.reason, $2, $3, false, $4
    FROM unnest($5::text[], $6::bool[], $7::text[]) AS u(item, working, reason)
    ON CONFLICT (facility_id, item) DO UPDATE SET working = EXCLUDED.working,
        reason = EXCLUDED.reason, reported_at = EXCLUDED.reported_at, expected_fix = NULL,
        source = EXCLUDED.source, confirmed = false, report_id = EXCLUDED.report_id
    RETURNING 1
), trail AS (
    INSERT INTO facility_changes (facility_id, actor, action, diff, reason)
    VALUES ($1, $3, 'report', $8, $9)
    RETURNING 1
)
UPDATE facilities SET version = version + 1, updated_at = now() WHERE id = $1
"""
CLEAR_SQL = """
UPDATE reports SET state = 'cleared', decided_at = now(), decided_by = $2,
       decision_reason = 'A later visitor found everything working'
WHERE facility_id = $1 AND state = 'open' AND id <> $3 AND seen_at <= $4
  AND kind IN ('equipment_not_working', 'closed_or_locked')
"""


async def submit(conn: asyncpg.Connection, facility_id: str, report: ReportIn) -> int:
    """Store a report and apply what it changes at once; its id is the reporter's reference.

    One transaction of four statements; a state newer than what the visitor saw is left alone.
    """
    seen_at = report.seen_at or dt.datetime.now(dt.UTC)
    async with conn.transaction():
        facility = await conn.fetchrow(LOCK_SQL, facility_id)
        if facility is None:
            raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
        states = {state["item"]: state for state in facility["states"]}
        wanted = [
            change
            for change in immediate_changes(report, _vouched_for(facility, states))
            if not _seen_later(states.get(change.item), seen_at)
        ]
        previous = {change.item.value: states.get(change.item) for change in wanted}
        report_id: int = await conn.fetchval(
            INSERT_SQL,
            facility_id,
            report.kind,
            report.item,
            report.field,
            report.correction,
            report.details,
            seen_at,
            report.email,
            previous,
        )
        source = public_source(report_id)
        diff = {
            f"equipment_status.{change.item.value}": [
                previous[change.item.value],
                {"item": change.item.value, "working": change.working, "reason": change.reason,
                 "reported_at": seen_at.isoformat(), "source": source, "confirmed": False,
                 "report_id": report_id},
            ]
            for change in wanted
        }  # fmt: skip
        await conn.execute(
            APPLY_SQL,
            facility_id,
            seen_at,
            source,
            report_id,
            [change.item.value for change in wanted],
            [change.working for change in wanted],
            [change.reason for change in wanted],
            diff,
            report.kind,
        )
        if report.kind == ReportKind.all_fine:
            await conn.execute(CLEAR_SQL, facility_id, source, report_id, seen_at)
    return report_id


def _seen_later(state: dict[str, Any] | None, seen_at: dt.datetime) -> bool:
    """True when someone saw this item more recently than the visitor did."""
    reported = state and state.get("reported_at")
    return bool(reported) and dt.datetime.fromisoformat(str(reported)) > seen_at


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
    apply: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Accept (confirm what it set), reject or mark duplicate (put the old state back).

    Accepting may also `apply` a change to the facility's fields (what an `information_wrong`
    report says is right, or a closure a `closed_or_locked` one revealed), with the report as
    its source: in the same transaction, so the decision and the change stand or fall together.
    """
    if apply and decision != Decision.accept:
        raise BadParameter("Only an accepted report can change the facility", "set")
    async with conn.transaction():
        row = await conn.fetchrow(
            "SELECT id, facility_id, state, previous, seen_at FROM reports WHERE id = $1"
            " FOR UPDATE",
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
        if apply:
            source = ChangeSource(title=f"{public_source(report_id)} (a visitor)",
                                  date=row["seen_at"].astimezone(hours.LONDON).date())  # fmt: skip
            change = FacilityChange(set=apply, source=source, reason=reason)
            current = await edits.version(conn, facility_id)
            if current is None:
                raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
            await edits.change(conn, facility_id, current, change, actor)
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
