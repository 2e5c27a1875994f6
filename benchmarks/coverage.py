"""Benchmark coverage analysis with 10,000 synthetic areas, by hand (not part of the tests).

    python benchmarks/coverage.py [--areas 10000] [--facilities 2500] [--runs 5]

1. Fills a fresh database `locator_bench_coverage` in the private cluster with `--facilities`
   synthetic facilities over Great Britain (`locator synth`) and `--areas` area points spread
   over a 110 km square around Coventry and Birmingham (about LSOA density), then ANALYZE.
2. Times the functions on one connection (SQL + Python), then the same requests over HTTP
   against `locator serve` (adds JSON encoding and transfer): coverage with three thresholds,
   the grid (1 km cells), and suggest (k=5, 2 km, candidates on the 1 km grid).
3. Prints a table of median and slowest times (after one warm-up run).

Everything shares this machine's cores with PostgreSQL (and with whatever else runs on it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from locator.domain.filters import Filters  # noqa: E402
from locator.services import areas, coverage  # noqa: E402
from locator.store import connection, devdb, synth  # noqa: E402

DATABASE = "locator_bench_coverage"
CENTRE = (52.45, -1.70)  # between Coventry and Birmingham
HALF_SIDE_DEG = (0.5, 0.8)  # about 110 km x 110 km


def synthetic_areas(count: int) -> list[areas.AreaRecord]:
    """Area points with LSOA-like populations, at random in the box."""
    rng = random.Random(11)
    return [
        areas.AreaRecord(
            code=f"B{n:06d}",
            name=f"Bench area {n}",
            population=rng.randint(1000, 3000),
            year=2021,
            source="synthetic benchmark",
            lat=CENTRE[0] + rng.uniform(-HALF_SIDE_DEG[0], HALF_SIDE_DEG[0]),
            lon=CENTRE[1] + rng.uniform(-HALF_SIDE_DEG[1], HALF_SIDE_DEG[1]),
            polygon=None,
        )
        for n in range(count)
    ]


async def fill(url: str, area_count: int, facility_count: int) -> None:
    """Synthetic facilities and areas, analysed."""
    async with connection.connect(url) as conn:
        await synth.synthesise(conn, facility_count)
        await areas.write_areas(conn, synthetic_areas(area_count))
        await conn.execute("ANALYZE")


def timed(runs: int, call: Callable[[], bool]) -> tuple[list[float], int]:
    """Seconds for each of `runs` calls after one warm-up call, and how many calls failed."""
    call()
    seconds, failed = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        failed += not call()
        seconds.append(time.perf_counter() - started)
    return seconds, failed


async def function_timings(url: str, runs: int) -> dict[str, tuple[list[float], int]]:
    """The coverage functions on one asyncpg connection."""
    conn = await asyncpg.connect(connection.asyncpg_dsn(url))
    await connection.init_connection(conn)
    cases: dict[str, Callable[[], Awaitable[object]]] = {
        "coverage 1/2/5 km": lambda: coverage.coverage(conn, Filters(), [1000, 2000, 5000]),
        "coverage, registered + ceiling hoist": lambda: coverage.coverage(
            conn, Filters(registered=True, hoist="ceiling_track"), [1000, 2000, 5000]
        ),
        "grid 1 km": lambda: coverage.grid(conn, Filters(), 1000),
        "suggest k=5, 2 km, 1 km grid": lambda: coverage.suggest(
            conn, Filters(), 2000, 5, None, 1000
        ),
    }
    out = {}
    for name, make in cases.items():
        await make()
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            await make()
            seconds.append(time.perf_counter() - started)
        out[name] = (seconds, 0)
    await conn.close()
    return out


def http_timings(url: str, runs: int) -> dict[str, tuple[list[float], int]]:
    """The same over HTTP against `locator serve` (one worker)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "LOCATOR_DATABASE_URL": url, "LOCATOR_LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [sys.executable, "-m", "locator", "serve", "--port", str(port)], env=env, cwd=ROOT
    )
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.get("/healthz")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        requests = {
            "GET /coverage?thresholds=1000,2000,5000": ("/api/v1/coverage", {}),
            "GET /coverage (csv)": ("/api/v1/coverage", {"format": "csv"}),
            "GET /coverage/grid?cell_m=1000": ("/api/v1/coverage/grid", {"cell_m": 1000}),
            "GET /coverage/suggest?k=5&cell_m=1000": (
                "/api/v1/coverage/suggest",
                {"k": 5, "threshold_m": 2000, "cell_m": 1000},
            ),
        }
        out = {}
        for name, (path, params) in requests.items():

            def call(path: str = path, params: dict[str, object] = params) -> bool:
                return client.get(path, params=params).status_code == 200

            out[name] = timed(runs, call)
        return out
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--facilities", type=int, default=2_500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    devdb.start()
    url = devdb.create_database(DATABASE, fresh=True)
    connection.upgrade(url)
    started = time.perf_counter()
    asyncio.run(fill(url, args.areas, args.facilities))
    print(
        f"{args.areas:,} areas, {args.facilities:,} synthetic facilities over Great Britain "
        f"(filled in {time.perf_counter() - started:.1f} s); {os.cpu_count()} CPU cores, "
        "shared with PostgreSQL and anything else running\n"
    )
    rows = {**asyncio.run(function_timings(url, args.runs)), **http_timings(url, args.runs)}
    width = max(len(name) for name in rows)
    print(f"{'what':<{width}}  {'median s':>9}  {'slowest s':>9}  {'failed':>6}")
    for name, (seconds, failed) in rows.items():
        median, slowest = statistics.median(seconds), max(seconds)
        print(f"{name:<{width}}  {median:>9.3f}  {slowest:>9.3f}  {failed:>6}")
    print("\nfailed: answered other than 200 (e.g. 503 when a statement passed the 5 s timeout)")


if __name__ == "__main__":
    main()
