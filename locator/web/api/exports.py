"""GET /api/v1/facilities.geojson and .csv: every facility as a file, for people and portals.

Exports stream from one read-only snapshot. Their ETag comes from a fingerprint of what is
stored (ids, versions, equipment status), so an unchanged dataset answers 304 before any export
query runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from locator.domain.errors import TooMany
from locator.services import exporting
from locator.store.exports import fingerprint
from locator.web.deps import ReadDb
from locator.web.http import is_fresh
from locator.web.responses import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["exports"])


class GeoJSONStream(StreamingResponse):
    media_type = "application/geo+json"


class CSVStream(StreamingResponse):
    media_type = "text/csv; charset=utf-8"


EXPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


def _responses(media_type: str, schema: dict[str, Any], what: str) -> dict[int | str, Any]:
    return {
        200: {"description": what, "content": {media_type: {"schema": schema}}},
        304: {"description": "Not modified since the ETag sent in If-None-Match."},
        429: {"description": "Too many downloads at once; retry after Retry-After seconds."},
        503: ERROR_RESPONSES[503],
    }


# A client that stops reading leaves its export's transaction idle: the database ends it after
# this long, giving the pooled connection back. And exports may hold at most a quarter of the
# pool at once, so downloads never starve searches.
IDLE_EXPORT_S = 30
EXPORT_SHARE = 4


class Running:
    """How many exports this worker is streaming (counted while they actually stream)."""

    def __init__(self) -> None:
        self.count = 0


def _running(request: Request) -> Running:
    running: Running | None = getattr(request.app.state, "exports_running", None)
    if running is None:
        running = request.app.state.exports_running = Running()
    return running


async def _stream(
    pool: asyncpg.Pool,
    running: Running,
    chunks: Callable[[asyncpg.Connection], AsyncIterator[Any]],
) -> AsyncIterator[Any]:
    """The export from one consistent, read-only snapshot, counted while it streams."""
    running.count += 1
    try:
        async with (
            pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            await conn.execute(
                f"SET LOCAL idle_in_transaction_session_timeout = '{IDLE_EXPORT_S}s'"
            )
            async for chunk in chunks(conn):
                yield chunk
    finally:
        running.count -= 1


async def _export(
    request: Request,
    pool: asyncpg.Pool,
    response_class: type[StreamingResponse],
    chunks: Callable[[asyncpg.Connection], AsyncIterator[Any]],
    filename: str,
) -> Response:
    """304 when the client holds the current export, else the export streamed with its ETag."""
    stored = await fingerprint(pool)
    digest = hashlib.blake2b(f"{filename}:{stored}".encode(), digest_size=16).hexdigest()
    etag = f'W/"{digest}"'
    if is_fresh(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    running, most = _running(request), max(1, pool.get_max_size() // EXPORT_SHARE)
    if running.count >= most:
        raise TooMany(
            "Too many downloads are running; please try again in a minute",
            retry_after_s=30,
            allowed=f"{most} downloads at once",
        )
    disposition = f'attachment; filename="{filename}"'
    return response_class(
        _stream(pool, running, chunks), headers={"ETag": etag, "Content-Disposition": disposition}
    )


@router.get(
    "/facilities.geojson",
    response_class=GeoJSONStream,
    responses=_responses(
        "application/geo+json",
        EXPORT_SCHEMA,
        "Every facility as a GeoJSON FeatureCollection that `locator load` reads back. "
        "Unknown attributes are left out of a feature's properties.",
    ),
    summary="Download every facility as GeoJSON",
)
async def export_geojson(request: Request, pool: ReadDb) -> Response:
    """The whole dataset as one GeoJSON file, for GIS users and for reloading elsewhere."""
    return await _export(
        request, pool, GeoJSONStream, exporting.geojson_chunks, "facilities.geojson"
    )


@router.get(
    "/facilities.csv",
    response_class=CSVStream,
    responses=_responses(
        "text/csv",
        {"type": "string"},
        "Every facility as CSV with a header row: id, lat, lon (WGS84), then every attribute. "
        "An empty cell means not known; lists are JSON text in their cell.",
    ),
    summary="Download every facility as CSV",
)
async def export_csv(request: Request, pool: ReadDb) -> Response:
    """The whole dataset as a spreadsheet-friendly CSV, as open-data portals take it."""
    return await _export(request, pool, CSVStream, exporting.csv_chunks, "facilities.csv")
