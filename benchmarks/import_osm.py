"""Benchmark the OpenStreetMap reader (`locator.services.imports.osm.read`) on a synthetic extract.

    python benchmarks/import_osm.py [--nodes 1000000] [--keep FILE]

1. Writes a seeded `.osm.pbf` with `osmium.SimpleWriter`: `--nodes` nodes over Great Britain
   (ids in order, as extracts have them), about 2 % of them `amenity=toilets` with a mix of the
   tags the reader maps (wheelchair, changing_table:adult, centralkey, opening_hours with some
   invalid, access, fee, addresses...), small buildings of 4 nodes (one in four of them a
   toilet block, `amenity=toilets` on the closed way) and roads of 10 nodes each.
   `--keep FILE` writes it there and reuses it on the next run.
2. Reads it with `read` in a child process (so the peak RSS is the reader's alone, next to a
   bare interpreter with the same imports), draining every candidate, and prints the seconds,
   nodes per second, candidates, rejections and the peak memory (max RSS).

Target for a whole import (reading, matching, writing): 1,000,000 nodes in under 5 minutes;
the reader should be a small part of that.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import osmium
from osmium.osm.mutable import Node, Way

ROOT = Path(__file__).resolve().parents[1]
BUILDING_EVERY = 400  # one building outline (4 nodes) per this many nodes
ROAD_EVERY = 200  # one road (10 existing nodes) per this many nodes

HOURS = ["24/7", "Mo-Fr 09:00-17:00", "Mo-Su 07:00-19:00", "daylight hours", "9am-5pm", None]


def toilet_tags(rng: random.Random, n: int) -> dict[str, str]:
    """A plausible mix of toilet tags, some of them wrong as real data is."""
    tags = {"amenity": "toilets"}
    wheelchair = rng.choice(["yes", "yes", "designated", "limited", "no", None, None])
    if wheelchair:
        tags["wheelchair"] = wheelchair
    if rng.random() < 0.05:
        tags["changing_table:adult"] = "yes"
    if rng.random() < 0.03:
        tags["changing_places"] = "yes"
    if rng.random() < 0.2:
        tags["changing_table"] = "yes"
    if rng.random() < 0.15:
        tags["centralkey"] = rng.choice(["radar", "yes"])
    hours = rng.choice(HOURS)
    if hours:
        tags["opening_hours"] = hours
    access = rng.choice(["yes", "permissive", "customers", "private", None, None, None])
    if access:
        tags["access"] = access
    if rng.random() < 0.1:
        tags["fee"] = "yes"
    if rng.random() < 0.4:
        tags["name"] = rng.choice(["Public toilets", "Park toilets", f"Toilets {n}"])
    if rng.random() < 0.3:
        tags["operator"] = rng.choice(["Coventry City Council", "Network Rail", "Tesco"])
    if rng.random() < 0.1:
        tags["description"] = rng.choice(
            ["Changing Places toilet with hoist", "Next to the car park", "Ground floor"]
        )
    if rng.random() < 0.2:
        tags.update({"addr:street": "High Street", "addr:housenumber": str(n % 200 + 1)})
        tags.update({"addr:city": "Coventry", "addr:postcode": "CV1 1FY"})
    if rng.random() < 0.2:
        tags["check_date"] = f"20{rng.randint(15, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    if rng.random() < 0.1:
        tags["level"] = rng.choice(["0", "1", "-1"])
    return tags


def write_extract(path: Path, count: int) -> dict[str, int]:
    """The synthetic extract; returns how many nodes, ways and toilets it holds."""
    rng = random.Random(20)
    ways: list[Way] = []
    toilets = buildings = 0
    with osmium.SimpleWriter(str(path)) as writer:
        n = 1
        while n <= count:
            lon, lat = rng.uniform(-5.5, 1.7), rng.uniform(50.1, 58.6)
            if n % BUILDING_EVERY == 0 and n + 3 <= count:
                corners = [(0, 0), (0.0002, 0), (0.0002, 0.0001), (0, 0.0001)]
                for i, (dx, dy) in enumerate(corners):
                    writer.add_node(Node(id=n + i, location=(lon + dx, lat + dy)))
                is_toilet = buildings % 4 == 0
                buildings += 1
                tags = toilet_tags(rng, n) if is_toilet else {"building": "yes"}
                toilets += is_toilet
                ways.append(Way(id=len(ways) + 1, nodes=[n, n + 1, n + 2, n + 3, n], tags=tags))
                n += 4
                continue
            tags = toilet_tags(rng, n) if rng.random() < 0.02 else {}
            toilets += bool(tags)
            writer.add_node(Node(id=n, location=(lon, lat), tags=tags))
            if n % ROAD_EVERY == 0 and n > 10:
                ways.append(
                    Way(id=len(ways) + 1, nodes=list(range(n - 9, n + 1)), tags={"highway": "road"})
                )
            n += 1
        for way in ways:
            writer.add_way(way)
    return {"nodes": count, "ways": len(ways), "toilets": toilets}


def measure(path: Path) -> dict[str, float]:
    """Run in the child: drain `read` and report time, counts and peak memory."""
    sys.path.insert(0, str(ROOT))
    from locator.services.imports import osm
    from locator.services.imports.candidates import Candidate

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    candidates = rejected = relevant = 0
    for item in osm.read(path):
        if isinstance(item, Candidate):
            candidates += 1
            relevant += item.relevant
        else:
            rejected += 1
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "candidates": candidates,
        "relevant": relevant,
        "rejected": rejected,
        "baseline_mib": baseline,
        "peak_mib": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the extract here and reuse it")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child's job
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = options.keep or Path(tmp) / "synthetic.osm.pbf"
        if options.keep and path.exists():
            print(f"reusing {path}")
        else:
            started = time.perf_counter()
            made = write_extract(path, options.nodes)
            print(
                f"wrote {made['nodes']:,} nodes, {made['ways']:,} ways, "
                f"{made['toilets']:,} amenity=toilets in {time.perf_counter() - started:.1f} s"
            )
        size = path.stat().st_size / 2**20
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout)
        seconds = result["seconds"]
        print(f"osm.read over {path.name} ({size:.1f} MiB, {options.nodes:,} nodes)")
        print(f"  {seconds:6.2f} s  {options.nodes / seconds:12,.0f} nodes/s")
        print(
            f"  {result['candidates']:,} candidates ({result['relevant']:,} relevant), "
            f"{result['rejected']:,} rejected"
        )
        print(
            f"  max RSS {result['peak_mib']:,.0f} MiB "
            f"(interpreter and imports before reading: {result['baseline_mib']:,.0f} MiB)"
        )
    print("target: a whole import of 1,000,000 nodes in < 5 minutes; the reader a small part")


if __name__ == "__main__":
    main()
