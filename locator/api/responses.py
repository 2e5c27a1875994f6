"""Response classes and the OpenAPI description of what the routes return."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import orjson
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from locator import schema


class GeoJSONResponse(JSONResponse):
    """`application/geo+json` via orjson; a JSONResponse, so OpenAPI documents its model."""

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
        description="[longitude, latitude], WGS84",
        min_length=2,
        max_length=2,
        examples=[[-1.5106, 52.4081]],
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


class FeatureOut(BaseModel):
    type: Literal["Feature"]
    id: str = Field(description="The facility's stable id (slug).", examples=["central-library"])
    geometry: Point
    properties: FacilityPropertiesOut


class FeatureCollectionOut(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]
    numberReturned: int = Field(ge=0, description="How many features this response holds.")


class Problem(BaseModel):
    field: str | None = Field(description="The parameter at fault.")
    message: str
    allowed: str | None = Field(description="What that parameter accepts.")


class ErrorOut(BaseModel):
    detail: str = Field(description="What is wrong, in words.", examples=["Unknown category 'x'"])
    field: str | None = Field(
        default=None, description="The parameter at fault.", examples=["category"]
    )
    allowed: str | None = Field(
        default=None,
        description="What that parameter accepts.",
        examples=["comma-separated: changing_places, space_to_change"],
    )
    errors: list[Problem] | None = Field(
        default=None, description="Every problem found, when the parameters failed validation."
    )


# Error bodies are JSON whatever the route returns when it succeeds (GeoJSON, CSV, HTML).
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {
        "content": ERROR_CONTENT,
        "description": "A parameter is not acceptable; the body says which and what is allowed.",
    },
    503: {
        "content": ERROR_CONTENT,
        "headers": RETRY_AFTER,
        "description": "The database is not reachable; retry after Retry-After seconds.",
    },
}
TOO_MANY_REQUESTS = {
    "content": ERROR_CONTENT,
    "headers": RETRY_AFTER,
    "description": "This address has used its request budget; retry after Retry-After seconds.",
}
MALFORMED_BODY = {
    "content": ERROR_CONTENT,
    "description": "The request body is not valid JSON.",
}
UNLIMITED_PATHS = ("/healthz", "/readyz")


def complete_openapi(app: FastAPI) -> None:
    """Describe what routes may answer but FastAPI does not document: 422 bodies, 429 and 400.

    FastAPI documents its own validation error shape; `locator.errors` sends `ErrorOut`
    instead. The rate limit (`locator.http`) can answer any route but the probes with 429, and a
    body that is not JSON gets a 400 before any route runs.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(error.pop("$defs"), ErrorOut=error)
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = {"$ref": "#/components/schemas/ErrorOut"}
            schemas.pop("ValidationError", None)
        for path, operations in document["paths"].items():
            if path not in UNLIMITED_PATHS:
                for operation in operations.values():
                    operation["responses"].setdefault("429", TOO_MANY_REQUESTS)
            for operation in operations.values():
                if "requestBody" in operation:
                    operation["responses"].setdefault("400", MALFORMED_BODY)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


class SchemaJSONResponse(JSONResponse):
    """`application/schema+json`: a JSON Schema document."""

    media_type = "application/schema+json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# OGC API - Features documents (Part 1: Core), as /ogc serves them.


class Link(BaseModel):
    href: str = Field(description="Absolute URL.")
    rel: str = Field(description="Relation, e.g. `self`, `next`, `items`.", examples=["next"])
    type: str | None = Field(default=None, description="Media type of the target.")
    title: str | None = None


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class ConformanceOut(BaseModel):
    conformsTo: list[str] = Field(description="URIs of the conformance classes implemented.")


class SpatialExtent(BaseModel):
    bbox: list[list[float]] = Field(
        description="[[minLon, minLat, maxLon, maxLat]] in CRS84.",
        examples=[[[-1.62, 52.36, -1.4, 52.46]]],
    )
    crs: str


class Extent(BaseModel):
    spatial: SpatialExtent


class CollectionOut(BaseModel):
    id: str = Field(examples=["facilities"])
    title: str
    description: str
    itemType: Literal["feature"]
    crs: list[str]
    extent: Extent
    links: list[Link]


class CollectionsOut(BaseModel):
    links: list[Link]
    collections: list[CollectionOut]


class OgcFeatureOut(FeatureOut):
    links: list[Link] = Field(description="`self`, `alternate` and `collection`.")


class OgcFeatureCollectionOut(FeatureCollectionOut):
    numberMatched: int = Field(ge=0, description="How many features match, on every page.")
    links: list[Link] = Field(description="`self`, `alternate`, and `next`/`prev` when there are.")


HTML_ALTERNATIVE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}},
}
