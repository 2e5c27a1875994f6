"""Reporting a problem from the door sign's QR code, on a phone, with and without JavaScript:
what the visitor sees, what it changes at once, and what it never stores or shows.

These tests write, so they have their own database and server (the shared `site` stays as
loaded); Chromium is the shared module browser from tests/pages/conftest.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import httpx
import pytest
from itsdangerous.timed import TimestampSigner
from markupsafe import escape
from PIL import Image
from playwright.sync_api import Browser, Page

from locator.domain import hours
from locator.domain.words import date_words
from locator.services import auth
from locator.services import loading as loader
from locator.services import photos as images
from locator.settings import Settings
from locator.store import accounts
from locator.store import connection as db
from locator.store import photos as photo_store
from locator.web.auth import SESSION_COOKIE
from locator.web.pages import words
from locator.web.pages.reports import PRIVACY
from locator.web.static import static_url
from tests.conftest import ROOT, ServerThread, drop_database, fresh_database
from tests.pages.conftest import NARROW, PHONE, Traffic, axe_violations, open_context, screenshot

SECRET = "reports-test-secret-0123456789abcdef"
T = TypeVar("T")
# Where each test reports, so no test sees another's reports (all have a ceiling track hoist,
# except where the test needs none).
JS_HOIST = "central-library"
NO_JS_HOIST = "coventry-university"
HONEYPOT_ID = "wilfred-spencer-centre"
TOKEN_ID = "albany-theatre"
INVALID_ID = "the-wave"
SCRIPT_ID = "war-memorial-park"
LIMITED_ID = "tesco-extra-cross-point"
STALE_ID = "shire-hall-warwick"
HISTORY_ID = "tesco-rugby"
SHOWCASE_ID = "coombe-country-park"  # a photo, a report and an editor's view
CRLF_ID = "asda-whitley"
VENUE_ID = "the-reel-store"
NO_SIGNAL_ID = "ikea-coventry"
NEAR_CV1_1FY = "/nearest?q=CV1+1FY"
PHOTO_ALT = "The changing room: a ceiling hoist over a height-adjustable bench"
SCRIPT = "<script>alert(1)</script>"
JS_URL = "javascript:alert(1)"


def in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end in its own thread: Playwright's loop owns this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


def sql(url: str, query: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of one statement, run straight on the database."""

    async def go() -> list[dict[str, Any]]:
        async with db.connect(url) as conn:
            return [dict(row) for row in await conn.fetch(query, *args)]

    return in_thread(go)


@dataclass
class Seeded:
    url: str
    photo_dir: Path
    editor_id: int
    photo_digest: str


async def _seed(url: str, photo_dir: Path) -> Seeded:
    """Coventry, one editor, and one approved photo of SHOWCASE_ID."""
    async with db.connect(url) as conn:
        await loader.load_file(conn, ROOT / "data" / "coventry.geojson")
        editor = await accounts.add_user(
            conn, "editor@example.org", auth.hash_password("correct horse battery"), "editor"
        )
        picture = io.BytesIO()
        Image.new("RGB", (800, 600), (70, 110, 160)).save(picture, "PNG")
        photo = images.process(picture.getvalue())
        images.save(photo_dir, photo)
        photo_id = await photo_store.add(
            conn, SHOWCASE_ID, photo.digest, (photo.width, photo.height), "room", PHOTO_ALT, "tests"
        )
        await photo_store.decide(conn, photo_id, True, "tests")
    return Seeded(url, photo_dir, editor, photo.digest)


@pytest.fixture(scope="module", autouse=True)
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """This module's own database (autouse: made before the browser's event loop starts)."""
    url = fresh_database("locator_test_reports")
    photo_dir = tmp_path_factory.mktemp("report-photos")
    yield asyncio.run(_seed(url, photo_dir))
    drop_database(url)


def settings_for(seeded: Seeded, reports_per_hour: int) -> Settings:
    return Settings(
        rate_limit_per_minute=0,
        reports_per_hour=reports_per_hour,
        secret_key=SECRET,
        photo_dir=seeded.photo_dir,
    )


