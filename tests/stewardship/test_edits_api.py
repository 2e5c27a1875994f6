"""Editing through the API: tokens and scopes, If-Match versions, unknowns, closures, deletes."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.stewardship.conftest import Tokens, bearer, new_facility, run_sql

SOURCE = {"title": "Phoned the venue", "date": dt.date.today().isoformat()}
NEW = {
    "id": "t-new-from-api",
    "name": "New From The Api",
    "category": "changing_places",
    "lat": 52.41,
    "lon": -1.51,
}


def current(api: httpx.Client, facility_id: str) -> httpx.Response:
    answer = api.get(f"/api/v1/facilities/{facility_id}")
    assert answer.status_code == 200, answer.text
    return answer


def patch(
    api: httpx.Client, token: str, facility_id: str, etag: str | None, **values: object
) -> httpx.Response:
    headers = bearer(token) | ({"If-Match": etag} if etag else {})
    return api.patch(
        f"/api/v1/facilities/{facility_id}",
        json={"set": values, "source": SOURCE, "reason": "test"},
        headers=headers,
    )


WRITES = [
    ("post", "/api/v1/facilities", {"facility": NEW, "source": SOURCE}),
    ("patch", "/api/v1/facilities/t-far", {"set": {"name": "X"}, "source": SOURCE}),
    ("post", "/api/v1/facilities/t-far/verification", {"how": "on_site"}),
    ("delete", "/api/v1/facilities/t-far?reason=testing", None),
    ("get", "/api/v1/reports", None),
    ("get", "/api/v1/reports/1", None),
    ("post", "/api/v1/reports/1/decision", {"decision": "reject", "reason": "nope"}),
    ("post", "/api/v1/photos/1/decision", {"approve": True}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_needs_a_valid_token(
    api: httpx.Client, tokens: Tokens, method: str, path: str, body: object
) -> None:
    for headers in ({}, bearer(tokens.revoked), bearer("cpl_forged"), {"Authorization": "Basic x"}):
        answer = api.request(method, path, json=body, headers=headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["detail"]


def test_a_token_without_the_scope_gets_403(api: httpx.Client, tokens: Tokens) -> None:
    etag = current(api, "t-far").headers["etag"]
    refused = patch(api, tokens.moderator_only, "t-far", etag, name="Renamed")
    assert refused.status_code == 403
    assert "facilities:write" in refused.json()["allowed"]
    delete = api.delete("/api/v1/facilities/t-far?reason=testing", headers=bearer(tokens.editor))
    assert delete.status_code == 403
    assert current(api, "t-far").json()["properties"]["name"] == "T Far"


def test_a_session_cookie_alone_cannot_write_through_the_api(api: httpx.Client) -> None:
    api.cookies.set("locator_session", "anything")
    answer = api.patch("/api/v1/facilities/t-far", json={"set": {"name": "X"}, "source": SOURCE})
    assert answer.status_code == 401


def test_changes_need_if_match_and_the_second_of_two_editors_gets_412(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    fid = new_facility(steward_db)
    assert patch(api, tokens.editor, fid, None, name="X").status_code == 428
    bad = patch(api, tokens.editor, fid, '"nonsense"', name="X")
    assert bad.status_code == 422 and bad.json()["field"] == "If-Match"
    seen = current(api, fid).headers["etag"]  # both editors fetched this version
    first = patch(api, tokens.editor, fid, seen, opening_hours="Mo-Fr 09:00-17:00")
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != seen
    second = patch(api, tokens.admin, fid, seen, opening_hours="24/7")
    assert second.status_code == 412
    assert "changed since version" in second.json()["detail"]
    assert current(api, fid).json()["properties"]["opening_hours"] == "Mo-Fr 09:00-17:00"
    redo = patch(api, tokens.admin, fid, first.headers["etag"], opening_hours="24/7")
    assert redo.status_code == 200


def test_any_field_can_be_set_to_unknown_and_the_source_is_kept(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    fid = new_facility(steward_db, access="customers")
    before = current(api, fid)
    assert before.json()["properties"]["access"] == "customers"
    changed = patch(api, tokens.editor, fid, before.headers["etag"], access=None, shower=False)
    assert changed.status_code == 200, changed.text
    props = changed.json()["properties"]
    assert props["access"] is None and props["shower"] is False
    assert props["sources"][-1]["title"] == "Phoned the venue"
    last = api.get(f"/api/v1/facilities/{fid}/history").json()[0]
    assert last["diff"]["access"] == ["customers", None]
    assert last["source"]["title"] == "Phoned the venue"
    assert last["reason"] == "test"
    assert "@" not in str(last)


def test_bad_changes_are_refused_and_change_nothing(api: httpx.Client, tokens: Tokens) -> None:
    before = current(api, "t-far")
    etag = before.headers["etag"]
    cases = [
        ({"hoist": "rocket"}, "hoist"),
        ({"id": "other"}, "cannot set id"),
        ({"lat": 91}, "lat"),
        ({"opening_hours": "sometimes"}, "opening_hours"),
        ({"status": "temporarily_closed"}, "status_note"),
        ({"reopens_on": "2027-01-01"}, "reopens_on"),
    ]
    for values, said in cases:
        answer = patch(api, tokens.editor, "t-far", etag, **values)
        assert answer.status_code == 422, (values, answer.text)
        assert said in answer.text, (values, answer.text)
    no_source = api.patch(
        "/api/v1/facilities/t-far",
        json={"set": {"name": "X"}},
        headers=bearer(tokens.editor) | {"If-Match": etag},
    )
    assert no_source.status_code == 422 and "source" in no_source.text
    assert current(api, "t-far").json() == before.json()


def test_closures_keep_the_record(api: httpx.Client, tokens: Tokens, steward_db: str) -> None:
    fid = new_facility(steward_db)
    etag = current(api, fid).headers["etag"]
    closed = patch(
        api, tokens.editor, fid, etag,
        status="temporarily_closed", status_note="Refurbishment", reopens_on="2027-02-01",
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    listed = {f["id"] for f in api.get("/api/v1/facilities").json()["features"]}
    assert fid not in listed
    with_closed = api.get("/api/v1/facilities", params={"include_closed": "true"}).json()
    assert fid in {f["id"] for f in with_closed["features"]}
    gone = patch(
        api, tokens.editor, fid, closed.headers["etag"],
        status="permanently_closed", status_note="Venue demolished", reopens_on=None,
    )  # fmt: skip
    assert gone.status_code == 200, gone.text
    assert gone.json()["properties"]["status"] == "permanently_closed"


def test_add_verify_and_delete_leave_a_tombstone(
    api: httpx.Client, tokens: Tokens, steward_db: str
) -> None:
    made = api.post(
        "/api/v1/facilities",
        json={"facility": NEW, "source": SOURCE},
        headers=bearer(tokens.editor),
    )
    assert made.status_code == 201, made.text
    assert made.headers["location"] == "/api/v1/facilities/t-new-from-api"
    again = api.post(
        "/api/v1/facilities",
        json={"facility": NEW, "source": SOURCE},
        headers=bearer(tokens.editor),
    )
    assert again.status_code == 409
    verified = api.post(
        "/api/v1/facilities/t-new-from-api/verification",
        json={"how": "by_phone"},
        headers=bearer(tokens.editor),
    )
    props = verified.json()["properties"]
    assert props["last_verified"] == dt.date.today().isoformat()
    assert props["verified_by"].endswith("by phone")
    deleted = api.delete(
        "/api/v1/facilities/t-new-from-api",
        params={"reason": "Entered twice"},
        headers=bearer(tokens.admin),
    )
    assert deleted.status_code == 204
    assert api.get("/api/v1/facilities/t-new-from-api").status_code == 404
    tomb = run_sql(
        steward_db,
        "SELECT deleted_by, reason, record FROM facility_tombstones WHERE id = $1",
        "t-new-from-api",
    )
    assert tomb[0]["reason"] == "Entered twice"
    assert tomb[0]["record"]["name"] == "New From The Api"
    history = api.get("/api/v1/facilities/t-new-from-api/history").json()
    assert [h["action"] for h in history] == ["delete", "verify", "create"]


def test_links_a_page_would_render_must_be_web_links(api: httpx.Client, tokens: Tokens) -> None:
    etag = current(api, "t-far").headers["etag"]
    for values in (
        {"website": "javascript:alert(1)"},
        {"website": "java\tscript:alert(1)"},
        {"report_url": "data:text/html,<script>alert(1)</script>"},
        {"report_url": "tel:javascript:alert(1)"},
        {"website": "tel:+44 24 7683 2222"},  # a phone line is no website
    ):
        answer = patch(api, tokens.editor, "t-far", etag, **values)
        assert answer.status_code == 422, (values, answer.text)
        assert "must be a" in answer.text
    etag = current(api, "t-far").headers["etag"]
    phone = patch(api, tokens.editor, "t-far", etag, report_url="tel:+44 24 7683 2222")
    assert phone.status_code == 200, phone.text
    assert phone.json()["properties"]["report_url"] == "tel:+44 24 7683 2222"
    bad_source = api.patch(
        "/api/v1/facilities/t-far",
        json={"set": {"name": "X"}, "source": SOURCE | {"url": "javascript:alert(1)"}},
        headers=bearer(tokens.editor) | {"If-Match": etag},
    )
    assert bad_source.status_code == 422
