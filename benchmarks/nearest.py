"""Benchmark GET /api/v1/nearest against the raw PostGIS KNN query, side by side in one run.

    python benchmarks/nearest.py [--count 1000000] [--seconds 10] [--connections 16]

1. Fills a database `locator_bench` in the private cluster (or LOCATOR_BENCH_DATABASE_URL) with
   `--count` synthetic facilities over Great Britain (kept between runs; refilled if the count
   differs), then VACUUM ANALYZE.
2. Serves the app with `locator serve` (default settings, access log on, rate limit off because
   wrk is a single client) and loads it with wrk (16 connections, 2 threads) at random
   points in the England and Wales inland box (lat 51.4-53.6, lon -3.0-0.0): `nearest.lua`.
3. Runs pgbench (2 clients, prepared statements) at random points in the same box with
   (a) the raw KNN query: `SELECT id, ST_Distance(...) ... ORDER BY geog <-> point LIMIT 5`, and
   (b) the exact SQL the API sends for a default request (every attribute, 5 results).
4. Serves `minimal_app.py` (the smallest FastAPI + asyncpg endpoint running the raw KNN query)
   under the same wrk load, as the framework's ceiling.
5. Prints req/s (or tps), p50 and p99 for each, and the ratios.

Everything runs on this machine: wrk, the app, pgbench and PostgreSQL share its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from locator import db, devdb, queries  # noqa: E402

BOX = {"lat": (51.4, 53.6), "lon": (-3.0, 0.0)}
POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography"
RAW_SQL = (
    f"SELECT id, ST_Distance(geog, {POINT}) AS distance_m"
    f" FROM facilities ORDER BY geog <-> {POINT} LIMIT 5;"
)
PGBENCH_POINT = (
    f"\\set lat random({int(BOX['lat'][0] * 1e5)}, {int(BOX['lat'][1] * 1e5)}) / 100000.0\n"
    f"\\set lon random({int(BOX['lon'][0] * 1e5)}, {int(BOX['lon'][1] * 1e5)}) / 100000.0\n"
)


class Recorder:
    """Keeps the SQL and arguments of the query `queries.nearest` sends."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn, self.sql, self.args = conn, "", ()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.sql, self.args = sql, args
        return await self.conn.fetch(sql, *args)


async def prepare(url: str, count: int) -> str:
    """Fill the database if needed; return the API's own SQL in pgbench syntax."""
    conn = await asyncpg.connect(db.asyncpg_dsn(url))
    await db.init_connection(conn)
    have = await conn.fetchval("SELECT count(*) FROM facilities WHERE synthetic")
    if have != count:
        print(f"filling {count:,} synthetic facilities (had {have:,}) ...", flush=True)
        await conn.execute("TRUNCATE facilities CASCADE")
        await conn.close()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "locator", "synth", "--count", str(count)],
            check=True,
            env={**os.environ, "LOCATOR_DATABASE_URL": url},
        )
        print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)
        conn = await asyncpg.connect(db.asyncpg_dsn(url))
        await db.init_connection(conn)
    await conn.execute("VACUUM ANALYZE facilities")
    recorder = Recorder(conn)
    await queries.nearest(recorder, 52.4, -1.5, queries.Filters(), 5)  # type: ignore[arg-type]
    await conn.close()
    values = [":lon", ":lat", *(str(v) for v in recorder.args[2:])]
    sql = recorder.sql
    for index in range(len(values), 0, -1):
        sql = sql.replace(f"${index}", values[index - 1])
    return " ".join(sql.split()) + ";"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    script = str(Path(__file__).with_name("nearest.lua"))
    subprocess.run(
        ["wrk", "-t2", "-c16", "-d2s", "-s", script, url], capture_output=True, check=True
    )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"wrk saw {non_2xx.group(1)} error responses:\n{out}")
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_pgbench(url: str, sql: str, seconds: int) -> dict[str, float]:
    dsn = db.asyncpg_dsn(url)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "query.sql"
        script.write_text(PGBENCH_POINT + sql + "\n")
        args = ["pgbench", "-n", "-M", "prepared", "-c", "2", "-j", "2", "-T", str(seconds)]
        args += ["--log", "--log-prefix", f"{tmp}/log", "-f", str(script), dsn]
        out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=tmp).stdout
        latencies = sorted(
            int(line.split()[2]) / 1000
            for log in Path(tmp).glob("log*")
            for line in log.read_text().splitlines()
        )
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "rate": float(re.search(r"tps = ([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": quantiles[49],
        "p99": quantiles[98],
    }


def load_server(
    command: list[str], env: dict[str, str], options: argparse.Namespace, ready_path: str
) -> dict[str, float]:
    """Start a server on a free port, wait until it answers, load it with wrk, stop it."""
    port = free_port()
    env = {**env, "LOCATOR_PORT": str(port)}
    if "uvicorn" in command:
        command = [*command, "--port", str(port)]
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}{ready_path}").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        return run_wrk(base, options.seconds, options.connections)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()

    url = os.environ.get("LOCATOR_BENCH_DATABASE_URL")
    if not url:
        devdb.start()
        url = devdb.create_database("locator_bench")
    db.upgrade(url)
    api_sql = asyncio.run(prepare(url, options.count))

    env = {**os.environ, "LOCATOR_DATABASE_URL": url, "LOCATOR_WORKERS": str(options.workers)}
    # wrk is one client: the per-client rate limit would answer 429 (it is on in production).
    env["LOCATOR_RATE_LIMIT_PER_MINUTE"] = "0"
    api = load_server([sys.executable, "-m", "locator", "serve"], env, options, "/readyz")
    minimal_env = {**os.environ, "MINIMAL_DSN": db.asyncpg_dsn(url)}
    minimal_command = [sys.executable, "-m", "uvicorn", "minimal_app:app", "--no-access-log"]
    minimal_command += ["--app-dir", str(Path(__file__).parent), "--log-level", "warning"]
    minimal = load_server(minimal_command, minimal_env, options, "/docs")
    raw = run_pgbench(url, RAW_SQL, options.seconds)
    same = run_pgbench(url, api_sql, options.seconds)

    print(
        f"\nnearest, {options.count:,} facilities, {os.cpu_count()} cores, {options.seconds} s each"
    )
    print(f"{'what':<52} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    rows = [
        (
            f"API GET /api/v1/nearest (wrk, {options.connections} conn, {options.workers} worker)",
            api,
        ),
        ("minimal FastAPI + asyncpg, raw KNN (wrk, same load)", minimal),
        ("raw KNN query, id + distance (pgbench, 2 clients)", raw),
        ("the API's own SQL (pgbench, 2 clients)", same),
    ]
    for label, figures in rows:
        print(f"{label:<52} {figures['rate']:>9.0f} {figures['p50']:>8.2f} {figures['p99']:>8.2f}")
    print(f"\nAPI / raw KNN query      = {api['rate'] / raw['rate']:.2f}x   (target >= 0.30x)")
    print(f"API / API's own SQL      = {api['rate'] / same['rate']:.2f}x")
    print(f"minimal / raw KNN query  = {minimal['rate'] / raw['rate']:.2f}x   (framework ceiling)")
    print(f"API / minimal endpoint   = {api['rate'] / minimal['rate']:.2f}x")
    print(f"API p99                  = {api['p99']:.1f} ms (target < 30 ms)")


if __name__ == "__main__":
    main()