@pytest.fixture(scope="module")
def reporting(seeded: Seeded) -> Iterator[ServerThread]:
    """The app on this module's database; a budget of reports no test here runs out of."""
    with ServerThread(seeded.url, settings_for(seeded, 1000)) as running:
        yield running


@pytest.fixture()
def http(reporting: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reporting.url, timeout=10) as client:
        yield client


def token_of(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the form carries a signed token"
    return found.group(1)


def fresh_token(http: httpx.Client, facility_id: str) -> str:
    return token_of(http.get(f"/facilities/{facility_id}/report").text)


def post_report(http: httpx.Client, facility_id: str, **fields: str) -> httpx.Response:
    """The form as a browser sends it (a fresh token unless one is given)."""
    fields.setdefault("token", fresh_token(http, facility_id))
    return http.post(f"/facilities/{facility_id}/report", data=fields)


def history_of(http: httpx.Client, facility_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/api/v1/facilities/{facility_id}/history")
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


def stored_reports(url: str, facility_id: str) -> int:
    rows = sql(url, "SELECT count(*) AS n FROM reports WHERE facility_id = $1", facility_id)
    return int(rows[0]["n"])


def nearest_ids(http: httpx.Client, lat: float, lon: float, **filters: str) -> list[str]:
    params = {"lat": str(lat), "lon": str(lon), "limit": "10", **filters}
    response = http.get("/api/v1/nearest", params=params)
    assert response.status_code == 200
    return [feature["id"] for feature in response.json()["features"]]


def position(facility_id: str) -> tuple[float, float]:
    data = json.loads((ROOT / "data" / "coventry.geojson").read_text())
    lon, lat = next(f for f in data["features"] if f["id"] == facility_id)["geometry"][
        "coordinates"
    ]
    return lat, lon


def seen_on(value: str) -> str:
    """The date a `datetime-local` value (UK time) is said as."""
    return date_words(dt.datetime.fromisoformat(value).replace(tzinfo=hours.LONDON))


def send(page: Page) -> None:
    """Press Send and wait for the next page to load, its stylesheet included."""
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Send report").click()


def card_of(page: Page, facility_id: str) -> Any:
    return page.locator("article.card").filter(
        has=page.locator(f'a[href="/facilities/{facility_id}"]')
    )


# --- words: what a state says, wherever the facility appears ---------------------------------


def state(item: str, **fields: Any) -> dict[str, Any]:
    return {
        "item": item,
        "working": False,
        "reason": None,
        "reported_at": "2026-11-23T10:00:00+00:00",
        "expected_fix": None,
        "source": "public report #7",
        "confirmed": False,
        "stale": False,
    } | fields


@pytest.mark.parametrize(
    ("status", "line", "card"),
    [
        (
            state("hoist"),
            "Hoist reported not working by a visitor on 23 Nov 2026; not yet confirmed",
            "Reported not working (not yet confirmed)",
        ),
        (
            state("entry"),
            "Reported closed or locked by a visitor on 23 Nov 2026; not yet confirmed",
            "Reported closed or locked (not yet confirmed)",
        ),
        (
            state("hoist", confirmed=True, reason="motor fault", reported_at="2026-11-03"),
            "Hoist out of order since 3 Nov 2026 (motor fault)",
            "Hoist or bench out of order",
        ),
        (
            state("hoist", confirmed=True, stale=True, reported_at="2023-05-24"),
            "Hoist: last known not working on 24 May 2023; current state unknown",
            "Open now",
        ),
        (
            state("bench", stale=True, reported_at=None),
            "Changing bench: last known not working (date unknown); current state unknown",
            "Open now",
        ),
        (
            state("entry", stale=True, reported_at="2023-05-24"),
            "Way in: last known closed or locked on 24 May 2023; current state unknown",
            "Open now",
        ),
        (
            state("alarm"),  # not an essential item: said, but the card stays as it was
            "Alarm reported not working by a visitor on 23 Nov 2026; not yet confirmed",
            "Open now",
        ),
    ],
    ids=["unconfirmed", "entry", "confirmed", "stale", "stale-undated", "stale-entry", "alarm"],
)
def test_states_are_said_for_what_we_know(status: dict[str, Any], line: str, card: str) -> None:
    properties = {"status": "open", "open": True, "equipment_status": [status]}
    assert words.faults(properties) == [line]
    found = words.state(properties)
    assert found.text == card
    assert (found.key == "fault") == (found.symbol == "!")
    assert found.symbol in {"!", "✓"}  # a symbol as well as a word, never colour alone


def test_a_stale_fault_never_makes_the_card_a_fault_but_a_fresh_one_does() -> None:
    stale = state("hoist", confirmed=True, stale=True)
    fresh = state("door")
    properties = {"status": "open", "open": False, "equipment_status": [stale]}
    assert words.state(properties).key == "shut"
    properties["equipment_status"] = [stale, fresh]
    assert words.state(properties).key == "fault"
    assert words.faults(properties)[0].startswith("Door reported not working")  # current first


# --- the form ----------------------------------------------------------------------------------


def test_report_form_is_plain_html_never_cached(http: httpx.Client) -> None:
    response = http.get(f"/facilities/{JS_HOIST}/report", params={"kind": "closed_or_locked"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert '<form class="report-form" method="post"' in html
    assert re.search(
        r'id="kind-closed_or_locked" name="kind" value="closed_or_locked" checked', html
    )
    assert html.count(" checked") == 1
    assert 'maxlength="1000"' in html and "up to 1,000 characters" in html
    assert "only if something is not working" in html.lower()
    assert 'type="datetime-local"' in html
    assert str(escape(PRIVACY)) in html
    assert re.search(
        r'<div class="report-trap" aria-hidden="true">\s*<label for="website">Leave', html
    )
    assert 'name="website" value="" tabindex="-1" autocomplete="off"' in html
    # Nothing here needs JavaScript: the one script registers the offline worker, deferred.
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="{static_url("js/offline.js")}" defer>'
    ]


def test_door_sign_short_link_and_unknown_places(http: httpx.Client) -> None:
    short = http.get(f"/r/{JS_HOIST}")
    assert short.status_code == 303
    assert short.headers["location"] == f"/facilities/{JS_HOIST}/report"
    assert http.get("/r/no-such-place", follow_redirects=True).status_code == 404
    assert http.get("/r/Not%20a%20slug").status_code == 404
    assert http.get("/facilities/no-such-place/report").status_code == 404
    assert http.get(f"/facilities/{JS_HOIST}/report/12").status_code == 404  # not a reference


def test_the_receipt_says_the_same_for_any_reference(http: httpx.Client) -> None:
    # It is made from its address alone: nothing about any stored report can leak through it.
    one = http.get(f"/facilities/{JS_HOIST}/report/R1")
    other = http.get(f"/facilities/{JS_HOIST}/report/R987654")
    assert one.status_code == other.status_code == 200
    assert one.headers["cache-control"] == "no-store"
    assert one.text.replace("R1", "R987654") == other.text
    assert "Your reference is <strong>R1</strong>." in one.text


def test_odd_bodies_are_refused_before_anything_is_read(http: httpx.Client) -> None:
    url = f"/facilities/{JS_HOIST}/report"
    token = fresh_token(http, JS_HOIST)
    as_json = http.post(url, json={"token": token, "kind": "all_fine"})
    assert as_json.status_code == 415
    huge = http.post(url, data={"token": token, "kind": "all_fine", "details": "z" * 40_000})
    assert huge.status_code == 413
    assert "longer than the form allows" in huge.text


def test_venue_links_from_data_are_links_only_when_safe(http: httpx.Client, seeded: Seeded) -> None:
    sql(seeded.url, "UPDATE facilities SET report_url = $2 WHERE id = $1", VENUE_ID, JS_URL)
    html = http.get(f"/facilities/{VENUE_ID}").text
    assert "javascript:" not in html
    venue = "https://venue.example/report-a-fault"
    sql(seeded.url, "UPDATE facilities SET report_url = $2 WHERE id = $1", VENUE_ID, venue)
    html = http.get(f"/facilities/{VENUE_ID}").text
    assert f'<a href="{venue}">the venue’s own page for reporting problems</a>' in html
    assert html.index(venue) > html.index('href="/facilities/the-reel-store/report"')


@pytest.mark.parametrize(
    ("javascript", "facility_id"), [(True, JS_HOIST), (False, NO_JS_HOIST)], ids=["js", "no-js"]
)
def test_reporting_a_broken_hoist_on_a_phone(
    browser: Browser,
    reporting: ServerThread,
    http: httpx.Client,
    javascript: bool,
    facility_id: str,
) -> None:
    lat, lon = position(facility_id)
    assert facility_id in nearest_ids(http, lat, lon, working="true")  # working, before
    traffic = Traffic()
    context = open_context(
        browser, traffic, PHONE, java_script_enabled=javascript, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.goto(f"{reporting.url}/facilities/{facility_id}")
    page.get_by_role("link", name="Report a problem", exact=True).click()
    page.wait_for_url(f"**/facilities/{facility_id}/report")
    page.get_by_label("Something is not working").check()
    page.get_by_label("Hoist", exact=True).check()
    page.get_by_label("Anything else we should know? (optional)").fill("It would not lift.")
    seen = page.get_by_label("When did you see it?").input_value()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", seen), "the time is filled in: now"
    send(page)
    page.wait_for_url(re.compile(rf".*/facilities/{facility_id}/report/R\d+$"))
    reference = page.url.rsplit("/", 1)[1]
    assert page.locator("h1").inner_text() == "Thank you"
    assert page.locator(".report-reference").inner_text() == f"Your reference is {reference}."
    screenshot(page, f"phone-report-done-{'js' if javascript else 'no-js'}")

    said = f"Hoist reported not working by a visitor on {seen_on(seen)}; not yet confirmed"
    page.get_by_role("link", name="Back to").click()
    page.wait_for_url(f"**/facilities/{facility_id}")
    assert said in page.locator("ul.glance").inner_text()  # the summary says it (issue 11)
    page.goto(reporting.url + NEAR_CV1_1FY)
    card = card_of(page, facility_id)
    assert said in card.inner_text()
    assert "card--fault" in (card.get_attribute("class") or "")
    context.close()
    assert traffic.blocked == []

    assert facility_id not in nearest_ids(http, lat, lon, working="true")
    assert facility_id in nearest_ids(http, lat, lon)
    latest = history_of(http, facility_id)[0]
    assert latest["actor"] == f"public report #{reference[1:]}"


def test_a_report_sent_with_no_signal_stays_on_the_form_and_says_so(
    browser: Browser, reporting: ServerThread, http: httpx.Client
) -> None:
    facility_id = NO_SIGNAL_ID
    before = history_of(http, facility_id)
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{reporting.url}/facilities/{facility_id}/report")
    page.get_by_label("Something is not working").check()
    page.get_by_label("Hoist", exact=True).check()
    page.get_by_label("Anything else we should know? (optional)").fill("Hoist stuck.")
    context.set_offline(True)
    page.get_by_role("button", name="Send report").click()
    alert = page.get_by_role("alert")
    assert "your report has not been sent" in alert.inner_text()
    assert page.url.endswith(f"/facilities/{facility_id}/report")  # still the form, as typed
    assert page.get_by_label("Hoist", exact=True).is_checked()
    assert page.get_by_label("Anything else we should know? (optional)").input_value() == (
        "Hoist stuck."
    )
    assert history_of(http, facility_id) == before  # nothing reached the service
    assert axe_violations(page) == []
    context.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('.not-sent').textContent.includes('signal again')"
    )
    send(page)
    page.wait_for_url(re.compile(rf".*/facilities/{facility_id}/report/R\d+$"))
    assert page.locator("h1").inner_text() == "Thank you"
    context.close()
    assert traffic.blocked == []


def test_a_filled_honeypot_is_thanked_and_nothing_is_stored(
    http: httpx.Client, seeded: Seeded
) -> None:
    before = history_of(http, HONEYPOT_ID)
    reports = stored_reports(seeded.url, HONEYPOT_ID)
    response = post_report(
        http,
        HONEYPOT_ID,
        kind="equipment_not_working",
        item="hoist",
        website="https://cheap-pills.example",
    )
    assert response.status_code == 303
    assert re.fullmatch(rf"/facilities/{HONEYPOT_ID}/report/R\d+", response.headers["location"])
    done = http.get(response.headers["location"])
    assert done.status_code == 200 and "Thank you" in done.text
    assert history_of(http, HONEYPOT_ID) == before
    assert stored_reports(seeded.url, HONEYPOT_ID) == reports
    page = http.get(f"/facilities/{HONEYPOT_ID}").text
    assert "reported not working" not in page


def _expired_token(facility_id: str) -> str:
    three_hours_ago = int(dt.datetime.now(dt.UTC).timestamp()) - 3 * 3600
    with mock.patch.object(TimestampSigner, "get_timestamp", return_value=three_hours_ago):
        return auth.Signer(SECRET).dumps({"report": facility_id}, purpose="report-form")


@pytest.mark.parametrize(
    "token",
    ["", "forged.token.value", "expired", "other-facility"],
    ids=["missing", "forged", "expired", "for-another-facility"],
)
def test_a_bad_token_is_refused_and_keeps_the_answers(
    http: httpx.Client, seeded: Seeded, token: str
) -> None:
    if token == "expired":
        token = _expired_token(TOKEN_ID)
    elif token == "other-facility":
        token = auth.Signer(SECRET).dumps({"report": JS_HOIST}, purpose="report-form")
    before = history_of(http, TOKEN_ID)
    response = post_report(
        http, TOKEN_ID, token=token, kind="closed_or_locked", details="The door was bolted."
    )
    assert response.status_code == 400
    assert response.headers["cache-control"] == "no-store"
    assert re.search(
        r'role="alert".*This form has expired; please send it again', response.text, re.S
    )
    assert ">The door was bolted.</textarea>" in response.text
    assert 'value="closed_or_locked" checked' in response.text
    assert token_of(response.text) != token  # a new one, to send it again with
    assert history_of(http, TOKEN_ID) == before
    assert stored_reports(seeded.url, TOKEN_ID) == 0


def test_an_altered_token_is_refused(http: httpx.Client, seeded: Seeded) -> None:
    token = fresh_token(http, TOKEN_ID)
    altered = token[:-2] + ("AB" if token[-2:] != "AB" else "CD")
    assert post_report(http, TOKEN_ID, token=altered, kind="all_fine").status_code == 400
    assert stored_reports(seeded.url, TOKEN_ID) == 0


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"kind": "information_wrong", "field": "opening_hours", "details": "Kept, please"},
            {"correction": "Tell us what is right"},
        ),
        ({"kind": "all_fine", "details": "x" * 1001}, {"details": "1,000 characters or fewer"}),
        ({"details": "What kind?"}, {"kind-equipment_not_working": "Choose what you want"}),
        ({"kind": "equipment_not_working"}, {"item-hoist": "Choose what is not working"}),
        (
            {"kind": "information_wrong", "correction": "Open 24 hours"},
            {"field": "Choose which information is wrong"},
        ),
        (
            {"kind": "closed_or_locked", "seen_at": "2099-01-01T10:00", "email": "not-an-address"},
            {"seen_at": "must not be in the future", "email": "Enter an email address like"},
        ),
        (
            {"kind": "all_fine", "seen_at": "2020-01-01T10:00", "correction": "Stray words"},
            {"correction": "only for wrong information", "seen_at": "within the last 60 days"},
        ),
        ({"kind": "all_fine", "seen_at": "last Tuesday"}, {"seen_at": "Enter the date and time"}),
    ],
    ids=[
        "no-correction",
        "details-too-long",
        "no-kind",
        "no-item",
        "no-field",
        "future-and-bad-email",
        "too-old-and-stray-correction",
        "not-a-time",
    ],
)
def test_validation_errors_rerender_the_form_with_a_summary(
    http: httpx.Client, seeded: Seeded, fields: dict[str, str], errors: dict[str, str]
) -> None:
    before = history_of(http, INVALID_ID)
    response = post_report(http, INVALID_ID, **fields)
    assert response.status_code == 422
    html = response.text
    assert response.headers["cache-control"] == "no-store"
    assert "<title>Error: " in html
    summary = re.search(r'<div class="report-summary" role="alert".*?</div>', html, re.S)
    assert summary, "an error summary at the top"
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary.group(0))
    assert len(links) == len(errors)
    for (anchor, message), (want_anchor, want_text) in zip(links, errors.items(), strict=True):
        assert anchor == want_anchor and want_text in message
        assert f'id="{anchor}"' in html  # the link goes to a real control
        name = anchor.split("-")[0]
        assert re.search(rf'<p class="report-error" id="{name}-error">', html)
        assert f"{name}-error" in re.search(rf'aria-describedby="[^"]*{name}-error', html).group(0)  # type: ignore[union-attr]
    for name, value in fields.items():  # every answer is kept
        if name in ("details", "correction"):
            assert f">{value}</textarea>" in html
        elif name in ("seen_at", "email"):
            assert f'value="{value}"' in html
        elif name == "kind":
            assert f'value="{value}" checked' in html
        elif name == "field":
            assert f'<option value="{value}" selected>' in html
    assert history_of(http, INVALID_ID) == before
    assert stored_reports(seeded.url, INVALID_ID) == 0


