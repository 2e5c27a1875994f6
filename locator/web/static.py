"""Static files under content-hashed URLs: `static_url("css/site.css")` is
`/static/css/site.css?v=<hash of its bytes>`, and such a URL is cached for a year (immutable);
a change to the file changes its URL, so nobody is served an old script with a new page."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from locator.settings import STATIC_DIR

IMMUTABLE = b"public, max-age=31536000, immutable"
# Without a version: whatever is there now, checked again each time (a 304 when unchanged).
UNVERSIONED = b"public, no-cache"


@cache
def digest(path: str) -> str:
    """The first 12 hex digits of the file's SHA-256 (read once per process)."""
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """The URL of a file under static/, carrying its content hash."""
    return f"/static/{path}?v={digest(path)}"


class HashedStaticFiles(StaticFiles):
    """StaticFiles whose versioned URLs are immutable and the rest revalidated."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        versioned = b"v=" in scope.get("query_string", b"")

        async def with_caching(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k != b"cache-control"]
                headers.append((b"cache-control", IMMUTABLE if versioned else UNVERSIONED))
                message = dict(message, headers=headers)
            await send(message)

        await super().__call__(scope, receive, with_caching)
