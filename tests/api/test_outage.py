"""When the database goes away requests get 503 with a clear message; when it is back, 200."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from locator.store import connection as db
from tests.conftest import ServerThread


class Proxy:
    """A TCP front for the database that the test can cut and restore."""

    def __init__(self, database_url: str) -> None:
        url = make_url(db.database_url_from(database_url))
        socket_dir = url.query.get("host")
        self.upstream = (
            ("unix", f"{socket_dir}/.s.PGSQL.{url.port or 5432}")
            if socket_dir
            else ("tcp", (url.host or "127.0.0.1", url.port or 5432))
        )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = url.set(host="127.0.0.1", port=self.port, query={}).render_as_string(
            hide_password=False
        )
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.AbstractServer | None = None
        self.links: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        kind, address = self.upstream
        if kind == "unix":
            up_reader, up_writer = await asyncio.open_unix_connection(address)
        else:
            up_reader, up_writer = await asyncio.open_connection(*address)
        self.links |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def _run(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)  # type: ignore[arg-type]

    def up(self) -> None:
        async def start() -> None:
            self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

        self._run(start())

    def down(self) -> None:
        async def stop() -> None:
            if self.server:
                self.server.close()
                await self.server.wait_closed()
            for writer in self.links:
                writer.transport.abort()
            self.links.clear()

        self._run(stop())


@pytest.fixture()
def proxied(known_db: str) -> Iterator[tuple[Proxy, str]]:
    proxy = Proxy(known_db)
    proxy.up()
    with ServerThread(proxy.url) as server:
        yield proxy, server.url
    proxy.down()


def test_database_outage_gives_503_then_recovers(proxied: tuple[Proxy, str]) -> None:
    proxy, base = proxied
    nearest = f"{base}/api/v1/nearest?lat=52.4&lon=-1.5"
    with httpx.Client(timeout=15) as http:
        assert http.get(nearest).status_code == 200
        assert http.get(f"{base}/readyz").status_code == 200

        proxy.down()
        for _ in range(3):
            response = http.get(nearest)
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert "database is not reachable" in response.json()["detail"]
        assert http.get(f"{base}/readyz").status_code == 503
        assert http.get(f"{base}/healthz").status_code == 200

        proxy.up()
        deadline = time.monotonic() + 10
        while (status := http.get(nearest).status_code) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
        assert http.get(f"{base}/readyz").json()["status"] == "ok"
