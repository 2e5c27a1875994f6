"""Benchmark GET /api/v1/nearest against the minimal FastAPI + asyncpg yardstick, over all of GB.

    python benchmarks/nearest.py [--count 1000000] [--seconds 10] [--connections 16]
                                 [--positions 20000] [--pick sequence|random] [--workers 1]

1. Fills a database `locator_bench` in the private cluster (or LOCATOR_BENCH_DATABASE_URL) with
   `--count` synthetic facilities over mainland Great Britain (`locator synth`; kept between
   runs, refilled only if the count differs), then VACUUM ANALYZE.
2. Makes `--positions` query positions with `positions.py` (a fixed seed, so the same list on
   every run): 70 % around ~60 towns and cities from Penzance to Lerwick and Stornoway, 20 %
   uniform over the land including the Highlands and the islands (Shetland, Orkney, the Outer
   Hebrides, Skye, Mull, Islay, Arran, Anglesey, the Isle of Wight, Scilly, ...), 10 % at sea
   within 30 km of the coast. `python benchmarks/positions.py` prints a summary of the list.
3. Writes a wrk script into a temporary directory: the positions, then the body in
   `nearest.lua`. Each wrk thread walks the list in order from its own starting point
   (`--pick sequence`, the default) or draws from it at random with a fixed seed per thread
   (`--pick random`), sending GET /api/v1/nearest?lat=..&lon=.. (default filters, 5 results).
4. Serves the app with `locator serve` (default settings, access log on, rate limit off because
   wrk is a single client) and loads it with wrk: 2 s warm-up, then `--seconds` with
   `--connections` connections, 2 threads and `--latency`.
5. Serves `minimal_app.py` (the agreed yardstick: the smallest FastAPI + asyncpg endpoint doing
   the raw KNN `ORDER BY geog <-> point LIMIT 5`) under the same wrk load, same script, same
   positions.
6. Informational only: pgbench (2 clients, prepared statements) runs the yardstick's SQL and the
   SQL the API sends first for a default request (captured from
   `locator.store.nearest.nearest`), each at a random row of the same positions, loaded into a
   table `bench_points(i, lat, lon)` for the run (a plain table, dropped at the end:
   pgbench's sessions cannot see another session's TEMP table). The API repeats its query with
   more candidates when the first answer is not settled on the spheroid (positions far from
   every facility); pgbench runs only the first.
7. Prints req/s and p50, p90, p99 (wrk's latency distribution) for each, and the two targets:
   API / minimal throughput >= 0.40x and API p99 / minimal p99 <= 2.0x.

Everything runs on this machine: wrk, the servers, pgbench and PostgreSQL share its cores, and
loads go to 127.0.0.1 only.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import minimal_app  # noqa: E402
import positions  # noqa: E402

# The project's own code: imported here only.
from locator.domain.filters import Filters  # noqa: E402
from locator.store import connection as db  # noqa: E402
from locator.store import devdb, nearest  # noqa: E402

WRK_THREADS = 2
QUANTILES = ("p50", "p75", "p90", "p99")
THROUGHPUT_TARGET = 0.40
P99_TARGET = 2.0
# A position for capturing the API's SQL: its values must differ from every other parameter.
PROBE_LAT, PROBE_LON = 52.4081, -1.5106


class Recorder:
    """Keeps the SQL and arguments of the first `fetch` `nearest.nearest` sends (the search)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn, self.sql, self.args = conn, "", ()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        if not self.sql:
            self.sql, self.args = sql, args
        return await self.conn.fetch(sql, *args)

    def __getattr__(self, name: str) -> Any:  # fetchval, fetchrow, ...: passed on
        return getattr(self.conn, name)


