"""Benchmark `locator load`: a GeoJSON file of synthetic facilities, validated and written.

    python benchmarks/load.py [--count 50000]

Writes the file to a temporary folder, loads it twice into a fresh database `locator_bench_load`
in the private cluster (the first run adds every facility, the second finds nothing changed) and
prints seconds, features per second and the peak memory (max RSS) of each run.
Target (issue 9): 50,000 features in under 10 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCATOR = str(ROOT / ".venv" / "bin" / "locator")
DATABASE = "locator_bench_load"


def facilities(count: int) -> dict[str, object]:
    """A FeatureCollection of `count` plausible facilities over Great Britain (seeded)."""
    rng = random.Random(9)
    features = []
    for n in range(count):
        features.append(
            {
                "type": "Feature",
                "id": f"bench-{n:06d}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(rng.uniform(-5.5, 1.5), 6),
                        round(rng.uniform(50.2, 57.5), 6),
                    ],
                },
                "properties": {
                    "name": f"Benchmark toilet {n}",
                    "category": rng.choice(["changing_places", "accessible_toilet"]),
                    "status": "open",
                    "postcode": "CV1 1FY",
                    "opening_hours": rng.choice(["24/7", "Mo-Fr 09:00-17:00", None]),
                    "hoist": rng.choice(["ceiling_track", "mobile", None]),
                    "access": rng.choice(["public", "key", None]),
                    "key_scheme": rng.choice(["radar", "none", None]),
                    "sources": [{"title": "synthetic benchmark data"}],
                    "equipment_status": (
                        [{"item": "hoist", "working": False, "reported_at": "2026-11-17T09:00"}]
                        if n % 50 == 0
                        else []
                    ),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and the peak memory (MiB) of one command."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.perf_counter() - started, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=50_000)
    options = parser.parse_args()
    subprocess.run([LOCATOR, "devdb", "start"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/dropdb", "-h",
         str(ROOT / ".pgdata" / "run"), "--if-exists", "--force", DATABASE],
        check=False,
    )  # fmt: skip
    url = subprocess.run(
        [LOCATOR, "devdb", "url", DATABASE], check=True, capture_output=True, text=True
    ).stdout.strip()
    env = {**os.environ, "LOCATOR_DATABASE_URL": url}
    subprocess.run([LOCATOR, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "facilities.geojson"
        path.write_text(json.dumps(facilities(options.count), indent=1))
        size = path.stat().st_size / 2**20
        print(f"locator load, {options.count:,} features ({size:.0f} MiB), {os.cpu_count()} cores")
        for label in ("first load (all added)", "second load (unchanged)"):
            seconds, peak = run([LOCATOR, "load", str(path)], env)
            rate = options.count / seconds
            print(
                f"  {label:<26} {seconds:6.1f} s  {rate:8,.0f} features/s  max RSS {peak:,.0f} MiB"
            )
    print("target: 50,000 features in < 10 s")


if __name__ == "__main__":
    sys.exit(main())
