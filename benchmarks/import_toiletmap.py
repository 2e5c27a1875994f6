"""Benchmark the Toilet Map reader: a synthetic national export read into candidates.

    python benchmarks/import_toiletmap.py [--count 15000] [--repeat 3]

Writes a seeded JSON array of `--count` Toilet Map records (about the size of the national
export) to a temporary folder, on land over Great Britain (`positions.py`, towns weighted by
population), with the export's mix: accessibility, RADAR and opening times often null, a few
Changing Places mentions, closed loos, bad opening times, missing and swapped locations. Then
times `toiletmap.read` over the whole file (parse, map, check hours) and prints seconds and
records per second for the first run (cold caches, as an import makes it) and the best of
`--repeat` runs. Target: the whole import (read, match, write) of 15,000 records under 15 s;
the reader should take a small part of that.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import positions  # noqa: E402

from locator.services.imports import toiletmap  # noqa: E402
from locator.services.imports.candidates import Candidate  # noqa: E402

SEED = 20_240_501
AREAS = ["Coventry", "Birmingham", "Leeds", "Glasgow", "Cardiff", "Highland", "Cornwall"]
PLACES = ["Market Square", "Bus Station", "Park", "Library", "Beach", "Car Park", "High Street"]
HOURS: list[Any] = [
    None,
    None,
    [["00:00", "00:00"]] * 7,
    [["09:00", "17:00"]] * 5 + [["10:00", "16:00"], []],
    [["07:30", "19:00"]] * 7,
    [["08:00", "18:00"]] * 6 + [[]],
]


def records(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """`count` Toilet Map records, the same for the same arguments."""
    rng = random.Random(seed)
    land = [p for p in positions.generate(round(count * 1.2) + 10, seed) if p.kind != "sea"]
    out = []
    for n in range(count):
        point = land[n % len(land)]
        coordinates = [point.lon, point.lat]
        roll = rng.random()
        location: Any = {"type": "Point", "coordinates": coordinates}
        if roll < 0.005:
            location = {"type": "Point", "coordinates": coordinates[::-1]}  # swapped
        elif roll < 0.01:
            location = None
        times = rng.choice(HOURS)
        if rng.random() < 0.01:
            times = [["9am", "5pm"]] * 7
        notes = rng.choice([None, None, None, "Adult changing bench and hoist", "Ask at the desk"])
        out.append(
            {
                "id": f"{n:024x}",
                "name": None if rng.random() < 0.05 else f"{rng.choice(PLACES)} {n}",
                "active": rng.random() > 0.03,
                "accessible": rng.choice([True, False, None]),
                "radar": rng.choice([True, False, None, None]),
                "baby_change": rng.choice([True, False, None]),
                "attended": rng.choice([True, False, None]),
                "automatic": rng.choice([True, False, None]),
                "no_payment": rng.choice([True, False, None]),
                "payment_details": rng.choice([None, "20p", "50p contactless"]),
                "notes": notes,
                "removal_reason": None,
                "opening_times": times,
                "location": location,
                "areas": {"name": rng.choice(AREAS), "type": "Unitary Authority"},
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "toiletmap.json"
        path.write_text(json.dumps(records(args.count)), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            results = list(toiletmap.read(path))
            runs.append(time.perf_counter() - start)
    candidates = [r for r in results if isinstance(r, Candidate)]
    relevant = sum(c.relevant for c in candidates)
    # The first run is the one an import makes: its caches (hours patterns) start empty.
    first, best = runs[0], min(runs)
    print(
        f"{args.count:,} records ({size_mb:.1f} MB): first read {first:.3f} s "
        f"({args.count / first:,.0f} records/s), best of {args.repeat} {best:.3f} s "
        f"({args.count / best:,.0f} records/s); "
        f"{len(candidates):,} candidates ({relevant:,} relevant), "
        f"{len(results) - len(candidates):,} rejected"
    )


if __name__ == "__main__":
    main()
