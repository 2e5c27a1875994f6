"""The SQL the web app runs: nearest, listing and lookup, returning just what responses need.

Queries run on asyncpg connections with `$n` parameters (no ORM on the request path). Nearest
uses the GiST index through `ORDER BY geog <-> point` (KNN). PostGIS orders geography KNN by
distance on a sphere, while `distance_m` is `ST_Distance` on the WGS84 spheroid; the two differ
by under 0.6 %, so `nearest` takes spare candidates and answers only once no facility beyond them
could be nearer on the spheroid than the last one it returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import asyncpg

from locator import hours
from locator.grading import derive_grade
from locator.schema import FacilityProperties

# Sphere and spheroid distances differ by at most ~0.56 %; 1 % is a safe margin.
SPHEROID_MARGIN = 1.01
SPARE_CANDIDATES = 10
MAX_CANDIDATES = 5000
LISTING_PAGE = 1000

HOIST_GROUPS = {
    "any": (
        "ceiling_track_full_room",
        "ceiling_track_partial",
        "ceiling_track",
        "mobile",
        "present",
    ),
    "ceiling_track": ("ceiling_track_full_room", "ceiling_track_partial", "ceiling_track"),
}
BENCH_GROUPS = {
    "any": (
        "height_adjustable_wall",
        "height_adjustable_free_standing",
        "height_adjustable",
        "fixed",
        "present",
    ),
    "height_adjustable": (
        "height_adjustable_wall",
        "height_adjustable_free_standing",
        "height_adjustable",
    ),
}

PROPERTY_COLUMNS = [name for name in FacilityProperties.model_fields if name != "equipment_status"]

# Everything a client sees about a facility `f`, in the schema's order.
FEATURE_COLUMNS = ", ".join(
    [
        "f.id",
        "ST_Y(f.geog::geometry) AS lat",
        "ST_X(f.geog::geometry) AS lon",
        *(f"f.{name}" for name in PROPERTY_COLUMNS),
        "(SELECT COALESCE(json_agg(json_build_object('item', e.item, 'working', e.working,"
        " 'reason', e.reason, 'reported_at', e.reported_at, 'expected_fix', e.expected_fix,"
        " 'source', e.source) ORDER BY e.item), '[]') FROM equipment_status e"
        " WHERE e.facility_id = f.id) AS equipment_status",
    ]
)


# Either a pool (each query borrows a connection) or one connection.
Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection


class Params(list[Any]):
    """Positional parameters for asyncpg: `add(value)` returns its `$n` placeholder."""

    def add(self, value: Any) -> str:
        self.append(value)
        return f"${len(self)}"


@dataclass(frozen=True)
class Filters:
    """Facility filters shared by nearest, listing and coverage. None means "do not filter"."""

    categories: Sequence[str] | None = None
    registered: bool | None = None
    hoist: str | None = None
    bench: str | None = None
    access: Sequence[str] | None = None
    key_free: bool = False
    working: bool = False
    include_closed: bool = False
    include_unknown: bool = False
    bbox: tuple[float, float, float, float] | None = None
    open_at: dt.datetime | None = None

    def where(self, params: Params) -> str:
        """SQL conditions on `f` (facilities), adding their values to `params`."""
        clauses: list[str] = []
        unknown = " OR f.{0} IS NULL" if self.include_unknown else ""

        def one_of(column: str, values: Sequence[str]) -> None:
            clauses.append(f"f.{column} = ANY({params.add(list(values))}){unknown.format(column)}")

        if self.categories:
            clauses.append(f"f.category = ANY({params.add(list(self.categories))})")
        if self.registered is not None:
            clauses.append(
                f"f.registered = {params.add(self.registered)}{unknown.format('registered')}"
            )
        if self.hoist:
            one_of("hoist", HOIST_GROUPS.get(self.hoist, (self.hoist,)))
        if self.bench:
            one_of("bench", BENCH_GROUPS.get(self.bench, (self.bench,)))
        if self.access:
            one_of("access", self.access)
        if self.key_free:
            clauses.append(f"f.key_scheme = 'none'{unknown.format('key_scheme')}")
            clauses.append("f.access IS DISTINCT FROM 'key'")
        if self.working:
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM equipment_status e WHERE e.facility_id = f.id"
                " AND e.item IN ('hoist', 'bench') AND e.working = false)"
            )
        if not self.include_closed:
            clauses.append("f.status IS DISTINCT FROM 'permanently_closed'")
            clauses.append("f.status IS DISTINCT FROM 'temporarily_closed'")
        if self.bbox:
            box = ", ".join(params.add(v) for v in self.bbox)
            clauses.append(f"f.geog && ST_MakeEnvelope({box}, 4326)::geography")
        return " AND ".join(f"({c})" for c in clauses) or "true"


def directions(lat: float, lon: float) -> dict[str, str]:
    """Links that open directions to the facility; the user's own position is never put in."""
    to = f"{lat:.6f},{lon:.6f}"
    return {
        "geo": f"geo:{to}",
        "openstreetmap": f"https://www.openstreetmap.org/directions?to={to}",
        "google": f"https://www.google.com/maps/dir/?api=1&destination={to}",
        "apple": f"https://maps.apple.com/?daddr={to}",
    }


