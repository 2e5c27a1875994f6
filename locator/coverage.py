"""Coverage-gap analysis: how far each area's residents are from a qualifying facility, the
distance surface over the areas, and where new facilities would bring the most people in reach.

Method and limits:

* Everyone in an area is counted at the area's one point (population-weighted when the data
  gives it, else a point on the polygon's surface), so an area is either wholly within a
  threshold or wholly beyond it. Small areas (Output Areas, LSOAs) make this finer.
* Distances are straight-line geodesic metres on the WGS84 spheroid (`ST_Distance` on
  geography), not travel time or walking distance: rivers, ring roads and bus routes are ignored.
* The nearest facility is found with a KNN LATERAL join on the facilities' GiST index. KNN on
  geography orders by distance on a sphere, which differs from the spheroid by under 0.6 %; each
  point takes `KNN_CANDIDATES` candidates and keeps the least spheroid distance, and a point is
  asked again with four times as many candidates until no facility beyond them could be nearer on
  the spheroid (the candidate farthest on the sphere is at least `SPHEROID_MARGIN` times the
  answer). The answer is therefore exact, not a sphere approximation.
* Opening hours are evaluated in Python (opening-hours-py), as in the rest of the service: with
  `open_at`, the facilities passing the other filters are fetched once, those open at that time
  are kept, and their ids go into the SQL as one array parameter. Unknown hours are not open.
* Suggestions are greedy maximal coverage: repeatedly take the candidate site that brings the
  most not-yet-covered people within the threshold. Greedy always reaches at least 63 % (1 - 1/e)
  of the best possible gain from k sites, usually far more; a new site is assumed to meet every
  filter. Candidates are grid cell centres (or sites the user posts), rounded to 6 decimals
  before they are measured, so a facility added there reproduces the reported gain exactly.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from locator import hours
from locator.errors import BadParameter
from locator.queries import MAX_CANDIDATES, SPHEROID_MARGIN, Executor, Filters, Params

KNN_CANDIDATES = 4
METHOD = (
    "Straight-line geodesic distance (WGS84 spheroid) from each area's population point to the"
    " nearest facility that passes the filters; not travel time. Everyone in an area is counted"
    " at that one point."
)
SUGGEST_METHOD = (
    "Greedy maximal coverage: each pick is the candidate site that brings the most people not yet"
    " within the threshold (straight-line distance) within it, given the facilities that pass the"
    " filters and the earlier picks. A new site is assumed to pass every filter."
)
MAX_GRID_CELLS = 20_000
COORDINATE_DECIMALS = 6  # about 0.1 m; candidate sites are rounded before they are measured

# For points p(i, lon, lat): the nearest qualifying facility by spheroid distance among the
# `k` nearest on the sphere (the GiST index's order), and what is needed to know it is exact.
NEAREST_SQL = """
SELECT p.i, n.id, n.name, n.accuracy_m, n.distance_m, n.farthest_knn_m, n.candidates
FROM unnest({lons}::float8[], {lats}::float8[]) WITH ORDINALITY AS p(lon, lat, i)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography AS point) q
LEFT JOIN LATERAL (
    SELECT c.id, c.name, c.accuracy_m, c.distance_m,
           max(c.knn_m) OVER () AS farthest_knn_m, count(*) OVER () AS candidates
    FROM (
        SELECT f.id, f.name, f.location_accuracy_m AS accuracy_m,
               f.geog <-> q.point AS knn_m,
               ST_Distance(f.geog, q.point) AS distance_m
        FROM facilities f
        WHERE {where}
        ORDER BY f.geog <-> q.point
        LIMIT {k}
    ) c
    ORDER BY c.distance_m, c.id
    LIMIT 1
) n ON true
"""

AREAS_SQL = """
SELECT a.code, a.name, a.population, a.year, a.source, a.point_kind,
       ST_X(a.point::geometry) AS lon, ST_Y(a.point::geometry) AS lat,
       {geometry} AS geometry
