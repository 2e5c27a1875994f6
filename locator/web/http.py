"""HTTP behaviour every client relies on: CORS, security headers, OPTIONS and HEAD, a
per-client rate limit, body limits, gzip and conditional GETs.

Middleware order, outermost first: CORS (so even a 429 is readable from a browser), security
headers (on every answer), OPTIONS, HEAD as GET, the rate limit, the body limit, gzip, then
ETags (computed over the uncompressed body, hence weak ETags).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

import orjson
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locator.settings import Settings, allowed_hosts
from locator.web.limits import Budgets

# Probes must answer whatever a client does, and must never be cached.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
# A URL holding a position or a place searched for may be cached by the client only, never by a
# shared cache.
POSITION_PARAMS = frozenset({"lat", "lon", "q"})
GZIP_MINIMUM_BYTES = 1024
PRUNE_EVERY_S = 60.0
JSON_MEDIA = frozenset(
    {"application/json", "application/geo+json", "application/schema+json", "application/*", "*/*"}
)


def etag_for(body: bytes) -> str:
    """A weak validator: the same body always gets the same ETag, whatever its encoding."""
    return 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


VERSION_TAG_RE = re.compile(r'^(?:W/)?"v(\d{1,12})(?:-[0-9a-f]*)?"$')


def version_etag(version: int, body: bytes) -> str:
    """A facility's ETag: its version (what If-Match is checked against) and its body's hash
    (its `open` changes with the clock while its version does not)."""
    return f'W/"v{version}-{hashlib.blake2b(body, digest_size=6).hexdigest()}"'


def version_of(if_match: str | None) -> int | None:
    """The version an If-Match names, if it names one."""
    found = VERSION_TAG_RE.match((if_match or "").strip())
    return int(found.group(1)) if found else None


def is_fresh(if_none_match: str | None, etag: str) -> bool:
    """True when the client's If-None-Match names this ETag (weak comparison) or is `*`."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def not_modified_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers a 304 keeps: validators and caching ones, no body description."""
    keep = {b"etag", b"cache-control", b"vary", b"expires", b"content-location", b"date"}
    return [(k, v) for k, v in headers if k.lower() in keep]


def prefers_html(accept: str | None) -> bool:
    """True when the Accept header ranks text/html above JSON; `*/*` and ties mean JSON."""
    html_q = json_q = 0.0
    for part in (accept or "").split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        if media == "text/html":
            html_q = max(html_q, q)
        elif media in JSON_MEDIA:
            json_q = max(json_q, q)
    return html_q > json_q


class ConditionalGet:
    """ETag and Cache-Control on successful GETs; 304 when If-None-Match names the ETag.

    JSON may be reused for `max_age_s`; pages and a facility's own answer are `no-cache`
    (revalidated each time), so a report or an edit shows at once.

    Whole bodies get an ETag hashed from their bytes. A streamed body is never buffered: a route
    that streams sets its own ETag (and may answer 304 before it queries anything).
    """

    def __init__(self, app: ASGIApp, max_age_s: int) -> None:
        self.app = app
        self.max_age_s = max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if scope["path"] in PROBE_PATHS:
            await self.app(scope, receive, _with_header(send, b"cache-control", b"no-store"))
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        names = {
            key
            for key, _ in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        }
        audience = "private" if names & POSITION_PARAMS else "public"
        cache_control = f"{audience}, max-age={self.max_age_s}"
        start: Message | None = None
        parts: list[bytes] = []
        passing = False
        swallowing = False

        async def send_wrapper(message: Message) -> None:
            nonlocal start, passing, swallowing
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    # Pages say whether a hoist works: a browser must ask again every time
                    # (a 304 when nothing changed), never show one from before a report.
                    headers.setdefault("cache-control", f"{audience}, no-cache")
                if message["status"] != 200:
                    if message["status"] == 304:  # a route answered it, e.g. an export
                        headers.setdefault("cache-control", cache_control)
                    passing = True
                    await send(message)
                    return
                start = message
                headers.setdefault("cache-control", cache_control)
                etag = headers.get("etag")
                if etag is not None:
                    if is_fresh(if_none_match, etag):
                        swallowing = True
                        await _send_304(send, message)
                    else:
                        passing = True
                        await send(message)
                return
            if passing:
                await send(message)
                return
            if swallowing:
                return
            assert start is not None
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                if len(parts) == 1:  # a stream without its own ETag: pass it on as it comes
                    passing = True
                    await send(start)
                    await send(message)
                return
            body = b"".join(parts)
            etag = etag_for(body)
            MutableHeaders(scope=start)["etag"] = etag
            if is_fresh(if_none_match, etag):
                await _send_304(send, start)
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_wrapper)