def test_line_breaks_count_once_towards_the_limit(http: httpx.Client, seeded: Seeded) -> None:
    # Browsers send each line break as CR LF; maxlength counted it as one character.
    details = "\r\n".join(["y" * 99] * 10) + "y"  # 1000 characters as typed, 1009 as sent
    response = post_report(http, CRLF_ID, kind="all_fine", details=details)
    assert response.status_code == 303
    rows = sql(seeded.url, "SELECT details FROM reports WHERE facility_id = $1", CRLF_ID)
    assert len(rows[0]["details"]) == 1000


def test_typed_script_is_only_ever_text(
    browser: Browser, reporting: ServerThread, http: httpx.Client
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    typed = f"{SCRIPT} {JS_URL}"
    page.goto(f"{reporting.url}/facilities/{SCRIPT_ID}/report")
    page.get_by_label("Some information here is wrong").check()
    page.get_by_label("Which information is wrong?").select_option(label="Opening hours")
    page.get_by_label("Anything else we should know? (optional)").fill(typed)
    page.get_by_label("Your email address (optional)").fill('"><img src=x onerror=alert(2)>')
    send(page)
    page.locator(".report-summary").wait_for()
    # The form comes back with what was typed, as text: nothing runs, nothing links.
    assert page.get_by_label("Anything else we should know? (optional)").input_value() == typed
    assert page.get_by_label("Your email address (optional)").input_value().startswith('">')
    assert page.locator("img[src=x], a[href^='javascript:']").count() == 0
    assert SCRIPT not in page.content()
    page.get_by_label("Your email address (optional)").fill("")
    page.get_by_label("What is right?").fill(JS_URL + " " + SCRIPT)
    send(page)
    page.wait_for_url(re.compile(r".*/report/R\d+$"))
    assert "Your reference is R" in page.locator(".report-reference").inner_text()
    assert "alert(1)" not in page.content()  # the receipt repeats nothing typed
    page.goto(f"{reporting.url}/facilities/{SCRIPT_ID}")
    page.wait_for_load_state("load")
    assert "alert(1)" not in page.content()  # nor does the public page
    assert page.locator("a[href^='javascript:']").count() == 0
    context.close()
    assert dialogs == []
    assert traffic.blocked == []


def test_too_many_reports_get_a_429_that_says_when(seeded: Seeded) -> None:
    settings = settings_for(seeded, 3)
    with (
        ServerThread(seeded.url, settings) as limited,
        httpx.Client(base_url=limited.url, timeout=10) as client,
    ):
        for _ in range(3):
            assert post_report(client, LIMITED_ID, kind="all_fine").status_code == 303
        response = post_report(client, LIMITED_ID, kind="all_fine", details="Fourth one")
    assert response.status_code == 429
    wait = int(response.headers["retry-after"])
    assert 60 <= wait <= 3600
    assert re.search(
        r'role="alert".*Please try again after \d\d:\d\d UK time \(in about \d+ minutes\)',
        response.text,
        re.S,
    )
    assert ">Fourth one</textarea>" in response.text  # what they wrote is kept
    assert response.headers["cache-control"] == "no-store"
    assert stored_reports(seeded.url, LIMITED_ID) == 3


def test_a_stale_state_is_the_last_known_one_only(http: httpx.Client, seeded: Seeded) -> None:
    sql(
        seeded.url,
        "INSERT INTO equipment_status (facility_id, item, working, reason, reported_at, source,"
        " confirmed) VALUES ($1, 'hoist', false, 'Motor fault', now() - interval '200 days',"
        " 'tests', true)",
        STALE_ID,
    )
    when = date_words(dt.datetime.now(dt.UTC) - dt.timedelta(days=200))
    html = http.get(f"/facilities/{STALE_ID}").text
    assert f"Hoist: last known not working on {when}; current state unknown" in html
    assert "out of order since" not in html
    lat, lon = position(STALE_ID)
    assert STALE_ID in nearest_ids(http, lat, lon, working="true")  # unknown, not broken
    listed = http.get("/nearest", params={"lat": lat, "lon": lon}).text
    card = re.search(
        rf'<article class="card card--(\w+)">\s*<h3 class="card-title">'
        rf'<a href="/facilities/{STALE_ID}"',
        listed,
    )
    assert card and card.group(1) != "fault"
    # The Coventry data's own 2023 state of the railway station's hoist is stale too.
    station = http.get("/facilities/coventry-railway-station").text
    assert "Hoist: last known not working on 24 May 2023; current state unknown" in station


def test_history_shows_the_latest_twenty_and_links_to_all(http: httpx.Client) -> None:
    for _ in range(21):
        assert post_report(http, HISTORY_ID, kind="all_fine").status_code == 303
    total = len(history_of(http, HISTORY_ID))
    assert total == 22  # the load, then 21 reports
    html = http.get(f"/facilities/{HISTORY_ID}").text
    section = html[html.index('id="history-title"') :]
    assert "The latest 20 of 22 changes, newest first. Times are UK time." in section
    entries = re.findall(r'<li><p class="history-when">(.*?)</p>', section, re.S)
    assert len(entries) == 20
    when = r'<time datetime="[^"]+">\d{1,2} \w{3} \d{4}, \d\d:\d\d</time>'
    assert re.fullmatch(when + r" · public report #\d+", entries[0])
    assert "Why: A visitor said: I used it today and everything worked" in section
    assert f'href="/api/v1/facilities/{HISTORY_ID}/history"' in section


@pytest.fixture(scope="module")
def showcase(reporting: ServerThread) -> str:
    """SHOWCASE_ID reported closed (an unconfirmed `entry` state and a history entry)."""
    with httpx.Client(base_url=reporting.url, timeout=10) as client:
        assert post_report(client, SHOWCASE_ID, kind="closed_or_locked").status_code == 303
    return SHOWCASE_ID


def editor_cookie(seeded: Seeded) -> str:
    return auth.Signer(SECRET).dumps(auth.new_session(seeded.editor_id), purpose="session")


def test_facility_page_report_box_photos_and_editors(
    http: httpx.Client, seeded: Seeded, showcase: str
) -> None:
    public = http.get(f"/facilities/{showcase}")
    assert public.headers["cache-control"] == "public, no-cache"  # a report shows at once
    html = public.text
    assert "Reported closed or locked by a visitor on" in html
    assert (
        f'<a class="button-link" href="/facilities/{showcase}/report">Report a problem</a>' in html
    )
    assert f'href="/facilities/{showcase}/report?kind=closed_or_locked"' in html
    assert html.index('id="report-title"') < html.index("Getting there and in")
    photo = re.search(r'<a href="([^"]+)"><img ([^>]+)></a>', html)
    assert photo and photo.group(1) == f"/photos/{seeded.photo_digest}.jpg"
    attributes = photo.group(2)
    assert f'src="/photos/{seeded.photo_digest}.thumb.jpg"' in attributes
    assert 'loading="lazy" width="400" height="300"' in attributes
    assert f'alt="{PHOTO_ALT}"' in attributes
    assert http.get(photo.group(1)).status_code == 200
    assert "Editors" not in html and "/admin/" not in html

    cookie = {"Cookie": f"{SESSION_COOKIE}={editor_cookie(seeded)}"}
    signed_in = http.get(f"/facilities/{showcase}", headers=cookie)
    assert signed_in.headers["cache-control"] == "private, no-store"
    for href in ("edit", "sign.pdf", "sign.png"):
        assert f'href="/admin/facilities/{showcase}/{href}"' in signed_in.text
    assert "Door sign (PDF)" in signed_in.text


def _form(page: Page, base: str) -> None:
    page.goto(f"{base}/facilities/{JS_HOIST}/report")


def _form_errors(page: Page, base: str) -> None:
    _form(page, base)
    page.get_by_label("Some information here is wrong").check()
    send(page)
    page.locator(".report-summary").wait_for()


def _done(page: Page, base: str) -> None:
    page.goto(f"{base}/facilities/{JS_HOIST}/report/R1")


def _facility_with_history(page: Page, base: str) -> None:
    page.goto(f"{base}/facilities/{SHOWCASE_ID}")
    page.wait_for_load_state("load")


PAGES: dict[str, Callable[[Page, str], None]] = {
    "form": _form,
    "form-errors": _form_errors,
    "done": _done,
    "facility-history": _facility_with_history,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_violations_in_reporting(
    browser: Browser, reporting: ServerThread, seeded: Seeded, showcase: str, name: str
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE, reduced_motion="reduce")
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": editor_cookie(seeded), "url": reporting.url}]
    )
    page = context.new_page()
    PAGES[name](page, reporting.url)
    if name == "facility-history":
        assert page.get_by_role("heading", name="Editors").count() == 1
        assert page.locator("ol.history li").count() >= 2
        page.locator(".photos img").scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('.photos img').complete")
    violations = axe_violations(page)
    screenshot(page, f"phone-reporting-{name}")
    context.close()
    assert violations == [], json.dumps(violations, indent=1)
    assert traffic.blocked == []


@NARROW
@pytest.mark.parametrize("name", list(PAGES))
def test_reporting_pages_never_scroll_sideways(
    browser: Browser, reporting: ServerThread, showcase: str, viewport: dict[str, int], name: str
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, viewport)
    page = context.new_page()
    PAGES[name](page, reporting.url)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport['width']}px"
    assert traffic.blocked == []


