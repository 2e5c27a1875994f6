"""Benchmark public problem reports: 50 a second for 10 s, while nearest reads go on.

    python benchmarks/reports.py [--count 1000000] [--seconds 10] [--rate 50] [--connections 16]

1. Uses the database of `nearest.py` (`locator_bench`: `--count` synthetic facilities over GB,
   filled if needed) and the same 20,000 query positions over all of Great Britain.
2. Serves the app once with `locator serve` (rate limits off: one machine plays every client).
3. Reads alone: wrk sends GET /api/v1/nearest for `--seconds` with `--connections` connections.
4. Reads with writes: the same wrk load again while an asyncio client sends `--rate` reports a
   second (open loop: report i leaves at i / rate s, whether or not the earlier ones are back)
   to facilities drawn from 1,000 at random, mixing the four kinds. Every report must get 201.
5. Prints both read figures side by side, and the reports' count, errors and latency.
6. Removes what the reports wrote (reports, their states, their trail) so `nearest.py` figures
   stay comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import nearest as reads  # noqa: E402
import positions  # noqa: E402

from locator.store import connection as db  # noqa: E402
from locator.store import devdb  # noqa: E402

BODIES = [
    {"kind": "equipment_not_working", "item": "hoist", "details": "Hoist would not move"},
    {"kind": "closed_or_locked"},
    {"kind": "all_fine"},
    {"kind": "information_wrong", "field": "opening_hours", "correction": "Mo-Fr 09:00-17:00"},
]


async def sample_ids(url: str) -> list[str]:
    conn = await asyncpg.connect(db.asyncpg_dsn(url))
    rows = await conn.fetch("SELECT id FROM facilities TABLESAMPLE SYSTEM (1) LIMIT 1000")
    await conn.close()
    return [row["id"] for row in rows]


async def clean_up(url: str) -> None:
    conn = await asyncpg.connect(db.asyncpg_dsn(url))
    await conn.execute(
        "DELETE FROM equipment_status WHERE report_id IS NOT NULL;"
        " DELETE FROM facility_changes WHERE actor LIKE 'public report #%';"
        " DELETE FROM reports"
    )
    await conn.execute("VACUUM ANALYZE equipment_status, facility_changes, reports")
    await conn.close()


async def send_reports(base: str, ids: list[str], rate: int, seconds: int) -> list[float | None]:
    """Latency of each report in ms, or None when it did not get 201."""
    rng = random.Random(7)
    out: list[float | None] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            sent = time.perf_counter()
            body = BODIES[i % len(BODIES)]
            answer = await client.post(f"/api/v1/facilities/{rng.choice(ids)}/reports", json=body)
            out.append((time.perf_counter() - sent) * 1000 if answer.status_code == 201 else None)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(rate * seconds)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--positions", type=int, default=20_000)
    options = parser.parse_args()

    url = os.environ.get("LOCATOR_BENCH_DATABASE_URL")
    if not url:
        devdb.start()
        url = devdb.create_database("locator_bench")
    db.upgrade(url)
    points = positions.generate(options.positions)
    asyncio.run(reads.prepare(url, options.count, points))
    ids = asyncio.run(sample_ids(url))
    env = {
        **os.environ,
        "LOCATOR_DATABASE_URL": url,
        "LOCATOR_RATE_LIMIT_PER_MINUTE": "0",
        "LOCATOR_REPORTS_PER_HOUR": str(10 * options.rate * options.seconds),
    }
    command = [sys.executable, "-m", "locator", "serve"]
    try:
        with reads.serving(command, env, "/readyz") as base, tempfile.TemporaryDirectory() as tmp:
            script = reads.write_wrk_script(Path(tmp), points, "sequence")
            alone = reads.run_wrk(base, script, options.seconds, options.connections)
            wrk = asyncio.get_event_loop_policy().new_event_loop()
            try:
                reading = wrk.run_in_executor(
                    None, reads.run_wrk, base, script, options.seconds + 2, options.connections
                )

                async def both() -> tuple[dict[str, float], list[float | None]]:
                    await asyncio.sleep(2.5)  # wrk's own 2 s warm-up first
                    sent = await send_reports(base, ids, options.rate, options.seconds)
                    return await reading, sent

                together, latencies = wrk.run_until_complete(both())
            finally:
                wrk.close()
    finally:
        asyncio.run(clean_up(url))

    good = sorted(x for x in latencies if x is not None)
    failed = len(latencies) - len(good)
    cuts = statistics.quantiles(good, n=100) if len(good) > 1 else [0.0] * 99
    print(f"\nreports while reading, {options.count:,} facilities, {os.cpu_count()} cores")
    print(f"{'reads: GET /api/v1/nearest (wrk)':<44} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for label, f in (("alone", alone), (f"with {options.rate} reports/s", together)):
        print(f"  {label:<42} {f['rate']:>8.0f} {f['p50']:>8.2f} {f['p99']:>8.2f}")
    print(
        f"reports: {len(latencies):,} sent at {options.rate}/s, {len(good):,} answered 201,"
        f" {failed} failed; p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms, max {good[-1]:.1f} ms"
        if good
        else f"reports: {len(latencies)} sent, none answered 201"
    )
    ratio = together["rate"] / alone["rate"]
    print(f"read throughput with reports / alone = {ratio:.2f}x; target: no report fails")
    if failed:
        raise SystemExit(f"{failed} reports failed")


if __name__ == "__main__":
    main()
