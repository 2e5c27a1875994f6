"""Rebuild data/gazetteer.csv from the project's fact sheets and data/coventry.geojson.

Run from the repository root: `.venv/bin/python data/build_gazetteer.py`. Each row's `source`
names the original publication its point comes from (never one of our folders: it is what a
geocoding answer shows); `error_m` is how far a point found through that row may be from the
place searched for: for a postcode sector or district, the radius around its point that holds 95 %
of its postcodes in Code-Point Open (`locator.services.postcodes.stated_radius_m`).
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any

from locator.services import postcodes

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT.parent / "shared" / "facts"
CODEPOINT = ROOT.parent / "shared" / "data" / "codepoint-open-2014-cv.csv"
OUT = ROOT / "data" / "gazetteer.csv"

# What each kind of row is derived from, named by the original publication. The sector file
# (cv-postcode-sectors.csv) holds the mean point of each sector's postcodes in Code-Point Open.
SECTORS_SOURCE = "Code-Point Open 2014, OS OpenData (mean point of the sector's postcodes)"
DISTRICTS_SOURCE = (
    "Outcode centroid list, GitHub RFOxbury/air_quality outcodes.csv (commit ad83c77)"
)
WARDS_SOURCE = (
    "ONS mid-2015 Output Area population estimates, population-weighted within the ONS/OS 2013 "
    "ward boundaries (2004-2026 wards)"
)
# A facility's point comes from the source its record cites with a note starting "Position:".
POSITION_NOTE = "Position:"
NO_POSITION_SOURCE = "no published point: estimated (see the facility's notes)"

# CV1-CV8 outcode centroids, as tabulated in coventry.md section 4.
DISTRICTS = {
    "CV1": (52.40939, -1.50600),
    "CV2": (52.42270, -1.46467),
    "CV3": (52.39310, -1.48119),
    "CV4": (52.39794, -1.56492),
    "CV5": (52.41227, -1.55008),
    "CV6": (52.43188, -1.50722),
    "CV7": (52.44378, -1.56300),
    "CV8": (52.35110, -1.54336),
}

# Well-known places with a sourced point in coventry.md (#1, #2, #14, #13; keys [S3] [S8] [S26]
# [S25] are that sheet's).
PLACES = [
    ("War Memorial Park", 52.39052, -1.52459, 400,
     "Wikipedia, War Memorial Park, Coventry (OS grid SP324770)"),
    ("Coombe Abbey Park", 52.41156, -1.40676, 500,
     "tothehills blog, 15 Feb 2014, Coombe Country Park (car park grid reference SP 404 794)"),
    ("Coventry station", 52.40100, -1.51360, 150, "Wikipedia, Coventry railway station (infobox)"),
    ("The Wave", 52.40567, -1.51094, 100, "Wikipedia, The Wave, Coventry (via nearbywiki)"),
]  # fmt: skip

# Used when the Code-Point extract is absent: typical sector and district spreads in Coventry.
DEFAULT_ERROR_M = {"sector": 1500, "district": 4000}


def stated_radii(centres: dict[str, tuple[float, float]]) -> dict[str, int]:
    """For each sector and district, the radius around its stated point (the one a geocoding
    fallback answers with) that holds 95 % of its Code-Point postcodes, rounded up."""
    members = postcodes.area_points(CODEPOINT)
    return {
        name: postcodes.stated_radius_m(centre, members[name])
        for name, centre in centres.items()
        if members.get(name)
    }


def position_source(feature: dict[str, Any]) -> str:
    """The title of the source the facility's point comes from, without our fact-sheet key."""
    for source in feature["properties"].get("sources", []):
        if (source.get("note") or "").startswith(POSITION_NOTE):
            return re.sub(r"^(\[[A-Z0-9]+\]\s*)+", "", source["title"])
    return NO_POSITION_SOURCE


def rows() -> list[dict[str, object]]:
    """Every gazetteer row: sectors, districts, wards, places, facilities and their postcodes."""
    with (FACTS / "cv-postcode-sectors.csv").open(newline="") as handle:
        sectors = {
            row["sector"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(handle)
        }
    spreads = stated_radii({**sectors, **DISTRICTS}) if CODEPOINT.exists() else {}
    out: list[dict[str, object]] = []

    def add(name: str, kind: str, lat: float, lon: float, error_m: int, source: str) -> None:
        out.append(
            {"name": name, "kind": kind, "lat": lat, "lon": lon, "error_m": error_m,
             "source": source}
        )  # fmt: skip

    for name, (lat, lon) in sectors.items():
        add(name, "sector", lat, lon, spreads.get(name, DEFAULT_ERROR_M["sector"]), SECTORS_SOURCE)
    for name, (lat, lon) in DISTRICTS.items():
        add(name, "district", lat, lon, spreads.get(name, DEFAULT_ERROR_M["district"]),
            DISTRICTS_SOURCE)  # fmt: skip
    with (FACTS / "coventry-wards-2004-2026.csv").open(newline="") as handle:
        for ward in csv.DictReader(handle):
            radius = round(math.sqrt(float(ward["area_km2"]) * 1e6 / math.pi), -2)
            add(ward["ward"], "ward", float(ward["pop_weighted_lat"]),
                float(ward["pop_weighted_lon"]), int(radius), WARDS_SOURCE)  # fmt: skip
    for name, lat, lon, error, source in PLACES:
        add(name, "place", lat, lon, error, source)
    facilities = json.loads((ROOT / "data" / "coventry.geojson").read_text())
    for feature in facilities["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        error = int(props.get("location_accuracy_m") or 1000)
        where = position_source(feature)
        add(props["name"], "facility", lat, lon, error, where)
        if props.get("postcode"):
            add(props["postcode"], "postcode", lat, lon, error,
                f"{where} (the point of {props['name']}, which has this postcode)")  # fmt: skip
    return out


def main() -> None:
    """Write the gazetteer, keeping the first row for a repeated postcode."""
    seen: set[tuple[str, str]] = set()
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["name", "kind", "lat", "lon", "error_m", "source"])
        writer.writeheader()
        for row in rows():
            key = (str(row["name"]), str(row["kind"]))
            if key not in seen:
                seen.add(key)
                writer.writerow(row)
    print(f"wrote {len(seen)} rows to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
