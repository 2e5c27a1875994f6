"""Errors as HTTP: each domain error's status code, one JSON body shape, in one place.

Bodies look like `{"detail": "...", "field": "lat", "allowed": "-90 to 90"}`. Database failures
become 503 without echoing the statement or its parameters (they hold the user's position).
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from locator.domain.errors import (
    BadParameter,
    Conflict,
    LocatorError,
    NotAllowed,
    NotFound,
    NotSignedIn,
    TooLarge,
    TooMany,
    Unsupported,
    VersionConflict,
    VersionRequired,
)
from locator.store.connection import DATABASE_ERRORS
from locator.web.logs import Throttled

log = logging.getLogger("locator")
outage_log = Throttled(log)


# The status code for each domain error; the body is the error's own.
STATUS: dict[type[LocatorError], int] = {
    BadParameter: 422,
    NotFound: 404,
    NotSignedIn: 401,
    NotAllowed: 403,
    Conflict: 409,
    VersionConflict: 412,
    TooLarge: 413,
    Unsupported: 415,
    VersionRequired: 428,
    TooMany: 429,
    LocatorError: 400,
}

UNAVAILABLE = "The facility database is not reachable just now. Please try again in a few seconds."


DATE_TIME = "an ISO 8601 date-time, e.g. 2026-11-23T14:30 (Europe/London)"


def _allowed(error: dict[str, Any]) -> str | None:
    """Say what a pydantic validation error would have accepted."""
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    bounds = []
    for key, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            bounds.append(f"{word} {ctx[key]}")
    if bounds:
        return "a number " + " and ".join(bounds)
    if "expected" in ctx:
        return f"one of {ctx['expected']}"
    if "pattern" in ctx:
        return f"text matching {ctx['pattern']}"
    if "max_length" in ctx:
        return f"at most {ctx['max_length']} characters"
    return {
        "float_parsing": "a number",
        "float_type": "a number",
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "bool_parsing": "true or false",
        "datetime_from_date_parsing": DATE_TIME,
        "datetime_parsing": DATE_TIME,
        "missing": "a value (this parameter is required)",
        "finite_number": "a finite number",
    }.get(kind)


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    problems = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
        problems.append(
            {
                "field": ".".join(location) or None,
                "message": error.get("msg", "invalid"),
                "allowed": _allowed(error),
            }
        )
    first = problems[0] if problems else {"field": None, "message": "invalid request"}
    body: dict[str, Any] = {
        "detail": f"Invalid parameter '{first['field']}': {first['message']}",
        "field": first["field"],
        "allowed": first.get("allowed"),
        "errors": problems,
    }
    return body


def body_error(exc: ValidationError, *where: str) -> RequestValidationError:
    """A pydantic error about part of a request body, as the 422 every route gives."""
    errors = [dict(e, loc=("body", *where, *e["loc"])) for e in exc.errors(include_url=False)]
    return RequestValidationError(errors)


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into JSON bodies."""

    @app.exception_handler(LocatorError)
    async def _domain_error(_: Request, exc: LocatorError) -> JSONResponse:
        status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
        headers = {}
        if isinstance(exc, NotSignedIn):
            headers["WWW-Authenticate"] = 'Bearer realm="locator"'
        if isinstance(exc, TooMany):
            headers["Retry-After"] = str(exc.retry_after_s)
        return JSONResponse(exc.body(), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation_body(exc), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    async def _database_down(_: Request, exc: Exception) -> JSONResponse:
        outage_log.warning(type(exc).__name__, f"database unavailable: {type(exc).__name__}")
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503, headers={"Retry-After": "5"})

    for error_class in DATABASE_ERRORS:
        app.add_exception_handler(error_class, _database_down)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__)
        return JSONResponse({"detail": "Internal error"}, status_code=500)

    @app.exception_handler(asyncpg.PostgresError)
    async def _postgres(request: Request, exc: asyncpg.PostgresError) -> JSONResponse:
        if isinstance(exc, DATABASE_ERRORS):
            return await _database_down(request, exc)
        if isinstance(exc, asyncpg.DataError):
            # Validation should catch these first; this keeps any that slip through a 4xx.
            body = {"detail": "A parameter holds a value the database cannot accept"}
            return JSONResponse(body, status_code=422)
        log.error("database error: %s", type(exc).__name__)
        return JSONResponse({"detail": "Internal error"}, status_code=500)
