"""The public report form: what the door sign's QR code opens. Plain HTML, no JavaScript needed.

The form carries a signed token (it was fetched from us, lately) and a honeypot field (people
leave it empty; a bot that fills it is answered as if accepted, and nothing is stored). Errors
re-render the form with the visitor's words kept, a summary linking to each field, and each
field's own message beside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from locator.domain import hours
from locator.domain.errors import TooMany
from locator.domain.record import MAX_ID_LENGTH, SLUG_RE
from locator.domain.reports import MAX_DETAILS, SEEN_WITHIN, ReportIn, reference
from locator.domain.vocabulary import ReportItem, ReportKind
from locator.services.auth import Signer
from locator.store import facilities
from locator.store import reports as store
from locator.web.auth import SignerDep, spend_report
from locator.web.deps import AppSettings, Db, ReadDb, Templates
from locator.web.pages import words

router = APIRouter(include_in_schema=False)

TOKEN_MAX_AGE_S = 2 * 3600
# Far above what the form's own limits allow (1000 + 500 characters, each up to 12 bytes once
# percent-encoded); a longer body is not from this form.
MAX_FORM_BYTES = 32 * 1024
HONEYPOT = "website"
# What a filled honeypot is told: a reference no report has (they are numbered from 1).
DECOY_REPORT_ID = 0
NO_STORE = {"Cache-Control": "no-store"}
REFERENCE_RE = re.compile(r"^R(\d{1,10})$")
FIELDS = ("kind", "item", "field", "correction", "seen_at", "details", "email")
# Where the error summary's link for each field goes: its first control.
ANCHORS = {
    "kind": f"kind-{ReportKind.equipment_not_working.value}",
    "item": f"item-{ReportItem.hoist.value}",
}
EXPIRED = "This form has expired; please send it again"
# Said exactly as `store.reports.purge` and `auth.spend_report` do it.
PRIVACY = (
    "We keep your report. Your email, if you give one, is only for an editor to ask you about "
    "it; it is never shown and is deleted, with the text you wrote, "
    f"{store.PERSONAL_DATA_DAYS} days after your report is closed. We do not keep your IP "
    "address beyond an hour's rate limit."
)
SEEN_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y")


@dataclasses.dataclass
class FormState:
    """What the visitor sent (or the defaults), and what is wrong with it."""

    values: dict[str, str]
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)  # not about one field

    def summary(self) -> list[tuple[str | None, str]]:
        """(link to the field or None, message) for the error summary, in the form's order."""
        out: list[tuple[str | None, str]] = [(None, text) for text in self.problems]
        out += [
            (f"#{ANCHORS.get(name, name)}", self.errors[name])
            for name in FIELDS
            if name in self.errors
        ]
        return out


def now_local() -> str:
    """Now in UK time, as a `datetime-local` input shows it."""
    return dt.datetime.now(hours.LONDON).strftime("%Y-%m-%dT%H:%M")


def parse_seen_at(raw: str) -> dt.datetime:
    """A `datetime-local` value (or a typed UK date and time); naive means UK time."""
    raw = raw.strip()
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        pass
    for pattern in SEEN_FORMATS:
        try:
            return dt.datetime.strptime(raw, pattern)
        except ValueError:
            continue
    raise ValueError(raw)


def _max_length(name: str) -> int:
    """The longest text ReportIn takes in this field."""
    return next(
        int(rule.max_length)
        for rule in ReportIn.model_fields[name].metadata
        if getattr(rule, "max_length", None) is not None
    )


MAX_CORRECTION = _max_length("correction")


def _field_message(name: str, error: Any, values: Mapping[str, str]) -> str:
    """A pydantic error on one field in words for the person filling the form in."""
    message = str(error.get("msg", ""))
    if name == "seen_at":
        if "future" in message:
            return "The time you saw it must not be in the future"
        return f"The time you saw it must be within the last {SEEN_WITHIN.days} days"
    if name == "email":
        return "Enter an email address like name@example.com, or leave it empty"
    if error.get("type") in ("string_too_long", "too_long"):
        limit = MAX_DETAILS if name == "details" else MAX_CORRECTION
        label = "Anything else" if name == "details" else "What is right"
        return (
            f"{label} must be {limit:,} characters or fewer; "
            f"it is {len(values.get(name, '')):,} now"
        )
    if "NUL" in message or "surrogate" in message:
        return "This holds characters we cannot store: please type it again"
    return f"Check this answer: {message}"


