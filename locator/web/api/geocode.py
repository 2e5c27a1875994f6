"""GET /api/v1/geocode: a postcode, district, ward, place or facility name as a point."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from locator.services import geocode
from locator.web.deps import AppSettings, ReadDb
from locator.web.responses import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["geocoding"])


class PlaceOut(BaseModel):
    name: str = Field(description="What was found, e.g. `CV1 1FY`, `CV1 1` or `Earlsdon`.")
    kind: str = Field(
        description="postcode, sector, district, ward, place, facility, online or coordinates "
        "(typed as `52.40,-1.51`)."
    )
    lat: float
    lon: float
    approximate: bool = Field(description="true: the point stands in for a larger area.")
    error_m: int = Field(description="How far the place searched for may be from the point.")
    source: str
    note: str | None = Field(description="Why the answer is approximate, in words.")


@router.get(
    "/geocode",
    response_model=PlaceOut,
    responses={404: ERROR_RESPONSES[422] | {"description": "Nothing matched; see suggestions."}},
    summary="Find a postcode or place",
)
async def find_place(
    pool: ReadDb,
    settings: AppSettings,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="Postcode (any spacing or case), district, ward, place or facility name, "
            "or coordinates (`52.40,-1.51`).",
            examples=["CV1 1FY"],
        ),
    ],
) -> dict[str, Any]:
    """The best point for `q`. Works offline; the query is never logged or stored."""
    place = await geocode.geocode(pool, q, settings)
    return place.as_json()
