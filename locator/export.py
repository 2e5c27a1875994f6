"""Exports: every stored facility as GeoJSON (which `locator load` reads back) or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson

from locator.loader import facility_from_row
from locator.queries import FEATURE_COLUMNS
from locator.schema import FacilityProperties

STORED = list(FacilityProperties.model_fields)
CSV_COLUMNS = ["id", "lat", "lon", *STORED]
NESTED = {"equipment_status", "sources", "unverified"}
BATCH = 1000


async def records(conn: asyncpg.Connection) -> AsyncIterator[dict[str, Any]]:
    """Every real facility in id order, as the JSON-ready record a data file holds."""
    sql = (
        f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE NOT f.synthetic AND f.id > $1"
        " ORDER BY f.id LIMIT $2"
    )
    after = ""
    while True:
        rows = await conn.fetch(sql, after, BATCH)
        for row in rows:
            yield facility_from_row(row).model_dump(mode="json")
        if len(rows) < BATCH:
            return
        after = rows[-1]["id"]


async def geojson_chunks(conn: asyncpg.Connection) -> AsyncIterator[bytes]:
    """A FeatureCollection, one feature per chunk, so large exports stream."""
    yield b'{"type":"FeatureCollection","features":[\n'
    first = True
    async for record in records(conn):
        feature = {
            "type": "Feature",
            "id": record.pop("id"),
            "geometry": {"type": "Point", "coordinates": [record.pop("lon"), record.pop("lat")]},
            "properties": {k: v for k, v in record.items() if v is not None and v != []},
        }
        yield (b"" if first else b",\n") + orjson.dumps(feature)
        first = False
    yield b"\n]}\n"


def _cell(key: str, value: Any) -> Any:
    if key in NESTED:
        return orjson.dumps(value).decode() if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


async def csv_chunks(conn: asyncpg.Connection) -> AsyncIterator[str]:
    """CSV with a header; lists and objects are JSON text in their cell; empty cell = unknown."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    async for record in records(conn):
        writer.writerow({key: _cell(key, value) for key, value in record.items()})
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
