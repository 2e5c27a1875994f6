"""Connecting: the web app's asyncpg pools, one connection for a command, and migrations.

There are two ways in and both are asyncpg with the same codecs and statement timeout: the pool
(`create_pool`, one per web worker) and `connect` (one connection for a CLI command, an import
or a test). With a read replica configured a worker has a second pool, `ReplicaPool`, for the
public reads: it hands reads to the primary whenever the replica is unreachable or behind
(`watch_replica`). Alembic runs the migrations over its own SQLAlchemy engine (`upgrade`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
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
log = logging.getLogger("locator.replica")

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


def _server_settings(settings: Settings, name: str = "locator") -> dict[str, str]:
    return {
        "statement_timeout": str(settings.statement_timeout_ms),
        "application_name": name,
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

    def give_up_on_replica(self, exc: Exception) -> None:
        """After `exc` on the replica, read from the primary; or raise `exc` again when the
        primary could do no better. A wait for a free connection (TimeoutError, an OSError) is
        not retried there: that would double the longest wait a request can have, and the
        replica is merely busy."""
        if not isinstance(exc, REPLICA_ERRORS) or isinstance(exc, TimeoutError):
            raise exc
        self.set_usable(False, f"unreachable ({type(exc).__name__})")

    def acquire(self, *, timeout: float | None = None) -> Any:
        return super().acquire(timeout=self.acquire_timeout_s if timeout is None else timeout)


def _pool_options(settings: Settings, name: str) -> dict[str, Any]:
    return {
        "min_size": 0,
        "max_size": settings.pool_size,
        "max_queries": 50_000,
        "max_inactive_connection_lifetime": 60,
        "timeout": 5,
        "init": init_connection,
        "reset": keep_session,
        "server_settings": _server_settings(settings, name),
        "loop": None,
        "connection_class": asyncpg.Connection,
        "record_class": asyncpg.Record,
    }


async def create_pool(url: str | None = None, settings: Settings | None = None) -> asyncpg.Pool:
    """The web app's asyncpg pool: no ORM, statements time out, waits for a connection too.

    `min_size=0` lets the app start while the database is down; connections the database dropped
    are replaced by the pool, so the service recovers by itself when the database is back.
    """
    settings = settings or get_settings()
    pool = BoundedPool(asyncpg_dsn(url, settings), **_pool_options(settings, "locator"))
    pool.acquire_timeout_s = settings.pool_acquire_timeout_s
    return await pool


# A read the replica could not serve for reasons of its own (down, restarting, dropped the
# connection, cancelled the query for a conflict with recovery): the primary can serve it.
REPLICA_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,  # "canceling statement due to conflict with recovery"
    # The replica has not replayed a migration the primary (and this code) already has.
    asyncpg.UndefinedTableError,
    asyncpg.UndefinedColumnError,
    OSError,
)


class ReplicaPool(BoundedPool):
    """The read replica's pool, whose reads go to `primary` while `usable` is false.

    `watch_replica` keeps `usable` true only while the replica answers and is at most
    `replica_max_lag_s` behind; a read that fails for want of the replica clears it at once and
    is answered by the primary, so stopping the replica costs no request.
    """

    primary: asyncpg.Pool
    usable: bool = False  # until the first check has found it current
    state: str = "not checked yet"  # what /readyz says about it

    def set_usable(self, usable: bool, state: str) -> None:
        """Record the replica's state, saying so in the log when it changes."""
        if usable != self.usable:
            if usable:
                log.info("read replica in use (%s)", state)
            else:
                log.warning("read replica not used: %s; reads go to the primary", state)
        self.usable, self.state = usable, state

    def acquire(self, *, timeout: float | None = None) -> Any:
        return _ReplicaOrPrimary(self, timeout)

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return await self._read("fetch", query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return await self._read("fetchrow", query, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return await self._read("fetchval", query, *args, **kwargs)

    async def _read(self, method: str, query: str, *args: Any, **kwargs: Any) -> Any:
        if self.usable:
            try:
                async with BoundedPool.acquire(self) as conn:
                    return await getattr(conn, method)(query, *args, **kwargs)
            except Exception as exc:
                self.give_up_on_replica(exc)
        return await getattr(self.primary, method)(query, *args, **kwargs)


class _ReplicaOrPrimary:
    """`ReplicaPool.acquire()`: a replica connection, or a primary one when none can be had."""

    def __init__(self, pool: ReplicaPool, timeout: float | None) -> None:
        self.pool, self.timeout = pool, timeout
        self.context: Any = None

    async def __aenter__(self) -> asyncpg.Connection:
        if self.pool.usable:
            self.context = BoundedPool.acquire(self.pool, timeout=self.timeout)
            try:
                return await self.context.__aenter__()
            except Exception as exc:
                self.pool.give_up_on_replica(exc)
        self.context = self.pool.primary.acquire(timeout=self.timeout)
        return await self.context.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self.context.__aexit__(*exc)


async def create_replica_pool(
    url: str, primary: asyncpg.Pool, settings: Settings | None = None
) -> ReplicaPool:
    """A pool on the read replica that falls back to `primary`.

    Its sessions are read-only (`default_transaction_read_only`), so a read path that tried to
    write fails on a plain primary as it would on the replica.
    """
    settings = settings or get_settings()
    options = _pool_options(settings, "locator-read")
    options["server_settings"]["default_transaction_read_only"] = "on"
    pool = ReplicaPool(asyncpg_dsn(url, settings), **options)
    pool.acquire_timeout_s = settings.pool_acquire_timeout_s
    pool.primary = primary
    return await pool  # type: ignore[no-any-return]


PRIMARY_LSN_SQL = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8 AS lsn"
REPLAYED_LSN_SQL = (
    "SELECT pg_is_in_recovery() AS standby, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8 AS lsn"
)
CHECK_TIMEOUT_S = 2.0


class _Probe:
    """The watcher's own connection to one server (the pools' may all be busy: a busy pool is
    not a replica that is down), made again whenever it is lost."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conn: asyncpg.Connection | None = None

    async def fetchrow(self, query: str) -> asyncpg.Record:
        if self.conn is None or self.conn.is_closed():
            self.conn = await asyncpg.connect(
                self.dsn, timeout=CHECK_TIMEOUT_S,
                server_settings={"application_name": "locator-watch"},
            )  # fmt: skip
        try:
            return await self.conn.fetchrow(query, timeout=CHECK_TIMEOUT_S)
        except BaseException:
            self.conn.terminate()  # a query cut short leaves the connection unusable
            self.conn = None
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.terminate()


async def watch_replica(
    pool: ReplicaPool,
    primary_url: str | None,
    replica_url: str,
    settings: Settings,
    every_s: float = 1.0,
) -> None:
    """Every `every_s`, judge whether the replica may serve reads; runs until cancelled.

    How far behind: each check notes the primary's WAL position and when it was seen; the
    replica is as far behind as the oldest noted position it has not replayed yet is old. (Its
    own last replay time cannot tell: with nothing written it stays old, and when the replica
    lost its primary it has nothing left to replay.) What the replica lacks at the first check
    is of unknown age: it is not read until it has replayed that. While the primary cannot be
    asked, nothing can change, so a replica that answers is used as it is. A read server that is
    not in recovery is a primary itself: its data is current.
    """
    primary = _Probe(asyncpg_dsn(primary_url, settings))
    replica = _Probe(asyncpg_dsn(replica_url, settings))
    unreplayed: deque[tuple[float, int]] = deque()
    first_seen = False
    try:
        while True:
            now = time.monotonic()
            primary_up = True
            try:
                position = (await primary.fetchrow(PRIMARY_LSN_SQL))["lsn"]
                seen = now if first_seen else -math.inf
                first_seen = True
                if len(unreplayed) < 3600 and (not unreplayed or position > unreplayed[-1][1]):
                    unreplayed.append((seen, position))
            except (*DATABASE_ERRORS, asyncpg.PostgresError):
                primary_up = False
            try:
                row = await replica.fetchrow(REPLAYED_LSN_SQL)
            except (*DATABASE_ERRORS, asyncpg.PostgresError) as exc:
                pool.set_usable(False, f"unreachable ({type(exc).__name__})")
            else:
                if row["standby"]:
                    replayed = -1 if row["lsn"] is None else row["lsn"]  # None: nothing yet
                    while unreplayed and unreplayed[0][1] <= replayed:
                        unreplayed.popleft()
                else:
                    unreplayed.clear()
                lag = now - unreplayed[0][0] if unreplayed else 0.0
                if not primary_up:
                    pool.set_usable(True, "in use (the primary cannot be asked)")
                elif lag <= settings.replica_max_lag_s:
                    pool.set_usable(True, f"in use, {lag:.0f} s behind the primary at most")
                elif lag == math.inf:
                    pool.set_usable(False, "behind the primary, by how long is not known yet")
                else:
                    pool.set_usable(False, f"{lag:.0f} s behind the primary")
            await asyncio.sleep(every_s)
    finally:
        primary.close()
        replica.close()


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
