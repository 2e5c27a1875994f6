"""GET /api/v1/nearest: the facilities nearest to a point, nearest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field

from locator.domain.features import FacilityCollection, feature_collection
from locator.domain.filters import FilterParams
from locator.store import nearest as store
from locator.web.deps import QueryModelRoute, ReadDb, query_model
from locator.web.responses import ERROR_RESPONSES, GeoJSONResponse

router = APIRouter(prefix="/api/v1", tags=["facilities"], route_class=QueryModelRoute)


class NearestParams(FilterParams):
    """Where the user is and how many answers they want, plus the facility filters."""

    lat: float = Field(
        ge=-90,
        le=90,
        description="Latitude, WGS84 decimal degrees (-90 to 90).",
        examples=[52.4081],
    )
    lon: float = Field(
        ge=-180,
        le=180,
        description="Longitude, WGS84 decimal degrees (-180 to 180).",
        examples=[-1.5106],
    )
    limit: int = Field(default=5, ge=1, le=50, description="How many facilities (1-50).")
    max_distance_m: float | None = Field(
        default=None,
        gt=0,
        le=1_000_000,
        description="Only facilities within this many metres (up to 1,000,000).",
    )


@router.get(
    "/nearest",
    response_model=FacilityCollection,
    response_class=GeoJSONResponse,
    responses=ERROR_RESPONSES,
    summary="Nearest facilities to a point",
)
async def nearest(
    pool: ReadDb, params: Annotated[NearestParams, Depends(query_model(NearestParams))]
) -> GeoJSONResponse:
    """Facilities ordered by geodesic distance (WGS84 spheroid) from the point, filtered.

    Each feature carries every attribute (`null` = not known), `distance_m`, `open` at the asked
    time and links for directions. The point is used for this answer only: it is never logged or
    stored.
    """
    features = await store.nearest(
        pool, params.lat, params.lon, params.filters(), params.limit, params.max_distance_m
    )
    return GeoJSONResponse(feature_collection(features))
