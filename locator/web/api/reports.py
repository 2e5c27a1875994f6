"""Public problem reports (anyone, no account) and their moderation (tokens with a scope)."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel, Field, ValidationError

from locator.domain.errors import NotFound
from locator.domain.reports import ReportIn, reference
from locator.domain.vocabulary import Decision, ReportState, Scope
from locator.services.auth import Principal
from locator.store import reports as store
from locator.web.auth import api_writer, spend_report
from locator.web.deps import AppSettings, Db, FacilityId
from locator.web.errors import body_error
from locator.web.responses import ERROR_RESPONSES, WRITE_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["reports"])

Moderator = Annotated[Principal, api_writer(Scope.reports_moderate)]
ReportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The report's number.")]


class ReportReceipt(BaseModel):
    """What the reporter is told."""

    id: int
    reference: str = Field(examples=["R12"], description="Quote it if you contact us.")
    facility_id: str
    state: ReportState
    message: str


class ReportOut(BaseModel):
    """A report as moderators see it (the reporter's email included: never public)."""

    id: int
    reference: str
    facility_id: str
    facility_name: str | None
    kind: str
    item: str | None
    field: str | None
    correction: str | None
    details: str | None
    seen_at: str
    created_at: str
    email: str | None
    state: ReportState
    decided_at: str | None
    decided_by: str | None
    decision_reason: str | None
    duplicate_of: int | None


class DecisionIn(BaseModel):
    """An editor's decision about a report, and why."""

    decision: Decision
    reason: str = Field(min_length=3, max_length=500)
    duplicate_of: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The report it repeats (duplicate only)."
    )
    set: dict[str, Any] | None = Field(
        default=None,
        description="Accept only: properties to change with the report as their source, e.g. "
        'what an information_wrong report says is right (`{"opening_hours": "24/7"}`) or a '
        'closure (`{"status": "temporarily_closed", "status_note": "..."}`).',
    )


def report_out(row: dict[str, Any]) -> dict[str, Any]:
    """A stored report as JSON."""
    out = {key: value for key, value in row.items() if key in ReportOut.model_fields}
    for key in ("seen_at", "created_at", "decided_at"):
        out[key] = row[key].isoformat() if row[key] else None
    return out | {"reference": reference(row["id"])}


def receipt(facility_id: str, report_id: int) -> dict[str, Any]:
    """The receipt for a new report."""
    return {
        "id": report_id,
        "reference": reference(report_id),
        "facility_id": facility_id,
        "state": ReportState.open,
        "message": "Thank you. Anyone looking at this facility now sees what you reported, "
        "marked as not yet confirmed, until an editor checks it.",
    }


@router.post(
    "/facilities/{facility_id}/reports",
    status_code=201,
    response_model=ReportReceipt,
    responses={404: ERROR_RESPONSES[422], **ERROR_RESPONSES},
    summary="Report a problem (no account needed)",
)
async def submit_report(
    request: Request,
    pool: Db,
    settings: AppSettings,
    facility_id: FacilityId,
    report: Annotated[ReportIn, Body()],
) -> dict[str, Any]:
    """Tell us something is not working, was shut, is wrong, or that all was fine today.

    A "not working" or "closed" report shows at once wherever the facility appears, marked
    unconfirmed (`confirmed: false`, `source: public report #n`), until an editor decides; an
    `all_fine` report clears such reports. Limited per address (an hour's budget); the address
    is not stored. The email, if given, is never shown and is deleted 90 days after the report
    is closed.
    """
    await spend_report(request, settings)
    async with pool.acquire() as conn:
        report_id = await store.submit(conn, facility_id, report)
    return receipt(facility_id, report_id)


@router.get(
    "/reports",
    response_model=list[ReportOut],
    responses=WRITE_RESPONSES,
    summary="Open reports, newest first (moderators)",
)
async def list_reports(pool: Db, _: Moderator) -> list[dict[str, Any]]:
    """Reports waiting for a decision; needs a token with `reports:moderate`."""
    return [report_out(row) for row in await store.open_reports(pool)]


@router.get(
    "/reports/{report_id}",
    response_model=ReportOut,
    responses={404: ERROR_RESPONSES[422], **WRITE_RESPONSES},
    summary="One report (moderators)",
)
async def get_report(pool: Db, _: Moderator, report_id: ReportId) -> dict[str, Any]:
    """One report, open or decided."""
    row = await store.report(pool, report_id)
    if row is None:
        raise NotFound(f"No report #{report_id}", field="report_id")
    return report_out(row)


@router.post(
    "/reports/{report_id}/decision",
    response_model=ReportOut,
    responses={404: ERROR_RESPONSES[422], 409: ERROR_RESPONSES[422], **WRITE_RESPONSES},
    summary="Accept, reject or mark a report duplicate (moderators)",
)
async def decide_report(
    pool: Db, moderator: Moderator, report_id: ReportId, decision: Annotated[DecisionIn, Body()]
) -> dict[str, Any]:
    """Accepting confirms the state the report set; rejecting (or a duplicate) puts back the
    state it replaced. Every decision is recorded with its reason."""
    conn: asyncpg.Connection
    async with pool.acquire() as conn:
        try:
            row = await store.decide(
                conn,
                report_id,
                Decision(decision.decision),
                decision.reason,
                moderator.actor,
                decision.duplicate_of,
                decision.set,
            )
        except ValidationError as exc:
            raise body_error(exc, "set") from None
    return report_out(row)
