"""The editors' pages under /admin: sign in, moderate reports and photos, edit a facility, print
its door sign.

A session is a signed cookie (`locator.web.auth`); the sign-in form is bound to the browser that
opened it by a cookie of its own. Every form that changes something carries the session's CSRF
token, and a refused request changes nothing. Every answer is `no-store` and none is in the
OpenAPI document; refusals are pages, not JSON (`AdminRoute` makes them). How the editing form
reads and writes a facility's fields is `edit_form`; the handlers here only call it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import asyncpg
from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from locator.domain import hours
from locator.domain.edits import HOW_VERIFIED
from locator.domain.errors import (
    BadParameter,
    Conflict,
    LocatorError,
    NotFound,
    TooLarge,
    TooMany,
    Unsupported,
    VersionConflict,
)
from locator.domain.reports import reference
from locator.domain.vocabulary import (
    Decision,
    EquipmentItem,
    PhotoSubject,
    ReportItem,
    ReportKind,
    Scope,
    Status,
)
from locator.domain.words import date_words
from locator.services import photos as images
from locator.services.auth import Principal, Signer, password_matches
from locator.services.signs import SignFormat, door_sign, door_sign_urls
from locator.settings import Settings
from locator.store import accounts, facilities
from locator.store import edits as edit_store
from locator.store import photos as photo_store
from locator.store import reports as report_store
from locator.web import uploads
from locator.web.auth import (
    SessionPrincipal,
    SignerDep,
    bind_login,
    csrf_ok,
    end_login,
    end_session,
    login_token,
    login_token_ok,
    set_session,
    spend_sign_in,
)
from locator.web.deps import AppSettings, Db, FacilityId, Templates
from locator.web.errors import STATUS
from locator.web.pages import edit_form, words

# How long a "R12 accepted" note in a redirect's address is shown.
NOTE_AGE_S = 600
SEARCH_LIMIT = 50
REASON_LENGTH = (3, 500)
ALT_TEXT_LENGTH = (5, 300)
WRONG_PASSWORD = "Email or password is wrong"

ReportId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PhotoId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FormText = Annotated[str, Form(max_length=1000)]


class SignInFirst(Exception):
    """A page that needs a session was asked for without one: off to the sign-in form."""


class Refused(Exception):
    """A request that ends in a page saying why, and where to go next."""

    def __init__(
        self,
        status: int,
        heading: str,
        message: str,
        back: tuple[str, str] = ("/admin", "Back to the dashboard"),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.heading, self.message = status, heading, message
        self.back, self.headers = back, headers or {}


HEADINGS = {
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Already done",
    413: "The file is too large",
    415: "This file cannot be used",
    422: "This cannot be used",
    429: "Too many attempts",
}


def _refused(exc: LocatorError) -> Refused:
    """A domain error as a page, with the status the API would give it."""
    status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    message = exc.detail + (f" (allowed: {exc.allowed})" if exc.allowed else "")
    headers = {"retry-after": str(exc.retry_after_s)} if isinstance(exc, TooMany) else None
    return Refused(status, HEADINGS.get(status, "This cannot be done"), message, headers=headers)


def _invalid(exc: RequestValidationError) -> Refused:
    """A request FastAPI could not read: a bad address is not found, a bad form is unusable."""
    problems = list(exc.errors())
    if any(problem.get("loc", ("",))[0] == "path" for problem in problems):
        return Refused(404, "Not found", "There is nothing at this address.")
    said = "; ".join(
        f"{'.'.join(str(part) for part in p.get('loc', ())[1:])}: {p.get('msg', 'invalid')}"
        for p in problems
    )
    return Refused(422, "This form could not be used", f"Nothing was changed. {said}.")


def _refusal_page(request: Request, refused: Refused) -> HTMLResponse:
    """The page a refusal shows: why, and where to go next."""
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request,
        "admin/message.html",
        {"principal": None, "refused": refused},
        status_code=refused.status,
    )
    response.headers.update(refused.headers)
    return response


class AdminRoute(APIRoute):
    """Every admin answer is `no-store`, and a refusal is a page (the app's handlers give JSON)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def admin_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInFirst:
                response = RedirectResponse("/admin", status_code=303)
            except Refused as exc:
                response = _refusal_page(request, exc)
            except LocatorError as exc:
                response = _refusal_page(request, _refused(exc))
            except RequestValidationError as exc:
                response = _refusal_page(request, _invalid(exc))
            response.headers["cache-control"] = "no-store"
            return response

        return admin_handler


router = APIRouter(include_in_schema=False, route_class=AdminRoute)


# Who is asking ------------------------------------------------------------------------------


async def signed_in(request: Request, principal: SessionPrincipal) -> Principal:
    """The signed-in editor; without a session a page redirects to sign in and a form is 401."""
    if principal is not None:
        return principal
    if request.method == "GET":
        raise SignInFirst
    raise Refused(
        401,
        "Please sign in",
        "You are not signed in (or your session has ended), so nothing was changed. "
        "Sign in, then try again.",
        back=("/admin", "Sign in"),
    )


Editor = Annotated[Principal, Depends(signed_in)]


def _texts(form: FormData) -> dict[str, str]:
    """A form's text fields (its files left out)."""
    return {name: value for name, value in form.items() if isinstance(value, str)}


async def form_editor(request: Request, editor: Editor) -> Principal:
    """The signed-in editor, if the form carries their session's CSRF token (else 403)."""
    if not csrf_ok(editor, _texts(await request.form()).get("csrf")):
        raise Refused(
            403,
            "This form has expired",
            "It did not carry this session's security token (it may be from an earlier "
            "session or from another site), so nothing was changed. Reload the page and "
            "try again.",
        )
    return editor


FormEditor = Annotated[Principal, Depends(form_editor)]


def _noted(url: str, sign: Signer, note: str) -> str:
    """`url` carrying a signed note for the page it leads to ("R12 accepted")."""
    return f"{url}?{urlencode({'note': sign.dumps({'note': note}, purpose='note')})}"


def _note(request: Request, sign: Signer) -> str | None:
    """The note a redirect brought, if it is ours and recent (nobody can make us say theirs)."""
    raw = request.query_params.get("note")
    value = sign.loads(raw, NOTE_AGE_S, purpose="note") if raw else None
    return str(value["note"]) if isinstance(value, dict) and "note" in value else None


def _page(
    request: Request,
    templates: Jinja2Templates,
    name: str,
    principal: Principal | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """An editors' page, told who is signed in (None on the sign-in form)."""
    return templates.TemplateResponse(
        request, name, {"principal": principal, **context}, status_code=status
    )


async def _list_page(
    request: Request,
    pool: asyncpg.Pool,
    templates: Jinja2Templates,
    editor: Principal,
    name: Literal["queue", "photos"],
    status: int = 200,
    note: str | None = None,
    problem: Problem | None = None,
) -> HTMLResponse:
    """The queue or the photos page: what waits, with a redirect's note or why one of its forms
    was refused."""
    context = await (_queue if name == "queue" else _photos)(pool)
    return _page(
        request,
        templates,
        f"admin/{name}.html",
        editor,
        status,
        note=note,
        problem=problem,
        **context,
    )


def _when(value: dt.datetime | None) -> str:
    """`3 Nov 2026, 14:30` in UK time."""
    if value is None:
        return "unknown"
    local = value.astimezone(hours.LONDON)
    return f"{local.day} {local:%b %Y, %H:%M}"


# Signing in and out --------------------------------------------------------------------------


def _sign_in_form(
    request: Request,
    templates: Jinja2Templates,
    sign: Signer,
    settings: Settings,
    status: int = 200,
    email: str = "",
    error: str | None = None,
    note: str | None = None,
) -> HTMLResponse:
    """The sign-in form, its token bound to this browser by a fresh cookie (so a sign-in comes
    from our form, opened in the same browser)."""
    binding, token = login_token(sign)
    response = _page(
        request,
        templates,
        "admin/sign_in.html",
        None,
        status,
        token=token,
        email=email,
        error=error,
        note=note,
    )
    bind_login(response, settings, binding)
    return response


@router.get("/admin", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    pool: Db,
    settings: AppSettings,
    templates: Templates,
    sign: SignerDep,
    principal: SessionPrincipal,
) -> HTMLResponse:
    """The sign-in form, or once signed in what is waiting and a facility search."""
    note = _note(request, sign)
    if principal is None:
        return _sign_in_form(request, templates, sign, settings, note=note)
    user = await accounts.user_by_id(pool, principal.user_id)
    waiting = await report_store.open_reports(pool)
    pending = await photo_store.pending(pool)
    return _page(
        request,
        templates,
        "admin/dashboard.html",
        principal,
        user=user,
        reports=len(waiting),
        reports_limit=report_store.OPEN_LIMIT,
        photos=len(pending),
        note=note,
    )


@router.post("/admin/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    pool: Db,
    settings: AppSettings,
    templates: Templates,
    sign: SignerDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: FormText = "",
) -> Response:
    """Check the password (as slowly for an unknown email), within the sign-in budget, if the
    form is ours and was opened in this browser (else 403: nothing spent, nothing checked)."""
    email = email.strip()
    if not login_token_ok(request, sign, csrf):
        error = "This sign-in form was too old (or not ours). Please sign in again."
        return _sign_in_form(request, templates, sign, settings, 403, email, error)
    try:
        await spend_sign_in(request, settings, email)
    except TooMany as exc:
        minutes = max(1, math.ceil(exc.retry_after_s / 60))
        raise Refused(
            429,
            "Too many sign-in attempts",
            f"{exc.detail}: in about {minutes} minute{'s' if minutes > 1 else ''}.",
            back=("/admin", "Back to the sign-in form"),
            headers={"retry-after": str(exc.retry_after_s)},
        ) from None
    user = await accounts.user_by_email(pool, email) if email else None
    stored = user["password_hash"] if user and user["disabled_at"] is None else None
    if not await run_in_threadpool(password_matches, password, stored) or user is None:
        return _sign_in_form(request, templates, sign, settings, 401, email, WRONG_PASSWORD)
    response = RedirectResponse("/admin", status_code=303)
    end_login(response, settings)
    set_session(response, sign, settings, user["id"])
    return response


@router.post("/admin/sign-out")
async def sign_out(settings: AppSettings, sign: SignerDep, _: FormEditor) -> Response:
    """End the session: the cookie is cleared."""
    response = RedirectResponse(_noted("/admin", sign, "You are signed out."), status_code=303)
    end_session(response, settings)
    return response


# Finding a facility ---------------------------------------------------------------------------


@router.get("/admin/facilities", response_class=HTMLResponse)
async def find_facility(
    request: Request,
    pool: Db,
    templates: Templates,
    editor: Editor,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """Facilities whose id or name holds the words, to edit."""
    q = q.strip()
    results = await facilities.search(pool, q, SEARCH_LIMIT) if q else []
    return _page(
        request,
        templates,
        "admin/facilities.html",
        editor,
        q=q,
        results=results,
        limit=SEARCH_LIMIT,
    )


# Moderating reports --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why a form on a list page (queue, photos) was refused, and what it held."""

    item_id: int
    name: str  # the form field at fault
    message: str
    values: dict[str, str] = field(default_factory=dict)
    anchor: str = ""  # the control the error summary links to, if it is on the page


# The hint of the queue's "correct value" box, after what the field is.
KEEP_FIELD = "Leave it empty to accept the report without changing the field."


def _correction_box(row: dict[str, Any]) -> dict[str, str] | None:
    """The label and hint of the "correct value" box of an `information_wrong` report, if the
    field it names is one the editing form sets."""
    spec = edit_form.SPECS.get(row["field"] or "")
    if row["kind"] != ReportKind.information_wrong or spec is None:
        return None
    hint = f"{edit_form.typing_hint(spec)} {KEEP_FIELD}".strip()
    return {"label": f"Correct value for {spec.label}", "hint": hint}


def _report_view(row: dict[str, Any]) -> dict[str, Any]:
    """A report as the queue says it: words for its kind and item, UK times, and what
    accepting it may also set."""
    return {
        "id": row["id"],
        "reference": reference(row["id"]),
        "facility_id": row["facility_id"],
        "facility_name": row["facility_name"] or row["facility_id"],
        "kind": ReportKind.words_of(row["kind"]),
        "item": ReportItem.words_of(row["item"]) if row["item"] else None,
        "field": edit_form.field_label(row["field"]) if row["field"] else None,
        "correction": row["correction"],
        "details": row["details"],
        "seen_at": _when(row["seen_at"]),
        "seen_iso": row["seen_at"].isoformat(),
        "created_at": _when(row["created_at"]),
        "created_iso": row["created_at"].isoformat(),
        "email": row["email"],
        "correction_box": _correction_box(row),
        "may_close": row["kind"] == ReportKind.closed_or_locked,
    }


async def _queue(pool: asyncpg.Pool) -> dict[str, Any]:
    """What the queue shows: the open reports, newest first, and the decisions."""
    rows = await report_store.open_reports(pool)
    return {
        "reports": [_report_view(row) for row in rows],
        "limit": report_store.OPEN_LIMIT,
        "decisions": list(Decision),
    }


@router.get("/admin/queue", response_class=HTMLResponse)
async def queue(
    request: Request, pool: Db, templates: Templates, sign: SignerDep, editor: Editor
) -> HTMLResponse:
    """Open reports, newest first, each with its decision form."""
    editor.require(Scope.reports_moderate)
    return await _list_page(request, pool, templates, editor, "queue", note=_note(request, sign))


@dataclass(frozen=True)
class AlsoSet:
    """What accepting a report also changes on the facility, asked for by one control."""

    control: str  # the form control that asked for it
    change: dict[str, Any]  # the properties to set
    words: str  # what the note after saving says was done


def _also_set(report: dict[str, Any] | None, value: str, close: str, reason: str) -> AlsoSet | None:
    """The value an `information_wrong` report's field should have, or the closure a
    `closed_or_locked` one found, if the editor asked for it; ValueError says what is wrong
    with the value, naming the field."""
    if report and _correction_box(report) and value.strip():
        name = report["field"]
        words = f"{edit_form.field_label(name)} is now {value.strip()}"
        return AlsoSet("value", {name: edit_form.parse_value(name, value)}, words)
    if report and report["kind"] == ReportKind.closed_or_locked and close == "yes":
        closed = {"status": Status.temporarily_closed.value, "status_note": reason}
        return AlsoSet("close", closed, "the facility is marked temporarily closed")
    return None


def _decision_refused(
    exc: LocatorError | ValidationError, also: AlsoSet | None
) -> tuple[int, str, str]:
    """A refused decision's status, the control at fault and what to say. What accepting would
    also have set is refused at the control that asked for it, naming the field."""
    if isinstance(exc, ValidationError) or (
        also and isinstance(exc, BadParameter) and exc.field != "duplicate_of"
    ):
        control = also.control if also else "decision"
        return 422, control, " ".join(edit_form.errors_of(exc).values())
    return _refused(exc).status, exc.field or "decision", exc.detail


def _report_number(text: str) -> int | None:
    """12 from `12` or `R12`."""
    digits = text.strip().removeprefix("R").removeprefix("r")
    if not digits.isdigit() or not 1 <= int(digits) < 2**31:
        return None
    return int(digits)


@router.post("/admin/reports/{report_id}/decision", response_class=HTMLResponse)
async def decide_report(
    request: Request,
    pool: Db,
    templates: Templates,
    sign: SignerDep,
    editor: FormEditor,
    report_id: ReportId,
    decision: FormText = "",
    reason: FormText = "",
    duplicate_of: FormText = "",
    value: FormText = "",
    close: FormText = "",
) -> Response:
    """Accept, reject or mark a duplicate, with a reason; accepting may also set the field the
    report corrects, or mark the facility closed. Refusals show on the queue."""
    editor.require(Scope.reports_moderate)
    values = {
        "decision": decision,
        "reason": reason,
        "duplicate_of": duplicate_of,
        "value": value,
        "close": close,
    }

    async def refuse(status: int, name: str, message: str) -> HTMLResponse:
        anchor = f"d-{report_id}-{'accept' if name == 'decision' else name}"
        shown = name in values
        said = f"{reference(report_id)}: {message}"
        problem = Problem(report_id, name, said, values, anchor if shown else "")
        return await _list_page(request, pool, templates, editor, "queue", status, problem=problem)

    if decision not in Decision.values():
        return await refuse(422, "decision", "Choose accept, reject or duplicate")
    reason = reason.strip()
    if not REASON_LENGTH[0] <= len(reason) <= REASON_LENGTH[1]:
        return await refuse(
            422, "reason", f"Give a reason of {REASON_LENGTH[0]} to {REASON_LENGTH[1]} characters"
        )
    repeats = None
    if decision == Decision.duplicate:
        repeats = _report_number(duplicate_of)
        if repeats is None:
            return await refuse(
                422, "duplicate_of", "Give the number of the report this one repeats, e.g. R12"
            )
    asked = await report_store.report(pool, report_id) if value.strip() or close else None
    try:
        also = _also_set(asked, value, close, reason)
    except ValueError as exc:
        return await refuse(422, "value", str(exc))
    try:
        async with pool.acquire() as conn:
            await report_store.decide(
                conn,
                report_id,
                Decision(decision),
                reason,
                editor.actor,
                repeats,
                also.change if also else None,
            )
    except (NotFound, Conflict, BadParameter, ValidationError) as exc:
        return await refuse(*_decision_refused(exc, also))
    done = {
        Decision.accept: "accepted",
        Decision.reject: "rejected",
        Decision.duplicate: f"marked as a duplicate of {reference(repeats or 0)}",
    }[Decision(decision)]
    if also:
        done += f"; {also.words}"
    note = f"{reference(report_id)} {done}"
    return RedirectResponse(_noted("/admin/queue", sign, note), status_code=303)


# Editing a facility --------------------------------------------------------------------------


def _state_words(state: dict[str, Any]) -> str:
    """`Hoist: not working since 3 Nov 2026 (motor fault); public report #12, not confirmed`."""
    working = {True: "working", False: "not working", None: "unknown"}[state["working"]]
    text = f"{EquipmentItem.words_of(state['item'])}: {working}"
    if state.get("reported_at"):
        text += f" since {date_words(state['reported_at'])}"
    if state.get("reason"):
        text += f" ({state['reason']})"
    if state.get("source"):
        text += f"; source: {state['source']}"
    if not state.get("confirmed", True):
        text += "; not yet confirmed by an editor"
    if state.get("stale"):
        text += "; old, so it may no longer be true"
    return text


def _edit_page(
    request: Request,
    templates: Jinja2Templates,
    editor: Principal,
    feature: dict[str, Any],
    form: edit_form.EditForm,
    status: int = 200,
    note: str | None = None,
) -> HTMLResponse:
    """The editing page: the facility, its forms as `form` holds them, and what is wrong."""
    return _page(
        request,
        templates,
        "admin/edit.html",
        editor,
        status,
        f=words.view(feature),
        p=feature["properties"],
        states=[_state_words(state) for state in feature["properties"]["equipment_status"]],
        fields=edit_form.FIELDS,
        form=form,
        original=edit_form.original_field(form),
        error_links=edit_form.error_links(form),
        items=edit_form.STATE_CONTROLS,
        working=edit_form.WORKING_WORDS,
        subjects=list(PhotoSubject),
        how_verified=HOW_VERIFIED,
        max_mb=f"{request.app.state.settings.photo_max_bytes / 1_048_576:g}",
        note=note,
    )


async def _facility_or_404(pool: asyncpg.Pool, facility_id: str) -> dict[str, Any]:
    """The facility as a feature, or a 404 page saying it is not there."""
    feature = await facilities.facility(pool, facility_id)
    if feature is None:
        raise Refused(
            404,
            "Facility not found",
            f"There is no facility '{facility_id}'. It may have been removed.",
        )
    return feature


@router.get("/admin/facilities/{facility_id}/edit", response_class=HTMLResponse)
async def edit_facility(
    request: Request,
    pool: Db,
    templates: Templates,
    sign: SignerDep,
    editor: Editor,
    facility_id: FacilityId,
) -> HTMLResponse:
    """Every editable field, the verification buttons, the photo form and the door sign."""
    editor.require(Scope.facilities_write)
    feature = await _facility_or_404(pool, facility_id)
    form = edit_form.fresh_form(feature)
    return _edit_page(request, templates, editor, feature, form, note=_note(request, sign))


@router.post("/admin/facilities/{facility_id}/edit", response_class=HTMLResponse)
async def save_facility(
    request: Request,
    pool: Db,
    templates: Templates,
    editor: FormEditor,
    facility_id: FacilityId,
) -> Response:
    """Save what the editor changed, with its source, against the version they started from."""
    editor.require(Scope.facilities_write)
    posted = _texts(await request.form())
    feature = await _facility_or_404(pool, facility_id)
    try:
        form = edit_form.posted_form(posted, feature)
    except ValueError as exc:
        raise Refused(422, "This form could not be used", str(exc)) from None
    changes = edit_form.checked_changes(form, feature)
    if form.errors:
        return _edit_page(request, templates, editor, feature, form, 422)
    if not changes:
        note = "Nothing was different from what is stored, so nothing was saved."
        return _edit_page(request, templates, editor, feature, form, note=note)
    try:
        change = edit_form.facility_change(form, changes)
        async with pool.acquire() as conn:
            await edit_store.change(conn, facility_id, form.version, change, editor.actor)
    except VersionConflict:
        feature = await _facility_or_404(pool, facility_id)
        retry = edit_form.retry_form(form, feature)
        return _edit_page(request, templates, editor, feature, retry, 412)
    except (ValidationError, BadParameter) as exc:
        form.errors = edit_form.errors_of(exc)
        return _edit_page(request, templates, editor, feature, form, 422)
    return RedirectResponse(f"/facilities/{facility_id}", status_code=303)


@router.post("/admin/facilities/{facility_id}/verify")
async def verify_facility(
    pool: Db, editor: FormEditor, facility_id: FacilityId, how: FormText = ""
) -> Response:
    """Someone confirmed the whole record today, on site or by phone."""
    editor.require(Scope.facilities_write)
    if how not in HOW_VERIFIED:
        raise Refused(422, "This form could not be used", "Say how it was verified.")
    async with pool.acquire() as conn:
        await edit_store.verify(conn, facility_id, how, editor.actor)
    return RedirectResponse(f"/facilities/{facility_id}", status_code=303)


@router.post("/admin/facilities/{facility_id}/photos", response_class=HTMLResponse)
async def upload_photo(
    request: Request,
    pool: Db,
    settings: AppSettings,
    templates: Templates,
    sign: SignerDep,
    editor: FormEditor,
    facility_id: FacilityId,
) -> Response:
    """A photo with its alt text, cleaned of EXIF, waiting for approval."""
    editor.require(Scope.photos_write)
    posted = await request.form()
    feature = await _facility_or_404(pool, facility_id)
    upload = posted.get("file")
    texts = _texts(posted)
    values = {name: texts.get(name, "").strip() for name in ("alt_text", "subject")}
    errors: dict[str, str] = {}
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "Photo: choose a JPEG, PNG or WebP image to upload"
    low, high = ALT_TEXT_LENGTH
    if not low <= len(values["alt_text"]) <= high:
        errors["alt_text"] = f"Alt text: describe the photo in {low} to {high} characters"
    if values["subject"] not in PhotoSubject.values():
        errors["subject"] = "What the photo shows: choose the room or the way in"
    if errors or not isinstance(upload, UploadFile):
        form = edit_form.fresh_form(feature)
        form.photo, form.photo_errors = values, errors
        return _edit_page(request, templates, editor, feature, form, 422)
    data = await upload.read(settings.photo_max_bytes + 1)
    edit_url = f"/admin/facilities/{facility_id}/edit"
    try:
        await uploads.accept_photo(
            pool, settings, editor, facility_id, data, values["alt_text"], values["subject"]
        )
    except (TooLarge, Unsupported) as exc:
        refused = _refused(exc)
        refused.back = (edit_url, f"Back to editing {feature['properties']['name']}")
        raise refused from None
    note = "Photo waiting for approval: it shows once an editor approves it on the Photos page."
    return RedirectResponse(_noted(edit_url, sign, note), status_code=303)


@router.get("/admin/facilities/{facility_id}/sign.{fmt}")
async def sign_file(
    pool: Db, settings: AppSettings, editor: Editor, facility_id: FacilityId, fmt: SignFormat
) -> Response:
    """The facility's A5 door sign (PDF or PNG), as a download."""
    editor.require(Scope.facilities_write)
    feature = await _facility_or_404(pool, facility_id)
    report_url, short_url = door_sign_urls(settings.public_url, facility_id)
    name = feature["properties"]["name"]
    content = await run_in_threadpool(door_sign, name, report_url, short_url, fmt)
    return Response(
        content,
        media_type="application/pdf" if fmt == "pdf" else "image/png",
        headers={"content-disposition": f'attachment; filename="sign-{facility_id}.{fmt}"'},
    )


# Moderating photos ---------------------------------------------------------------------------


def _thumb_size(width: int, height: int) -> tuple[int, int]:
    """The thumbnail's size, so the page keeps its place while the image loads."""
    scale = min(1.0, images.THUMB_SIDE_PX / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


async def _photos(pool: asyncpg.Pool) -> dict[str, Any]:
    """What the photos page shows: the photos waiting for approval, oldest first."""
    rows = await photo_store.pending(pool)
    found = await facilities.by_ids(pool, sorted({row["facility_id"] for row in rows}))
    names = {row["id"]: row["name"] for row in found}
    photos = [
        {
            "id": row["id"],
            "facility_id": row["facility_id"],
            "facility_name": names.get(row["facility_id"], row["facility_id"]),
            "alt_text": row["alt_text"],
            "subject": PhotoSubject.words_of(row["subject"]),
            "size": _thumb_size(row["width"], row["height"]),
            "uploaded": _when(row["created_at"]),
            "uploaded_by": row["uploaded_by"],
        }
        for row in rows
    ]
    return {"photos": photos}


@router.get("/admin/photos", response_class=HTMLResponse)
async def photos_page(
    request: Request, pool: Db, templates: Templates, sign: SignerDep, editor: Editor
) -> HTMLResponse:
    """Photos waiting for approval, oldest first."""
    editor.require(Scope.photos_write)
    return await _list_page(request, pool, templates, editor, "photos", note=_note(request, sign))


@router.get("/admin/photos/{photo_id}/thumb")
async def pending_thumb(pool: Db, settings: AppSettings, _: Editor, photo_id: PhotoId) -> Response:
    """A waiting photo's thumbnail, for editors only (the public sees approved photos only)."""
    row = await photo_store.by_id(pool, photo_id)
    waiting = row if row and row["state"] == "pending" else None
    path = images.file_path(settings.photo_dir, waiting["digest"], thumb=True) if waiting else None
    if path is None or not path.exists():
        raise NotFound(f"No photo #{photo_id} is waiting for approval", field="photo_id")
    return FileResponse(path, media_type="image/jpeg")


@router.post("/admin/photos/{photo_id}/decision", response_class=HTMLResponse)
async def decide_photo(
    request: Request,
    pool: Db,
    templates: Templates,
    sign: SignerDep,
    editor: FormEditor,
    photo_id: PhotoId,
    approve: FormText = "",
) -> Response:
    """Approve (it shows on the facility's page) or reject a photo."""
    editor.require(Scope.photos_write)
    if approve not in ("yes", "no"):
        problem = Problem(photo_id, "approve", f"Photo #{photo_id}: choose approve or reject")
        return await _list_page(request, pool, templates, editor, "photos", 422, problem=problem)
    try:
        async with pool.acquire() as conn:
            await photo_store.decide(conn, photo_id, approve == "yes", editor.actor)
    except (NotFound, Conflict) as exc:
        problem = Problem(photo_id, "approve", exc.detail)  # the photo is no longer waiting
        status = _refused(exc).status
        return await _list_page(request, pool, templates, editor, "photos", status, problem=problem)
    if approve == "yes":
        note = f"Photo #{photo_id} approved: it now shows on the facility's page."
    else:
        note = f"Photo #{photo_id} rejected: nobody else will see it."
    return RedirectResponse(_noted("/admin/photos", sign, note), status_code=303)