def feature(
    row: asyncpg.Record, at: dt.datetime, distance_m: float | None = None
) -> dict[str, Any]:
    """A GeoJSON Feature from a row of FEATURE_COLUMNS, with `open` at `at` and derived fields."""
    properties = {name: row[name] for name in PROPERTY_COLUMNS}
    properties["equipment_status"] = row["equipment_status"]
    properties["grade"] = derive_grade(properties)
    properties["open"] = hours.is_open(row["opening_hours"], at)
    if distance_m is not None:
        properties["distance_m"] = round(distance_m, 1)
    properties["directions"] = directions(row["lat"], row["lon"])
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]},
        "properties": properties,
    }


def _knn(where: str, point: str, candidates: str) -> str:
    """Candidates nearest on the sphere (the GiST index's order), with spheroid distances."""
    return f"""
        SELECT f.id, f.opening_hours,
               f.geog <-> {point} AS knn_m,
               ST_Distance(f.geog, {point}) AS distance_m
        FROM facilities f
        WHERE {where}
        ORDER BY f.geog <-> {point}
        LIMIT {candidates}
    """


def _settled(distances: list[float], limit: int, farthest_knn_m: float) -> bool:
    """True when no facility beyond the candidates can be nearer than the last one kept."""
    return len(distances) == limit and distances[-1] * SPHEROID_MARGIN <= farthest_knn_m


