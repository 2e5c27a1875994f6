"""GET /api/v1/facilities and /api/v1/facilities/{id}: browse and look up facilities."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path, Query

from locator import queries
from locator.api.deps import Db, FilterDep
from locator.api.responses import (
    ERROR_RESPONSES,
    FeatureCollectionOut,
    FeatureOut,
    GeoJSONResponse,
    feature_collection,
)
from locator.errors import BadParameter, NotFound

router = APIRouter(prefix="/api/v1", tags=["facilities"])

BBOX_ALLOWED = "minLon,minLat,maxLon,maxLat in WGS84 degrees, with min < max"


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """`minLon,minLat,maxLon,maxLat` as four floats, checked."""
    if raw is None:
        return None
    try:
        parts = tuple(float(p) for p in raw.split(","))
    except ValueError:
        raise BadParameter(
            "bbox must be four numbers", field="bbox", allowed=BBOX_ALLOWED
        ) from None
    if len(parts) != 4 or any(p != p or p in (float("inf"), float("-inf")) for p in parts):
        raise BadParameter("bbox must be four finite numbers", field="bbox", allowed=BBOX_ALLOWED)
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise BadParameter(
            "bbox is out of range or has min >= max", field="bbox", allowed=BBOX_ALLOWED
        )
    return minx, miny, maxx, maxy


BboxParam = Annotated[
    str | None,
    Query(
        description=f"Only facilities inside this box: {BBOX_ALLOWED}.",
        examples=["-1.62,52.36,-1.40,52.46"],
    ),
]


@router.get(
    "/facilities",
    response_model=FeatureCollectionOut,
    response_class=GeoJSONResponse,
    responses=ERROR_RESPONSES,
    summary="List facilities",
)
async def list_facilities(
    pool: Db,
    filters: FilterDep,
    bbox: BboxParam = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size (1-1000).")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="How many matches to skip.")] = 0,
) -> GeoJSONResponse:
    """Facilities in id order with the same filters as nearest, a page at a time."""
    filters = dataclasses.replace(filters, bbox=parse_bbox(bbox))
    features = await queries.listing(pool, filters, limit, offset)
    return GeoJSONResponse(feature_collection(features))


@router.get(
    "/facilities/{facility_id}",
    response_model=FeatureOut,
    response_class=GeoJSONResponse,
    responses={
        404: ERROR_RESPONSES[422] | {"description": "No facility has this id."},
        503: ERROR_RESPONSES[503],
    },
    summary="One facility",
)
async def get_facility(
    pool: Db,
    facility_id: Annotated[
        str,
        Path(
            max_length=120,
            pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
            description="The facility's id: a lower-case slug, e.g. `central-library`.",
        ),
    ],
) -> GeoJSONResponse:
    """Everything known about one facility, including what is not known and its sources."""
    feature = await queries.facility(pool, facility_id)
    if feature is None:
        raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
    return GeoJSONResponse(feature)
