"""The radius a postcode-sector or district fallback states holds for 95 % of that area's real
postcodes (OS Code-Point Open 2014, CV area), and its words never say less than the radius."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from geopy.distance import geodesic
from pyproj import Transformer

from locator.domain.postcodes import compact
from locator.services import geocode, postcodes
from tests.conftest import ROOT

CODEPOINT = ROOT.parent / "shared" / "data" / "codepoint-open-2014-cv.csv"
pytestmark = pytest.mark.skipif(
    not CODEPOINT.exists(),
    reason=f"the Code-Point Open 2014 extract is not at {CODEPOINT} (see shared/data/README.md); "
    "the stated radii cannot be checked without it",
)
SHARE = 0.95


def codepoint_postcodes(path: Path) -> Iterator[tuple[str, float, float]]:
    """(postcode, lat, lon) of every postcode with coordinates in the file, in WGS84."""
    rows, _ = postcodes.read(path, lambda _: None)
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    for row in rows:
        lon, lat = to_wgs84.transform(row.eastings, row.northings)
        yield row.postcode, lat, lon


@pytest.fixture(scope="module")
def real() -> list[tuple[str, float, float]]:
    return list(codepoint_postcodes(CODEPOINT))


def test_fallback_answers_hold_for_95_percent_of_real_postcodes(
    real: list[tuple[str, float, float]],
) -> None:
    """Each Code-Point postcode, looked up as if the directory lacked it, falls back to a sector
    or district: at least 95 % of them lie within the radius that answer states (the issue found
    4 of 50 outside, one 4.1 km away where 800 m was said)."""
    gazetteer = geocode.Gazetteer.load()
    inside: list[bool] = []
    for postcode, lat, lon in real:
        place = gazetteer.stand_in(compact(postcode))
        if place is None or place.kind == "postcode":
            continue  # outside every sector and district held, or a facility's own postcode
        assert place.approximate and place.note and place.kind in ("sector", "district")
        inside.append(geodesic((place.lat, place.lon), (lat, lon)).meters <= place.error_m)
    assert len(inside) > 15_000
    assert sum(inside) >= SHARE * len(inside), f"{sum(inside)} of {len(inside)} within"


@pytest.mark.parametrize("kind", ["sector", "district"])
def test_every_stated_radius_holds_for_95_percent_of_all_the_areas_postcodes(
    real: list[tuple[str, float, float]], kind: str
) -> None:
    """Per area, over all of its postcodes: what a fallback to it, or a typed sector ("CV1 1")
    or district ("CV1"), states holds for at least 95 % of them."""
    members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for postcode, lat, lon in real:
        outward, inward = postcode.split(" ")
        members[f"{outward} {inward[0]}" if kind == "sector" else outward].append((lat, lon))
    gazetteer = geocode.Gazetteer.load()
    rows = [p for (k, _), p in gazetteer.by_code.items() if k == kind]
    assert rows
    short = {}
    for place in rows:
        points = members[place.name]
        assert points, f"{kind} {place.name} has no postcodes in Code-Point Open"
        hits = sum(geodesic((place.lat, place.lon), p).meters <= place.error_m for p in points)
        if hits < SHARE * len(points):
            short[place.name] = f"{hits}/{len(points)} within {place.error_m} m"
    assert short == {}


def test_the_words_never_say_less_than_the_radius() -> None:
    """ "within about 3.7 km" is at least the stated error_m."""
    gazetteer = geocode.Gazetteer.load()
    for (kind, code), place in gazetteer.by_code.items():
        if kind not in ("sector", "district"):
            continue
        note = geocode._fallback(place, "XX1 1XX").note or ""
        found = re.search(r"within about ([\d.]+) (k?m)", note)
        assert found, note
        metres = float(found.group(1)) * (1000 if found.group(2) == "km" else 1)
        assert metres >= place.error_m, (code, note)


def test_the_radius_is_the_95th_percentile_rounded_up() -> None:
    centre = (52.4, -1.5)
    # 20 points 0.001 degrees of latitude apart (about 111 m) due north of the centre.
    points = [(52.4 + 0.001 * i, -1.5) for i in range(1, 21)]
    radius = postcodes.stated_radius_m(centre, points)
    distances = sorted(postcodes.distances_m(centre, points))
    assert distances[18] <= radius < distances[18] + 100  # 19 of 20 is 95 %
    assert radius % 100 == 0
    assert postcodes.stated_radius_m(centre, [(52.5, -1.5)]) == 12_000  # 11.1 km: km up