FROM areas a
ORDER BY a.code
"""

# The areas' extent in British National Grid metres, one cell wider on every side.
EXTENT_SQL = """
SELECT ST_XMin(e.b) AS xmin, ST_YMin(e.b) AS ymin, ST_XMax(e.b) AS xmax, ST_YMax(e.b) AS ymax,
       e.has_polygons
FROM (
    SELECT ST_Expand(ST_Extent(ST_Transform(COALESCE(a.polygon, a.point::geometry), 27700)), $1)
               AS b,
           bool_or(a.polygon IS NOT NULL) AS has_polygons
    FROM areas a
) e
"""

# Square cells aligned to the British National Grid; where areas have polygons, only cells that
# touch one (so no cells over the neighbouring towns or the sea).
CELLS_SQL = """
SELECT {geometry} AS geometry,
       round(ST_X(c.centre)::numeric, 6)::float8 AS lon,
       round(ST_Y(c.centre)::numeric, 6)::float8 AS lat
FROM ST_SquareGrid($1, ST_MakeEnvelope($2, $3, $4, $5, 27700)) g
CROSS JOIN LATERAL (SELECT ST_Transform(ST_Centroid(g.geom), 4326) AS centre) c
WHERE NOT $6 OR EXISTS (
    SELECT 1 FROM areas a WHERE ST_Intersects(a.polygon, ST_Transform(g.geom, 4326))
)
ORDER BY g.j DESC, g.i
"""

# Which not-yet-covered areas each candidate site would bring within the threshold. The
# candidate stands first in ST_Distance, as a facility does in NEAREST_SQL, so the figures match.
REACH_SQL = """
SELECT c.i, a.code
FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS c(lon, lat, i)
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)::geography AS point) q
JOIN areas a ON ST_DWithin(q.point, a.point, $3) AND ST_Distance(q.point, a.point) <= $3
WHERE a.code = ANY($4)
"""


@dataclass(frozen=True)
class Nearest:
    """The nearest qualifying facility to a point."""

    facility_id: str
    facility_name: str
    distance_m: float
    accuracy_m: float | None = None  # how far the facility's recorded position may be out


@dataclass(frozen=True)
class AreaCoverage:
    """One area with its nearest qualifying facility (None: no facility qualifies)."""

    code: str
    name: str
    population: int
    year: int | None
    source: str
    point_kind: str
    lat: float
    lon: float
    nearest: Nearest | None
    geometry: dict[str, Any] | None = None

    @property
    def distance_m(self) -> float:
        """Distance to the nearest facility; infinite when there is none."""
        return self.nearest.distance_m if self.nearest else math.inf


@dataclass(frozen=True)
class Band:
    """How many people (and areas) have a qualifying facility within `threshold_m`."""

    threshold_m: float
    population: int
    share: float | None
    areas: int


@dataclass(frozen=True)
class Coverage:
    """Areas worst-served first, with totals per threshold."""

    thresholds_m: list[float]
    facilities: int
    population: int
    areas: list[AreaCoverage]
    bands: list[Band]


@dataclass(frozen=True)
class Cell:
    """One grid cell: its polygon (WGS84 GeoJSON), centre, and nearest facility from the centre."""

    geometry: dict[str, Any]
    lat: float
    lon: float
    nearest: Nearest | None


@dataclass(frozen=True)
class Candidate:
    """A possible new site."""

    lat: float
    lon: float
    label: str | None = None


@dataclass(frozen=True)
class Pick:
    """One suggested site and the people it newly brings within the threshold."""

    rank: int
    candidate: Candidate
    population_gain: int
    area_codes: list[str]
    population_after: int


@dataclass(frozen=True)
class Suggestion:
    """Greedy picks with the covered population before and after all of them."""

    threshold_m: float
    candidates: int
    population: int
    population_before: int
    population_after: int
    picks: list[Pick]


THRESHOLDS_ALLOWED = "1 to 5 comma-separated distances in metres, each from 1 to 100000"


def parse_thresholds(raw: str) -> list[float]:
    """`1000,2000,5000` as distinct metres, checked, smallest first."""
    try:
        values = sorted({float(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise BadParameter(
            "thresholds must be numbers", field="thresholds", allowed=THRESHOLDS_ALLOWED
        ) from None
    if not 1 <= len(values) <= 5 or not all(1 <= v <= 100_000 for v in values):
        raise BadParameter(
            f"thresholds '{raw[:40]}' are out of range",
            field="thresholds",
            allowed=THRESHOLDS_ALLOWED,
        )
    return values


async def qualifying(conn: Executor, filters: Filters, params: Params) -> str:
    """SQL conditions on `f` for the filters; opening hours are judged in Python, then by id."""
    where = filters.where(params)
    if filters.open_at is None:
        return where
    rows = await conn.fetch(
        f"SELECT f.id, f.opening_hours FROM facilities f WHERE {where}", *params
    )
    open_ids = [r["id"] for r in rows if hours.is_open(r["opening_hours"], filters.open_at) is True]
    return f"{where} AND f.id = ANY({params.add(open_ids)}::text[])"


@asynccontextmanager
async def snapshot(conn: Executor) -> AsyncIterator[asyncpg.Connection]:
    """One connection and transaction for a whole analysis, planned for its real inputs.

    JIT is off: compiling thousands of small KNN lookups costs more than it saves (about 170 ms
    of 460 ms for 10,000 areas). Plans are always custom: after five runs of a prepared statement
    PostgreSQL may switch to a generic plan that guesses 100 points and an unknown LIMIT, and
    then scans every facility for every point (seconds instead of milliseconds).
    """
    async with AsyncExitStack() as stack:
        if isinstance(conn, asyncpg.Pool):
            conn = await stack.enter_async_context(conn.acquire())
        await stack.enter_async_context(conn.transaction())
        await conn.execute("SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan")
        yield conn


def nearest_query(
    where: str, base: Params, points: Sequence[tuple[float, float]], k: int
) -> tuple[str, Params]:
    """NEAREST_SQL for these (lat, lon) points with `k` KNN candidates, and its parameters."""
    params = Params(base)
    sql = NEAREST_SQL.format(
        lons=params.add([lon for _, lon in points]),
        lats=params.add([lat for lat, _ in points]),
        where=where,
        k=params.add(k),
    )
    return sql, params


async def _nearest(
    conn: asyncpg.Connection, where: str, base: Params, points: Sequence[tuple[float, float]]
) -> list[Nearest | None]:
    """For each (lat, lon), the facility passing `where` nearest on the spheroid, exactly."""
    answers: list[Nearest | None] = [None] * len(points)
    todo = list(range(len(points)))
    k = KNN_CANDIDATES
    while todo:
        sql, params = nearest_query(where, base, [points[i] for i in todo], k)
        retry = []
        for row in await conn.fetch(sql, *params):
            index = todo[row["i"] - 1]
            if row["id"] is None:
                continue
            settled = (
                row["candidates"] < k
                or k >= MAX_CANDIDATES
                or row["distance_m"] * SPHEROID_MARGIN <= row["farthest_knn_m"]
            )
            if settled:
                answers[index] = Nearest(
                    row["id"], row["name"], row["distance_m"], row["accuracy_m"]
                )
            else:
                retry.append(index)
        todo, k = retry, k * 4
    return answers


async def coverage(
    conn: Executor, filters: Filters, thresholds_m: Sequence[float], geometry: bool = False
) -> Coverage:
    """Every area's nearest qualifying facility, worst-served first, and totals per threshold."""
    shape = "ST_AsGeoJSON(COALESCE(a.polygon, a.point::geometry), 6)::json" if geometry else "NULL"
    async with snapshot(conn) as session:
        base = Params()
        where = await qualifying(session, filters, base)
        rows = await session.fetch(AREAS_SQL.format(geometry=shape))
        found = await _nearest(session, where, base, [(r["lat"], r["lon"]) for r in rows])
        facilities = await session.fetchval(
            f"SELECT count(*) FROM facilities f WHERE {where}", *base
        )
    areas = [
        AreaCoverage(
            code=r["code"],
            name=r["name"],
            population=r["population"],
            year=r["year"],
            source=r["source"],
            point_kind=r["point_kind"],
            lat=r["lat"],
            lon=r["lon"],
            nearest=n,
            geometry=r["geometry"],
        )
        for r, n in zip(rows, found, strict=True)
    ]
    areas.sort(key=lambda a: (-a.distance_m, -a.population, a.code))
    total = sum(a.population for a in areas)
    bands = []
    for threshold in sorted(thresholds_m):
        within = [a for a in areas if a.distance_m <= threshold]
        people = sum(a.population for a in within)
        bands.append(Band(threshold, people, people / total if total else None, len(within)))
    return Coverage(sorted(thresholds_m), int(facilities), total, areas, bands)


