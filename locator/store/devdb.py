"""The project's private PostgreSQL + PostGIS cluster for development and tests.

It lives in `.pgdata/` beside the package (git-ignored), listens only on a Unix socket there,
and trusts local connections. `initdb` refuses to run as root, so as root the cluster belongs
to the `postgres` system user and its commands run through `runuser`.
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
DATABASE = "locator"


class DevDbError(RuntimeError):
    """The private cluster could not be created or started."""


def url(database: str = DATABASE) -> str:
    """SQLAlchemy URL of a database in the private cluster."""
    return f"postgresql+asyncpg://{_owner()}@/{database}?host={SOCKET_DIR}"


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


def _prepare_dirs() -> None:
    for path in (DATA_DIR, SOCKET_DIR):
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")
    DATA_DIR.chmod(0o700)


def is_running() -> bool:
    """Whether the private cluster's postmaster answers."""
    if not (CLUSTER / "PG_VERSION").exists():
        return False
    return _run(str(PG_BIN / "pg_ctl"), "status", "-D", str(CLUSTER), check=False).returncode == 0


def start() -> str:
    """Create the cluster if needed, start it, create the database with PostGIS; return its URL."""
    if not (PG_BIN / "initdb").exists():
        raise DevDbError(f"PostgreSQL 15 binaries not found in {PG_BIN}; run `make setup` first")
    _prepare_dirs()
    if not (CLUSTER / "PG_VERSION").exists():
        _run(
            str(PG_BIN / "initdb"), "-D", str(CLUSTER), "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", f"--username={_owner()}",
        )  # fmt: skip
    if is_running() and not SOCKET.exists():
        # Another server that shared this folder's path removed our socket: restart to recreate it.
        stop()
    if not is_running():
        options = f"-c listen_addresses='' -k {SOCKET_DIR} -c max_connections=200"
        _run(
            str(PG_BIN / "pg_ctl"), "start", "-w", "-D", str(CLUSTER),
            "-l", str(LOG_FILE), "-o", options,
        )  # fmt: skip
    create_database(DATABASE)
    return url()


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
    """Stop the private cluster (its data stays)."""
    if is_running():
        _run(str(PG_BIN / "pg_ctl"), "stop", "-m", "fast", "-D", str(CLUSTER))
