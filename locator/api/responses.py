"""Response classes and the OpenAPI description of what the routes return."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import orjson
from fastapi.responses import Response
from pydantic import BaseModel, Field

from locator import schema


class GeoJSONResponse(Response):
    """`application/geo+json`, serialised with orjson."""

    media_type = "application/geo+json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def feature_collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with foreign members such as `numberReturned`."""
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        **members,
    }


class Point(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(
        description="[longitude, latitude], WGS84", min_length=2, max_length=2
    )


class EquipmentStatusOut(schema.EquipmentStatus):
    reported_at: dt.datetime | None = None  # type: ignore[assignment]


class Directions(BaseModel):
    geo: str = Field(description="`geo:` URI for the phone's own maps app")
    openstreetmap: str
    google: str
    apple: str


class FacilityPropertiesOut(schema.FacilityProperties):
    """Every attribute; `null` means not known."""

    equipment_status: list[EquipmentStatusOut] = Field(default_factory=list)  # type: ignore[assignment]
    grade: schema.Grade | None = Field(
        description="Derived from measured fields; null when the fields it needs are not known."
    )
    open: bool | None = Field(
        description="Open at the asked time (open_at) or now, in Europe/London; null: hours not known."
    )
    distance_m: float | None = Field(
        default=None, description="Geodesic distance on the WGS84 spheroid, metres (nearest only)."
    )
    directions: Directions


class FeatureOut(BaseModel):
    type: Literal["Feature"]
    id: str = Field(description="The facility's stable id (slug).")
    geometry: Point
    properties: FacilityPropertiesOut


class FeatureCollectionOut(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]
    numberReturned: int


class ErrorOut(BaseModel):
    detail: str = Field(description="What is wrong, in words.")
    field: str | None = Field(default=None, description="The parameter at fault.")
    allowed: str | None = Field(default=None, description="What that parameter accepts.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorOut,
        "description": "A parameter is not acceptable; the body says which and what is allowed.",
    },
    503: {
        "model": ErrorOut,
        "description": "The database is not reachable; retry after Retry-After seconds.",
    },
}
