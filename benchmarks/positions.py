"""A fixed list of query positions over all of Great Britain, for the nearest benchmark.

    python benchmarks/positions.py [--positions 20000]   # prints a summary of the list

`generate(n)` returns the same `n` positions on every run and machine (a fixed seed, and only
`random.Random.random()`, whose sequence Python keeps stable across versions). Roughly where
people would ask from:

- 70 % near towns and cities (`TOWNS`: ~60 places from Hugh Town and Penzance to Lerwick and
  Stornoway, each a Gaussian cluster of `spread_km`, weighted roughly by population, on land);
- 20 % uniform over the land (`LAND`: mainland and islands by area, so the Highlands, Shetland,
  Orkney, the Outer Hebrides, Skye, Mull, Islay, Arran, Anglesey, the Isle of Wight and the
  Isles of Scilly all get their share);
- 10 % at sea within 30 km of the coast, most within a few km (a beach, a ferry, a boat).

The outlines are hand-made and coarse (a few km off in places): good enough to put positions
on land or at sea, not a map. The Isle of Man and Northern Ireland are not Great Britain; they
are outlined only so that no "at sea" position falls on them.
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
from collections import Counter
from typing import NamedTuple

import shapely
from shapely.geometry import Point, Polygon

SEED = 20_240_611
SHARES = {"town": 0.70, "land": 0.20, "sea": 0.10}
OFFSHORE_KM = 30.0
KM_PER_DEGREE = 111.2

# (lon, lat) rings, coarse, anticlockwise from Land's End along the south coast.
MAINLAND = [
    (-5.71, 50.07), (-5.20, 49.96), (-5.05, 50.15), (-4.80, 50.22), (-4.45, 50.35),
    (-4.12, 50.32), (-3.80, 50.21), (-3.64, 50.22), (-3.50, 50.40), (-3.40, 50.60),
    (-2.93, 50.71), (-2.46, 50.51), (-2.06, 50.58), (-1.90, 50.69), (-1.55, 50.71),
    (-1.30, 50.80), (-1.05, 50.76), (-0.79, 50.72), (-0.37, 50.80), (-0.14, 50.80),
    (0.24, 50.73), (0.58, 50.85), (0.98, 50.91), (1.30, 51.11), (1.38, 51.14),
    (1.45, 51.38), (1.05, 51.37), (0.90, 51.40), (0.72, 51.45), (0.80, 51.53),
    (0.95, 51.60), (0.95, 51.76), (1.15, 51.78), (1.30, 51.94), (1.58, 52.08),
    (1.62, 52.15), (1.76, 52.48), (1.74, 52.61), (1.70, 52.72), (1.53, 52.83),
    (1.30, 52.93), (1.00, 52.97), (0.49, 52.95), (0.40, 52.80), (0.05, 52.85),
    (0.35, 53.10), (0.34, 53.15), (0.27, 53.34), (0.15, 53.48), (0.00, 53.55),
    (-0.30, 53.69), (-0.60, 53.70), (-0.55, 53.72), (-0.33, 53.735), (-0.10, 53.65),
    (0.12, 53.58), (0.04, 53.73), (-0.16, 53.91), (-0.19, 54.08), (-0.07, 54.12),
    (-0.28, 54.21), (-0.40, 54.28), (-0.53, 54.43), (-0.61, 54.49), (-1.05, 54.62),
    (-1.18, 54.69), (-1.36, 54.91), (-1.42, 55.02), (-1.48, 55.13), (-1.56, 55.34),
    (-1.70, 55.61), (-1.99, 55.77), (-2.13, 55.92), (-2.50, 56.01), (-2.72, 56.06),
    (-3.05, 55.95), (-3.18, 55.98), (-3.40, 55.99), (-3.70, 56.03), (-3.72, 56.07),
    (-3.40, 56.03), (-3.15, 56.11), (-2.98, 56.19), (-2.80, 56.19), (-2.58, 56.28),
    (-2.78, 56.34), (-2.88, 56.44), (-3.25, 56.36), (-3.10, 56.42), (-2.95, 56.452),
    (-2.85, 56.462), (-2.70, 56.50), (-2.58, 56.56), (-2.46, 56.70), (-2.20, 56.96),
    (-2.07, 57.14), (-1.95, 57.35), (-1.78, 57.50), (-2.00, 57.69), (-2.52, 57.67),
    (-2.96, 57.68), (-3.28, 57.72), (-3.49, 57.70), (-3.87, 57.59), (-4.04, 57.57),
    (-4.20, 57.50), (-4.10, 57.58), (-4.03, 57.68), (-3.78, 57.86), (-4.03, 57.87),
    (-3.85, 58.01), (-3.65, 58.11), (-3.06, 58.44), (-3.03, 58.64), (-3.37, 58.67),
    (-3.52, 58.60), (-4.00, 58.57), (-4.42, 58.55), (-4.75, 58.57), (-5.00, 58.62),
    (-5.05, 58.46), (-5.15, 58.35), (-5.35, 58.25), (-5.25, 58.15), (-5.20, 57.95),
    (-5.82, 57.86), (-5.70, 57.72), (-5.85, 57.43), (-5.71, 57.28), (-5.83, 57.00),
    (-5.85, 56.91), (-6.23, 56.73), (-5.90, 56.55), (-5.52, 56.41), (-5.60, 56.05),
    (-5.72, 55.70), (-5.80, 55.30), (-5.58, 55.42), (-5.45, 55.70), (-5.40, 55.86),
    (-5.15, 55.80), (-4.92, 55.95), (-4.75, 55.95), (-4.57, 55.94), (-4.69, 55.93),
    (-4.87, 55.80), (-4.82, 55.64), (-4.65, 55.46), (-4.86, 55.24), (-5.00, 55.10),
    (-5.16, 55.01), (-5.12, 54.84), (-4.86, 54.64), (-4.75, 54.80), (-4.40, 54.68),
    (-4.40, 54.85), (-4.05, 54.78), (-3.60, 54.87), (-3.25, 54.98), (-3.06, 54.99),
    (-3.40, 54.87), (-3.50, 54.72), (-3.60, 54.55), (-3.64, 54.49), (-3.48, 54.39),
    (-3.30, 54.20), (-3.25, 54.07), (-2.85, 54.18), (-2.88, 54.07), (-3.02, 53.93),
    (-3.06, 53.82), (-2.95, 53.74), (-3.02, 53.65), (-3.10, 53.55), (-3.05, 53.47),
    (-3.00, 53.40), (-2.88, 53.34), (-3.02, 53.37), (-3.10, 53.42), (-3.19, 53.39),
    (-3.05, 53.25), (-3.32, 53.35), (-3.49, 53.32), (-3.86, 53.34), (-4.00, 53.27),
    (-4.14, 53.24), (-4.29, 53.15), (-4.55, 52.94), (-4.78, 52.79), (-4.50, 52.82),
    (-4.40, 52.88), (-4.13, 52.90), (-4.12, 52.86), (-4.06, 52.72), (-4.10, 52.58),
    (-4.05, 52.54), (-4.11, 52.41), (-4.26, 52.24), (-4.37, 52.22), (-4.67, 52.11),
    (-4.98, 52.01), (-5.31, 51.90), (-5.18, 51.68), (-5.03, 51.70), (-4.70, 51.67),
    (-4.40, 51.72), (-4.25, 51.68), (-4.33, 51.56), (-3.98, 51.57), (-3.93, 51.60),
    (-3.80, 51.57), (-3.70, 51.48), (-3.27, 51.39), (-3.16, 51.45), (-2.97, 51.54),
    (-2.65, 51.62), (-2.53, 51.71), (-2.40, 51.78), (-2.47, 51.72), (-2.70, 51.50),
    (-2.86, 51.44), (-2.99, 51.35), (-3.00, 51.24), (-3.13, 51.21), (-3.47, 51.21),
    (-3.83, 51.23), (-4.12, 51.21), (-4.25, 51.14), (-4.20, 51.03), (-4.53, 51.02),
    (-4.55, 50.83), (-4.76, 50.67), (-4.95, 50.55), (-5.08, 50.42), (-5.48, 50.21),
    (-5.71, 50.13),
]  # fmt: skip

ISLANDS = {
    "Shetland": [
        (-1.27, 59.85), (-1.20, 60.00), (-1.12, 60.14), (-1.05, 60.22), (-1.12, 60.35),
        (-1.25, 60.50), (-1.30, 60.62), (-1.45, 60.55), (-1.62, 60.48), (-1.45, 60.35),
        (-1.70, 60.30), (-1.65, 60.20), (-1.40, 60.18), (-1.32, 60.05), (-1.33, 59.90),
    ],
    "Yell": [(-1.10, 60.50), (-0.98, 60.55), (-0.98, 60.68), (-1.05, 60.73), (-1.17, 60.62)],
    "Unst": [(-0.90, 60.69), (-0.75, 60.72), (-0.78, 60.82), (-0.88, 60.85), (-0.95, 60.77)],
    "Orkney": [
        (-3.35, 58.95), (-3.30, 59.12), (-3.10, 59.15), (-2.95, 59.08), (-2.90, 59.02),
        (-2.75, 58.98), (-2.70, 58.90), (-2.85, 58.89), (-3.00, 58.93), (-3.20, 58.92),
    ],
    "Hoy": [(-3.45, 58.88), (-3.30, 58.93), (-3.18, 58.85), (-3.20, 58.78), (-3.35, 58.78)],
    "Lewis and Harris": [
        (-6.26, 58.52), (-6.15, 58.35), (-6.14, 58.26), (-6.25, 58.21), (-6.36, 58.18),
        (-6.45, 58.05), (-6.60, 57.92), (-6.85, 57.80), (-7.05, 57.74), (-7.12, 57.82),
        (-6.98, 57.95), (-7.10, 58.05), (-7.10, 58.22), (-6.80, 58.33), (-6.55, 58.42),
    ],
    "Uists and Benbecula": [
        (-7.20, 57.68), (-7.05, 57.60), (-7.15, 57.48), (-7.25, 57.35), (-7.22, 57.10),
        (-7.30, 57.05), (-7.42, 57.10), (-7.45, 57.35), (-7.42, 57.45), (-7.55, 57.55),
        (-7.50, 57.68),
    ],
    "Barra": [(-7.55, 56.95), (-7.42, 56.95), (-7.40, 57.03), (-7.50, 57.05)],
    "Skye": [
        (-6.30, 57.71), (-6.10, 57.65), (-6.13, 57.45), (-5.95, 57.35), (-5.70, 57.28),
        (-5.80, 57.15), (-5.98, 57.05), (-6.05, 57.10), (-6.20, 57.20), (-6.55, 57.30),
        (-6.78, 57.43), (-6.62, 57.50), (-6.45, 57.58), (-6.40, 57.70),
    ],
    "Mull": [
        (-6.10, 56.65), (-5.95, 56.60), (-5.75, 56.50), (-5.65, 56.45), (-5.80, 56.33),
        (-6.00, 56.32), (-6.38, 56.29), (-6.30, 56.37), (-6.35, 56.50), (-6.20, 56.58),
    ],
    "Coll": [(-6.65, 56.60), (-6.50, 56.66), (-6.45, 56.70), (-6.60, 56.64)],
    "Tiree": [(-6.98, 56.50), (-6.80, 56.54), (-6.75, 56.48), (-6.90, 56.45)],
    "Islay": [
        (-6.10, 55.93), (-6.05, 55.75), (-6.10, 55.62), (-6.25, 55.58), (-6.50, 55.68),
        (-6.48, 55.85), (-6.30, 55.90),
    ],
    "Jura": [(-5.93, 55.83), (-6.02, 55.90), (-5.80, 56.15), (-5.68, 56.12), (-5.85, 55.88)],
    "Arran": [
        (-5.30, 55.72), (-5.15, 55.70), (-5.08, 55.55), (-5.12, 55.45), (-5.30, 55.43),
        (-5.43, 55.50), (-5.40, 55.65),
    ],
    "Bute": [(-5.05, 55.92), (-5.00, 55.85), (-5.05, 55.75), (-5.12, 55.80), (-5.13, 55.88)],
    "Anglesey": [
        (-4.55, 53.42), (-4.30, 53.43), (-4.05, 53.30), (-4.20, 53.20), (-4.35, 53.13),
        (-4.50, 53.17), (-4.70, 53.28), (-4.65, 53.33),
    ],
    "Isle of Wight": [
        (-1.58, 50.66), (-1.30, 50.77), (-1.10, 50.73), (-1.07, 50.67), (-1.30, 50.57),
        (-1.50, 50.62),
    ],
    "St Mary's (Scilly)": [(-6.33, 49.90), (-6.28, 49.89), (-6.27, 49.93), (-6.32, 49.94)],
    "Tresco and St Martin's (Scilly)": [
        (-6.37, 49.94), (-6.26, 49.96), (-6.27, 49.98), (-6.35, 49.98),
    ],
}  # fmt: skip

# Land that is not Great Britain: only so that no position "at sea" lands on it.
NOT_GB = [
    # Isle of Man
    [(-4.83, 54.08), (-4.70, 54.22), (-4.40, 54.42), (-4.30, 54.33), (-4.40, 54.20),
     (-4.60, 54.05)],
    # Northern Ireland's east coast and Rathlin
    [(-6.80, 55.25), (-6.30, 55.31), (-6.15, 55.31), (-6.03, 55.18), (-5.75, 54.90),
     (-5.65, 54.75), (-5.43, 54.55), (-5.55, 54.30), (-6.00, 54.00), (-6.80, 54.00)],
]  # fmt: skip

# (name, lat, lon, spread_km, weight): weight roughly the urban population in 100,000s, with a
# floor of 0.3 so the small island and Highland towns get a few positions each.
TOWNS = [
    ("London", 51.507, -0.128, 14, 60),
    ("Birmingham", 52.486, -1.890, 9, 25),
    ("Manchester", 53.480, -2.242, 9, 25),
    ("Leeds and Bradford", 53.800, -1.650, 8, 18),
    ("Glasgow", 55.861, -4.251, 8, 14),
    ("Liverpool", 53.408, -2.979, 6, 9),
    ("Newcastle", 54.978, -1.618, 6, 8),
    ("Sheffield", 53.381, -1.470, 6, 7),
    ("Nottingham", 52.954, -1.150, 5, 7),
    ("Bristol", 51.455, -2.588, 5, 6),
    ("Edinburgh", 55.953, -3.188, 5, 5.5),
    ("Leicester", 52.637, -1.134, 4, 5),
    ("Brighton", 50.823, -0.138, 4, 5),
    ("Southampton", 50.909, -1.404, 4, 4),
    ("Portsmouth", 50.805, -1.087, 4, 4),
    ("Bournemouth", 50.720, -1.880, 4, 4),
    ("Middlesbrough", 54.574, -1.235, 4, 4),
    ("Cardiff", 51.481, -3.179, 5, 4),
    ("Coventry", 52.408, -1.510, 4, 4),
    ("Stoke-on-Trent", 53.003, -2.180, 4, 4),
    ("Reading", 51.454, -0.978, 4, 3.5),
    ("Hull", 53.745, -0.336, 4, 3),
    ("Plymouth", 50.376, -4.143, 4, 3),
    ("Derby", 52.922, -1.476, 4, 3),
    ("Sunderland", 54.906, -1.381, 3, 3),
    ("Swansea", 51.621, -3.944, 4, 3),
    ("Norwich", 52.630, 1.297, 4, 2.5),
    ("Blackpool", 53.817, -3.036, 3, 2.3),
    ("Aberdeen", 57.149, -2.094, 4, 2.2),
    ("Oxford", 51.752, -1.258, 3, 1.7),
    ("Cambridge", 52.205, 0.122, 3, 1.5),
    ("York", 53.960, -1.082, 3, 1.5),
    ("Ipswich", 52.059, 1.155, 3, 1.5),
    ("Gloucester", 51.864, -2.244, 3, 1.5),
    ("Dundee", 56.462, -2.971, 3, 1.5),
    ("Newport", 51.588, -2.998, 3, 1.5),
    ("Newport, Isle of Wight", 50.700, -1.293, 3, 1.4),
    ("Exeter", 50.718, -3.534, 3, 1.3),
    ("Lincoln", 53.230, -0.540, 3, 1.2),
    ("Canterbury", 51.280, 1.080, 3, 1.0),
    ("Wrexham", 53.046, -2.993, 3, 1.0),
    ("Dunfermline", 56.072, -3.452, 3, 1.0),
    ("Ayr", 55.458, -4.629, 3, 1.0),
    ("Stirling and Falkirk", 56.060, -3.850, 4, 1.5),
    ("Carlisle", 54.892, -2.932, 3, 0.8),
    ("Llangefni, Anglesey", 53.256, -4.311, 4, 0.7),
    ("Inverness", 57.478, -4.224, 3, 0.6),
    ("Truro", 50.263, -5.051, 3, 0.5),
    ("Scarborough", 54.280, -0.420, 2, 0.5),
    ("Carmarthen", 51.856, -4.312, 3, 0.5),
    ("Perth", 56.396, -3.437, 3, 0.5),
    ("Kilmarnock", 55.611, -4.496, 3, 0.5),
    ("Dumfries", 55.070, -3.605, 3, 0.4),
    ("Penzance", 50.119, -5.537, 2, 0.3),
    ("Hugh Town, Scilly", 49.914, -6.312, 1, 0.3),
    ("Kendal", 54.328, -2.745, 2, 0.3),
    ("Aberystwyth", 52.415, -4.082, 2, 0.3),
    ("Bangor", 53.228, -4.129, 2, 0.3),
    ("Fort William", 56.819, -5.105, 2, 0.3),
    ("Oban", 56.415, -5.472, 2, 0.3),
    ("Elgin", 57.649, -3.318, 2, 0.3),
    ("Wick", 58.439, -3.094, 2, 0.3),
    ("Portree, Skye", 57.413, -6.196, 2, 0.3),
    ("Stornoway, Lewis", 58.209, -6.387, 2, 0.3),
    ("Kirkwall, Orkney", 58.981, -2.960, 2, 0.3),
    ("Lerwick, Shetland", 60.155, -1.145, 2, 0.3),
]


class Position(NamedTuple):
    """A query position: `kind` is town, land or sea; `place` the town, island or nearest land."""

    lat: float
    lon: float
    kind: str
    place: str


LAND = {"Mainland": Polygon(MAINLAND), **{name: Polygon(ring) for name, ring in ISLANDS.items()}}
_GB = shapely.union_all(list(LAND.values()))
_NOT_GB = shapely.union_all([Polygon(ring) for ring in NOT_GB])
shapely.prepare(_GB)
shapely.prepare(_NOT_GB)
_BOUNDS = _GB.bounds  # lon_min, lat_min, lon_max, lat_max


def on_land(lat: float, lon: float) -> bool:
    """Whether (lat, lon) is inside the outlines of Great Britain."""
    return bool(shapely.contains_xy(_GB, lon, lat))


def place_of(lat: float, lon: float) -> str:
    """The outline (mainland or island) holding the point, else the nearest one."""
    point = Point(lon, lat)
    for name, polygon in LAND.items():
        if polygon.contains(point):
            return name
    return min(LAND, key=lambda name: LAND[name].distance(point))


class _Sampler:
    """All randomness comes from `random.Random(seed).random()`, stable across Python versions."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.town_weights = _cumulative([town[4] for town in TOWNS])
        edges = [
            (a, b)
            for polygon in LAND.values()
            for a, b in zip(polygon.exterior.coords[:-1], polygon.exterior.coords[1:], strict=True)
        ]
        self.edges = edges
        self.edge_weights = _cumulative([_km(a, b) for a, b in edges])

    def uniform(self) -> float:
        return self.rng.random()

    def pick(self, cumulative: list[float]) -> int:
        return bisect.bisect_right(cumulative, self.uniform() * cumulative[-1])

    def gauss_km(self, sigma_km: float) -> tuple[float, float]:
        """A 2-D normal offset (east, north) in km (Box-Muller)."""
        radius = sigma_km * math.sqrt(-2.0 * math.log(1.0 - self.uniform()))
        angle = 2.0 * math.pi * self.uniform()
        return radius * math.cos(angle), radius * math.sin(angle)

    def town(self) -> Position:
        name, lat0, lon0, spread_km, _ = TOWNS[self.pick(self.town_weights)]
        for _ in range(1000):
            east, north = self.gauss_km(spread_km)
            lat, lon = _offset(lat0, lon0, east, north)
            if on_land(lat, lon):
                return Position(lat, lon, "town", name)
        raise RuntimeError(f"{name} is not on land in the outlines")

    def land(self) -> Position:
        lon_min, lat_min, lon_max, lat_max = _BOUNDS
        while True:
            lat = lat_min + (lat_max - lat_min) * self.uniform()
            lon = lon_min + (lon_max - lon_min) * self.uniform()
            # Equal area: a degree of longitude shrinks with cos(latitude).
            keep = self.uniform() < math.cos(math.radians(lat)) / math.cos(math.radians(lat_min))
            if keep and on_land(lat, lon):
                return Position(lat, lon, "land", place_of(lat, lon))

    def sea(self) -> Position:
        while True:
            (lon_a, lat_a), (lon_b, lat_b) = self.edges[self.pick(self.edge_weights)]
            along = self.uniform()
            lat0, lon0 = lat_a + (lat_b - lat_a) * along, lon_a + (lon_b - lon_a) * along
            # Most within a few km of the shore, a few out to OFFSHORE_KM.
            distance = 0.3 + (OFFSHORE_KM - 0.3) * self.uniform() ** 2
            bearing = 2.0 * math.pi * self.uniform()
            lat, lon = _offset(
                lat0, lon0, distance * math.sin(bearing), distance * math.cos(bearing)
            )
            if not on_land(lat, lon) and not shapely.contains_xy(_NOT_GB, lon, lat):
                return Position(lat, lon, "sea", place_of(lat, lon))