async def _send_304(send: Send, start: Message) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 304,
            "headers": not_modified_headers(start["headers"]),
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    async def wrapper(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)[name.decode()] = value.decode()
        await send(message)

    return wrapper


class RateLimit:
    """429 with Retry-After once a client address has spent its budget; probes are exempt."""

    def __init__(self, app: ASGIApp, budgets: Budgets) -> None:
        self.app = app
        self.budgets = budgets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = await self.budgets.wait_s(self.budgets.requests, client[0] if client else "")
        if wait == 0:
            await self.app(scope, receive, send)
            return
        await _send_error(
            send,
            429,
            "Too many requests from your address; please retry after Retry-After seconds.",
            None,
            f"{self.budgets.requests.amount} requests per minute",
            [(b"retry-after", str(wait).encode()), (b"cache-control", b"no-store")],
        )


# Bodies the service takes: small JSON and forms, coverage candidate lists (5,000 sites), and
# photos (with their multipart wrapping).
BODY_LIMIT_BYTES = 64 * 1024
COVERAGE_LIMIT_BYTES = 2 * 1024 * 1024
MULTIPART_SLACK_BYTES = 64 * 1024
TOO_LARGE = "The request body is larger than this endpoint accepts"


class BodyLimit:
    """413 for a body over the limit: at once by its Content-Length, or as soon as a streamed
    body passes it (the app then reads a disconnect, and its answer is dropped)."""

    def __init__(self, app: ASGIApp, upload_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.upload_bytes = upload_bytes + MULTIPART_SLACK_BYTES
        self.timeout_s = timeout_s  # a body must keep coming: a longer pause ends it with 408

    def limit(self, path: str) -> int:
        """The most a body sent to `path` may hold."""
        if path.endswith("/photos"):
            return self.upload_bytes
        if path.startswith("/api/v1/coverage"):
            return COVERAGE_LIMIT_BYTES
        return BODY_LIMIT_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _send_error(send, 413, TOO_LARGE, "body", f"at most {limit:,} bytes")
            return
        seen = 0
        refused = False

        async def counting() -> Message:
            nonlocal seen, refused
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                refused = True
                await _send_error(send, 408, "The request body stopped arriving", "body")
                return {"type": "http.disconnect"}
            seen += len(message.get("body", b""))
            if seen > limit and not refused:
                refused = True
                await _send_error(send, 413, TOO_LARGE, "body", f"at most {limit:,} bytes")
            return {"type": "http.disconnect"} if refused else message

        async def unless_refused(message: Message) -> None:
            if not refused:  # the app's own answer to a cut-off body is not sent
                await send(message)

        await self.app(scope, counting, unless_refused)


async def _send_error(
    send: Send,
    status: int,
    detail: str,
    field: str | None,
    allowed: str | None = None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """An error answered by middleware, shaped as every other error."""
    shown = {"detail": detail, "field": field, "allowed": allowed}
    body = orjson.dumps({key: value for key, value in shown.items() if value is not None})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """HEAD is GET without the body (FastAPI routes only say GET): same status and headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app(dict(scope, method="GET"), receive, without_body)


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """What every answer says about how browsers may use it."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        # Page URLs can hold a searched position: other sites never see them.
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"geolocation=(self), camera=(), microphone=(), payment=()"),
    ]
    if settings.public_url.startswith("https://"):
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


