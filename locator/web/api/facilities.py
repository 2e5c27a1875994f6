"""GET /api/v1/facilities and /api/v1/facilities/{id}: browse and look up facilities."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query

from locator.domain.errors import NotFound
from locator.domain.features import FacilityCollection, FacilityFeature, feature_collection
from locator.domain.filters import parse_bbox
from locator.store import facilities as store
from locator.web.deps import BboxParam, FacilityId, FilterDep, QueryModelRoute, ReadDb
from locator.web.http import version_etag
from locator.web.responses import ERROR_RESPONSES, GeoJSONResponse

router = APIRouter(prefix="/api/v1", tags=["facilities"], route_class=QueryModelRoute)


@router.get(
    "/facilities",
    response_model=FacilityCollection,
    response_class=GeoJSONResponse,
    responses=ERROR_RESPONSES,
    summary="List facilities",
)
async def list_facilities(
    pool: ReadDb,
    filters: FilterDep,
    bbox: BboxParam = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size (1-1000).")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="How many matches to skip.")] = 0,
) -> GeoJSONResponse:
    """Facilities in id order with the same filters as nearest, a page at a time."""
    filters = dataclasses.replace(filters, bbox=parse_bbox(bbox))
    features = await store.listing(pool, filters, limit, offset)
    return GeoJSONResponse(feature_collection(features))


@router.get(
    "/facilities/{facility_id}",
    response_model=FacilityFeature,
    response_class=GeoJSONResponse,
    responses={
        404: ERROR_RESPONSES[422] | {"description": "No facility has this id."},
        503: ERROR_RESPONSES[503],
    },
    summary="One facility",
)
async def get_facility(pool: ReadDb, facility_id: FacilityId) -> GeoJSONResponse:
    """Everything known about one facility, including what is not known and its sources.

    The ETag names the facility's version: send it back as `If-Match` to change the facility.
    """
    return await facility_answer(pool, facility_id)


async def facility_answer(
    pool: asyncpg.Pool, facility_id: str, status: int = 200
) -> GeoJSONResponse:
    """One facility with its version ETag (what If-Match is checked against); revalidated by
    clients every time, so edits and reports show at once. Writes answer with it too."""
    feature = await store.facility(pool, facility_id)
    if feature is None:
        raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
    response = GeoJSONResponse(feature, status_code=status)
    response.headers["etag"] = version_etag(feature["properties"]["version"], bytes(response.body))
    response.headers["cache-control"] = "public, no-cache"
    return response