def generate(count: int = 20_000, seed: int = SEED) -> list[Position]:
    """`count` positions, always the same for the same arguments, in a shuffled order."""
    sampler = _Sampler(seed)
    sea = round(count * SHARES["sea"])
    land = round(count * SHARES["land"])
    kinds = ["town"] * (count - land - sea) + ["land"] * land + ["sea"] * sea
    for i in range(len(kinds) - 1, 0, -1):  # Fisher-Yates, on the same generator
        j = int(sampler.uniform() * (i + 1))
        kinds[i], kinds[j] = kinds[j], kinds[i]
    positions = []
    for kind in kinds:
        found = getattr(sampler, kind)()
        positions.append(found._replace(lat=round(found.lat, 5), lon=round(found.lon, 5)))
    return positions


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _offset(lat: float, lon: float, east_km: float, north_km: float) -> tuple[float, float]:
    lat2 = lat + north_km / KM_PER_DEGREE
    return lat2, lon + east_km / (KM_PER_DEGREE * math.cos(math.radians(lat)))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lon_a, lat_a), (lon_b, lat_b) = a, b
    east = (lon_b - lon_a) * math.cos(math.radians((lat_a + lat_b) / 2))
    return KM_PER_DEGREE * math.hypot(east, lat_b - lat_a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=20_000)
    positions = generate(parser.parse_args().positions)
    kinds = Counter(p.kind for p in positions)
    print(f"{len(positions):,} positions: " + ", ".join(f"{n:,} {k}" for k, n in kinds.items()))
    places = Counter(p.place for p in positions if p.place != "Mainland" and p.kind != "town")
    print("off the mainland (land and sea): " + ", ".join(f"{k} {n}" for k, n in places.items()))
    print("first five: " + "; ".join(f"{p.lat}, {p.lon} ({p.kind})" for p in positions[:5]))


if __name__ == "__main__":
    main()