def validate(values: Mapping[str, str]) -> tuple[ReportIn | None, dict[str, str]]:
    """The report the form describes, or each field's problem, all at once.

    The item and which-information answers count only for their kind (a radio button cannot be
    cleared without JavaScript); text in "what is right" with another kind is an error, so
    nothing typed is dropped unseen.
    """
    errors: dict[str, str] = {}
    kind = values.get("kind", "")
    data: dict[str, Any] = {"kind": kind}
    if kind not in ReportKind.values():
        errors["kind"] = "Choose what you want to tell us"
    if kind == ReportKind.equipment_not_working:
        data["item"] = values.get("item") or None
        if data["item"] not in ReportItem.values():
            errors["item"] = "Choose what is not working"
    if kind == ReportKind.information_wrong:
        data["field"] = values.get("field") or None
        data["correction"] = values.get("correction", "")
        if data["field"] not in words.REPORT_FIELD_LABELS:
            errors["field"] = "Choose which information is wrong"
        if not data["correction"].strip():
            errors["correction"] = "Tell us what is right"
    elif values.get("correction", "").strip():
        errors["correction"] = (
            "“What is right” is only for wrong information: choose “Some information here is "
            "wrong”, or empty the box"
        )
    seen = values.get("seen_at", "").strip()
    if seen:
        try:
            data["seen_at"] = parse_seen_at(seen)
        except ValueError:
            errors["seen_at"] = "Enter the date and time you saw it, for example 23/11/2026 14:30"
    data["details"] = values.get("details", "")
    data["email"] = values.get("email", "")
    if errors:
        # Check the answers that do not depend on the kind too, so every problem is said now.
        data = {"kind": ReportKind.all_fine.value} | {
            k: v for k, v in data.items() if k in ("seen_at", "details", "email", "correction")
        }
        if len(data.get("correction", "")) <= MAX_CORRECTION:
            data.pop("correction", None)
    try:
        report = ReportIn.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            location = error.get("loc") or ()
            name = str(location[0]) if location else ""
            if name in FIELDS and name not in errors:
                errors[name] = _field_message(name, error, values)
            elif not errors:
                errors["kind"] = f"Check your answers: {error.get('msg', '')}"
        return None, errors
    return (None, errors) if errors else (report, errors)


def _form_values(form: Mapping[str, Any]) -> dict[str, str]:
    """The form's text fields (CR LF from the browser counted as one line break, as typed)."""
    values = {}
    for name in (*FIELDS, HONEYPOT, "token"):
        value = form.get(name)
        values[name] = value.replace("\r\n", "\n") if isinstance(value, str) else ""
    return values


def _not_found(request: Request, templates: Jinja2Templates) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "heading": "Facility not found",
            "message": "We have no facility at this address. It may have been removed.",
        },
        status_code=404,
        headers=NO_STORE,
    )


async def _facility(pool: Db, facility_id: str) -> dict[str, Any] | None:
    if len(facility_id) > MAX_ID_LENGTH or not SLUG_RE.match(facility_id):
        return None
    return await facilities.facility(pool, facility_id)