# Leaflet and Swagger UI set inline `style` attributes (map panes, marker positions, Swagger's
# collapsible sections): without 'unsafe-inline' for styles neither works. Styles cannot run
# code; scripts stay strict (our files, or an inline script carrying this answer's nonce).
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:{tiles}; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "manifest-src 'self'; worker-src 'self'"
)
# Anything else is not a document: it may load nothing and be framed by nobody.
OTHER_POLICY = b"default-src 'none'; frame-ancestors 'none'"
# A script served on its own can become a worker (/sw.js), whose policy is the one its script
# comes with: it fetches from this site only. (A <script src> ignores its own answer's CSP.)
SCRIPT_POLICY = b"default-src 'self'; frame-ancestors 'none'"


def tile_source(tile_url: str) -> str:
    """The CSP source of the map's tile server: its origin, `{s}` subdomains as `*.`; empty
    when the tiles come from this site."""
    parts = urlsplit(tile_url.replace("{s}", "{}"))
    if not parts.scheme or not parts.hostname:
        return ""
    labels = parts.netloc.rpartition("@")[2].split(".")
    templated = [i for i, label in enumerate(labels) if "{}" in label]
    if templated:  # CSP allows a wildcard only as the leftmost label
        labels = ["*", *labels[templated[-1] + 1 :]]
    return f"{parts.scheme}://{'.'.join(labels)}"


def page_policy(settings: Settings) -> str:
    """The pages' CSP for these settings, `{nonce}` still to fill in."""
    tiles = tile_source(settings.tile_url)
    return PAGE_POLICY.replace("{tiles}", f" {tiles}" if tiles else "")


class SecurityHeaders:
    """Adds `security_headers` to every answer that does not set its own, and a
    Content-Security-Policy: strict on pages, with a fresh nonce per request that templates
    read as `request.state.csp_nonce` for their inline scripts."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)
        self.policy = page_policy(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name.decode(), value.decode())
                if "content-security-policy" not in headers:
                    kind = headers.get("content-type", "")
                    if kind.startswith("text/html"):
                        policy = self.policy.replace("{nonce}", nonce).encode()
                    elif "javascript" in kind:
                        policy = SCRIPT_POLICY
                    else:
                        policy = OTHER_POLICY
                    headers.raw.append((b"content-security-policy", policy))
            await send(message)

        await self.app(scope, receive, with_headers)


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """The methods some route answers at `path` (HEAD with GET, OPTIONS always), found the way
    the router itself matches requests."""
    methods = set()
    for method in METHODS:
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        if any(route.matches(scope)[0] == Match.FULL for route in app.router.routes):
            methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return methods | {"OPTIONS"} if methods else set()


class Options:
    """OPTIONS anywhere (CORSMiddleware answers preflights before this): 204 with Allow, or
    404 where nothing is."""

    def __init__(self, app: ASGIApp, routes: FastAPI) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        methods = allowed_methods(self.routes, scope["path"])
        if methods:
            response: Response = Response(
                status_code=204, headers={"Allow": ", ".join(sorted(methods))}
            )
        else:
            response = JSONResponse({"detail": "Not Found"}, status_code=404)
        await response(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware, innermost first (Starlette wraps each new one around the others)."""
    app.add_middleware(ConditionalGet, max_age_s=settings.cache_max_age_s)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    app.add_middleware(
        BodyLimit, upload_bytes=settings.photo_max_bytes, timeout_s=settings.body_timeout_s
    )
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(RateLimit, budgets=app.state.budgets)
    app.add_middleware(HeadAsGet)
    app.add_middleware(Options, routes=app)
    app.add_middleware(SecurityHeaders, settings=settings)
    # A Host header is copied into links (OGC documents): only known hosts are answered.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
        allow_headers=["Accept", "If-None-Match", "If-Match", "Authorization", "Content-Type"],
        expose_headers=["ETag", "Retry-After", "Content-Disposition", "Location"],
        max_age=86400,
    )
