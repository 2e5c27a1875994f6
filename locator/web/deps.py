"""Typed dependencies shared by the API, OGC and page routers: the pool, settings, templates,
the facility filters and the bbox parameter. Routers share only these, never each other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

import asyncpg
from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

from locator.domain.filters import BBOX_ALLOWED, FilterParams, Filters
from locator.domain.record import MAX_ID_LENGTH, SLUG_PATTERN
from locator.settings import Settings

M = TypeVar("M", bound=BaseModel)
# The signed-in editor's cookie (locator.web.auth signs and reads it).
SESSION_COOKIE = "locator_session"


async def database(request: Request) -> asyncpg.Pool:
    """The worker's connection pool; each query borrows a connection for its own length."""
    pool: asyncpg.Pool = request.app.state.pool
    return pool


Db = Annotated[asyncpg.Pool, Depends(database)]


async def read_database(request: Request) -> asyncpg.Pool:
    """Where public reads go: the read replica's pool when there is one (it hands reads to the
    primary while the replica is down or behind), else the primary's. Signed-in editors read
    from the primary, so they always see what they have just changed."""
    if SESSION_COOKIE in request.cookies:
        return await database(request)
    pool: asyncpg.Pool = request.app.state.read_pool
    return pool


ReadDb = Annotated[asyncpg.Pool, Depends(read_database)]


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (tests give each app its own)."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(app_settings)]


async def page_templates(request: Request) -> Jinja2Templates:
    """The site's templates, which the app makes once and gives to every router."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


Templates = Annotated[Jinja2Templates, Depends(page_templates)]


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """A JSON Schema with its `$ref`s to `$defs` written out in place."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    return {key: _inline(value, defs) for key, value in node.items() if key != "title"}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The model's fields as OpenAPI query parameters (for routes that validate it themselves)."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    out = []
    for name, node in schema["properties"].items():
        field_schema = _inline(node, defs)
        description = field_schema.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required}
        if description:
            parameter["description"] = description
        out.append(parameter | {"schema": field_schema})
    return out


def query_dict(query_string: bytes) -> dict[str, str]:
    """The query string as Starlette's `request.query_params` reads it (the last of a repeated
    name wins), as a plain dict: pydantic validates a dict in Rust, any other mapping through
    Python calls per field."""
    return dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))


def query_model(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that validates the whole query string against `model` in one pydantic pass.

    FastAPI's own handling of a query-parameter model goes field by field in Python and costs
    about a third of a nearest request; errors are the same RequestValidationError (and so the
    same 422 body). Routers made with `route_class=QueryModelRoute` document its fields.
    """

    async def parse(request: Request) -> M:
        try:
            return model.model_validate(query_dict(request.scope["query_string"]))
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from None

    parse.query_model = model  # type: ignore[attr-defined]
    return parse


def documented_parameters(dependant: Dependant) -> list[dict[str, Any]]:
    """The query parameters of every `query_model` a route depends on, however deep."""
    out = []
    for sub in dependant.dependencies:
        model = getattr(sub.call, "query_model", None)
        if model is not None:
            out += query_parameters(model)
        out += documented_parameters(sub)
    return out


class QueryModelRoute(APIRoute):
    """A route whose OpenAPI operation lists the fields of the query models it depends on."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        parameters = documented_parameters(self.dependant)
        if parameters:
            extra = dict(self.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), *parameters]
            self.openapi_extra = extra


async def facility_filters(
    params: Annotated[FilterParams, Depends(query_model(FilterParams))],
) -> Filters:
    """The filters common to nearest, listing and coverage."""
    return params.filters()


FilterDep = Annotated[Filters, Depends(facility_filters)]

BboxParam = Annotated[
    str | None,
    Query(
        description=f"Only facilities inside this box: {BBOX_ALLOWED}.",
        examples=["-1.62,52.36,-1.40,52.46"],
    ),
]

FacilityId = Annotated[
    str,
    Path(
        max_length=MAX_ID_LENGTH,
        pattern=SLUG_PATTERN,
        description="The facility's id: a lower-case slug, e.g. `central-library`.",
    ),
]