def pgbench_sql(sql: str, args: tuple[Any, ...], lat: float, lon: float) -> str:
    """`sql` for pgbench: the position from `bench_points` row :i, other parameters inlined.

    The position may be passed as two numbers or as one-element arrays (a batch of one point).
    """
    position = {
        lat: "(SELECT lat FROM bench_points WHERE i = :i)",
        lon: "(SELECT lon FROM bench_points WHERE i = :i)",
    }

    def inline(arg: Any) -> str:
        if isinstance(arg, float) and arg in position:
            return position[arg]
        if isinstance(arg, list) and len(arg) == 1 and arg[0] in position:
            return f"ARRAY[{position[arg[0]]}]"
        if isinstance(arg, int | float) and not isinstance(arg, bool):
            return repr(arg)
        if isinstance(arg, str) and "'" not in arg:
            return f"'{arg}'"
        raise SystemExit(f"cannot inline the parameter {arg!r} into pgbench's script")

    values = [inline(arg) for arg in args]
    for index in range(len(values), 0, -1):
        sql = sql.replace(f"${index}", values[index - 1])
    return " ".join(sql.split()) + ";"


async def prepare(url: str, count: int, points: list[positions.Position]) -> str:
    """Fill the database if needed and load `bench_points`; return the API's SQL for pgbench."""
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
    await conn.execute(
        "DROP TABLE IF EXISTS bench_points;"
        " CREATE TABLE bench_points (i int PRIMARY KEY, lat float8 NOT NULL, lon float8 NOT NULL)"
    )
    await conn.copy_records_to_table(
        "bench_points", records=[(i, p.lat, p.lon) for i, p in enumerate(points, 1)]
    )
    await conn.execute("VACUUM ANALYZE bench_points")
    recorder = Recorder(conn)
    await nearest.nearest(recorder, PROBE_LAT, PROBE_LON, Filters(), 5)  # type: ignore[arg-type]
    await conn.close()
    return pgbench_sql(recorder.sql, recorder.args, PROBE_LAT, PROBE_LON)


async def drop_points(url: str) -> None:
    conn = await asyncpg.connect(db.asyncpg_dsn(url))
    await conn.execute("DROP TABLE IF EXISTS bench_points")
    await conn.close()


