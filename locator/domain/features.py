"""GeoJSON, one way: the feature models every route declares (geojson-pydantic, as tipg does) and
the functions that build the features those routes return.

Handlers return plain dicts for speed (orjson); the models say exactly what the dicts hold, the
OpenAPI document and the OGC schemas are derived from them, and schemathesis checks the two agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import BaseModel, Field

from locator.domain import hours
from locator.domain.grading import derive_grade
from locator.domain.record import EquipmentStatus, FacilityProperties
from locator.domain.vocabulary import Grade

COORDINATE_DECIMALS = 6  # about 0.1 m
# The record's properties other than its equipment states (those are rows of their own).
PROPERTY_NAMES = [name for name in FacilityProperties.model_fields if name != "equipment_status"]


class EquipmentStatusOut(EquipmentStatus):
    """An item's state as answers give it (stored times come back in UTC)."""

    reported_at: dt.datetime | None = None
    stale: bool = Field(
        description="The state is older than the service's age limit (90 days unless set) or "
        "undated: it is the last known state, not the current one, and filters count it as "
        "unknown."
    )


class Directions(BaseModel):
    """Links that open directions to the facility; the user's own position is never put in."""

    geo: str = Field(description="`geo:` URI for the phone's own maps app")
    openstreetmap: str
    google: str
    apple: str


class FacilityPropertiesOut(FacilityProperties):
    """Every attribute; `null` means not known."""

    equipment_status: list[EquipmentStatusOut] = Field(default_factory=list)  # type: ignore[assignment]
    grade: Grade | None = Field(
        description="Derived from measured fields; null when the fields it needs are not known."
    )
    open: bool | None = Field(
        description="Open at the asked time (open_at) or now, in Europe/London; "
        "null: hours not known."
    )
    distance_m: float | None = Field(
        default=None,
        ge=0,
        description="Geodesic distance on the WGS84 spheroid, metres (nearest only).",
        examples=[412.7],
    )
    directions: Directions
    version: int = Field(
        ge=1,
        description="Goes up with every change to the facility, its equipment states included "
        "(the ETag and If-Match of /api/v1/facilities/{id} carry it).",
    )


class FacilityFeature(Feature[Point, FacilityPropertiesOut]):
    """A facility as a GeoJSON Feature."""

    id: str = Field(description="The facility's stable id (slug).", examples=["central-library"])


class FacilityCollection(FeatureCollection[FacilityFeature]):
    """Facilities as a GeoJSON FeatureCollection."""

    numberReturned: int = Field(ge=0, description="How many features this response holds.")


def point(lon: float, lat: float) -> dict[str, Any]:
    """A GeoJSON Point, rounded to about 0.1 m."""
    return {
        "type": "Point",
        "coordinates": [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)],
    }


def feature(
    fid: str | None, geometry: dict[str, Any] | None, properties: dict[str, Any]
) -> dict[str, Any]:
    """A GeoJSON Feature (its `id` left out when it has none)."""
    out: dict[str, Any] = {"type": "Feature"}
    if fid is not None:
        out["id"] = fid
    out["geometry"] = geometry
    out["properties"] = properties
    return out


def feature_collection(features: Sequence[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection with foreign members such as `numberMatched`."""
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        **members,
    }


def directions(lat: float, lon: float) -> dict[str, str]:
    """Links that open directions to the facility; the user's own position is never put in."""
    to = f"{lat:.6f},{lon:.6f}"
    return {
        "geo": f"geo:{to}",
        "openstreetmap": f"https://www.openstreetmap.org/directions?to={to}",
        "google": f"https://www.google.com/maps/dir/?api=1&destination={to}",
        "apple": f"https://maps.apple.com/?daddr={to}",
    }


def facility_feature(
    row: Mapping[str, Any], at: dt.datetime, distance_m: float | None = None
) -> dict[str, Any]:
    """A stored facility (id, lat, lon, its properties) as a `FacilityFeature`, open at `at`."""
    properties = {name: row[name] for name in PROPERTY_NAMES}
    properties["equipment_status"] = row["equipment_status"]
    properties["grade"] = derive_grade(properties)
    properties["open"] = hours.is_open(row["opening_hours"], at)
    if distance_m is not None:
        properties["distance_m"] = round(distance_m, 1)
    properties["directions"] = directions(row["lat"], row["lon"])
    properties["version"] = row["version"]
    return feature(row["id"], point(row["lon"], row["lat"]), properties)
