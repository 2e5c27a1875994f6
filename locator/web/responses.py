"""Response classes and the OpenAPI description of what any route may answer: errors, 429, 400."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from locator.web.http import PROBE_PATHS


class GeoJSONResponse(JSONResponse):
    """`application/geo+json` via orjson; a JSONResponse, so OpenAPI documents its model."""

    media_type = "application/geo+json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


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
# What any write may answer besides its own errors.
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "content": ERROR_CONTENT,
        "description": "No valid API token (Authorization: Bearer ...).",
    },
    403: {"content": ERROR_CONTENT, "description": "The token may not do this."},
    **ERROR_RESPONSES,
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


# `bbox` as OGC API - Features Part 1 defines it (/req/core/fc-bbox-definition): an array of
# numbers written comma-separated. The routes take the 2D form only (`parse_bbox`): 4 numbers.
BBOX_PARAMETER: dict[str, Any] = {
    "schema": {
        "type": "array",
        "items": {"type": "number"},
        "minItems": 4,
        "maxItems": 4,
        "examples": [[-1.62, 52.36, -1.40, 52.46]],
    },
    "style": "form",
    "explode": False,
}


def _type_bbox(operation: dict[str, Any]) -> None:
    """Give a `bbox` query parameter (`locator.web.deps.BboxParam`, read as text and checked by
    `parse_bbox`) the type clients should send."""
    for parameter in operation.get("parameters", []):
        if parameter["name"] == "bbox" and parameter["in"] == "query":
            parameter.update(BBOX_PARAMETER)


def complete_openapi(app: FastAPI) -> None:
    """Describe what routes may answer but FastAPI does not document: 422 bodies, 429 and 400;
    and type `bbox`, which the routes take as text.

    FastAPI documents its own validation error shape; `locator.web.errors` sends `ErrorOut`
    instead. The rate limit (`locator.web.http`) can answer any route but the probes with 429, and a
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
            if path not in PROBE_PATHS:
                for operation in operations.values():
                    operation["responses"].setdefault("429", TOO_MANY_REQUESTS)
            for operation in operations.values():
                if "requestBody" in operation:
                    operation["responses"].setdefault("400", MALFORMED_BODY)
                _type_bbox(operation)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


class SchemaJSONResponse(JSONResponse):
    """`application/schema+json`: a JSON Schema document."""

    media_type = "application/schema+json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
