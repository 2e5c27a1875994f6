"""Exports: every stored facility as GeoJSON (which `locator load` reads back) or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson

from locator.domain.features import feature
from locator.domain.record import FacilityProperties
from locator.store.exports import records

CSV_COLUMNS = ["id", "lat", "lon", *FacilityProperties.model_fields]
NESTED = {"equipment_status", "sources", "unverified"}
CSV_FLUSH_BYTES = 65536


async def geojson_chunks(conn: asyncpg.Connection) -> AsyncIterator[bytes]:
    """A FeatureCollection, one feature per chunk, so large exports stream.

    Unknown attributes are left out of a feature's properties; coordinates are kept exactly.
    """
    yield b'{"type":"FeatureCollection","features":[\n'
    first = True
    async for record in records(conn):
        data = record.model_dump(mode="json")
        geometry = {"type": "Point", "coordinates": [data.pop("lon"), data.pop("lat")]}
        properties = {k: v for k, v in data.items() if v is not None and v != []}
        yield (b"" if first else b",\n") + orjson.dumps(
            feature(properties.pop("id"), geometry, properties)
        )
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
        data = record.model_dump(mode="json")
        writer.writerow({key: _cell(key, data[key]) for key in CSV_COLUMNS})
        if buffer.tell() > CSV_FLUSH_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