@pytest.mark.parametrize("name", ["form", "form-errors"])
def test_form_controls_are_big_enough_and_the_trap_out_of_reach(
    browser: Browser, reporting: ServerThread, name: str
) -> None:
    traffic = Traffic()
    context = open_context(browser, traffic, PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    PAGES[name](page, reporting.url)
    small = page.evaluate(
        """() => [...document.querySelectorAll('a, button, input, select, textarea')]
            .filter(el => el.type !== 'hidden' && !el.closest('.site-footer')
                          && !el.closest('.report-trap'))
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, r]) => el.type === 'radio' ? (r.width < 24 || r.height < 24)
                                                     : (r.width < 44 || r.height < 44))
            .map(([el, r]) => el.outerHTML.slice(0, 80) + ` ${r.width}x${r.height}`)"""
    )
    assert small == [], "\n".join(small)
    if name == "form-errors":  # focus starts on the summary, so it is read first
        assert page.evaluate("document.activeElement.classList.contains('report-summary')")
    trap = page.locator("#website").bounding_box()
    assert trap is not None and trap["x"] + trap["width"] <= 0  # off screen
    # Tabbing through the whole form never lands in the trap.
    focused: set[str] = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.add(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert "website" not in focused
    assert {"details", "email", "seen_at"} <= focused
    context.close()
    assert traffic.blocked == []
