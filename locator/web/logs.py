"""Logging set-up and an access log that never records query strings (they hold positions)."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("locator.access")
# A path is logged as printable text (control characters escaped, so a request cannot forge a
# log line) and at most this long.
MAX_LOGGED_PATH = 200


def loggable_path(path: str) -> str:
    """The path safe for one log line: `\r\n` and other control characters escaped, cut short."""
    text = path if path.isprintable() else path.encode("unicode_escape").decode("ascii")
    return text if len(text) <= MAX_LOGGED_PATH else text[:MAX_LOGGED_PATH] + "..."


class Throttled:
    """One log line per kind of failure per `every_s`, with how many were left unsaid: a
    database outage under load must not write a line per request."""

    def __init__(self, logger: logging.Logger, every_s: float = 10.0) -> None:
        self.logger = logger
        self.every_s = every_s
        self.last: dict[str, tuple[float, int]] = {}

    def warning(self, kind: str, message: str) -> None:
        """Log `message` unless `kind` was logged less than `every_s` ago (then count it)."""
        now = time.monotonic()
        then, skipped = self.last.get(kind, (-self.every_s, 0))
        if now - then < self.every_s:
            self.last[kind] = (then, skipped + 1)
            return
        more = f" ({skipped} more like it since the last line)" if skipped else ""
        self.logger.warning("%s%s", message, more)
        self.last[kind] = (now, 0)


def configure(level: str) -> None:
    """Plain one-line logs on stderr."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


class AccessLog:
    """Pure ASGI middleware: method, path, status and time; the query string is left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                loggable_path(scope["path"]),
                status["code"],
                elapsed_ms,
            )
