"""Installable and usable with a poor signal: the service worker, the web app manifest and the
page shown offline in place of a page this device never saved.

The worker must be served from the site's root to control every page, so it is not under
/static/. Its script and the manifest are the files in static/ with the shell's content-hashed
URLs filled in: a new stylesheet or icon makes new worker bytes, which is what makes browsers
install the new worker (and drop the old shell). What the worker keeps, and what never, is
said at the top of static/sw.js.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from locator.settings import STATIC_DIR
from locator.web.deps import Templates
from locator.web.static import static_url

router = APIRouter(include_in_schema=False)

# What every page needs, kept when the worker is installed (pages come as they are seen).
SHELL_FILES = (
    "css/site.css",
    "js/offline.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-512.png",
    "icons/apple-touch-icon.png",
)
SHELL_PAGES = ("/offline", "/manifest.webmanifest")
# The lines of static/sw.js that are replaced when it is served.
VERSION_LINE = 'const VERSION = "dev";'
SHELL_LINE = 'const SHELL = ["/offline", "/manifest.webmanifest"];'
TEMPLATES = Path(__file__).parents[1] / "templates"
# The offline page is kept in the shell too: a change to it is a new worker.
TEMPLATES_SHOWN_OFFLINE = ("offline.html", "base.html")
NO_CACHE = {"Cache-Control": "no-cache"}


@cache
def worker_script() -> bytes:
    """static/sw.js with this build's version and shell (made once per process)."""
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    shell = [*SHELL_PAGES, *(static_url(path) for path in SHELL_FILES)]
    version = hashlib.sha256(source.encode())
    version.update(json.dumps(shell).encode())
    for name in TEMPLATES_SHOWN_OFFLINE:
        version.update((TEMPLATES / name).read_bytes())
    for line in (VERSION_LINE, SHELL_LINE):
        if line not in source:
            raise RuntimeError(f"static/sw.js no longer has the line {line!r}")
    source = source.replace(VERSION_LINE, f'const VERSION = "{version.hexdigest()[:12]}";', 1)
    source = source.replace(SHELL_LINE, f"const SHELL = {json.dumps(shell)};", 1)
    return source.encode()


@cache
def manifest() -> bytes:
    """static/manifest.webmanifest with its icons at their content-hashed URLs."""
    data = json.loads((STATIC_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    for icon in data["icons"]:
        icon["src"] = static_url(icon["src"])
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


@router.get("/sw.js")
async def service_worker() -> Response:
    """The service worker, at the root so its scope is the whole site; never cached stale."""
    return Response(
        worker_script(),
        media_type="text/javascript",
        headers={**NO_CACHE, "Service-Worker-Allowed": "/"},
    )


@router.get("/manifest.webmanifest")
async def web_app_manifest() -> Response:
    """The web app manifest: what a phone's home screen shows."""
    return Response(manifest(), media_type="application/manifest+json", headers=NO_CACHE)


@router.get("/offline", response_class=HTMLResponse)
async def offline_page(request: Request, templates: Templates) -> HTMLResponse:
    """What the worker shows offline for a page never saved here, listing those that are."""
    return templates.TemplateResponse(request, "offline.html", {})