async def nearest(
    conn: Executor,
    lat: float,
    lon: float,
    filters: Filters,
    limit: int,
    max_distance_m: float | None = None,
    at: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """The `limit` facilities nearest to (lat, lon) on the spheroid that pass the filters."""
    at = filters.open_at or at or hours.now()
    params = Params()
    point = f"ST_SetSRID(ST_MakePoint({params.add(lon)}, {params.add(lat)}), 4326)::geography"
    where = filters.where(params)
    if max_distance_m is not None:
        where += f" AND ST_DWithin(f.geog, {point}, {params.add(max_distance_m)})"
    if filters.open_at is not None:
        return await _nearest_open(conn, where, point, params, limit, at)
    candidates, limit_arg = params.add(0), params.add(limit)
    sql = f"""
        SELECT {FEATURE_COLUMNS}, r.distance_m, r.farthest_knn_m, r.candidates
        FROM (
            SELECT c.id, c.distance_m,
                   max(c.knn_m) OVER () AS farthest_knn_m, count(*) OVER () AS candidates
            FROM ({_knn(where, point, candidates)}) c
            ORDER BY c.distance_m
            LIMIT {limit_arg}
        ) r
        JOIN facilities f ON f.id = r.id
        ORDER BY r.distance_m
    """
    wanted = limit + SPARE_CANDIDATES
    while True:
        params[-2] = wanted
        rows = await conn.fetch(sql, *params)
        if not rows:
            return []
        exhausted = rows[0]["candidates"] < wanted
        distances = [row["distance_m"] for row in rows]
        if (
            exhausted
            or wanted >= MAX_CANDIDATES
            or _settled(distances, limit, rows[0]["farthest_knn_m"])
        ):
            return [feature(row, at, row["distance_m"]) for row in rows]
        wanted = min(wanted * 4, MAX_CANDIDATES)


async def _nearest_open(
    conn: Executor, where: str, point: str, params: Params, limit: int, at: dt.datetime
) -> list[dict[str, Any]]:
    """Nearest facilities open at `at`: hours are judged in Python, so choose the ids first."""
    sql = _knn(where, point, params.add(0))
    wanted = limit * 4 + SPARE_CANDIDATES
    while True:
        params[-1] = wanted
        rows = await conn.fetch(sql, *params)
        ranked = sorted(rows, key=lambda r: r["distance_m"])
        chosen = [r for r in ranked if hours.is_open(r["opening_hours"], at) is True][:limit]
        exhausted = len(rows) < wanted
        distances = [r["distance_m"] for r in chosen]
        if exhausted or wanted >= MAX_CANDIDATES or _settled(distances, limit, rows[-1]["knn_m"]):
            break
        wanted = min(wanted * 4, MAX_CANDIDATES)
    distance = {r["id"]: r["distance_m"] for r in chosen}
    rows = await by_ids(conn, list(distance))
    return sorted((feature(row, at, distance[row["id"]]) for row in rows), key=_distance)


def _distance(item: dict[str, Any]) -> float:
    return float(item["properties"]["distance_m"])


async def by_ids(conn: Executor, ids: list[str]) -> list[asyncpg.Record]:
    """Rows of FEATURE_COLUMNS for these ids, in id order."""
    if not ids:
        return []
    return await conn.fetch(
        f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE f.id = ANY($1) ORDER BY f.id", ids
    )


async def listing(
    conn: Executor,
    filters: Filters,
    limit: int,
    offset: int,
    at: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Facilities in id order, a page at a time, with the same filters as nearest."""
    at = filters.open_at or at or hours.now()
    params = Params()
    where = filters.where(params)
    if filters.open_at is None:
        rows = await conn.fetch(
            f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE {where}"
            f" ORDER BY f.id LIMIT {params.add(limit)} OFFSET {params.add(offset)}",
            *params,
        )
        return [feature(row, at) for row in rows]
    # Opening hours are judged in Python: walk the matches in id order, a keyset page at a time.
    after, page = params.add(""), params.add(LISTING_PAGE)
    sql = (
        f"SELECT f.id, f.opening_hours FROM facilities f WHERE {where} AND f.id > {after}"
        f" ORDER BY f.id LIMIT {page}"
    )
    open_ids: list[str] = []
    while len(open_ids) < offset + limit:
        rows = await conn.fetch(sql, *params)
        open_ids += [r["id"] for r in rows if hours.is_open(r["opening_hours"], at) is True]
        if len(rows) < LISTING_PAGE:
            break
        params[-2] = rows[-1]["id"]
    rows = await by_ids(conn, open_ids[offset : offset + limit])
    return [feature(row, at) for row in rows]


async def facility(
    conn: Executor, facility_id: str, at: dt.datetime | None = None
) -> dict[str, Any] | None:
    """One facility by id, or None."""
    rows = await by_ids(conn, [facility_id])
    return feature(rows[0], at or hours.now()) if rows else None


async def count_facilities(conn: Executor) -> int:
    """How many facilities are loaded (for readiness)."""
    return int(await conn.fetchval("SELECT count(*) FROM facilities"))
