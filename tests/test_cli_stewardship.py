"""The stewardship commands: accounts, API tokens, purging reporters' details, door signs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import zxingcpp
from PIL import Image
from typer.testing import CliRunner, Result

from locator.cli import app
from locator.domain.reports import ReportIn
from locator.domain.vocabulary import Decision
from locator.settings import get_settings
from locator.store import connection as db
from locator.store import reports
from tests.conftest import ServerThread, coventry_database, drop_database

PUBLIC_URL = "https://changingplaces.example.org"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of its own holding data/coventry.geojson."""
    url = coventry_database("locator_test_cli_stewardship")
    yield url
    drop_database(url)


@pytest.fixture()
def cli(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """`locator` commands pointed at that database."""
    monkeypatch.setenv("LOCATOR_DATABASE_URL", database)
    monkeypatch.setenv("LOCATOR_PUBLIC_URL", PUBLIC_URL)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def invoke(runner: CliRunner, *args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


async def _sql(url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    async with db.connect(url) as conn:
        rows: list[asyncpg.Record] = await conn.fetch(statement, *args)
        return rows


def sql(url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_sql(url, statement, *args))


def test_users_add_with_the_password_on_stdin_then_list(cli: CliRunner) -> None:
    added = invoke(
        cli, "users", "add", "Ann@Example.org", "--role", "admin", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added admin #" in added.stdout and "Ann@Example.org" in added.stdout
    listed = invoke(cli, "users", "list")
    assert listed.exit_code == 0
    row = next(line for line in listed.stdout.splitlines() if "Ann@Example.org" in line)
    assert row.split("\t")[2] == "admin"
    assert PASSWORD not in listed.stdout


def test_users_add_asks_for_the_password_twice(cli: CliRunner, database: str) -> None:
    added = invoke(cli, "users", "add", "bea@example.org", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert added.output.count("Password") == 1 and "Repeat for confirmation" in added.output
    assert PASSWORD not in added.output  # never echoed
    [user] = sql(
        database, "SELECT role, password_hash FROM users WHERE email = $1", "bea@example.org"
    )
    assert user["role"] == "editor" and user["password_hash"].startswith("$argon2")


def test_a_duplicate_email_or_short_password_is_refused(cli: CliRunner) -> None:
    first = invoke(cli, "users", "add", "cy@example.org", "--password-stdin", input=PASSWORD)
    assert first.exit_code == 0, first.output
    again = invoke(cli, "users", "add", "CY@example.org", "--password-stdin", input=PASSWORD)
    assert again.exit_code == 2
    assert "error: An account for CY@example.org already exists" in again.output
    short = invoke(cli, "users", "add", "dee@example.org", "--password-stdin", input="short")
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    not_email = invoke(cli, "users", "add", "dee", "--password-stdin", input=PASSWORD)
    assert not_email.exit_code == 2 and "not an email address" in not_email.output


def _add_editor(cli: CliRunner, email: str) -> None:
    added = invoke(cli, "users", "add", email, "--password-stdin", input=PASSWORD)
    assert added.exit_code == 0, added.output


def test_a_token_authorises_the_api_until_revoked(cli: CliRunner, database: str) -> None:
    _add_editor(cli, "sync@example.org")
    created = invoke(
        cli, "tokens", "create", "--user", "sync@example.org", "--name", "council sync",
        "--scopes", "facilities:write,reports:moderate",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("cpl_") and "\n" not in token  # the token alone on stdout
    assert "shown only this once" in created.stderr
    [kept] = sql(database, "SELECT id, token_hash, scopes FROM api_tokens WHERE name = $1",
                 "council sync")  # fmt: skip
    assert token not in kept["token_hash"] and kept["scopes"] == [
        "facilities:write",
        "reports:moderate",
    ]
    listed = invoke(cli, "tokens", "list")
    row = next(line for line in listed.stdout.splitlines() if "council sync" in line)
    assert "sync@example.org" in row and "facilities:write,reports:moderate" in row
    assert token not in listed.stdout

    url = "/api/v1/facilities/central-library/verification"
    headers = {"Authorization": f"Bearer {token}"}
    with ServerThread(database) as server, httpx.Client(base_url=server.url) as client:
        verified = client.post(url, json={"how": "by_phone"}, headers=headers)
        assert verified.status_code == 200, verified.text
        assert verified.json()["properties"]["verified_by"].endswith(
            f"via token #{kept['id']}, by phone"
        )
        revoked = invoke(cli, "tokens", "revoke", str(kept["id"]))
        assert revoked.exit_code == 0 and f"revoked token #{kept['id']}" in revoked.stdout
        assert client.post(url, json={"how": "by_phone"}, headers=headers).status_code == 401
    again = invoke(cli, "tokens", "revoke", str(kept["id"]))
    assert again.exit_code == 2 and "No live token" in again.output


def test_scopes_beyond_the_role_or_unknown_are_refused(cli: CliRunner, database: str) -> None:
    _add_editor(cli, "limited@example.org")
    before = sql(database, "SELECT count(*) AS n FROM api_tokens")[0]["n"]
    beyond = invoke(
        cli, "tokens", "create", "--user", "limited@example.org", "--name", "too much",
        "--scopes", "facilities:write,facilities:delete",
    )  # fmt: skip
    assert beyond.exit_code == 2
    assert "cannot hold facilities:delete" in beyond.output
    unknown = invoke(
        cli, "tokens", "create", "--user", "limited@example.org", "--name", "odd",
        "--scopes", "everything",
    )  # fmt: skip
    assert unknown.exit_code == 2 and "unknown scope everything" in unknown.output
    nobody = invoke(
        cli, "tokens", "create", "--user", "nobody@example.org", "--name", "x",
        "--scopes", "facilities:write",
    )  # fmt: skip
    assert nobody.exit_code == 2 and "No active account for nobody@example.org" in nobody.output
    assert sql(database, "SELECT count(*) AS n FROM api_tokens")[0]["n"] == before


async def _reports(url: str) -> dict[str, int]:
    """Three reports with emails: closed long ago, closed lately, and still open."""
    made: dict[str, int] = {}
    async with db.connect(url) as conn:
        for name in ("old", "recent", "open"):
            report = ReportIn(
                kind="closed_or_locked",
                details=f"{name}: the door was locked",
                email=f"{name}@example.org",
            )
            made[name] = await reports.submit(conn, "the-wave", report)
        for name in ("old", "recent"):
            await reports.decide(conn, made[name], Decision.reject, "It was open", "tests")
        await conn.execute(
            "UPDATE reports SET decided_at = now() - interval '91 days' WHERE id = $1", made["old"]
        )
    return made


def test_reports_purge_forgets_reporters_of_long_closed_reports(
    cli: CliRunner, database: str
) -> None:
    made = asyncio.run(_reports(database))
    purged = invoke(cli, "reports", "purge")
    assert purged.exit_code == 0, purged.output
    assert "purged 1 report closed over 90 days ago" in purged.stdout
    rows = {
        row["id"]: row
        for row in sql(database, "SELECT id, email, details, state, purged_at FROM reports")
    }
    old, recent, still_open = (rows[made[name]] for name in ("old", "recent", "open"))
    assert old["email"] is None and old["details"] is None and old["purged_at"] is not None
    assert old["state"] == "rejected"  # the facts stay
    assert recent["email"] == "recent@example.org"
    assert still_open["email"] == "open@example.org" and still_open["state"] == "open"
    assert "purged 0 reports" in invoke(cli, "reports", "purge").stdout


def test_reports_purge_help_says_it_is_for_cron(cli: CliRunner) -> None:
    shown = invoke(cli, "reports", "purge", "--help")
    assert shown.exit_code == 0
    assert "cron" in shown.stdout and "--days" in shown.stdout


def test_signs_for_every_facility_and_for_some(cli: CliRunner, tmp_path: Path) -> None:
    every = invoke(cli, "signs", "--all", "--format", "png", "--out", str(tmp_path / "all"))
    assert every.exit_code == 0, every.output
    files = sorted(path.name for path in (tmp_path / "all").iterdir())
    assert len(files) == 21 and "sign-central-library.png" in files
    sign = Image.open(tmp_path / "all" / "sign-central-library.png")
    codes = [code.text for code in zxingcpp.read_barcodes(sign)]
    assert codes == [f"{PUBLIC_URL}/facilities/central-library/report"]

    some = invoke(cli, "signs", "the-wave", "albany-theatre", "--out", str(tmp_path / "some"))
    assert some.exit_code == 0, some.output
    written = sorted(path.name for path in (tmp_path / "some").iterdir())
    assert written == ["sign-albany-theatre.pdf", "sign-the-wave.pdf"]
    assert (tmp_path / "some" / "sign-the-wave.pdf").read_bytes().startswith(b"%PDF")

    missing = invoke(cli, "signs", "the-wave", "no-such-place", "--out", str(tmp_path / "none"))
    assert missing.exit_code == 2 and "no-such-place" in missing.output
    assert not (tmp_path / "none").exists()
    both = invoke(cli, "signs", "the-wave", "--all", "--out", str(tmp_path / "none"))
    assert both.exit_code == 2
    neither = invoke(cli, "signs", "--out", str(tmp_path / "none"))
    assert neither.exit_code == 2


@pytest.mark.parametrize(
    "command",
    [["users", "add"], ["users", "list"], ["tokens", "create"], ["tokens", "list"],
     ["tokens", "revoke"], ["reports", "purge"], ["signs"]],
)  # fmt: skip
def test_every_new_command_has_help(command: list[str]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"])
    assert shown.exit_code == 0 and "Usage:" in shown.stdout
