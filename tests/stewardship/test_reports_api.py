"""Public problem reports over the API: shown at once and honestly labelled, moderated, limited."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import httpx

from locator.settings import Settings
from locator.store import connection as db
from locator.store import facilities, reports
from tests.conftest import CENTRE, ServerThread
from tests.stewardship.conftest import Tokens, bearer, new_facility, run_sql

NEAREST = {"lat": CENTRE[0], "lon": CENTRE[1], "limit": 50}


def report(api: httpx.Client, facility_id: str, **body: object) -> dict[str, object]:
    response = api.post(f"/api/v1/facilities/{facility_id}/reports", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, object] = response.json()
    return answer


def states(api: httpx.Client, facility_id: str) -> dict[str, dict[str, object]]:
    feature = api.get(f"/api/v1/facilities/{facility_id}").json()
    return {s["item"]: s for s in feature["properties"]["equipment_status"]}


def working_ids(api: httpx.Client) -> set[str]:
    answer = api.get("/api/v1/nearest", params=NEAREST | {"working": "true"})
    assert answer.status_code == 200
    return {f["id"] for f in answer.json()["features"]}


def decide(api: httpx.Client, tokens: Tokens, report_id: object, **body: object) -> httpx.Response:
    return api.post(
        f"/api/v1/reports/{report_id}/decision", json=body, headers=bearer(tokens.editor)
    )


def test_a_broken_hoist_shows_at_once_unconfirmed_and_working_leaves_it_out(
    api: httpx.Client, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    before = api.get(f"/api/v1/facilities/{fid}")
    assert fid in working_ids(api)
    receipt = report(api, fid, kind="equipment_not_working", item="hoist")
    assert receipt["reference"] == f"R{receipt['id']}"
    hoist = states(api, fid)["hoist"]
    assert hoist["working"] is False
    assert hoist["confirmed"] is False
    assert hoist["stale"] is False
    assert hoist["source"] == f"public report #{receipt['id']}"
    assert fid not in working_ids(api)
    after = api.get(f"/api/v1/facilities/{fid}")
    assert after.json()["properties"]["version"] > before.json()["properties"]["version"]
    assert after.headers["etag"] != before.headers["etag"]
    history = api.get(f"/api/v1/facilities/{fid}/history").json()
    assert history[0]["actor"] == f"public report #{receipt['id']}"
    assert history[0]["diff"]["equipment_status.hoist"][1]["working"] is False


def test_all_fine_clears_an_open_report(api: httpx.Client, tokens: Tokens, steward_db: str) -> None:
    fid = new_facility(steward_db)
    broken = report(api, fid, kind="closed_or_locked")
    assert states(api, fid)["entry"]["working"] is False
    assert fid not in working_ids(api)
    report(api, fid, kind="all_fine")
    entry = states(api, fid)["entry"]
    assert entry["working"] is True and entry["confirmed"] is False
    assert fid in working_ids(api)
    cleared = api.get(f"/api/v1/reports/{broken['id']}", headers=bearer(tokens.editor)).json()
    assert cleared["state"] == "cleared"


def test_reject_puts_the_old_state_back_and_accept_confirms(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    assert "hoist" not in states(api, fid)
    wrong = report(api, fid, kind="equipment_not_working", item="hoist")
    rejected = decide(api, tokens, wrong["id"], decision="reject", reason="Phoned: it works")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["decided_by"].startswith("editor #")
    assert "hoist" not in states(api, fid)
    right = report(api, fid, kind="equipment_not_working", item="bench")
    accepted = decide(api, tokens, right["id"], decision="accept", reason="Venue confirmed")
    assert accepted.json()["state"] == "accepted"
    bench = states(api, fid)["bench"]
    assert bench["working"] is False and bench["confirmed"] is True
    again = decide(api, tokens, right["id"], decision="reject", reason="changed my mind")
    assert again.status_code == 409
    assert "already accepted" in again.json()["detail"]


def test_a_duplicate_names_another_report_of_the_same_facility(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    other_fid = new_facility(steward_db)
    first = report(api, fid, kind="equipment_not_working", item="alarm")
    second = report(api, fid, kind="equipment_not_working", item="alarm")
    other = report(api, other_fid, kind="all_fine")
    bad = decide(
        api, tokens, second["id"], decision="duplicate", reason="same", duplicate_of=other["id"]
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "duplicate_of"
    good = decide(
        api, tokens, second["id"], decision="duplicate", reason="same", duplicate_of=first["id"]
    )
    assert good.json()["state"] == "duplicate" and good.json()["duplicate_of"] == first["id"]
    # the first report's state is what shows again
    assert states(api, fid)["alarm"]["source"] == f"public report #{first['id']}"


def test_bad_reports_get_clear_errors_and_store_nothing(api: httpx.Client, steward_db: str) -> None:
    count = run_sql(steward_db, "SELECT count(*) FROM reports")[0][0]
    cases = [
        ({"kind": "equipment_not_working"}, "item"),
        ({"kind": "all_fine", "item": "hoist"}, "item"),
        ({"kind": "information_wrong", "field": "opening_hours"}, "correction"),
        ({"kind": "information_wrong", "field": "password", "correction": "x"}, "field"),
        ({"kind": "all_fine", "details": "x" * 1001}, "1000"),
        ({"kind": "all_fine", "seen_at": "2999-01-01T10:00"}, "future"),
        ({"kind": "all_fine", "email": "not an address"}, "email"),
        ({"kind": "broken"}, "kind"),
        ({"kind": "all_fine", "details": "nul \u0000 byte"}, "NUL"),
    ]
    for body, said in cases:
        answer = api.post("/api/v1/facilities/t-closed/reports", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert said in answer.text, (body, answer.text)
    assert (
        api.post("/api/v1/facilities/no-such/reports", json={"kind": "all_fine"}).status_code == 404
    )
    not_json = api.post(
        "/api/v1/facilities/t-closed/reports",
        content=b"{kind",
        headers={"content-type": "application/json"},
    )
    assert not_json.status_code in (400, 422)
    assert run_sql(steward_db, "SELECT count(*) FROM reports")[0][0] == count


def test_the_reporters_email_is_never_public(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    email = "carer.private@example.net"
    sent = report(api, fid, kind="all_fine", email=email, details="<script>alert(1)</script>")
    for path in (
        f"/api/v1/facilities/{fid}",
        f"/api/v1/facilities/{fid}/history",
        "/api/v1/changes?limit=1000",
        "/changes.atom",
        f"/facilities/{fid}",
    ):
        body = api.get(path).text
        assert email not in body, path
        assert "<script>alert(1)" not in body, path
    private = api.get(f"/api/v1/reports/{sent['id']}", headers=bearer(tokens.editor)).json()
    assert private["email"] == email


def test_reports_are_limited_per_address(steward_db: str) -> None:
    settings = Settings(rate_limit_per_minute=0, reports_per_hour=2)
    with ServerThread(steward_db, settings) as server, httpx.Client(base_url=server.url) as api:
        for _ in range(2):
            assert (
                api.post("/api/v1/facilities/t-far/reports", json={"kind": "all_fine"}).status_code
                == 201
            )
        limited = api.post("/api/v1/facilities/t-far/reports", json={"kind": "all_fine"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert "2 reports per 60 minutes" in limited.json()["allowed"]


def test_old_states_are_stale_shown_as_last_known_and_count_as_unknown(
    api: httpx.Client, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    run_sql(
        steward_db,
        "INSERT INTO equipment_status (facility_id, item, working, reported_at, source)"
        " VALUES ($2, 'bench', false, $1, 'a visit')",
        old,
        fid,
    )
    bench = states(api, fid)["bench"]
    assert bench["working"] is False and bench["stale"] is True
    assert fid in working_ids(api)  # a stale fault is not known to be current

    async def with_a_longer_limit() -> dict[str, object] | None:
        async with db.connect(steward_db, Settings(stale_after_days=365)) as conn:
            return await facilities.facility(conn, fid)

    feature = asyncio.run(with_a_longer_limit())
    assert feature is not None
    longer = {s["item"]: s for s in feature["properties"]["equipment_status"]}
    assert longer["bench"]["stale"] is False


def test_purge_deletes_personal_data_of_reports_closed_long_ago(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    old = report(api, fid, kind="all_fine", email="old@example.net", details="my name")
    recent = report(api, fid, kind="all_fine", email="new@example.net")
    still_open = report(api, fid, kind="all_fine", email="open@example.net")
    for sent in (old, recent):
        assert decide(api, tokens, sent["id"], decision="accept", reason="fine").status_code == 200
    run_sql(
        steward_db,
        "UPDATE reports SET decided_at = now() - interval '91 days' WHERE id = $1",
        old["id"],
    )

    async def purge() -> int:
        async with db.connect(steward_db) as conn:
            return await reports.purge(conn)

    assert asyncio.run(purge()) >= 1
    rows = {
        r["id"]: r
        for r in run_sql(
            steward_db,
            "SELECT id, email, details, purged_at FROM reports WHERE id = ANY($1)",
            [old["id"], recent["id"], still_open["id"]],
        )
    }
    assert rows[old["id"]]["email"] is None and rows[old["id"]]["details"] is None
    assert rows[old["id"]]["purged_at"] is not None
    assert rows[recent["id"]]["email"] == "new@example.net"
    assert rows[still_open["id"]]["email"] == "open@example.net"


def test_bodies_over_the_limit_get_413_whether_sized_or_streamed(api: httpx.Client) -> None:
    big = b'{"kind": "all_fine", "details": "' + b"x" * 100_000 + b'"}'
    sized = api.post(
        "/api/v1/facilities/t-far/reports",
        content=big,
        headers={"content-type": "application/json"},
    )
    assert sized.status_code == 413
    assert "at most" in sized.json()["allowed"]

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    streamed = api.post(
        "/api/v1/facilities/t-far/reports",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413


def test_accepting_can_apply_what_the_visitor_said_is_right(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    wrong = report(
        api, fid, kind="information_wrong", field="opening_hours", correction="Weekdays 9 to 5"
    )
    bad = decide(
        api,
        tokens,
        wrong["id"],
        decision="accept",
        reason="Phoned",
        set={"opening_hours": "weekdays"},
    )
    assert bad.status_code == 422 and "opening_hours" in bad.text
    assert (
        decide(
            api, tokens, wrong["id"], decision="reject", reason="x", set={"notes": "y"}
        ).status_code
        == 422
    )
    good = decide(
        api, tokens, wrong["id"], decision="accept", reason="Phoned the venue",
        set={"opening_hours": "Mo-Fr 09:00-17:00"},
    )  # fmt: skip
    assert good.status_code == 200, good.text
    props = api.get(f"/api/v1/facilities/{fid}").json()["properties"]
    assert props["opening_hours"] == "Mo-Fr 09:00-17:00"
    assert props["sources"][-1]["title"] == f"public report #{wrong['id']} (a visitor)"
    latest = api.get(f"/api/v1/facilities/{fid}/history").json()[0]
    assert latest["actor"].startswith("editor #") and latest["reason"] == "Phoned the venue"
