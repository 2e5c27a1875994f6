"""The ASGI application: routers, templates, error handlers, middleware, one pool per worker."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from locator.settings import STATIC_DIR, Settings, get_settings
from locator.store import connection
from locator.web import errors, http, logs, responses
from locator.web.api import (
    changes,
    coverage,
    edits,
    exports,
    facilities,
    geocode,
    health,
    nearest,
    photos,
    reports,
)
from locator.web.limits import Budgets
from locator.web.logs import AccessLog
from locator.web.ogc import routes as ogc
from locator.web.pages import admin, offline
from locator.web.pages import coverage as coverage_page
from locator.web.pages import reports as report_pages
from locator.web.pages import routes as pages
from locator.web.server import HeaderDeadlineProtocol
from locator.web.static import HashedStaticFiles, static_url

TEMPLATES = Path(__file__).with_name("templates")

DESCRIPTION = """
Find Changing Places toilets and other accessible toilets: nearest first, with their equipment,
opening hours, access and live equipment status.

* Every attribute may be `null`, which means **not known** (never "no").
* Distances are geodesic metres on the WGS84 spheroid.
* Opening hours are judged in Europe/London.
* Positions you send are used for the answer only; they are never logged or stored.
* Errors are JSON: `{"detail": ..., "field": ..., "allowed": ...}`.
"""


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app (`locator serve`, and the tests' servers)."""
    return {
        "access_log": False,  # uvicorn's access log prints query strings, which hold positions
        "proxy_headers": True,
        # Only these proxies may say who the client is (X-Forwarded-For); by default none may.
        "forwarded_allow_ips": settings.trusted_proxies,
        "server_header": False,  # no "server: uvicorn" for probes to read
        # Idle keep-alive connections, and headers that do not arrive, end after this long.
        "timeout_keep_alive": settings.header_timeout_s,
        "http": HeaderDeadlineProtocol,
    }


def add_docs(app: FastAPI) -> None:
    """Interactive API docs at /docs, from the vendored Swagger UI (nothing from a CDN), started
    by static/js/swagger-init.js: no inline script for the Content-Security-Policy to allow."""

    async def docs(request: Request) -> HTMLResponse:
        templates: Jinja2Templates = app.state.templates
        context = {"title": f"{app.title}: API", "openapi_url": app.openapi_url}
        return templates.TemplateResponse(request, "docs.html", context)

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)


def create_app(
    settings: Settings | None = None,
    database_url: str | None = None,
    read_database_url: str | None = None,
) -> FastAPI:
    """Build the app; `database_url` and `read_database_url` override the settings (tests)."""
    settings = settings or get_settings()
    logs.configure(settings.log_level)
    read_url = read_database_url or settings.read_database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await connection.create_pool(database_url, settings)
        app.state.read_pool, watcher = app.state.pool, None
        if read_url:
            app.state.read_pool = await connection.create_replica_pool(
                read_url, app.state.pool, settings
            )
            watcher = asyncio.create_task(
                connection.watch_replica(app.state.read_pool, database_url, read_url, settings)
            )
        # Long-lived start-up objects need no more garbage-collector scans: shorter pauses.
        gc.freeze()
        yield
        if watcher is not None:
            watcher.cancel()
            with suppress(asyncio.CancelledError):
                await watcher
            await app.state.read_pool.close()
        await app.state.pool.close()

    app = FastAPI(
        title="Changing Places toilet locator",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from static/vendor: FastAPI's own loads Swagger UI from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.budgets = Budgets(settings)
    app.state.templates = Jinja2Templates(directory=TEMPLATES)
    app.state.templates.env.globals["static_url"] = static_url
    errors.install(app)
    # exports first: /api/v1/facilities.geojson must never reach a facilities route.
    for router in (exports.router, nearest.router, facilities.router, health.router, ogc.router):
        app.include_router(router)
    app.include_router(coverage.router)
    app.include_router(geocode.router)
    for router in (reports.router, edits.router, changes.router, photos.router):
        app.include_router(router)
    app.include_router(pages.router)
    app.include_router(coverage_page.router)
    app.include_router(offline.router)
    app.include_router(report_pages.router)
    app.include_router(admin.router)
    app.mount("/static", HashedStaticFiles(STATIC_DIR), name="static")
    http.install(app, settings)
    responses.complete_openapi(app)
    add_docs(app)
    app.add_middleware(AccessLog)
    return app
