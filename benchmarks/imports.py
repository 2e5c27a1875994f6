"""Benchmark whole imports with `locator import`: read, match, decide and write, side by side.

    python benchmarks/imports.py [--toiletmap 15000] [--osm-nodes 1000000]

Makes the synthetic files of `import_toiletmap.py` (a Toilet Map export) and `import_osm.py`
(an .osm.pbf of nodes, ~2 % of them toilets) in a temporary folder, then into a fresh database
`locator_bench_imports` runs, for each: a dry run, the real import, and the same import again
(which must change nothing), printing seconds and peak memory. Targets (issue 9): the Toilet
Map's 15,000 records in < 15 s, 1,000,000 OSM nodes in < 5 min.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import import_osm  # noqa: E402
import import_toiletmap  # noqa: E402

LOCATOR = str(ROOT / ".venv" / "bin" / "locator")
DATABASE = "locator_bench_imports"


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB, of the largest child so far) and the last output line."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return time.perf_counter() - started, peak, done.stdout.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--toiletmap", type=int, default=15_000)
    parser.add_argument("--osm-nodes", type=int, default=1_000_000)
    options = parser.parse_args()
    subprocess.run([LOCATOR, "devdb", "start"], check=True, stdout=subprocess.DEVNULL)
    pg = ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/dropdb"]
    subprocess.run([*pg, "-h", str(ROOT / ".pgdata" / "run"), "--if-exists", "--force", DATABASE])
    url = subprocess.run(
        [LOCATOR, "devdb", "url", DATABASE], check=True, capture_output=True, text=True
    ).stdout.strip()
    env = {**os.environ, "LOCATOR_DATABASE_URL": url}
    subprocess.run([LOCATOR, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        toiletmap = Path(tmp) / "toiletmap.json"
        toiletmap.write_text(json.dumps(import_toiletmap.records(options.toiletmap)))
        osm = Path(tmp) / "synthetic.osm.pbf"
        import_osm.write_extract(osm, options.osm_nodes)
        runs = [
            (f"toiletmap, {options.toiletmap:,} records", ["toiletmap", str(toiletmap)]),
            (f"osm, {options.osm_nodes:,} nodes", ["osm", str(osm)]),
        ]
        print(f"locator import, {os.cpu_count()} cores")
        for label, arguments in runs:
            for step, extra in (("dry run", ["--dry-run"]), ("import", []), ("again", [])):
                seconds, peak, line = timed([LOCATOR, "import", *arguments, *extra], env)
                print(f"  {label:<28} {step:<8} {seconds:6.1f} s  max RSS {peak:5.0f} MiB")
                print(f"      {line[:150]}")
    print("targets: Toilet Map 15,000 records < 15 s; OSM 1,000,000 nodes < 5 min")


if __name__ == "__main__":
    main()
