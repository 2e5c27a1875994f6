"""Editors' writes through the API: add, change against a version, verify, delete (tokens only).

A change must carry the ETag it was made against (`If-Match`): 428 without it, 412 when someone
else changed the facility meanwhile. Nothing is deleted silently: a delete keeps a tombstone.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import BaseModel, Field, ValidationError

from locator.domain.edits import FacilityChange, NewFacility
from locator.domain.errors import BadParameter, VersionRequired
from locator.domain.vocabulary import Scope
from locator.services.auth import Principal
from locator.store import edits as store
from locator.web.api.facilities import facility_answer
from locator.web.auth import api_writer
from locator.web.deps import Db, FacilityId
from locator.web.errors import body_error
from locator.web.http import version_of
from locator.web.responses import ERROR_RESPONSES, WRITE_RESPONSES, GeoJSONResponse

router = APIRouter(prefix="/api/v1", tags=["editing"])

Writer = Annotated[Principal, api_writer(Scope.facilities_write)]
Deleter = Annotated[Principal, api_writer(Scope.facilities_delete)]
IF_MATCH_ALLOWED = 'the ETag of GET /api/v1/facilities/{id}, e.g. W/"v7-1a2b3c"'
CONFLICT = {"content": ERROR_RESPONSES[422]["content"]}


class VerificationIn(BaseModel):
    """How the whole record was confirmed today."""

    how: Literal["on_site", "by_phone"] = Field(description="on_site or by_phone")


@router.post(
    "/facilities",
    status_code=201,
    response_class=GeoJSONResponse,
    responses={409: CONFLICT | {"description": "The id is taken."}, **WRITE_RESPONSES},
    summary="Add a facility (editors)",
)
async def add_facility(
    pool: Db, writer: Writer, new: Annotated[NewFacility, Body()]
) -> GeoJSONResponse:
    """A whole record with its source; needs a token with `facilities:write`."""
    async with pool.acquire() as conn:
        await store.add(conn, new, writer.actor)
    answer = await facility_answer(pool, new.facility.id, status=201)
    answer.headers["location"] = f"/api/v1/facilities/{new.facility.id}"
    return answer


@router.patch(
    "/facilities/{facility_id}",
    response_class=GeoJSONResponse,
    responses={
        404: CONFLICT | {"description": "No such facility."},
        412: CONFLICT | {"description": "Someone else changed it since your If-Match version."},
        428: CONFLICT | {"description": "If-Match is missing."},
        **WRITE_RESPONSES,
    },
    summary="Change a facility (editors)",
)
async def change_facility(
    pool: Db,
    writer: Writer,
    facility_id: FacilityId,
    change: Annotated[FacilityChange, Body()],
    if_match: Annotated[str | None, Header(description=f"Required: {IF_MATCH_ALLOWED}.")] = None,
) -> GeoJSONResponse:
    """Set properties (`null`: not known) with a source; closing needs a `status_note`.

    Closures: `{"status": "temporarily_closed", "status_note": "...", "reopens_on": "..."}` or
    `{"status": "permanently_closed", "status_note": "why"}`: the record stays.
    """
    if if_match is None:
        raise VersionRequired(
            "Changes must say which version they were made against", "If-Match", IF_MATCH_ALLOWED
        )
    expected = version_of(if_match)
    if expected is None:
        raise BadParameter("If-Match does not name a version", "If-Match", IF_MATCH_ALLOWED)
    async with pool.acquire() as conn:
        try:
            await store.change(conn, facility_id, expected, change, writer.actor)
        except ValidationError as exc:
            raise body_error(exc, "set") from None
    return await facility_answer(pool, facility_id)


@router.post(
    "/facilities/{facility_id}/verification",
    response_class=GeoJSONResponse,
    responses={404: CONFLICT | {"description": "No such facility."}, **WRITE_RESPONSES},
    summary="Say the record was confirmed today (editors)",
)
async def verify_facility(
    pool: Db, writer: Writer, facility_id: FacilityId, body: Annotated[VerificationIn, Body()]
) -> GeoJSONResponse:
    """Sets `last_verified` to today and `verified_by` to who and how."""
    async with pool.acquire() as conn:
        await store.verify(conn, facility_id, body.how, writer.actor)
    return await facility_answer(pool, facility_id)


@router.delete(
    "/facilities/{facility_id}",
    status_code=204,
    responses={404: CONFLICT | {"description": "No such facility."}, **WRITE_RESPONSES},
    summary="Delete a facility, keeping a tombstone (admins)",
)
async def delete_facility(
    pool: Db,
    admin: Deleter,
    facility_id: FacilityId,
    reason: Annotated[str, Query(min_length=3, max_length=500, description="Why.")],
) -> Response:
    """Prefer `status: permanently_closed`; delete only what never existed (a duplicate, a
    test). The last record, who and why are kept; the change feed announces it."""
    async with pool.acquire() as conn:
        await store.delete(conn, facility_id, reason, admin.actor)
    return Response(status_code=204)
