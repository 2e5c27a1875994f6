"""Time the pages and the geocoder over loopback: each should answer in well under 50 ms.

    python benchmarks/pages.py [--requests 200]

Loads data/coventry.geojson (and the Code-Point extract in ../shared/data when present) into a
database `locator_bench_pages` in the private cluster (or LOCATOR_BENCH_DATABASE_URL), serves the
app with `locator serve` on a free port, then sends sequential GETs from one client and prints
p50, p95 and max per URL, plus the response size. Client time includes loopback and the HTTP
client, so it bounds the server's time from above.

Then the same at national scale: 20,000 synthetic facilities over Great Britain in
`locator_bench_pages_national` (or LOCATOR_BENCH_NATIONAL_DATABASE_URL), made once and kept,
with the first-load bytes of `/` (HTML plus its own JS and CSS, uncompressed; the vendored
Leaflet files are left out, being cached) and the map's pins for Great Britain and for Coventry.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from locator.store import connection as db
from locator.store import synth

ROOT = Path(__file__).resolve().parents[1]
LOCATOR = str(ROOT / ".venv" / "bin" / "locator")
CODEPOINT = ROOT.parent / "shared" / "data" / "codepoint-open-2014-cv.csv"
URLS = [
    "/",
    "/?q=CV1+1FY",
    "/nearest?q=CV1+1FY",
    "/nearest?q=CV1+1FY&ceiling_hoist=on",
    "/facilities/central-library",
    "/api/v1/geocode?q=cv56jq",
]
NATIONAL = 20_000
NATIONAL_URLS = [
    "/",
    "/?q=CV1+1FY",
    "/map/pins?bbox=-8,49.8,2,60",
    "/map/pins?bbox=-1.65,52.35,-1.40,52.47",
    "/nearest?q=CV1+1FY",
    "/facilities/synth-0000001",
]


def prepare(env: dict[str, str]) -> None:
    """Migrate and load the Coventry facilities (and postcodes, if the extract is here)."""
    for args in (["db", "upgrade"], ["load", "data/coventry.geojson"]):
        subprocess.run([LOCATOR, *args], env=env, cwd=ROOT, check=True, capture_output=True)
    if CODEPOINT.exists():
        subprocess.run(
            [LOCATOR, "postcodes", "import", str(CODEPOINT)],
            env=env, cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip


async def _synthesise(url: str) -> None:
    """Top the database up to NATIONAL synthetic facilities (once; later runs reuse them)."""
    async with db.connect(url) as conn:
        have = int(await conn.fetchval("SELECT count(*) FROM facilities"))
        if have < NATIONAL:
            await synth.synthesise(conn, NATIONAL - have)


def database(name: str, variable: str) -> str:
    """The database named by `variable`, else `name` in the private cluster."""
    return (
        os.environ.get(variable)
        or subprocess.run(
            [LOCATOR, "devdb", "url", name], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
    )


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "LOCATOR_DATABASE_URL": url, "LOCATOR_RATE_LIMIT_PER_MINUTE": "0",
            "LOCATOR_LOG_LEVEL": "warning"}  # fmt: skip


def serve_and_time(env: dict[str, str], urls: list[str], requests: int, national: bool) -> None:
    """Serve the app on a free port, time each URL and print a table."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([LOCATOR, "serve", "--port", str(port)], env=env, cwd=ROOT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(100):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            if national:
                print(f"first load of / with {NATIONAL:,} facilities: {first_load(client)}")
            print(f"{'URL':40} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'bytes':>7}")
            for path in urls:
                for _ in range(20):
                    client.get(path)
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    response = client.get(path, headers={"Accept-Encoding": "identity"})
                    times.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                times.sort()
                p95 = times[int(0.95 * (len(times) - 1))]
                print(f"{path:40} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f}"
                      f" {len(response.content):7d}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)


def first_load(client: httpx.Client) -> str:
    """Bytes of `/` and of its own scripts and style sheets (not /static/vendor), uncompressed."""
    identity = {"Accept-Encoding": "identity"}
    html = client.get("/", headers=identity)
    assets = set(re.findall(r'<script[^>]+src="(/static/[^"]+)"', html.text))
    assets |= set(re.findall(r'<link[^>]+href="(/static/[^"]+\.css)"', html.text))
    own = sorted(a for a in assets if not a.startswith("/static/vendor/"))
    sizes = [len(client.get(a, headers=identity).content) for a in own]
    total = len(html.content) + sum(sizes)
    return f"{total:,} bytes (HTML {len(html.content):,}, {', '.join(own)} {sum(sizes):,})"


def main() -> None:
    """Serve, warm up, time each URL, print a table: Coventry, then national scale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    requests = parser.parse_args().requests
    env = environment(database("locator_bench_pages", "LOCATOR_BENCH_DATABASE_URL"))
    prepare(env)
    serve_and_time(env, URLS, requests, national=False)
    url = database("locator_bench_pages_national", "LOCATOR_BENCH_NATIONAL_DATABASE_URL")
    env = environment(url)
    subprocess.run([LOCATOR, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    asyncio.run(_synthesise(url))
    serve_and_time(env, NATIONAL_URLS, max(requests // 4, 10), national=True)


if __name__ == "__main__":
    sys.exit(main())
