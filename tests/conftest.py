"""Fixtures: real PostGIS databases in the private cluster, known facilities, a real HTTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from geopy.distance import geodesic
from PIL import ExifTags, Image
from sqlalchemy.engine import make_url

from locator.domain.record import FacilityRecord as Facility
from locator.services import loading
from locator.settings import Settings
from locator.store import connection as db
from locator.store import devdb, writes
from locator.web.app import create_app, server_options

ROOT = Path(__file__).resolve().parents[1]
COVENTRY_DATA = ROOT / "data" / "coventry.geojson"  # 21 real facilities
CENTRE = (52.4000, -1.5000)


RUN = os.getpid()


def fresh_database(name: str) -> str:
    """A new, migrated database: in LOCATOR_TEST_DATABASE_URL's server, else the private cluster.

    The name gets this test run's process id, so parallel test runs never share a database.
    """
    name = f"{name}_{RUN}"
    if os.environ.get("LOCATOR_TEST_DATABASE_URL"):
        base = make_url(db.database_url_from(os.environ["LOCATOR_TEST_DATABASE_URL"]))
        url = base.set(database=name).render_as_string(hide_password=False)
        _on_server(
            url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
    else:
        devdb.start()
        url = devdb.create_database(name, fresh=True)
    db.upgrade(url)
    return url


def _on_server(url: str, *statements: str) -> None:
    """Run statements outside a transaction on the server of `url`, from its `postgres` database.

    (Migration 0001 creates the PostGIS extension, so a new database needs nothing more.)
    """
    admin = make_url(db.database_url_from(url)).set(database="postgres")

    async def run() -> None:
        async with db.connect(admin.render_as_string(hide_password=False)) as conn:
            for statement in statements:
                await conn.execute(statement)

    asyncio.run(run())


def at(bearing: float, metres: float, origin: tuple[float, float] = CENTRE) -> tuple[float, float]:
    """The point `metres` from `origin` on `bearing` (degrees), on the WGS84 spheroid."""
    point = geodesic(meters=metres).destination(origin, bearing)
    return point.latitude, point.longitude


def facility(fid: str, bearing: float, metres: float, **fields: object) -> Facility:
    lat, lon = at(bearing, metres)
    base: dict[str, object] = {
        "name": fid.replace("-", " ").title(),
        "category": "changing_places",
        "status": "open",
    }
    return Facility.model_validate({**base, **fields, "id": fid, "lat": lat, "lon": lon})


# A recent fault: states older than 90 days are stale, so a fixed date would expire.
FAULT_REPORTED = (dt.datetime.now(dt.UTC) - dt.timedelta(days=14)).replace(
    minute=0, second=0, microsecond=0
)
KNOWN = [
    facility(
        "t-ceiling-24h", 0, 300, registered=True, hoist="ceiling_track_full_room",
        bench="height_adjustable_wall", access="public", key_scheme="none", opening_hours="24/7",
        room_area_m2=12.5, ceiling_height_m=2.5, toilet_layout="peninsular",
    ),
    facility(
        "t-radar-weekdays", 90, 600, registered=True, hoist="mobile", bench="fixed", access="key",
        key_scheme="radar", opening_hours="Mo-Fr 09:00-17:00; PH off",
    ),
    facility(
        "t-broken-hoist", 180, 900, registered=True, hoist="ceiling_track",
        bench="height_adjustable", access="public", key_scheme="none",
        opening_hours="Mo-Su 08:00-20:00",
        equipment_status=[
            {"item": "hoist", "working": False, "reason": "Motor fault",
             "reported_at": FAULT_REPORTED.isoformat()},
        ],
    ),
    facility("t-unknown", 270, 1200, category="space_to_change", status=None),
    facility(
        "t-overnight", 45, 1500, category="accessible_toilet", registered=False, hoist="none",
        bench="none", access="public", key_scheme="none", opening_hours="Mo-Su 20:00-02:00",
    ),
    facility(
        "t-closed", 225, 200, status="temporarily_closed", hoist="ceiling_track_partial",
        opening_hours="24/7",
    ),
    facility(
        "t-customers", 135, 2000, access="customers",
        opening_hours="Mo-Sa 09:00-17:30; Su 10:00-16:00",
    ),
    facility("t-far", 0, 40_000, registered=True, opening_hours="24/7"),
]  # fmt: skip


async def _load(url: str, facilities: list[Facility]) -> None:
    async with db.connect(url) as conn, conn.transaction():
        await writes.upsert(conn, facilities, actor="tests")


@pytest.fixture(scope="session")
def known_db() -> Iterator[str]:
    """A database holding the KNOWN facilities only."""
    url = fresh_database("locator_test_known")
    asyncio.run(_load(url, KNOWN))
    yield url
    drop_database(url)


def phone_exif() -> Image.Exif:
    """EXIF as a phone writes it: the camera, and where the photo was taken (uploads strip it)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 24.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (1.0, 30.0, 15.0)
    # As Android writes it; EXIF tags are numbers, so this is what puts "GPS" in the bytes.
    gps[ExifTags.GPS.GPSProcessingMethod] = b"ASCII\0\0\0GPS"
    return exif


async def _load_coventry(url: str) -> None:
    async with db.connect(url) as conn:
        await loading.load_file(conn, COVENTRY_DATA)


def coventry_database(name: str) -> str:
    """A new database (as `fresh_database` makes it) holding data/coventry.geojson."""
    url = fresh_database(name)
    asyncio.run(_load_coventry(url))
    return url


def known_database(name: str) -> str:
    """A new database (as `fresh_database` makes it) holding the KNOWN facilities."""
    url = fresh_database(name)
    asyncio.run(_load(url, KNOWN))
    return url


def drop_database(url: str) -> None:
    """Drop a database made by fresh_database."""
    name = make_url(db.database_url_from(url)).database
    _on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ServerThread:
    """uvicorn serving the real app on a free loopback port, in a thread."""

    def __init__(
        self, database_url: str, settings: Settings | None = None, read_url: str | None = None
    ) -> None:
        """`settings` default: the environment's, with no rate limit (a test run is one client).

        Reads go through a second, read-only pool as they would to a read replica: `read_url`,
        by default the same database, so every test also checks that no read path writes.
        """
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        settings = settings or Settings(rate_limit_per_minute=0)
        app = create_app(
            settings, database_url=database_url, read_database_url=read_url or database_url
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
            **server_options(settings),
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(known_db: str) -> Iterator[ServerThread]:
    with ServerThread(known_db) as running:
        yield running


@pytest.fixture()
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http
