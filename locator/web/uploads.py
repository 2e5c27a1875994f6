"""Photo uploads, shared by the API and the editors' pages: check, clean, store, record.

Decoding, re-encoding and writing a photo take a while for a large one, so they run in a worker
thread and the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi.concurrency import run_in_threadpool

from locator.domain.errors import TooLarge, Unsupported
from locator.services import photos as images
from locator.services.auth import Principal
from locator.settings import Settings
from locator.store import photos as store


def photo_out(row: dict[str, Any]) -> dict[str, Any]:
    """A stored photo as JSON."""
    keys = ("id", "facility_id", "subject", "alt_text", "width", "height", "state")
    out = {key: row[key] for key in keys}
    return out | {
        "url": f"/photos/{row['digest']}.jpg",
        "thumbnail_url": f"/photos/{row['digest']}.thumb.jpg",
    }


async def accept_photo(
    pool: asyncpg.Pool,
    settings: Settings,
    editor: Principal,
    facility_id: str,
    data: bytes,
    alt_text: str,
    subject: str,
) -> dict[str, Any]:
    """Process, store and record an upload (the admin page's form uses it too)."""
    try:
        photo = await run_in_threadpool(_clean_and_keep, data, settings)
    except images.PhotoRejected as exc:
        if exc.too_large:
            allowed = f"at most {settings.photo_max_bytes:,} bytes"
            raise TooLarge(exc.message, "file", allowed) from None
        if exc.unsupported:
            raise Unsupported(exc.message, "file", "a JPEG, PNG or WebP image") from None
        raise Unsupported(exc.message, "file", "a complete JPEG, PNG or WebP image") from None
    photo_id = await store.add(
        pool,
        facility_id,
        photo.digest,
        (photo.width, photo.height),
        subject,
        alt_text.strip(),
        editor.actor,
    )
    row = await store.by_id(pool, photo_id)
    assert row is not None  # just added
    return photo_out(row)


def _clean_and_keep(data: bytes, settings: Settings) -> images.ProcessedPhoto:
    """The upload as clean JPEGs, written to the photo folder (blocking: run it in a thread)."""
    photo = images.process(data, settings.photo_max_bytes)
    images.save(settings.photo_dir, photo)
    return photo
