"""Connecting: the web app's asyncpg pool, one connection for a command, and migrations.

There are two ways in and both are asyncpg with the same codecs and statement timeout: the pool
(`create_pool`, one per web worker) and `connect` (one connection for a CLI command, an import
or a test). Alembic runs the migrations over its own SQLAlchemy engine (`upgrade`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from locator.settings import Settings, get_settings
from locator.store import devdb

MIGRATIONS = Path(__file__).with_name("migrations")

# Failures of the database, not of the request: the client should retry shortly.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # e.g. a connection lost in the middle of a query
    asyncpg.CannotConnectNowError,
    asyncpg.QueryCanceledError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    OSError,
    TimeoutError,
)


def database_url(settings: Settings | None = None) -> str:
    """The configured URL with the asyncpg driver; the private cluster when none is set."""
    settings = settings or get_settings()
    return database_url_from(settings.database_url or devdb.url())


def database_url_from(raw: str) -> str:
    """`raw` with the asyncpg driver, whichever PostgreSQL driver it named."""
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    return url.render_as_string(hide_password=False)


def asyncpg_dsn(url: str | None = None, settings: Settings | None = None) -> str:
    """The URL as a plain libpq-style DSN for asyncpg."""
    sa_url = make_url(database_url_from(url) if url else database_url(settings))
    return sa_url.set(drivername="postgresql").render_as_string(hide_password=False)


def _server_settings(settings: Settings) -> dict[str, str]:
    return {
        "statement_timeout": str(settings.statement_timeout_ms),
        "application_name": "locator",
        # Read by locator.store.filters.STALE_SQL: when an equipment state stops being current.
        "locator.stale_after": f"{settings.stale_after_days} days",
    }


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json and jsonb with orjson."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name,
            encoder=lambda v: orjson.dumps(v).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


async def keep_session(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset round trip on release: the app never changes session state."""


class BoundedPool(asyncpg.Pool):  # type: ignore[misc]
    """A pool whose every wait for a connection is bounded (asyncpg's default is forever).

    A request that cannot get a connection within `acquire_timeout_s` fails with TimeoutError,
    which the web answers with 503 and Retry-After, instead of queueing behind a lock or a
    stuck client for as long as they last.
    """

    acquire_timeout_s: float = 2.0

    def acquire(self, *, timeout: float | None = None) -> Any:
        return super().acquire(timeout=self.acquire_timeout_s if timeout is None else timeout)


async def create_pool(url: str | None = None, settings: Settings | None = None) -> asyncpg.Pool:
    """The web app's asyncpg pool: no ORM, statements time out, waits for a connection too.

    `min_size=0` lets the app start while the database is down; connections the database dropped
    are replaced by the pool, so the service recovers by itself when the database is back.
    """
    settings = settings or get_settings()
    pool = BoundedPool(
        asyncpg_dsn(url, settings),
        min_size=0,
        max_size=settings.pool_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=60,
        timeout=5,
        init=init_connection,
        reset=keep_session,
        server_settings=_server_settings(settings),
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
    )
    pool.acquire_timeout_s = settings.pool_acquire_timeout_s
    return await pool


@asynccontextmanager
async def connect(
    url: str | None = None, settings: Settings | None = None
) -> AsyncIterator[asyncpg.Connection]:
    """One connection for a command (imports, exports, analyses), closed afterwards."""
    settings = settings or get_settings()
    conn = await asyncpg.connect(
        asyncpg_dsn(url, settings), timeout=5, server_settings=_server_settings(settings)
    )
    try:
        await init_connection(conn)
        yield conn
    finally:
        await conn.close()


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Apply migrations up to `revision` (every branch's head by default)."""
    command.upgrade(alembic_config(url), revision)
