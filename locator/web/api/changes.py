"""What changed: a facility's public history, the change feed for apps, and an Atom feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from pydantic import BaseModel, Field

from locator.domain import hours
from locator.domain.errors import NotFound
from locator.domain.features import FacilityFeature, facility_feature
from locator.domain.words import ACTIONS, change_summary
from locator.store import changes as store
from locator.store import edits, facilities
from locator.web.deps import AppSettings, Db, FacilityId, ReadDb
from locator.web.responses import ERROR_RESPONSES

router = APIRouter(tags=["changes"])

ATOM_ENTRIES = 50


class ChangeOut(BaseModel):
    """One change: who (never an email), when, each field's old and new value, why, the source."""

    id: int
    changed_at: str
    actor: str = Field(examples=["editor #3", "public report #12", "import:osm"])
    action: str = Field(description=", ".join(ACTIONS))
    summary: str
    diff: dict[str, Any] = Field(description="{field: [old, new]}")
    reason: str | None
    source: dict[str, Any] | None


class FeedEntry(BaseModel):
    """A facility changed since the cursor: its current state, or null once deleted."""

    facility_id: str
    change: ChangeOut
    feature: FacilityFeature | None


class ChangesPage(BaseModel):
    """Changes in commit order; ask again with `since=next` for the ones after."""

    changes: list[FeedEntry]
    next: str = Field(description="Send as `since` for what comes after these.")
    more: bool = Field(description="true: more changes are ready now; ask again at once.")


def change_out(row: dict[str, Any]) -> dict[str, Any]:
    """A trail row as JSON."""
    return {
        "id": row["id"],
        "changed_at": row["changed_at"].isoformat(),
        "actor": row["actor"],
        "action": row["action"],
        "summary": change_summary(row["action"], row["diff"] or {}),
        "diff": row["diff"] or {},
        "reason": row["reason"],
        "source": row["source"],
    }


@router.get(
    "/api/v1/facilities/{facility_id}/history",
    response_model=list[ChangeOut],
    responses={404: ERROR_RESPONSES[422], **ERROR_RESPONSES},
    summary="A facility's history, newest first",
)
async def facility_history(pool: ReadDb, facility_id: FacilityId) -> list[dict[str, Any]]:
    """Every recorded change to the facility (the latest 500), deletes included."""
    rows = await store.history(pool, facility_id)
    if not rows and await edits.version(pool, facility_id) is None:
        raise NotFound(f"No facility with id '{facility_id}'", field="facility_id")
    return [change_out(row) for row in rows]


@router.get(
    "/api/v1/changes",
    response_model=ChangesPage,
    responses=ERROR_RESPONSES,
    summary="Changes since a cursor, for incremental sync",
)
async def changes_since(
    pool: Db,
    since: Annotated[
        str | None,
        Query(max_length=40, description=f"Where to carry on: {store.CURSOR_ALLOWED}."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Changes per page.")] = 100,
) -> dict[str, Any]:
    """Every facility added, changed, closed or deleted after the cursor, in the order the
    changes were committed, each with its state now. Start with no `since` (or after a full
    download of /api/v1/facilities.geojson) and keep the `next` cursor."""
    position = store.parse_cursor(since)
    rows = await store.feed(pool, position, limit)
    features = {
        row["id"]: facility_feature(row, hours.now())
        for row in await facilities.by_ids(pool, sorted({r["facility_id"] for r in rows}))
    }
    entries = [
        {
            "facility_id": row["facility_id"],
            "change": change_out(row),
            "feature": features.get(row["facility_id"]),
        }
        for row in rows
    ]
    last = (rows[-1]["xid"], rows[-1]["id"]) if rows else position
    return {"changes": entries, "next": store.cursor(*last), "more": len(rows) == limit}


@router.get(
    "/changes.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}, "description": "Atom 1.0"}},
    summary="The latest changes as an Atom feed",
)
async def changes_atom(request: Request, pool: Db, settings: AppSettings) -> Response:
    """The latest 50 changes, for feed readers (links are to the facility pages)."""
    base = settings.public_url.rstrip("/")
    feed = FeedGenerator()
    feed.id(f"{base}/changes.atom")
    feed.title("Changing Places toilet locator: changes")
    feed.link(href=f"{base}/changes.atom", rel="self")
    feed.link(href=f"{base}/", rel="alternate")
    feed.author({"name": "Changing Places toilet locator"})
    rows = await store.latest(pool, ATOM_ENTRIES)
    feed.updated(rows[0]["changed_at"] if rows else "2026-01-01T00:00:00Z")
    for row in reversed(rows):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(f"{base}/changes/{row['id']}")
        entry.title(f"{row['name']}: {ACTIONS.get(row['action'], row['action'])}")
        entry.updated(row["changed_at"])
        entry.link(href=f"{base}/facilities/{row['facility_id']}")
        entry.author({"name": row["actor"]})
        entry.summary(change_summary(row["action"], row["diff"] or {}))
    body = feed.atom_str(pretty=True)
    return Response(body, media_type="application/atom+xml")