async def _cells(
    conn: asyncpg.Connection, cell_m: float, geometry: bool = True
) -> list[asyncpg.Record]:
    """The grid over the areas' extent, or a BadParameter if it would have too many cells."""
    extent = await conn.fetchrow(EXTENT_SQL, cell_m)
    if extent is None or extent["xmin"] is None:
        return []
    count = math.ceil((extent["xmax"] - extent["xmin"]) / cell_m) * math.ceil(
        (extent["ymax"] - extent["ymin"]) / cell_m
    )
    if count > MAX_GRID_CELLS:
        smallest = math.ceil(cell_m * math.sqrt(count / MAX_GRID_CELLS) / 100) * 100
        raise BadParameter(
            f"A {cell_m:g} m grid over these areas would have about {count} cells; "
            f"the most is {MAX_GRID_CELLS}",
            field="cell_m",
            allowed=f"at least {smallest:g} for the areas loaded now",
        )
    shape = "ST_AsGeoJSON(ST_Transform(g.geom, 4326), 6)::json" if geometry else "NULL"
    return await conn.fetch(
        CELLS_SQL.format(geometry=shape),
        cell_m,
        extent["xmin"],
        extent["ymin"],
        extent["xmax"],
        extent["ymax"],
        bool(extent["has_polygons"]),
    )


