"""The bound that settles the nearest search: spheroid distance over sphere distance never falls
below `least_ratio` (checked against geopy's geodesic and great-circle distances)."""

from __future__ import annotations

import random

from geopy.distance import geodesic, great_circle

from locator.store.nearest import SPHERE_M, least_ratio


def test_spheroid_over_sphere_is_never_below_the_least_ratio() -> None:
    rng = random.Random(7)
    worst = float("inf")
    for _ in range(3000):
        lat, lon = rng.uniform(-85, 85), rng.uniform(-180, 180)
        radius = rng.choice([100, 1_000, 10_000, 100_000, 500_000])
        bearing = rng.uniform(0, 360)
        other = geodesic(meters=radius * rng.uniform(0.1, 1)).destination((lat, lon), bearing)
        spheroid = geodesic((lat, lon), (other.latitude, other.longitude)).meters
        sphere = great_circle(
            (lat, lon), (other.latitude, other.longitude), radius=SPHERE_M / 1000
        ).meters
        worst = min(worst, spheroid / sphere / least_ratio(lat, spheroid))
    assert worst >= 1.0, worst


def test_the_bound_is_tight_in_great_britain() -> None:
    # Within 0.1 % of 1 in Great Britain (the old fixed margin was 1 %): few spare candidates
    # settle the answer.
    assert 0.999 < least_ratio(52.4, 10_000) < 1.002
    assert 0.99 < least_ratio(0.0, 10_000) < 0.995