def _render_form(
    request: Request,
    templates: Jinja2Templates,
    sign: Signer,
    feature: dict[str, Any],
    state: FormState,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    facility = words.view(feature)
    return templates.TemplateResponse(
        request,
        "report.html",
        {
            "f": facility,
            "values": state.values,
            "errors": state.errors,
            "summary": state.summary(),
            "token": sign.dumps({"report": facility.id}, purpose="report-form"),
            "honeypot": HONEYPOT,
            "kinds": [(k.value, k.words) for k in ReportKind],
            "items": [(i.value, i.words) for i in ReportItem],
            "fields": list(words.REPORT_FIELD_LABELS.items()),
            "max_details": MAX_DETAILS,
            "max_correction": MAX_CORRECTION,
            "privacy": PRIVACY,
        },
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


def _try_again(exc: TooMany) -> str:
    """When the next report will be taken, in UK time and in minutes from now."""
    at = dt.datetime.now(hours.LONDON) + dt.timedelta(seconds=exc.retry_after_s)
    minutes = max(1, math.ceil(exc.retry_after_s / 60))
    span = "1 minute" if minutes == 1 else f"{minutes} minutes"
    return (
        "You have sent several reports from here in the last hour. Please try again after "
        f"{at:%H:%M} UK time (in about {span}); what you wrote is still below."
    )


def _done(facility_id: str, report_id: int) -> RedirectResponse:
    url = f"/facilities/{facility_id}/report/{reference(report_id)}"
    return RedirectResponse(url, status_code=303, headers=NO_STORE)


@router.get("/r/{facility_id}")
async def short_link(request: Request, templates: Templates, facility_id: str) -> Response:
    """The door sign's short address: on to the report form."""
    if len(facility_id) > MAX_ID_LENGTH or not SLUG_RE.match(facility_id):
        return _not_found(request, templates)
    return RedirectResponse(f"/facilities/{facility_id}/report", status_code=303)


@router.get("/facilities/{facility_id}/report", response_class=HTMLResponse)
async def report_form(
    request: Request,
    pool: ReadDb,
    templates: Templates,
    sign: SignerDep,
    facility_id: str,
    kind: str | None = None,
) -> HTMLResponse:
    """The empty form; `?kind=` chooses what to report (the facility page's quick links)."""
    feature = await _facility(pool, facility_id)
    if feature is None:
        return _not_found(request, templates)
    values = dict.fromkeys(FIELDS, "")
    values["kind"] = kind if kind in ReportKind.values() else ""
    values["seen_at"] = now_local()
    return _render_form(request, templates, sign, feature, FormState(values))


@router.post("/facilities/{facility_id}/report", response_class=HTMLResponse)
async def send_report(
    request: Request,
    pool: Db,
    settings: AppSettings,
    templates: Templates,
    sign: SignerDep,
    facility_id: str,
) -> Response:
    """Check, limit, store (its safety effect at once), then on to the reference."""
    feature = await _facility(pool, facility_id)
    if feature is None:
        return _not_found(request, templates)
    length = request.headers.get("content-length", "")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not length.isdigit():
        return _refuse(request, templates, 411, "Please send the report with the form.")
    if int(length) > MAX_FORM_BYTES:
        return _refuse(request, templates, 413, "This report is longer than the form allows.")
    if media != "application/x-www-form-urlencoded":
        return _refuse(request, templates, 415, "Please send the report with the form.")
    values = _form_values(await request.form())
    state = FormState(values)
    if values[HONEYPOT].strip():
        try:
            await spend_report(request, settings)
        except TooMany as exc:
            return _limited(request, templates, sign, feature, state, exc)
        return _done(feature["id"], DECOY_REPORT_ID)
    token_ok = sign.loads(values["token"], TOKEN_MAX_AGE_S, purpose="report-form") == {
        "report": feature["id"]
    }
    report, state.errors = validate(values)
    if not token_ok or report is None:
        state.problems = [] if token_ok else [EXPIRED]
        return _render_form(
            request, templates, sign, feature, state, status=422 if token_ok else 400
        )
    try:
        await spend_report(request, settings)
    except TooMany as exc:
        return _limited(request, templates, sign, feature, state, exc)
    async with pool.acquire() as conn:
        report_id = await store.submit(conn, feature["id"], report)
    return _done(feature["id"], report_id)


def _limited(
    request: Request,
    templates: Jinja2Templates,
    sign: Signer,
    feature: dict[str, Any],
    state: FormState,
    exc: TooMany,
) -> HTMLResponse:
    state.problems = [_try_again(exc)]
    headers = {"Retry-After": str(exc.retry_after_s)}
    return _render_form(request, templates, sign, feature, state, 429, headers)


def _refuse(request: Request, templates: Jinja2Templates, status: int, why: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "error.html",
        {"heading": "We could not take this report", "message": why},
        status_code=status,
        headers=NO_STORE,
    )


@router.get("/facilities/{facility_id}/report/{ref}", response_class=HTMLResponse)
async def report_done(
    request: Request, pool: Db, templates: Templates, facility_id: str, ref: str
) -> HTMLResponse:
    """Thank you, the reference and what happens next: from the address alone, so it says
    nothing about any report (this one's or another's)."""
    feature = await _facility(pool, facility_id)
    if feature is None or not REFERENCE_RE.match(ref):
        return _not_found(request, templates)
    return templates.TemplateResponse(
        request,
        "report_done.html",
        {"f": words.view(feature), "reference": ref},
        headers=NO_STORE,
    )
