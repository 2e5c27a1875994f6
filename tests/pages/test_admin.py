"""The editors' pages: signing in, sessions and CSRF, moderation, editing, photos and door signs,
in headless Debian Chromium (checked with axe-core) and over plain HTTP.

The admin server has a database of its own. Playwright's sync API keeps an event loop running
in the test thread, so database work here runs in a thread of its own (`off_loop`).
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import asyncpg
import httpx
import pytest
import zxingcpp
from itsdangerous import TimestampSigner
from PIL import ExifTags, Image
from playwright.sync_api import Browser, BrowserContext, Page

from locator.domain import hours
from locator.services import auth
from locator.settings import Settings
from locator.store import accounts
from locator.store import connection as db
from locator.web.auth import LOGIN_COOKIE, SESSION_COOKIE
from tests.conftest import ServerThread, coventry_database, drop_database, phone_exif
from tests.pages.conftest import (
    DESKTOP,
    PHONE,
    Traffic,
    axe_violations,
    open_context,
    screenshot,
)

T = TypeVar("T")
SECRET = "a test key for the admin pages, long enough to sign with"
PUBLIC_URL = "http://locator.test"
EDITOR = "editor@example.org"
SECOND = "second.editor@example.org"
PASSWORD = "correct horse battery staple"
SESSION_HOURS = 8.0


def off_loop(work: Callable[[], T]) -> T:
    """Run `work` in a thread of its own, where asyncio.run may start a loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def on_db(url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `work` on one connection to the admin database (off Playwright's loop)."""

    async def run() -> T:
        async with db.connect(url) as conn:
            return await work(conn)

    return off_loop(lambda: asyncio.run(run()))


@dataclass
class Admin:
    """The admin server, its database and its editors' ids."""

    url: str
    db: str
    users: dict[str, int]
    photo_dir: Path


async def _add_editors(url: str) -> dict[str, int]:
    async with db.connect(url) as conn:
        hashed = auth.hash_password(PASSWORD)
        return {
            EDITOR: await accounts.add_user(conn, EDITOR, hashed, "editor"),
            SECOND: await accounts.add_user(conn, SECOND, hashed, "editor"),
        }


@pytest.fixture(scope="module")
def admin_db() -> Iterator[tuple[str, dict[str, int]]]:
    """A database of its own holding data/coventry.geojson and two editors."""
    url = off_loop(lambda: coventry_database("locator_test_admin"))
    users = off_loop(lambda: asyncio.run(_add_editors(url)))
    yield url, users
    off_loop(lambda: drop_database(url))


def settings(photo_dir: Path, **changes: Any) -> Settings:
    base: dict[str, Any] = {
        "rate_limit_per_minute": 0,
        "sign_ins_per_15_min": 50,
        "reports_per_hour": 1000,
        "secret_key": SECRET,
        "public_url": PUBLIC_URL,
        "photo_dir": photo_dir,
        "session_hours": SESSION_HOURS,
    }
    return Settings(**(base | changes))


@pytest.fixture(scope="module")
def admin(
    admin_db: tuple[str, dict[str, int]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Admin]:
    """The real app over HTTP on the admin database."""
    url, users = admin_db
    photo_dir = tmp_path_factory.mktemp("photos")
    with ServerThread(url, settings(photo_dir)) as running:
        yield Admin(running.url, url, users, photo_dir)


def session_cookie(user_id: int, signed_at: float | None = None) -> str:
    """A session cookie as the app signs it, at `signed_at` (default now)."""
    signer = auth.Signer(SECRET)
    if signed_at is None:
        return signer.dumps(auth.new_session(user_id), purpose="session")
    with mock.patch.object(TimestampSigner, "get_timestamp", return_value=int(signed_at)):
        return signer.dumps(auth.new_session(user_id), purpose="session")


@pytest.fixture()
def http(admin: Admin) -> Iterator[httpx.Client]:
    """A client with the first editor's session."""
    cookies = {SESSION_COOKIE: session_cookie(admin.users[EDITOR])}
    with httpx.Client(base_url=admin.url, cookies=cookies, timeout=30) as client:
        yield client


@pytest.fixture()
def anonymous(admin: Admin) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=admin.url, timeout=30) as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a csrf field"
    return found[1]


def signed_in_context(
    browser: Browser, traffic: Traffic, admin: Admin, email: str, viewport: dict[str, int] = PHONE
) -> BrowserContext:
    """A browser context holding `email`'s session (as if they had signed in)."""
    context = open_context(browser, traffic, viewport, reduced_motion="reduce")
    cookie = session_cookie(admin.users[email])
    context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": admin.url}])
    return context


@pytest.fixture()
def editor_page(browser: Browser, admin: Admin) -> Iterator[Page]:
    """A phone-size page signed in as the first editor, the network fenced in."""
    traffic = Traffic()
    context = signed_in_context(browser, traffic, admin, EDITOR)
    yield context.new_page()
    context.close()
    assert traffic.blocked == []


def report(admin: Admin, facility_id: str, **body: Any) -> int:
    """A visitor's report through the public API; its number."""
    answer = httpx.post(f"{admin.url}/api/v1/facilities/{facility_id}/reports", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def facility(admin: Admin, facility_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{admin.url}/api/v1/facilities/{facility_id}")
    assert answer.status_code == 200
    properties: dict[str, Any] = answer.json()["properties"]
    return properties


def state_of(properties: dict[str, Any], item: str) -> dict[str, Any] | None:
    return next((s for s in properties["equipment_status"] if s["item"] == item), None)


def phone_photo() -> bytes:
    """A JPEG as a phone writes it, with the camera and the GPS position in its EXIF."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(out, format="JPEG", exif=phone_exif())
    data = out.getvalue()
    assert b"GPS" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def upload(http: httpx.Client, facility_id: str, alt_text: str, data: bytes) -> httpx.Response:
    """Upload a photo through the edit page's form."""
    page = http.get(f"/admin/facilities/{facility_id}/edit")
    return http.post(
        f"/admin/facilities/{facility_id}/photos",
        data={"csrf": csrf_of(page.text), "alt_text": alt_text, "subject": "room"},
        files={"file": ("photo.jpg", data, "image/jpeg")},
    )


def sign_in_with(page: Page, admin: Admin, email: str, password: str) -> None:
    page.goto(admin.url + "/admin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


# Signing in --------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x800"])
def test_sign_in_and_out_with_a_browser(
    browser: Browser, admin: Admin, viewport: dict[str, int]
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, viewport)
    page = context.new_page()
    page.goto(admin.url + "/admin/queue")
    assert page.url == admin.url + "/admin"  # no session: off to sign in
    sign_in_with(page, admin, EDITOR, PASSWORD)
    page.wait_for_url(admin.url + "/admin")
    assert page.locator("h1").inner_text() == "Editors' dashboard"
    assert EDITOR in page.locator("main").inner_text()
    cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url("**/admin/queue")
    assert page.locator("h1").inner_text() == "Problem reports waiting"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/admin?note=*")
    assert page.get_by_role("status").inner_text() == "You are signed out."
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert not [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    page.goto(admin.url + "/admin/queue")
    assert page.url == admin.url + "/admin"
    context.close()
    assert traffic.blocked == []


def test_keyboard_alone_signs_in(browser: Browser, admin: Admin) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE)
    page = context.new_page()
    page.goto(admin.url + "/admin")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    else:
        pytest.fail("Tab never reached the email field")
    page.keyboard.type(SECOND)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(admin.url + "/admin")
    assert page.locator("h1").inner_text() == "Editors' dashboard"
    context.close()


def cookie_flags(answer: httpx.Response, name: str) -> set[str] | None:
    """The attributes of the cookie `name` that the answer sets (lower case), or None."""
    for header in answer.headers.get_list("set-cookie"):
        value, *flags = (part.strip() for part in header.split(";"))
        if value.startswith(name + "="):
            return {flag.lower() for flag in flags}
    return None


def sign_in_form(client: httpx.Client) -> tuple[str, str]:
    """Open the sign-in form: its token, and the value of the cookie it is bound to."""
    form = client.get("/admin")
    return csrf_of(form.text), form.cookies[LOGIN_COOKIE]


def post_sign_in(
    client: httpx.Client, email: str, password: str, token: str, login: str | None
) -> httpx.Response:
    """Send the sign-in form with the browser's login cookie `login` (None: without one).

    The cookie is sent by hand: a client never sends a Secure cookie over plain HTTP, and the
    test servers behind "TLS" are plain HTTP.
    """
    headers = {"cookie": f"{LOGIN_COOKIE}={login}"} if login else {"cookie": ""}
    form = {"email": email, "password": password, "csrf": token}
    return client.post("/admin/sign-in", data=form, headers=headers)


def _sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return post_sign_in(client, email, password, *sign_in_form(client))


def test_a_wrong_password_or_unknown_email_is_401(anonymous: httpx.Client) -> None:
    for email, password in [(EDITOR, "not the password at all"), ("nobody@example.org", PASSWORD)]:
        answer = _sign_in(anonymous, email, password)
        assert answer.status_code == 401
        assert "Email or password is wrong" in answer.text
        assert cookie_flags(answer, SESSION_COOKIE) is None
        assert answer.headers["cache-control"] == "no-store"
    assert 'value="nobody@example.org"' in answer.text  # the form keeps what was typed


def test_a_sign_in_without_our_form_token_is_refused(anonymous: httpx.Client) -> None:
    _, login = sign_in_form(anonymous)
    forged = auth.Signer("someone else's key").dumps({"login": login}, purpose="login")
    other_purpose = auth.Signer(SECRET).dumps({"login": login}, purpose="note")
    for token in ["", forged, other_purpose]:
        answer = post_sign_in(anonymous, EDITOR, PASSWORD, token, login)
        assert answer.status_code == 403
        assert "This sign-in form was too old (or not ours)" in answer.text
        assert cookie_flags(answer, SESSION_COOKIE) is None


def test_a_sign_in_form_works_only_in_the_browser_that_opened_it(admin: Admin) -> None:
    one_try = settings(admin.photo_dir, sign_ins_per_15_min=1)
    with (
        ServerThread(admin.db, one_try) as server,
        httpx.Client(base_url=server.url) as editor,
        httpx.Client(base_url=server.url) as elsewhere,
    ):
        form = editor.get("/admin")
        assert cookie_flags(form, LOGIN_COOKIE) == {
            "httponly", "samesite=strict", "path=/admin", "max-age=3600"
        }  # fmt: skip
        token, login = csrf_of(form.text), form.cookies[LOGIN_COOKIE]
        _, their_login = sign_in_form(elsewhere)
        for cookie in [None, their_login]:  # the token, taken to another browser
            refused = post_sign_in(elsewhere, EDITOR, PASSWORD, token, cookie)
            assert refused.status_code == 403, cookie
            assert cookie_flags(refused, SESSION_COOKIE) is None
        # Refusals spent nothing of the one try, and checked no password.
        answer = post_sign_in(editor, EDITOR, PASSWORD, token, login)
        assert answer.status_code == 303
        assert cookie_flags(answer, SESSION_COOKIE) is not None
        spent = cookie_flags(answer, LOGIN_COOKIE)
        assert spent is not None and "max-age=0" in spent  # the form's cookie is spent


def test_the_sixth_attempt_is_429(admin: Admin) -> None:
    limited = settings(admin.photo_dir, sign_ins_per_15_min=5)
    with ServerThread(admin.db, limited) as server, httpx.Client(base_url=server.url) as client:
        for _ in range(5):
            assert _sign_in(client, EDITOR, "a wrong password, again").status_code == 401
        sixth = _sign_in(client, EDITOR, PASSWORD)  # even the right one: the budget is spent
        assert sixth.status_code == 429
        assert int(sixth.headers["retry-after"]) > 0
        assert "Too many sign-in attempts" in sixth.text
        assert sixth.headers["cache-control"] == "no-store"


def test_the_session_cookie_is_httponly_lax_and_secure_behind_tls(admin: Admin) -> None:
    with httpx.Client(base_url=admin.url) as client:
        answer = _sign_in(client, EDITOR, PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    flags = cookie_flags(answer, SESSION_COOKIE)
    assert flags is not None
    assert {"httponly", "samesite=lax", "path=/", f"max-age={int(SESSION_HOURS * 3600)}"} <= flags
    assert "secure" not in flags  # public_url is http here
    behind_tls = settings(admin.photo_dir, public_url="https://locator.example.org")
    with ServerThread(admin.db, behind_tls) as server, httpx.Client(base_url=server.url) as client:
        form = client.get("/admin")
        answer = _sign_in(client, EDITOR, PASSWORD)
    assert "secure" in (cookie_flags(form, LOGIN_COOKIE) or set())
    assert answer.status_code == 303
    assert "secure" in (cookie_flags(answer, SESSION_COOKIE) or set())


def test_a_session_expires(admin: Admin) -> None:
    user_id = admin.users[EDITOR]
    old = session_cookie(user_id, signed_at=time.time() - SESSION_HOURS * 3600 - 60)
    fresh = session_cookie(user_id)
    tampered = fresh[:-2] + ("AA" if not fresh.endswith("AA") else "BB")
    for cookie in [old, tampered]:
        with httpx.Client(base_url=admin.url, cookies={SESSION_COOKIE: cookie}) as client:
            page = client.get("/admin/queue")
            assert page.status_code == 303 and page.headers["location"] == "/admin"
            assert client.post("/admin/sign-out", data={"csrf": "x"}).status_code == 401
    with httpx.Client(base_url=admin.url, cookies={SESSION_COOKIE: fresh}) as client:
        assert client.get("/admin/queue").status_code == 200


ADMIN_GETS = [
    "/admin/queue",
    "/admin/photos",
    "/admin/facilities?q=library",
    "/admin/facilities/central-library/edit",
    "/admin/facilities/central-library/sign.pdf",
    "/admin/photos/1/thumb",
]
ADMIN_POSTS = [
    "/admin/sign-out",
    "/admin/reports/1/decision",
    "/admin/facilities/central-library/edit",
    "/admin/facilities/central-library/verify",
    "/admin/facilities/central-library/photos",
    "/admin/photos/1/decision",
]


def test_without_a_session_pages_redirect_and_forms_are_401(anonymous: httpx.Client) -> None:
    for path in ADMIN_GETS:
        answer = anonymous.get(path)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/admin"), path
        assert answer.headers["cache-control"] == "no-store"
    for path in ADMIN_POSTS:
        answer = anonymous.post(path, data={"csrf": "anything"})
        assert answer.status_code == 401, path
        assert "text/html" in answer.headers["content-type"]
        assert answer.headers["cache-control"] == "no-store"
    assert anonymous.get("/admin").headers["cache-control"] == "no-store"


def test_admin_pages_stay_out_of_the_openapi_document(anonymous: httpx.Client) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/admin")]


def test_a_missing_or_wrong_csrf_token_is_403_and_changes_nothing(
    admin: Admin, http: httpx.Client
) -> None:
    report_id = report(admin, "albany-theatre", kind="equipment_not_working", item="hoist")
    before = facility(admin, "albany-theatre")
    forms = {
        f"/admin/reports/{report_id}/decision": {"decision": "reject", "reason": "Not so"},
        "/admin/facilities/albany-theatre/edit": {
            "version": str(before["version"]),
            "phone": "024 7600 9999",
            "source_title": "Phoned the venue",
        },
        "/admin/facilities/albany-theatre/verify": {"how": "on_site"},
        "/admin/sign-out": {},
    }
    for path, form in forms.items():
        for csrf in [None, "not-the-token"]:
            data = form | ({"csrf": csrf} if csrf else {})
            answer = http.post(path, data=data)
            assert answer.status_code == 403, path
            assert "nothing was changed" in answer.text
            assert answer.headers["cache-control"] == "no-store"
    after = facility(admin, "albany-theatre")
    assert after["version"] == before["version"]
    assert after["phone"] == before["phone"] and after["last_verified"] == before["last_verified"]
    queue = http.get("/admin/queue")
    assert queue.status_code == 200  # still signed in
    assert f'id="report-{report_id}"' in queue.text  # still open
    # A session's token does not work for another session.
    other = session_cookie(admin.users[SECOND])
    with httpx.Client(base_url=admin.url, cookies={SESSION_COOKIE: other}) as second:
        theirs = csrf_of(second.get("/admin/queue").text)
    stolen = http.post(
        f"/admin/reports/{report_id}/decision",
        data={"decision": "reject", "reason": "Not so", "csrf": theirs},
    )
    assert stolen.status_code == 403


# Moderating reports --------------------------------------------------------------------------


def _decide(page: Page, report_id: int, decision: str, reason: str) -> None:
    """Decide one report with its form on the queue page."""
    card = page.locator(f"#report-{report_id}")
    card.get_by_label(decision, exact=True).check()
    card.get_by_label("Reason (required)").fill(reason)
    card.get_by_role("button", name=f"Save decision on R{report_id}").click()
    page.wait_for_url("**/admin/queue?note=*")


def test_moderation_from_a_public_report_to_the_facility(editor_page: Page, admin: Admin) -> None:
    page = editor_page
    assert state_of(facility(admin, "coombe-country-park"), "hoist") is None
    broken = report(
        admin,
        "coombe-country-park",
        kind="equipment_not_working",
        item="hoist",
        details="Hoist would not move at all",
        email="visitor@example.org",
    )
    bench = report(admin, "coombe-country-park", kind="equipment_not_working", item="bench")
    shown = state_of(facility(admin, "coombe-country-park"), "hoist")
    assert shown is not None and shown["working"] is False and shown["confirmed"] is False

    page.goto(admin.url + "/admin/queue")
    order = page.locator("article.report").evaluate_all("cards => cards.map(c => c.id)")
    assert order.index(f"report-{bench}") < order.index(f"report-{broken}")  # newest first
    card = page.locator(f"#report-{broken}")
    text = card.inner_text()
    assert f"R{broken}" in text and "Coombe Country Park" in text
    assert "Something is not working" in text and "Hoist" in text
    assert "Hoist would not move at all" in text
    assert "visitor@example.org" in text and "PRIVATE" in text.upper()
    link = card.get_by_role("link", name="Coombe Country Park (Coombe Abbey Park)", exact=True)
    assert link.get_attribute("href") == "/facilities/coombe-country-park"

    _decide(page, broken, "Reject", "Phoned the park: the hoist works")
    assert page.get_by_role("status").inner_text() == f"R{broken} rejected"
    assert page.locator(f"#report-{broken}").count() == 0
    properties = facility(admin, "coombe-country-park")
    assert state_of(properties, "hoist") is None  # what was shown before: nothing

    _decide(page, bench, "Accept", "Seen on site: the bench is broken")
    assert page.get_by_role("status").inner_text() == f"R{bench} accepted"
    confirmed = state_of(facility(admin, "coombe-country-park"), "bench")
    assert confirmed is not None and confirmed["working"] is False
    assert confirmed["confirmed"] is True


def test_the_queue_shows_why_a_decision_was_refused(admin: Admin, http: httpx.Client) -> None:
    first = report(admin, "tesco-rugby", kind="closed_or_locked")
    again = report(admin, "tesco-rugby", kind="closed_or_locked")
    elsewhere = report(admin, "the-wave", kind="closed_or_locked")

    def decide(report_id: int, **form: str) -> httpx.Response:
        token = csrf_of(http.get("/admin/queue").text)
        return http.post(f"/admin/reports/{report_id}/decision", data={"csrf": token, **form})

    no_reason = decide(again, decision="reject", reason=" ")
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text
    wrong_duplicate = decide(
        again, decision="duplicate", reason="Same", duplicate_of=str(elsewhere)
    )
    assert wrong_duplicate.status_code == 422
    assert "A duplicate must name another report of the same facility" in wrong_duplicate.text
    assert 'aria-invalid="true"' in wrong_duplicate.text
    done = decide(again, decision="duplicate", reason="Same visit", duplicate_of=f"R{first}")
    assert done.status_code == 303
    note = http.get(done.headers["location"])
    assert f"R{again} marked as a duplicate of R{first}" in note.text
    twice = decide(again, decision="accept", reason="Changed my mind")
    assert twice.status_code == 409
    assert f"Report #{again} is already duplicate" in twice.text


def decide_on_queue(http: httpx.Client, report_id: int, **form: str) -> httpx.Response:
    """Send a report's decision form from the queue page."""
    token = csrf_of(http.get("/admin/queue").text)
    return http.post(f"/admin/reports/{report_id}/decision", data={"csrf": token, **form})


def test_accepting_a_correction_sets_the_field(admin: Admin, http: httpx.Client) -> None:
    fid = "coventry-railway-station"
    wrong = report(
        admin, fid, kind="information_wrong", field="opening_hours", correction="Mo-Su 05:00-23:30"
    )
    card = re.search(rf'<article class="report" id="report-{wrong}".*?</article>', http.get(
        "/admin/queue").text, re.DOTALL)  # fmt: skip
    assert card and "Correct value for Opening hours" in card[0]
    assert "Leave it empty to accept the report without changing the field." in card[0]
    assert 'name="value" value=""' in card[0]  # nothing prefilled
    assert "Also mark the facility temporarily closed" not in card[0]
    before = facility(admin, fid)

    answer = decide_on_queue(
        http,
        wrong,
        decision="accept",
        reason="The station's site says so",
        value="Mo-Su 05:00-23:30",
    )
    assert answer.status_code == 303
    note = html.unescape(http.get(answer.headers["location"]).text)
    assert f"R{wrong} accepted; Opening hours is now Mo-Su 05:00-23:30" in note
    after = facility(admin, fid)
    assert after["opening_hours"] == "Mo-Su 05:00-23:30"
    assert after["version"] > before["version"]
    assert after["sources"][-1]["title"] == f"public report #{wrong} (a visitor)"
    assert f'id="report-{wrong}"' not in http.get("/admin/queue").text  # decided

    # Left empty, accepting changes nothing but the report.
    again = report(admin, fid, kind="information_wrong", field="phone", correction="024 7600 0000")
    assert (
        decide_on_queue(http, again, decision="accept", reason="Noted", value=" ").status_code
        == 303
    )
    assert facility(admin, fid)["phone"] == after["phone"]


def test_an_unusable_correction_is_422_and_changes_nothing(
    admin: Admin, http: httpx.Client
) -> None:
    fid = "the-reel-store"
    wrong = report(admin, fid, kind="information_wrong", field="opening_hours", correction="late")
    number = report(admin, fid, kind="information_wrong", field="room_area_m2", correction="big")
    before = facility(admin, fid)
    cases = [
        (wrong, {"decision": "accept", "value": "whenever they like"}, "Opening hours:"),
        (number, {"decision": "accept", "value": "big"}, "Room area (m²) must be a number"),
        (
            wrong,
            {"decision": "reject", "value": "Mo-Fr 09:00-17:00"},
            "Only an accepted report can change the facility",
        ),
    ]
    for report_id, form, message in cases:
        answer = decide_on_queue(http, report_id, reason="Checked the website", **form)
        assert answer.status_code == 422, form
        said = html.unescape(answer.text)
        assert f"R{report_id}: {message}" in said, form
        assert f'href="#d-{report_id}-value"' in answer.text  # the summary links to the box
        assert f'id="d-{report_id}-value" name="value" value="{form["value"]}"' in said
        assert 'aria-invalid="true"' in answer.text
    after = facility(admin, fid)
    assert (
        after["version"] == before["version"] and after["opening_hours"] == before["opening_hours"]
    )
    queue = http.get("/admin/queue").text
    assert f'id="report-{wrong}"' in queue and f'id="report-{number}"' in queue  # still open


def test_accepting_a_closure_can_mark_the_facility_closed(editor_page: Page, admin: Admin) -> None:
    fid = "welcome-break-corley"
    assert facility(admin, fid)["status"] in (None, "open")
    shut = report(admin, fid, kind="closed_or_locked", details="Locked, staff had no key")
    page = editor_page
    page.goto(admin.url + "/admin/queue")
    card = page.locator(f"#report-{shut}")
    assert card.get_by_label("Correct value for", exact=False).count() == 0
    card.get_by_label("Also mark the facility temporarily closed").check()
    _decide(page, shut, "Accept", "Store says the room is being refitted")
    assert page.get_by_role("status").inner_text() == (
        f"R{shut} accepted; the facility is marked temporarily closed"
    )
    after = facility(admin, fid)
    assert after["status"] == "temporarily_closed"
    assert after["status_note"] == "Store says the room is being refitted"


def test_script_in_a_report_shows_as_text(editor_page: Page, admin: Admin) -> None:
    script = "<script>alert('report')</script><img src=x onerror=\"alert('img')\">"
    report_id = report(
        admin,
        "tesco-extra-cross-point",
        kind="information_wrong",
        field="phone",
        correction="<b>024</b> <script>alert('fix')</script>",
        details=script,
    )
    dialogs: list[str] = []
    editor_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    editor_page.goto(admin.url + "/admin/queue")
    editor_page.wait_for_load_state("load")
    card = editor_page.locator(f"#report-{report_id}")
    assert script in card.inner_text()
    assert "<script>alert('fix')</script>" in card.inner_text()
    assert card.locator("script, img, b").count() == 0
    assert dialogs == []


# Editing -------------------------------------------------------------------------------------


def test_the_form_has_a_control_for_every_editable_field(http: httpx.Client) -> None:
    from locator.domain.record import FacilityProperties

    page = http.get("/admin/facilities/central-library/edit").text
    for name in [*FacilityProperties.model_fields, "lat", "lon"]:
        present = f'name="{name}"' in page
        assert present == (name not in ("equipment_status", "sources", "unverified")), name
    assert '<option value="" selected>Unknown</option>' in page  # an enum not known
    category = re.search(r'<select id="f-category".*?</select>', page, re.DOTALL)
    assert category and "Unknown" not in category[0]  # required: never unknown
    assert 'name="transfer_left" value="" checked' in page  # a yes/no not known
    assert "Leave it empty if it is not known." in page
    assert 'name="state_hoist"' in page and 'name="state_bench"' in page
    assert 'name="source_title"' in page and 'name="version"' in page
    assert f'name="source_date" value="{hours.now().date().isoformat()}"' in page


def _save(page: Page) -> int:
    """Press Save changes; the status of the answer to the POST."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state("load")
    return answer.value.status


def test_two_editors_saving_the_same_facility(browser: Browser, admin: Admin) -> None:
    fid = "war-memorial-park"
    traffic = Traffic()
    first = signed_in_context(browser, traffic, admin, EDITOR).new_page()
    second = signed_in_context(browser, traffic, admin, SECOND, DESKTOP).new_page()
    for page in (first, second):
        page.goto(f"{admin.url}/admin/facilities/{fid}/edit")
    version = facility(admin, fid)["version"]

    first.get_by_label("Phone", exact=True).fill("024 7683 1234")
    first.get_by_label("Source (required)").fill("Phoned the park office")
    assert _save(first) == 303
    assert first.url == f"{admin.url}/facilities/{fid}"

    second.get_by_label("Opening hours note").fill("The toilet closes at dusk")
    second.get_by_label("Source (required)").fill("Visited")
    assert _save(second) == 412
    alert = second.get_by_role("alert").first.inner_text()
    now = facility(admin, fid)["version"]
    assert now == version + 1
    assert (
        f"Someone else changed this facility while you were editing (it is now version {now}). "
        "Your changes are below: check theirs on the facility page, then save again."
    ) in alert
    assert "They changed: Phone." in alert
    assert second.get_by_label("Opening hours note").input_value() == "The toilet closes at dusk"
    assert second.get_by_label("Phone", exact=True).input_value() == "024 7683 1234"  # theirs
    assert second.get_by_label("Source (required)").input_value() == "Visited"
    assert _save(second) == 303
    saved = facility(admin, fid)
    assert saved["phone"] == "024 7683 1234"  # the first editor's change survives
    assert saved["opening_hours_note"] == "The toilet closes at dusk"
    assert saved["version"] == now + 1
    for page in (first, second):
        page.context.close()
    assert traffic.blocked == []


def test_setting_fields_and_states_to_unknown_explicitly(editor_page: Page, admin: Admin) -> None:
    fid = "wilfred-spencer-centre"
    before = facility(admin, fid)
    assert before["hoist"] == "ceiling_track" and before["registered"] is True
    page = editor_page
    page.goto(f"{admin.url}/admin/facilities/{fid}/edit")
    page.get_by_label("Hoist", exact=True).select_option(label="Unknown")
    page.locator("fieldset", has_text="Registered").get_by_label("Unknown").check()
    page.get_by_label("Changing bench working?").select_option(label="Not working")
    page.get_by_label("Source (required)").fill("Phoned the centre")
    page.get_by_label("Reason").fill("They could not say which hoist it is")
    assert _save(page) == 303
    after = facility(admin, fid)
    assert after["hoist"] is None and after["registered"] is None
    assert after["bench"] == before["bench"] and after["name"] == before["name"]
    bench = state_of(after, "bench")
    assert bench is not None and bench["working"] is False and bench["confirmed"] is True
    assert after["sources"][-1]["title"] == "Phoned the centre"
    assert "registered" in after["sources"][-1]["note"]

    page.goto(f"{admin.url}/admin/facilities/{fid}/edit")
    assert "Changing bench: not working" in page.locator("main").inner_text()
    page.get_by_label("Changing bench working?").select_option(label="Unknown")
    page.get_by_label("Source (required)").fill("Phoned the centre again")
    assert _save(page) == 303
    bench = state_of(facility(admin, fid), "bench")
    assert bench is not None and bench["working"] is None


def test_an_invalid_value_is_422_and_names_the_field(admin: Admin, http: httpx.Client) -> None:
    fid = "asda-whitley"
    before = facility(admin, fid)
    page = http.get(f"/admin/facilities/{fid}/edit").text
    base = {
        "csrf": csrf_of(page),
        "version": str(before["version"]),
        "original": html.unescape(re.findall(r'name="original" value="([^"]*)"', page)[0]),
        "source_title": "Visited",
    }
    cases = [
        ({"opening_hours": "whenever they like"}, "Opening hours:"),
        ({"room_area_m2": "large"}, "Room area (m²) must be a number"),
        ({"door_width_m": "250"}, "Door width (metres): Input should be less than 100"),
        (
            {"status": "temporarily_closed", "status_note": ""},
            "Status note: A closed facility needs status_note",
        ),
        ({"source_title": ""}, "Source: say where you learned this"),
    ]
    for changes, message in cases:
        answer = http.post(f"/admin/facilities/{fid}/edit", data=base | changes)
        assert answer.status_code == 422, changes
        assert message in html.unescape(answer.text), changes
        assert 'aria-invalid="true"' in answer.text
    assert facility(admin, fid)["version"] == before["version"]
    nothing = http.post(f"/admin/facilities/{fid}/edit", data=base)
    assert nothing.status_code == 200 and "nothing was saved" in nothing.text


def test_verified_on_site_today(editor_page: Page, admin: Admin) -> None:
    fid = "shire-hall-warwick"
    editor_page.goto(f"{admin.url}/admin/facilities/{fid}/edit")
    editor_page.get_by_role("button", name="Verified on site today").click()
    editor_page.wait_for_url(f"{admin.url}/facilities/{fid}")
    properties = facility(admin, fid)
    assert properties["last_verified"] == hours.now().date().isoformat()
    assert properties["verified_by"] == f"editor #{admin.users[EDITOR]}, on site"


# Photos --------------------------------------------------------------------------------------


def test_a_photo_from_the_form_is_approved_and_served_without_exif(
    editor_page: Page, admin: Admin, http: httpx.Client
) -> None:
    fid = "stratford-leisure-centre"
    page = editor_page
    page.goto(f"{admin.url}/admin/facilities/{fid}/edit")
    page.get_by_label("Photo (required)").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    page.get_by_label("Alt text (required)").fill("The way in: a wide door with a push button")
    page.get_by_label("The way in").check()
    page.get_by_role("button", name="Upload photo").click()
    page.wait_for_url("**/edit?note=*")
    assert "Photo waiting for approval" in page.get_by_role("status").inner_text()

    page.get_by_role("link", name="Photos", exact=True).click()
    page.wait_for_url("**/admin/photos")
    page.wait_for_load_state("load")
    card = page.locator("li.photo", has_text="Stratford Leisure Centre")
    image = card.get_by_role("img", name="The way in: a wide door with a push button")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    thumb_url = image.get_attribute("src")
    assert thumb_url is not None
    assert httpx.get(admin.url + thumb_url).status_code == 303  # editors only
    assert facility_photos(admin, fid) == []  # not public yet

    card.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/admin/photos?note=*")
    assert "approved" in page.get_by_role("status").inner_text()
    shown = facility_photos(admin, fid)
    assert [p["alt_text"] for p in shown] == ["The way in: a wide door with a push button"]
    assert shown[0]["subject"] == "way_in"
    served = httpx.get(admin.url + shown[0]["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in served.content and b"GPS" not in served.content
    assert len(Image.open(io.BytesIO(served.content)).getexif()) == 0
    assert http.get(thumb_url).status_code == 404  # no longer waiting


def facility_photos(admin: Admin, facility_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{admin.url}/api/v1/facilities/{facility_id}/photos")
    assert answer.status_code == 200
    photos: list[dict[str, Any]] = answer.json()
    return photos


def test_unusable_uploads_are_refused_with_a_page(http: httpx.Client) -> None:
    fid = "moto-rugby-services"
    too_large = upload(http, fid, "A photo that is far too big", b"\xff" * (10 * 1024 * 1024 + 1))
    assert too_large.status_code == 413 and "The file is too large" in too_large.text
    not_image = upload(
        http, fid, "Not a photo at all", b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    )
    assert not_image.status_code == 415 and "This file cannot be used" in not_image.text
    no_alt = upload(http, fid, "  ", phone_photo())
    assert no_alt.status_code == 422 and "Alt text: describe the photo" in no_alt.text
    assert "text/html" in no_alt.headers["content-type"]


def test_a_photo_decision_twice_is_409(admin: Admin, http: httpx.Client) -> None:
    assert (
        upload(http, "tesco-rugby", "Room with a ceiling hoist", phone_photo()).status_code == 303
    )
    page = http.get("/admin/photos").text
    photo_id = int(re.findall(r'action="/admin/photos/(\d+)/decision"', page)[-1])
    form = {"csrf": csrf_of(page), "approve": "no"}
    assert http.post(f"/admin/photos/{photo_id}/decision", data=form).status_code == 303
    again = http.post(f"/admin/photos/{photo_id}/decision", data=form)
    assert again.status_code == 409 and "already rejected" in again.text


# Door signs ----------------------------------------------------------------------------------


def test_door_signs_download_as_pdf_and_png(http: httpx.Client) -> None:
    page = http.get("/admin/facilities/central-library/edit").text
    assert 'href="/admin/facilities/central-library/sign.pdf"' in page
    pdf = http.get("/admin/facilities/central-library/sign.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="sign-central-library.pdf"'
    assert pdf.content.startswith(b"%PDF")
    png = http.get("/admin/facilities/central-library/sign.png")
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == 'attachment; filename="sign-central-library.png"'
    codes = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert codes == [f"{PUBLIC_URL}/facilities/central-library/report"]
    assert http.get("/admin/facilities/no-such-place/sign.pdf").status_code == 404
    assert http.get("/admin/facilities/central-library/sign.gif").status_code == 404


# Accessibility -------------------------------------------------------------------------------

PAGES = {
    "sign-in": "/admin",
    "dashboard": "/admin",
    "search": "/admin/facilities?q=coventry",
    "queue": "/admin/queue",
    "edit": "/admin/facilities/central-library/edit",
    "photos": "/admin/photos",
}


@pytest.fixture(scope="module")
def waiting(admin: Admin) -> None:
    """A report and a photo waiting, so the queue and photos pages have something to show."""
    report(
        admin,
        "albany-theatre",
        kind="information_wrong",
        field="opening_hours",
        correction="Mo-Sa 10:00-23:00",
        details="The box office said so.\nSecond line.",
        email="someone@example.org",
    )
    cookies = {SESSION_COOKIE: session_cookie(admin.users[SECOND])}
    with httpx.Client(base_url=admin.url, cookies=cookies, timeout=30) as client:
        assert upload(client, "albany-theatre", "The room", phone_photo()).status_code == 303


def _open(browser: Browser, admin: Admin, name: str, viewport: dict[str, int]) -> Page:
    traffic = Traffic()
    if name == "sign-in":
        context = open_context(browser, traffic, viewport, reduced_motion="reduce")
    else:
        context = signed_in_context(browser, traffic, admin, EDITOR, viewport)
    page = context.new_page()
    page.goto(admin.url + PAGES[name])
    page.wait_for_load_state("load")
    return page


@pytest.mark.usefixtures("waiting")
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x800"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violations(
    browser: Browser, admin: Admin, name: str, viewport: dict[str, int]
) -> None:
    page = _open(browser, admin, name, viewport)
    violations = axe_violations(page)
    if viewport == PHONE:
        screenshot(page, f"phone-admin-{name}")
    page.context.close()
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.parametrize("case", ["sign-in-wrong", "edit-errors", "edit-conflict", "refusal"])
def test_axe_finds_no_violations_on_error_pages(
    browser: Browser, admin: Admin, http: httpx.Client, case: str
) -> None:
    traffic = Traffic()
    context = signed_in_context(browser, traffic, admin, EDITOR)
    page = context.new_page()
    fid = "royal-priors-leamington"
    if case == "sign-in-wrong":
        context.clear_cookies()
        sign_in_with(page, admin, EDITOR, "wrong password here")
    elif case == "refusal":
        page.goto(admin.url + "/admin/facilities/no-such-place/edit")
    else:
        page.goto(f"{admin.url}/admin/facilities/{fid}/edit")
        page.get_by_label("Room area (m²)").fill("big")
        page.get_by_label("Source (required)").fill("Visited")
        if case == "edit-conflict":
            page.get_by_label("Room area (m²)").fill("14")
            verify = http.get(f"/admin/facilities/{fid}/edit").text
            form = {"csrf": csrf_of(verify), "how": "by_phone"}
            assert http.post(f"/admin/facilities/{fid}/verify", data=form).status_code == 303
        status = _save(page)
        assert status == (412 if case == "edit-conflict" else 422)
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").count() >= 1 or case == "refusal"
    violations = axe_violations(page)
    screenshot(page, f"phone-admin-{case}")
    context.close()
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.usefixtures("waiting")
@pytest.mark.parametrize("name", list(PAGES))
def test_no_sideways_scrolling_at_320px(browser: Browser, admin: Admin, name: str) -> None:
    page = _open(browser, admin, name, {"width": 320, "height": 640})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main input, main select,'
                                                + ' main textarea, .site-header a')]
            .filter(el => el.offsetParent !== null && el.type !== 'hidden')
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, r]) => r.height < 44 && !['radio', 'checkbox'].includes(el.type))
            .map(([el, r]) => el.outerHTML.slice(0, 80) + ` ${r.width}x${r.height}`)"""
    )
    page.context.close()
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 320px"
    assert small == [], "\n".join(small)
