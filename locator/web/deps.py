"""Typed dependencies shared by the API, OGC and page routers: the pool, settings, templates,
the facility filters and the bbox parameter. Routers share only these, never each other."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates

from locator.domain.filters import BBOX_ALLOWED, FilterParams, Filters
from locator.settings import Settings


async def database(request: Request) -> asyncpg.Pool:
    """The worker's connection pool; each query borrows a connection for its own length."""
    pool: asyncpg.Pool = request.app.state.pool
    return pool


Db = Annotated[asyncpg.Pool, Depends(database)]


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


async def facility_filters(params: Annotated[FilterParams, Query()]) -> Filters:
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
