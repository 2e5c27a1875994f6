"""Editors' accounts, API tokens (only their hashes) and the app's own secrets."""

from __future__ import annotations

import secrets
from typing import Any

import asyncpg

from locator.domain.errors import Conflict, NotFound
from locator.store.sql import Executor

USER_COLUMNS = "id, email, role, created_at, disabled_at"


async def add_user(conn: Executor, email: str, password_hash: str, role: str) -> int:
    """A new account; one per email address, whatever its case."""
    try:
        user_id: int = await conn.fetchval(
            "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3) RETURNING id",
            email,
            password_hash,
            role,
        )
    except asyncpg.UniqueViolationError:
        raise Conflict(f"An account for {email} already exists", field="email") from None
    return user_id


async def set_password(conn: Executor, email: str, password_hash: str) -> None:
    """Change an account's password."""
    status = await conn.execute(
        "UPDATE users SET password_hash = $2 WHERE lower(email) = lower($1)", email, password_hash
    )
    if status.endswith(" 0"):
        raise NotFound(f"No account for {email}", field="email")


async def user_by_email(conn: Executor, email: str) -> dict[str, Any] | None:
    """The account with its password hash (for signing in), or None."""
    row = await conn.fetchrow(
        f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)", email
    )
    return dict(row) if row else None


async def user_by_id(conn: Executor, user_id: int) -> dict[str, Any] | None:
    """An active account, or None (disabled accounts sign nobody in)."""
    row = await conn.fetchrow(
        f"SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND disabled_at IS NULL", user_id
    )
    return dict(row) if row else None


async def users(conn: Executor) -> list[dict[str, Any]]:
    """Every account, oldest first."""
    return [dict(r) for r in await conn.fetch(f"SELECT {USER_COLUMNS} FROM users ORDER BY id")]


async def add_token(
    conn: Executor, user_id: int, name: str, token_hash: str, scopes: list[str]
) -> int:
    """Keep a new token's hash; the token itself is shown once and never stored."""
    token_id: int = await conn.fetchval(
        "INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, $2, $3, $4)"
        " RETURNING id",
        user_id,
        name,
        token_hash,
        scopes,
    )
    return token_id


async def token_by_hash(conn: Executor, token_hash: str) -> dict[str, Any] | None:
    """A live token with its user's role (revoked tokens and disabled users find nothing)."""
    row = await conn.fetchrow(
        "UPDATE api_tokens t SET last_used_at = now() FROM users u"
        " WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.id = t.user_id"
        " AND u.disabled_at IS NULL"
        " RETURNING t.id, t.user_id, t.scopes, u.role",
        token_hash,
    )
    return dict(row) if row else None


async def tokens(conn: Executor) -> list[dict[str, Any]]:
    """Every token (never its hash), with its user's email."""
    rows = await conn.fetch(
        "SELECT t.id, t.name, u.email, t.scopes, t.created_at, t.last_used_at, t.revoked_at"
        " FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id"
    )
    return [dict(r) for r in rows]


async def revoke_token(conn: Executor, token_id: int) -> None:
    """A revoked token stops working at once; its row stays for the record."""
    status = await conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", token_id
    )
    if status.endswith(" 0"):
        raise NotFound(f"No live token #{token_id}", field="token_id")


async def secret(conn: Executor, name: str) -> str:
    """The app's own secret `name`, made at random the first time any worker asks."""
    value: str = await conn.fetchval(
        "WITH made AS (INSERT INTO app_secrets (name, value) VALUES ($1, $2)"
        " ON CONFLICT (name) DO NOTHING RETURNING value)"
        " SELECT value FROM made UNION ALL SELECT value FROM app_secrets WHERE name = $1"
        " LIMIT 1",
        name,
        secrets.token_urlsafe(48),
    )
    return value