def write_wrk_script(folder: Path, points: list[positions.Position], pick: str) -> str:
    """The wrk script: the positions as a Lua string, then the body in nearest.lua."""
    lines = "\n".join(f"{p.lat:.5f} {p.lon:.5f}" for p in points)
    head = f'POSITIONS = [[\n{lines}\n]]\nPICK = "{pick}"\nTHREADS = {WRK_THREADS}\n'
    script = folder / "nearest.lua"
    script.write_text(head + (HERE / "nearest.lua").read_text())
    return str(script)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_wrk(url: str, script: str, seconds: int, connections: int) -> dict[str, float]:
    common = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", "-s", script]
    subprocess.run([*common, "-d2s", url], capture_output=True, check=True)  # warm-up
    out = subprocess.run(
        [*common, f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"wrk saw {non_2xx.group(1)} error responses:\n{out}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    latencies = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if not rate or len(latencies) != 4:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    figures = {f"p{q}": _ms(value) for q, value in latencies.items()}
    figures["rate"] = float(rate.group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        print(f"  wrk socket errors at {url}: {errors.group(1)}", flush=True)
    return figures


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not match:
        raise SystemExit(f"cannot read wrk's latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_pgbench(url: str, sql: str, seconds: int, count: int) -> dict[str, float]:
    dsn = db.asyncpg_dsn(url)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "query.sql"
        script.write_text(f"\\set i random(1, {count})\n{sql}\n")
        args = ["pgbench", "-n", "-M", "prepared", "-c", "2", "-j", "2", "-T", str(seconds)]
        args += ["--log", "--log-prefix", f"{tmp}/log", "-f", str(script), dsn]
        out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=tmp).stdout
        latencies = sorted(
            int(line.split()[2]) / 1000
            for log in Path(tmp).glob("log*")
            for line in log.read_text().splitlines()
        )
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rate": float(re.search(r"tps = ([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        **{name: cuts[int(name[1:]) - 1] for name in QUANTILES},
    }


@contextmanager
def serving(command: list[str], env: dict[str, str], ready_path: str) -> Iterator[str]:
    """A server started on a free port and answering `ready_path`; yields its base URL."""
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
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def load_server(
    command: list[str],
    env: dict[str, str],
    options: argparse.Namespace,
    ready_path: str,
    script: str,
) -> dict[str, float]:
    """Start a server, load it with wrk, stop it."""
    with serving(command, env, ready_path) as base:
        return run_wrk(base, script, options.seconds, options.connections)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--positions", type=int, default=20_000)
    parser.add_argument("--pick", choices=("sequence", "random"), default="sequence")
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()

    points = positions.generate(options.positions)
    kinds = {kind: sum(p.kind == kind for p in points) for kind in ("town", "land", "sea")}
    off_mainland = sum(p.place != "Mainland" for p in points if p.kind != "town")

    url = os.environ.get("LOCATOR_BENCH_DATABASE_URL")
    if not url:
        devdb.start()
        url = devdb.create_database("locator_bench")
    db.upgrade(url)
    api_sql = asyncio.run(prepare(url, options.count, points))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = write_wrk_script(Path(tmp), points, options.pick)
            env = {**os.environ, "LOCATOR_DATABASE_URL": url}
            env["LOCATOR_WORKERS"] = str(options.workers)
            # wrk is one client: the per-client rate limit would answer 429 (on in production).
            env["LOCATOR_RATE_LIMIT_PER_MINUTE"] = "0"
            api_command = [sys.executable, "-m", "locator", "serve"]
            api = load_server(api_command, env, options, "/readyz", script)
            minimal_env = {**os.environ, "MINIMAL_DSN": db.asyncpg_dsn(url)}
            minimal_command = [sys.executable, "-m", "uvicorn", "minimal_app:app"]
            minimal_command += ["--no-access-log", "--app-dir", str(HERE), "--log-level", "warning"]
            minimal = load_server(minimal_command, minimal_env, options, "/docs", script)
        raw_sql = pgbench_sql(minimal_app.SQL, (PROBE_LAT, PROBE_LON), PROBE_LAT, PROBE_LON)
        raw = run_pgbench(url, raw_sql, options.seconds, len(points))
        same = run_pgbench(url, api_sql, options.seconds, len(points))
    finally:
        asyncio.run(drop_points(url))

    print(
        f"\nnearest, {options.count:,} facilities, {os.cpu_count()} cores,"
        f" {options.seconds} s each, {len(points):,} positions ({options.pick}):"
        f" {kinds['town']:,} near towns, {kinds['land']:,} anywhere on land,"
        f" {kinds['sea']:,} at sea within 30 km; {off_mainland:,} of the last two off the mainland"
    )
    print(f"{'what':<58} {'per s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    rows = [
        (
            f"API GET /api/v1/nearest (wrk, {options.connections} conn, {options.workers} worker)",
            api,
        ),
        ("minimal FastAPI + asyncpg, raw KNN (wrk, same load)", minimal),
        ("informational: minimal's SQL (pgbench, 2 clients)", raw),
        ("informational: API's first query (pgbench, 2 clients)", same),
    ]
    for label, f in rows:
        print(f"{label:<58} {f['rate']:>8.0f} {f['p50']:>8.2f} {f['p90']:>8.2f} {f['p99']:>8.2f}")
    throughput = api["rate"] / minimal["rate"]
    tail = api["p99"] / minimal["p99"]
    print(
        f"\nAPI / minimal throughput = {throughput:.2f}x (target >= {THROUGHPUT_TARGET:.2f}x):"
        f" {'met' if throughput >= THROUGHPUT_TARGET else 'NOT met'}"
    )
    print(
        f"API p99 / minimal p99 = {tail:.2f}x (target <= {P99_TARGET:.1f}x):"
        f" {'met' if tail <= P99_TARGET else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
