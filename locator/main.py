"""The ASGI application: routers, error handlers, and one database engine per worker."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from locator import db, errors, http, logs
from locator.api import coverage, exports, facilities, geocode, health, nearest, ogc, responses
from locator.logs import AccessLog
from locator.pages import coverage as coverage_page
from locator.pages import routes as pages
from locator.settings import STATIC_DIR, Settings, get_settings

DESCRIPTION = """
Find Changing Places toilets and other accessible toilets: nearest first, with their equipment,
opening hours, access and live equipment status.

* Every attribute may be `null`, which means **not known** (never "no").
* Distances are geodesic metres on the WGS84 spheroid.
* Opening hours are judged in Europe/London.
* Positions you send are used for the answer only; they are never logged or stored.
* Errors are JSON: `{"detail": ..., "field": ..., "allowed": ...}`.
"""


def create_app(settings: Settings | None = None, database_url: str | None = None) -> FastAPI:
    """Build the app; `database_url` overrides the settings (tests use it)."""
    settings = settings or get_settings()
    logs.configure(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await db.create_pool(database_url, settings)
        # Long-lived start-up objects need no more garbage-collector scans: shorter pauses.
        gc.freeze()
        yield
        await app.state.pool.close()

    app = FastAPI(
        title="Changing Places toilet locator",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    # exports first: /api/v1/facilities.geojson must never reach a facilities route.
    for router in (exports.router, nearest.router, facilities.router, health.router, ogc.router):
        app.include_router(router)
    app.include_router(coverage.router)
    app.include_router(geocode.router)
    app.include_router(pages.router)
    app.include_router(coverage_page.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    http.install(app, settings)
    responses.complete_openapi(app)
    app.add_middleware(AccessLog)
    return app