async def grid(conn: Executor, filters: Filters, cell_m: float) -> list[Cell]:
    """The distance surface: each cell's distance from its centre to the nearest facility."""
    async with snapshot(conn) as session:
        rows = await _cells(session, cell_m)
        base = Params()
        where = await qualifying(session, filters, base)
        found = await _nearest(session, where, base, [(r["lat"], r["lon"]) for r in rows])
    return [
        Cell(geometry=r["geometry"], lat=r["lat"], lon=r["lon"], nearest=n)
        for r, n in zip(rows, found, strict=True)
    ]


async def suggest(
    conn: Executor,
    filters: Filters,
    threshold_m: float,
    k: int,
    candidates: Sequence[Candidate] | None = None,
    cell_m: float = 500,
) -> Suggestion:
    """Up to `k` new sites, chosen greedily, each bringing the most uncovered people in reach."""
    async with snapshot(conn) as session:
        current = await coverage(session, filters, [threshold_m])
        if candidates is None:
            candidates = [
                Candidate(r["lat"], r["lon"]) for r in await _cells(session, cell_m, False)
            ]
        sites = [
            Candidate(round(c.lat, COORDINATE_DECIMALS), round(c.lon, COORDINATE_DECIMALS), c.label)
            for c in candidates
        ]
        uncovered = {a.code: a.population for a in current.areas if a.distance_m > threshold_m}
        reach: list[list[str]] = [[] for _ in sites]
        if uncovered and sites:
            lons, lats = [s.lon for s in sites], [s.lat for s in sites]
            for row in await session.fetch(REACH_SQL, lons, lats, threshold_m, list(uncovered)):
                reach[row["i"] - 1].append(row["code"])
    before = current.bands[0].population
    picks = _greedy(sites, reach, uncovered, k, before)
    after = picks[-1].population_after if picks else before
    return Suggestion(threshold_m, len(sites), current.population, before, after, picks)


