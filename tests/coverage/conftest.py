"""Coverage fixtures: synthetic and Coventry databases, and a brute-force geodesic answer to check
PostGIS against (geopy's Karney geodesic on WGS84, every area against every facility)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from geopy.distance import geodesic

from locator.domain import hours
from locator.domain.record import FacilityRecord as Facility
from locator.services import areas
from locator.services import loading as loader
from locator.store import connection as db
from locator.store import writes
from tests.conftest import (
    ROOT,
    ServerThread,
    at,
    drop_database,
    facility,
    fresh_database,
)

T = TypeVar("T")

SUNDAY_EVENING = dt.datetime(2026, 11, 22, 18, 0, tzinfo=hours.LONDON)
HOURS = ["24/7", "Mo-Fr 09:00-17:00", None, "Mo-Su 10:00-20:00", "Mo-Sa 08:00-18:00"]
HOISTS = ["ceiling_track_full_room", "mobile", None, "ceiling_track_partial", "none"]
CLOSED = ("temporarily_closed", "permanently_closed")


def synthetic_facilities(seed: int = 5, count: int = 120) -> list[Facility]:
    """Facilities within 15 km of the test centre with mixed attributes, and a far cluster
    of 12 within 300 m of each other, 60 km away (so KNN must widen its candidates there)."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        out.append(
            facility(
                f"s-{n:04d}", rng.uniform(0, 360), rng.uniform(0, 15_000),
                registered=rng.choice([True, False, None]), hoist=rng.choice(HOISTS),
                opening_hours=rng.choice(HOURS),
                status=rng.choice(["open", "open", "open", None, "temporarily_closed"]),
                category=rng.choice(["changing_places", "space_to_change"]),
            )
        )  # fmt: skip
    cluster = at(90, 60_000)
    for n in range(12):
        lat, lon = at(rng.uniform(0, 360), rng.uniform(0, 300), cluster)
        out.append(
            Facility.model_validate(
                {"id": f"far-{n:02d}", "name": f"Far {n}", "category": "changing_places",
                 "status": "open", "registered": True, "opening_hours": "24/7",
                 "lat": lat, "lon": lon}
            )
        )  # fmt: skip
    return out


def synthetic_areas(seed: int = 7, count: int = 200) -> list[areas.AreaRecord]:
    """Area points within 25 km of the centre, plus a few 40-55 km east (near the far cluster)."""
    rng = random.Random(seed)
    points = [at(rng.uniform(0, 360), rng.uniform(0, 25_000)) for _ in range(count)]
    points += [at(rng.uniform(60, 120), rng.uniform(40_000, 55_000)) for _ in range(10)]
    return [
        areas.AreaRecord(
            code=f"A{n:04d}",
            name=f"Area {n}",
            population=rng.randint(0, 3000),
            year=2020,
            source="synthetic",
            lon=lon,
            lat=lat,
            polygon=None,
        )  # fmt: skip
        for n, (lat, lon) in enumerate(points)
    ]


async def _fill(url: str, facilities: list[Facility], records: list[areas.AreaRecord]) -> None:
    async with db.connect(url) as conn:
        async with conn.transaction():
            await writes.upsert(conn, facilities, actor="tests")
            await areas.write_areas(conn, records)
        await conn.execute("ANALYZE")


def with_conn(url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `work` on a fresh asyncpg connection to `url` (set up as the app's pool does)."""

    async def run() -> T:
        conn = await asyncpg.connect(db.asyncpg_dsn(url))
        await db.init_connection(conn)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


@dataclass
class Dataset:
    """A database and what was put in it."""

    url: str
    facilities: list[Facility]
    areas: list[areas.AreaRecord]


@pytest.fixture(scope="session")
def synthetic() -> Iterator[Dataset]:
    url = fresh_database("locator_test_coverage")
    data = Dataset(url, synthetic_facilities(), synthetic_areas())
    asyncio.run(_fill(url, data.facilities, data.areas))
    yield data
    drop_database(url)


@pytest.fixture(scope="session")
def coventry() -> Iterator[Dataset]:
    url = fresh_database("locator_test_coverage_coventry")
    facilities = loader.read_geojson(ROOT / "data" / "coventry.geojson")
    records = areas.read_areas(areas.DEFAULT_PATH, areas.Fields())
    asyncio.run(_fill(url, facilities, records))
    yield Dataset(url, facilities, records)
    drop_database(url)


@pytest.fixture(scope="session")
def synthetic_server(synthetic: Dataset) -> Iterator[ServerThread]:
    with ServerThread(synthetic.url) as running:
        yield running


@pytest.fixture(scope="session")
def coventry_server(coventry: Dataset) -> Iterator[ServerThread]:
    with ServerThread(coventry.url) as running:
        yield running


def brute_nearest(
    point: tuple[float, float], facilities: list[Facility], keep: Callable[[Facility], bool]
) -> tuple[str, float] | None:
    """The facility nearest to (lat, lon) by geopy's geodesic, among those `keep` accepts and
    not closed (the default of every filter set)."""
    best: tuple[str, float] | None = None
    for f in facilities:
        if f.status in CLOSED or not keep(f):
            continue
        metres = geodesic(point, (f.lat, f.lon)).meters
        if best is None or (metres, f.id) < (best[1], best[0]):
            best = (f.id, metres)
    return best


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    """A FeatureCollection file."""
    import json

    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path
