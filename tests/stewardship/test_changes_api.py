"""The change feed (every kind of change, once each, in commit order), ETags after a change, and
the Atom feed."""

from __future__ import annotations

import asyncio
import datetime as dt
import xml.etree.ElementTree as ET

import httpx

from locator.store import changes
from locator.store import connection as db
from tests.stewardship.conftest import Tokens, bearer
from tests.stewardship.test_photos_api import gps_jpeg

SOURCE = {"title": "Site visit", "date": dt.date.today().isoformat()}
ATOM = "{http://www.w3.org/2005/Atom}"


def drain(api: httpx.Client, since: str) -> tuple[list[dict[str, object]], str]:
    """Every change after `since`, page by page."""
    out: list[dict[str, object]] = []
    while True:
        page = api.get("/api/v1/changes", params={"since": since, "limit": 7})
        assert page.status_code == 200, page.text
        body = page.json()
        out += body["changes"]
        since = body["next"]
        if not body["more"]:
            return out, since


def test_the_feed_picks_up_every_kind_of_change_once(api: httpx.Client, tokens: Tokens) -> None:
    _, cursor = drain(api, "0")
    editor = bearer(tokens.editor)
    facility = {
        "id": "t-feed",
        "name": "Feed",
        "category": "changing_places",
        "lat": 52.4,
        "lon": -1.5,
    }
    assert (
        api.post(
            "/api/v1/facilities", json={"facility": facility, "source": SOURCE}, headers=editor
        ).status_code
        == 201
    )
    etag = api.get("/api/v1/facilities/t-feed").headers["etag"]
    assert (
        api.patch(
            "/api/v1/facilities/t-feed",
            json={"set": {"hoist": "mobile"}, "source": SOURCE},
            headers=editor | {"If-Match": etag},
        ).status_code
        == 200
    )
    sent = api.post(
        "/api/v1/facilities/t-feed/reports", json={"kind": "equipment_not_working", "item": "hoist"}
    ).json()
    assert (
        api.post(
            f"/api/v1/reports/{sent['id']}/decision",
            json={"decision": "accept", "reason": "confirmed"},
            headers=editor,
        ).status_code
        == 200
    )
    assert (
        api.post(
            "/api/v1/facilities/t-feed/verification", json={"how": "on_site"}, headers=editor
        ).status_code
        == 200
    )
    photo = api.post(
        "/api/v1/facilities/t-feed/photos",
        files={"file": ("a.jpg", gps_jpeg(), "image/jpeg")},
        data={"alt_text": "The room with the hoist"},
        headers=editor,
    ).json()
    assert (
        api.post(
            f"/api/v1/photos/{photo['id']}/decision", json={"approve": True}, headers=editor
        ).status_code
        == 200
    )
    etag = api.get("/api/v1/facilities/t-feed").headers["etag"]
    assert (
        api.patch(
            "/api/v1/facilities/t-feed",
            json={"set": {"status": "permanently_closed", "status_note": "Gone"}, "source": SOURCE},
            headers=editor | {"If-Match": etag},
        ).status_code
        == 200
    )
    assert (
        api.delete(
            "/api/v1/facilities/t-feed", params={"reason": "test"}, headers=bearer(tokens.admin)
        ).status_code
        == 204
    )

    entries, end = drain(api, cursor)
    mine = [e for e in entries if e["facility_id"] == "t-feed"]
    actions = [e["change"]["action"] for e in mine]
    assert actions == [
        "create",
        "update",
        "report",
        "moderation",
        "verify",
        "photo",
        "update",
        "delete",
    ]
    ids = [e["change"]["id"] for e in entries]
    assert len(ids) == len(set(ids))
    assert mine[-1]["feature"] is None  # deleted: no state to give
    assert drain(api, end)[0] == []


def test_the_feed_waits_for_earlier_transactions_to_commit(
    api: httpx.Client, steward_db: str
) -> None:
    """A change committed after a later one must not be skipped by a client that synced between."""
    _, cursor = drain(api, "0")

    async def scenario() -> tuple[list[str], list[str]]:
        async with db.connect(steward_db) as slow, db.connect(steward_db) as fast:
            slow_tx = slow.transaction()
            await slow_tx.start()
            await changes.record(slow, "t-far", "tests", "update", {"slow": [0, 1]})
            async with fast.transaction():
                await changes.record(fast, "t-closed", "tests", "update", {"fast": [0, 1]})
            during = await asyncio.to_thread(drain, api, cursor)
            await slow_tx.commit()
            after = await asyncio.to_thread(drain, api, cursor)
            return [e["facility_id"] for e in during[0]], [e["facility_id"] for e in after[0]]

    during, after = asyncio.run(scenario())
    assert during == []  # the fast change waits: the slow one began first and may come before
    assert sorted(after) == ["t-closed", "t-far"]


def test_a_bad_cursor_is_a_clear_error(api: httpx.Client) -> None:
    answer = api.get("/api/v1/changes", params={"since": "yesterday"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "since"


def test_etags_follow_a_change_at_once(api: httpx.Client) -> None:
    first = api.get("/api/v1/facilities/t-closed")
    # a facility's answer and its page are revalidated every time, never reused stale
    assert first.headers["cache-control"] == "public, no-cache"
    assert "no-cache" in api.get("/facilities/t-closed").headers["cache-control"]
    assert (
        api.get(
            "/api/v1/facilities/t-closed", headers={"If-None-Match": first.headers["etag"]}
        ).status_code
        == 304
    )
    api.post("/api/v1/facilities/t-closed/reports", json={"kind": "closed_or_locked"})
    fresh = api.get("/api/v1/facilities/t-closed", headers={"If-None-Match": first.headers["etag"]})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != first.headers["etag"]


def test_the_atom_feed_is_valid_and_escapes_what_people_wrote(api: httpx.Client) -> None:
    api.post(
        "/api/v1/facilities/t-far/reports",
        json={"kind": "equipment_not_working", "item": "other", "details": "<script>x</script>"},
    )
    answer = api.get("/changes.atom")
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    entries = feed.findall(f"{ATOM}entry")
    assert 0 < len(entries) <= 50
    assert all(e.find(f"{ATOM}link").get("href", "").startswith("http") for e in entries)  # type: ignore[union-attr]
    assert "<script>" not in answer.text