def _greedy(
    sites: list[Candidate], reach: list[list[str]], uncovered: dict[str, int], k: int, before: int
) -> list[Pick]:
    """Greedy maximal coverage, keeping every site's remaining gain up to date as areas are
    covered (each site-area pair is touched once, so thousands of candidates stay fast)."""
    people = dict(uncovered)
    gain = [sum(people[code] for code in codes) for codes in reach]
    reached_by: dict[str, list[int]] = {}
    for index, codes in enumerate(reach):
        for code in codes:
            reached_by.setdefault(code, []).append(index)
    covered, picks = before, []
    for rank in range(1, k + 1):
        best = max(range(len(sites)), key=lambda i: (gain[i], -i), default=None)
        if best is None or gain[best] <= 0:
            break
        newly = sorted(code for code in reach[best] if code in people)
        added = gain[best]
        for code in newly:
            for other in reached_by[code]:
                gain[other] -= people[code]
            del people[code]
        covered += added
        picks.append(Pick(rank, sites[best], added, newly, covered))
    return picks


# Tables for people: the CLI's csv and markdown, the API's and the page's CSV download.


def area_rows(result: Coverage) -> list[dict[str, Any]]:
    """One flat row per area, worst-served first, with a yes/no column per threshold."""
    rows = []
    for rank, area in enumerate(result.areas, start=1):
        row: dict[str, Any] = {
            "rank": rank,
            "code": area.code,
            "name": area.name,
            "population": area.population,
            "population_year": area.year,
            "lat": round(area.lat, COORDINATE_DECIMALS),
            "lon": round(area.lon, COORDINATE_DECIMALS),
            "nearest_id": area.nearest.facility_id if area.nearest else None,
            "nearest_name": area.nearest.facility_name if area.nearest else None,
            "distance_m": round(area.nearest.distance_m, 1) if area.nearest else None,
            "nearest_accuracy_m": area.nearest.accuracy_m if area.nearest else None,
        }
        for threshold in result.thresholds_m:
            row[f"within_{threshold:g}_m"] = area.distance_m <= threshold
        rows.append(row)
    return rows


def as_csv(result: Coverage) -> str:
    """The area rows as CSV (empty cells mean no facility qualifies)."""
    rows = area_rows(result)
    out = io.StringIO()
    names = list(rows[0]) if rows else ["rank", "code", "name", "population"]
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def band_rows(result: Coverage) -> list[dict[str, str]]:
    """The totals as text cells: threshold, people within, share, areas."""
    return [
        {
            "within": f"{band.threshold_m / 1000:g} km",
            "population": f"{band.population:,}",
            "share": "-" if band.share is None else f"{band.share:.1%}",
            "areas": f"{band.areas} of {len(result.areas)}",
        }
        for band in result.bands
    ]


def as_markdown(result: Coverage) -> str:
    """Totals and the area table as Markdown, for a meeting pack."""

    def table(rows: list[dict[str, Any]]) -> list[str]:
        if not rows:
            return ["(no areas loaded)"]
        head = list(rows[0])
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in rows:
            cells = ("" if row[h] is None else str(row[h]).replace("|", "\\|") for h in head)
            lines.append("| " + " | ".join(cells) + " |")
        return lines

    lines = [
        f"Population within reach of the {result.facilities} qualifying facilities "
        f"(straight-line distance; total {result.population:,}):",
        "",
        *table(band_rows(result)),
        "",
        "Areas, worst-served first:",
        "",
        *table(area_rows(result)),
    ]
    return "\n".join(lines) + "\n"
