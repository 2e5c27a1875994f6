"""Rate limits: through `limits`, shared by servers through Redis, keyed on the real address."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from locator.settings import Settings
from tests.conftest import ServerThread, drop_database, known_database

REDIS = shutil.which("redis-server")


@pytest.fixture(scope="module")
def limits_db() -> Iterator[str]:
    """The known facilities in a database of this module's own (these tests send reports)."""
    url = known_database("locator_test_limits")
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private Redis on a free port, keeping nothing on disk."""
    if REDIS is None:
        pytest.skip("redis-server is not installed (make test installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def report(server: ServerThread, **headers: str) -> int:
    answer = httpx.post(
        f"{server.url}/api/v1/facilities/t-far/reports", json={"kind": "all_fine"}, headers=headers
    )
    return answer.status_code


def test_servers_sharing_redis_share_one_budget(limits_db: str, redis_url: str) -> None:
    settings = Settings(rate_limit_per_minute=0, reports_per_hour=2, redis_url=redis_url)
    with ServerThread(limits_db, settings) as one, ServerThread(limits_db, settings) as two:
        assert report(one) == 201
        assert report(two) == 201
        assert report(one) == 429  # the second server's report counted here too
        assert report(two) == 429


def test_requests_are_limited_across_servers_too(limits_db: str, redis_url: str) -> None:
    settings = Settings(rate_limit_per_minute=3, redis_url=redis_url.replace("/0", "/1"))
    with ServerThread(limits_db, settings) as one, ServerThread(limits_db, settings) as two:
        codes = [httpx.get(f"{s.url}/ogc").status_code for s in (one, two, one, two)]
    assert codes == [200, 200, 200, 429]


def test_a_client_cannot_choose_its_address_with_x_forwarded_for(limits_db: str) -> None:
    """No proxy is trusted unless configured, so a rotated X-Forwarded-For buys nothing."""
    settings = Settings(rate_limit_per_minute=0, reports_per_hour=2)
    with ServerThread(limits_db, settings) as server:
        codes = [report(server, **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(4)]
    assert codes == [201, 201, 429, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_key(limits_db: str) -> None:
    settings = Settings(rate_limit_per_minute=0, reports_per_hour=1, trusted_proxies="127.0.0.1")
    with ServerThread(limits_db, settings) as server:
        first = report(server, **{"X-Forwarded-For": "203.0.113.7"})
        other = report(server, **{"X-Forwarded-For": "203.0.113.8"})
        again = report(server, **{"X-Forwarded-For": "203.0.113.7"})
    assert (first, other, again) == (201, 201, 429)


def test_an_unreachable_redis_lets_requests_through(limits_db: str) -> None:
    settings = Settings(reports_per_hour=1, redis_url="redis://127.0.0.1:9/0")
    with ServerThread(limits_db, settings) as server:
        assert [report(server) for _ in range(3)] == [201, 201, 201]
