"""The project's private PostgreSQL + PostGIS cluster for development and tests.

It lives in `.pgdata/` beside the package (git-ignored), listens only on a Unix socket there,
and trusts local connections. `initdb` refuses to run as root, so as root the cluster belongs
to the `postgres` system user and its commands run through `runuser`.

`start_replica` adds a streaming hot standby of it (`pg_basebackup`) in `.pgdata/replica`, on
a socket of its own, to try and test LOCATOR_READ_DATABASE_URL on one machine.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from locator.settings import PROJECT_ROOT

PG_BIN = Path(os.environ.get("LOCATOR_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATA_DIR = Path(os.environ.get("LOCATOR_DEV_DB_DIR", PROJECT_ROOT / ".pgdata"))
CLUSTER = DATA_DIR / "cluster"
SOCKET_DIR = DATA_DIR / "run"
SOCKET = SOCKET_DIR / ".s.PGSQL.5432"
LOG_FILE = DATA_DIR / "postgres.log"
REPLICA = DATA_DIR / "replica"
REPLICA_SOCKET_DIR = DATA_DIR / "replica-run"
REPLICA_LOG_FILE = DATA_DIR / "replica.log"
DATABASE = "locator"
# A hot standby needs at least the primary's max_connections.
SERVER_OPTIONS = "-c listen_addresses='' -c max_connections=200"


class DevDbError(RuntimeError):
    """The private cluster could not be created or started."""


def url(database: str = DATABASE) -> str:
    """SQLAlchemy URL of a database in the private cluster."""
    return f"postgresql+asyncpg://{_owner()}@/{database}?host={SOCKET_DIR}"


def replica_url(database: str = DATABASE) -> str:
    """SQLAlchemy URL of a database in the private cluster's read replica."""
    return f"postgresql+asyncpg://{_owner()}@/{database}?host={REPLICA_SOCKET_DIR}"


def _owner() -> str:
    return "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [str(a) for a in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise DevDbError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def _prepare_dirs(*paths: Path) -> None:
    for path in (DATA_DIR, *paths):
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")
    DATA_DIR.chmod(0o700)


def is_running(cluster: Path = CLUSTER) -> bool:
    """Whether the private cluster's (or its replica's) postmaster answers."""
    if not (cluster / "PG_VERSION").exists():
        return False
    return _run(str(PG_BIN / "pg_ctl"), "status", "-D", str(cluster), check=False).returncode == 0


def start() -> str:
    """Create the cluster if needed, start it, create the database with PostGIS; return its URL."""
    if not (PG_BIN / "initdb").exists():
        raise DevDbError(f"PostgreSQL 15 binaries not found in {PG_BIN}; run `make setup` first")
    _prepare_dirs(SOCKET_DIR)
    if not (CLUSTER / "PG_VERSION").exists():
        _run(
            str(PG_BIN / "initdb"), "-D", str(CLUSTER), "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", f"--username={_owner()}",
        )  # fmt: skip
    if is_running() and not SOCKET.exists():
        # Another server that shared this folder's path removed our socket: restart to recreate it.
        stop()
    _start_server(CLUSTER, SOCKET_DIR, LOG_FILE)
    create_database(DATABASE)
    return url()


def start_replica(*, rebuild: bool = False) -> str:
    """Start the private cluster and a streaming read replica of it; return the replica's URL.

    The first time (or with `rebuild`) the replica is copied from the running cluster with
    `pg_basebackup -R` (which writes its `primary_conninfo`); it then follows the cluster's WAL.
    No replication slot is kept, so a replica left stopped for long may need `rebuild`.
    """
    start()
    if rebuild:
        stop_replica()
        shutil.rmtree(REPLICA, ignore_errors=True)
    _prepare_dirs(REPLICA_SOCKET_DIR)
    if not (REPLICA / "PG_VERSION").exists():
        shutil.rmtree(REPLICA, ignore_errors=True)
        _run(
            str(PG_BIN / "pg_basebackup"), "-h", str(SOCKET_DIR), "-U", _owner(),
            "-D", str(REPLICA), "-X", "stream", "-R", "--checkpoint=fast",
        )  # fmt: skip
    _start_server(REPLICA, REPLICA_SOCKET_DIR, REPLICA_LOG_FILE)
    return replica_url()


def _start_server(cluster: Path, socket_dir: Path, log_file: Path) -> None:
    """Start the cluster's postmaster, listening on a socket in `socket_dir` only."""
    if not is_running(cluster):
        _run(
            str(PG_BIN / "pg_ctl"), "start", "-w", "-D", str(cluster),
            "-l", str(log_file), "-o", f"{SERVER_OPTIONS} -k {socket_dir}",
        )  # fmt: skip


def _stop_server(cluster: Path) -> None:
    if is_running(cluster):
        _run(str(PG_BIN / "pg_ctl"), "stop", "-m", "fast", "-D", str(cluster))


def stop_replica() -> None:
    """Stop the read replica (its data stays; it catches up when started again)."""
    _stop_server(REPLICA)


def create_database(name: str, *, fresh: bool = False) -> str:
    """Create (or with `fresh`, recreate) a database with PostGIS in the cluster."""
    psql = [str(PG_BIN / "psql"), "-h", str(SOCKET_DIR), "-d", "postgres", "-qAtX"]
    for _ in range(50):
        if _run(*psql, "-c", "SELECT 1", check=False).returncode == 0:
            break
        time.sleep(0.1)
    if fresh:
        _run(*psql, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    exists = _run(*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{name}'").stdout
    if not exists.strip():
        _run(*psql, "-c", f'CREATE DATABASE "{name}"')
    _run(
        str(PG_BIN / "psql"), "-h", str(SOCKET_DIR), "-d", name, "-qAtX",
        "-c", "CREATE EXTENSION IF NOT EXISTS postgis",
    )  # fmt: skip
    return url(name)


def stop() -> None:
    """Stop the private cluster and its replica, if any (their data stays)."""
    stop_replica()
    _stop_server(CLUSTER)
