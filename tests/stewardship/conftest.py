"""Fixtures for the stewardship loop: a database of its own (these tests write), accounts with
tokens, and a real server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from locator.services import auth
from locator.settings import Settings
from locator.store import accounts
from locator.store import connection as db
from tests.conftest import ServerThread, _load, drop_database, facility, known_database


@dataclass
class Tokens:
    editor: str
    admin: str
    moderator_only: str  # reports:moderate only
    revoked: str


async def _accounts(url: str) -> Tokens:
    async with db.connect(url) as conn:
        editor = await accounts.add_user(
            conn, "editor@example.org", auth.hash_password("correct horse battery"), "editor"
        )
        admin = await accounts.add_user(
            conn, "admin@example.org", auth.hash_password("staple battery horse"), "admin"
        )

        async def token(user: int, scopes: list[str]) -> tuple[str, int]:
            plain, hashed = auth.new_token()
            return plain, await accounts.add_token(conn, user, "test", hashed, scopes)

        every = [s.value for s in auth.ROLE_SCOPES[auth.Role.editor]]
        editor_token, _ = await token(editor, every)
        admin_token, _ = await token(admin, [s.value for s in auth.ROLE_SCOPES[auth.Role.admin]])
        moderator, _ = await token(editor, ["reports:moderate"])
        revoked, revoked_id = await token(editor, every)
        await accounts.revoke_token(conn, revoked_id)
        return Tokens(editor_token, admin_token, moderator, revoked)


@pytest.fixture(scope="session")
def steward_db() -> Iterator[str]:
    """The KNOWN facilities in a database these tests may change."""
    url = known_database("locator_test_steward")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def tokens(steward_db: str) -> Tokens:
    return asyncio.run(_accounts(steward_db))


@pytest.fixture(scope="session")
def steward(
    steward_db: str, tokens: Tokens, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    settings = Settings(
        rate_limit_per_minute=0,
        reports_per_hour=1000,
        photo_dir=tmp_path_factory.mktemp("photos"),
        photo_max_bytes=2 * 1024 * 1024,
    )
    with ServerThread(steward_db, settings) as running:
        yield running


@pytest.fixture()
def api(steward: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=steward.url, timeout=10) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def run_sql(url: str, sql: str, *args: Any) -> Any:
    """One statement on the test database; its rows."""

    async def go() -> Any:
        async with db.connect(url) as conn:
            return await conn.fetch(sql, *args)

    return asyncio.run(go())


def new_facility(url: str, **fields: object) -> str:
    """A facility of a test's own (open 24/7, 400 m from CENTRE), so tests never share state."""
    fid = f"t-own-{uuid.uuid4().hex[:10]}"
    record = facility(fid, 30, 400, opening_hours="24/7", **fields)
    asyncio.run(_load(url, [record]))
    return fid
