"""Time the pages and the geocoder over loopback: each should answer in well under 50 ms.

    python benchmarks/pages.py [--requests 200]

Loads data/coventry.geojson (and the Code-Point extract in ../shared/data when present) into a
database `locator_bench_pages` in the private cluster (or LOCATOR_BENCH_DATABASE_URL), serves the
app with `locator serve` on a free port, then sends sequential GETs from one client and prints
p50, p95 and max per URL, plus the response size. Client time includes loopback and the HTTP
client, so it bounds the server's time from above.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

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


def prepare(env: dict[str, str]) -> None:
    """Migrate and load the Coventry facilities (and postcodes, if the extract is here)."""
    for args in (["db", "upgrade"], ["load", "data/coventry.geojson"]):
        subprocess.run([LOCATOR, *args], env=env, cwd=ROOT, check=True, capture_output=True)
    if CODEPOINT.exists():
        subprocess.run(
            [LOCATOR, "postcodes", "import", str(CODEPOINT)],
            env=env, cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip


def main() -> None:
    """Serve, warm up, time each URL, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    requests = parser.parse_args().requests
    url = os.environ.get("LOCATOR_BENCH_DATABASE_URL") or subprocess.run(
        [LOCATOR, "devdb", "url", "locator_bench_pages"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "LOCATOR_DATABASE_URL": url, "LOCATOR_RATE_LIMIT_PER_MINUTE": "0",
           "LOCATOR_LOG_LEVEL": "warning"}  # fmt: skip
    prepare(env)
    server = subprocess.Popen([LOCATOR, "serve", "--port", str(port)], env=env, cwd=ROOT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(100):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"{'URL':40} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'bytes':>7}")
            for path in URLS:
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


if __name__ == "__main__":
    sys.exit(main())
