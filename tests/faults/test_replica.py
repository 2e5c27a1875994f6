"""A streaming read replica (`locator devdb replica`): reads go to it and writes to the primary,
and reads carry on from the primary while the replica is stopped or has fallen behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy.engine import make_url

from locator.settings import Settings
from locator.store import connection as db
from locator.store import devdb
from tests.conftest import CENTRE, ROOT, ServerThread, drop_database, known_database
from tests.faults.test_faults import hammer
from tests.stewardship.conftest import run_sql

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("LOCATOR_TEST_DATABASE_URL")),
    reason="the replica is a copy of the private cluster (locator devdb replica); "
    "LOCATOR_TEST_DATABASE_URL points the tests at another server",
)

NEAREST = f"/api/v1/nearest?lat={CENTRE[0]}&lon={CENTRE[1]}"
FACILITY = "/api/v1/facilities/t-ceiling-24h"
MOVE = "UPDATE facilities SET name = name || ' (moved)' WHERE id = 't-ceiling-24h'"
MOVE_BACK = "UPDATE facilities SET name = replace(name, ' (moved)', '')"


def eventually(check: Callable[[], bool], within_s: float) -> float:
    """Seconds until `check()` held (polled every 0.1 s); fails after `within_s`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within_s:
            pytest.fail(f"not so within {within_s} s")
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def primary() -> Iterator[str]:
    url = known_database("locator_test_replica")
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def replica(primary: str) -> Iterator[str]:
    """The replica's URL of the primary's database, made afresh with the CLI as a user would."""
    made = subprocess.run(
        [sys.executable, "-m", "locator", "devdb", "replica", "--rebuild"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == devdb.replica_url()
    url = devdb.replica_url(make_url(primary).database or "")
    eventually(lambda: _replica_answers(url), within_s=30)
    yield url
    devdb.stop_replica()


def _replica_answers(url: str) -> bool:
    try:
        return bool(run_sql(url, "SELECT count(*) FROM facilities")[0][0])
    except (OSError, *db.DATABASE_ERRORS):
        return False


def _read_connections(replica: str) -> int:
    name = make_url(replica).database
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        f"WHERE application_name = 'locator-read' AND datname = '{name}'"
    )
    return int(run_sql(replica, query)[0][0])


def _name(client: httpx.Client) -> str:
    answer = client.get(FACILITY)
    assert answer.status_code == 200
    name: str = answer.json()["properties"]["name"]
    return name


def test_the_replica_is_a_hot_standby_that_follows_the_primary(primary: str, replica: str) -> None:
    assert run_sql(replica, "SELECT pg_is_in_recovery()")[0][0] is True
    run_sql(primary, "CREATE TABLE replicated_probe AS SELECT 1 AS one")
    try:
        eventually(lambda: _has_probe(replica), within_s=10)
    finally:
        run_sql(primary, "DROP TABLE replicated_probe")


def _has_probe(replica: str) -> bool:
    return bool(run_sql(replica, "SELECT to_regclass('replicated_probe') IS NOT NULL")[0][0])


def test_reads_go_to_the_replica_and_writes_to_the_primary(primary: str, replica: str) -> None:
    with (
        ServerThread(primary, Settings(rate_limit_per_minute=0), read_url=replica) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        # Read once the watcher's first check has found it current.
        eventually(lambda: client.get("/readyz").json()["reads"] == "replica", within_s=5)
        assert client.get(NEAREST).status_code == 200
        assert _read_connections(replica) >= 1
        # A write: the replica would refuse it (read-only), the primary takes it.
        sent = client.post(
            "/api/v1/facilities/t-ceiling-24h/reports",
            json={"kind": "equipment_not_working", "item": "hoist"},
        )
        assert sent.status_code == 201, sent.text
        # Read back through the replica once it has replayed the write.
        eventually(lambda: _hoist_reported(client), within_s=10)
        assert run_sql(replica, "SELECT count(*) FROM reports")[0][0] >= 1


def _hoist_reported(client: httpx.Client) -> bool:
    states = client.get(FACILITY).json()["properties"]["equipment_status"]
    return any(s["item"] == "hoist" and s["confirmed"] is False for s in states)


def test_reads_carry_on_while_the_replica_is_stopped(primary: str, replica: str) -> None:
    with (
        ServerThread(primary, Settings(rate_limit_per_minute=0), read_url=replica) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
        ThreadPoolExecutor(1) as background,
    ):
        eventually(lambda: client.get("/readyz").json()["reads"] == "replica", within_s=5)
        load = background.submit(hammer, server.url + NEAREST, 6.0, 4)
        time.sleep(1.5)
        devdb.stop_replica()
        time.sleep(1.5)
        during = client.get("/readyz").json()
        # A download takes a connection of its own (acquire, not a single query): the primary's.
        download = client.get("/api/v1/facilities.csv")
        devdb.start_replica()
        answers = load.result()
        # Back on the replica once the watcher sees it answer again.
        eventually(lambda: client.get("/readyz").json()["reads"] == "replica", within_s=15)
    statuses = {status for status, _ in answers}
    assert statuses == {200}, statuses
    assert download.status_code == 200 and "t-ceiling-24h" in download.text
    assert during["status"] == "ok"
    assert during["reads"] == "primary" and "unreachable" in during["replica"], during


def test_a_replica_far_behind_at_start_is_not_read(primary: str, replica: str) -> None:
    """A replica that starts out behind (say, stopped for a day) is of unknown age: it is not
    read until it has caught up, even within the first `replica_max_lag_s`."""
    settings = Settings(rate_limit_per_minute=0, replica_max_lag_s=30)
    run_sql(replica, "SELECT pg_wal_replay_pause()")
    try:
        run_sql(primary, MOVE)
        with (
            ServerThread(primary, settings, read_url=replica) as server,
            httpx.Client(base_url=server.url, timeout=10) as client,
        ):
            for _ in range(10):
                assert _name(client).endswith(" (moved)")  # the primary's, not the replica's
                ready = client.get("/readyz").json()
                assert ready["reads"] == "primary", ready
                time.sleep(0.3)
            assert "not known" in ready["replica"], ready
            run_sql(replica, "SELECT pg_wal_replay_resume()")
            eventually(lambda: client.get("/readyz").json()["reads"] == "replica", within_s=10)
            assert _name(client).endswith(" (moved)")
    finally:
        run_sql(replica, "SELECT pg_wal_replay_resume()")
        run_sql(primary, MOVE_BACK)


def test_a_replica_that_falls_behind_is_not_read(primary: str, replica: str) -> None:
    settings = Settings(rate_limit_per_minute=0, replica_max_lag_s=1)
    with (
        ServerThread(primary, settings, read_url=replica) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        eventually(lambda: client.get("/readyz").json()["reads"] == "replica", within_s=5)
        before = _name(client)
        run_sql(replica, "SELECT pg_wal_replay_pause()")
        try:
            run_sql(primary, MOVE)
            # The replica still has the old name; within the allowed lag plus two checks the
            # service reads from the primary, which has the new one.
            took = eventually(lambda: _name(client) == before + " (moved)", within_s=6)
            assert took >= 0.5, "answered by the primary before the replica was behind"
            ready = client.get("/readyz").json()
            assert ready["reads"] == "primary" and "behind" in ready["replica"], ready
        finally:
            run_sql(replica, "SELECT pg_wal_replay_resume()")
            run_sql(primary, MOVE_BACK)
        eventually(lambda: client.get("/readyz").json()["reads"] == "replica", within_s=10)
