"""Coverage-gap analysis: how far each area's residents are from a qualifying facility, the
distance surface over the areas, and where new facilities would bring the most people in reach.

Method and limits:

* Everyone in an area is counted at the area's one point (population-weighted when the data
  gives it, else a point on the polygon's surface), so an area is either wholly within a
  threshold or wholly beyond it. Small areas (Output Areas, LSOAs) make this finer.
* Distances are straight-line geodesic metres on the WGS84 spheroid (`ST_Distance` on
  geography), not travel time or walking distance: rivers, ring roads and bus routes are ignored.
* The nearest facility to every point is the service's one nearest search
  (`locator.store.nearest`): a KNN LATERAL join on the facilities' GiST index, re-checked on the
  spheroid, so the answer is exact, not a sphere approximation.
* Opening hours are the service's one hours filter (`locator.store.filters`): unknown hours
  are not open.
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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from locator.domain.errors import BadParameter
from locator.domain.features import COORDINATE_DECIMALS
from locator.domain.filters import Filters
from locator.store import coverage as store
from locator.store.facilities import count_where
from locator.store.filters import where
from locator.store.nearest import Nearest, nearest_each
from locator.store.sql import Executor, Params

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
# Candidate grids tried for suggestions, finest first, until one fits the areas' extent.
SUGGEST_CELLS = (500, 1000, 2000, 5000, 10_000)


@dataclass(frozen=True)
class AreaCoverage:
    """One area with its nearest qualifying facility (None: no facility qualifies)."""

    code: str
    name: str
    population: int
    source: str
    year: int | None  # the population's
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
class Within:
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
    totals: list[Within]


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


async def coverage(
    conn: Executor, filters: Filters, thresholds_m: Sequence[float], geometry: bool = False
) -> Coverage:
    """Every area's nearest qualifying facility, worst-served first, and totals per threshold."""
    async with store.snapshot(conn) as session:
        params = Params()
        where_sql = await where(session, filters, params)
        rows = await store.areas(session, geometry)
        found = await nearest_each(session, [(r["lat"], r["lon"]) for r in rows], where_sql, params)
        facilities = await count_where(session, where_sql, params)
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
    totals = []
    for threshold in sorted(thresholds_m):
        within = [a for a in areas if a.distance_m <= threshold]
        people = sum(a.population for a in within)
        totals.append(Within(threshold, people, people / total if total else None, len(within)))
    return Coverage(sorted(thresholds_m), int(facilities), total, areas, totals)


async def _cells(conn: asyncpg.Connection, cell_m: float, geometry: bool = True) -> list[Any]:
    """The grid over the areas' extent, or a BadParameter if it would have too many cells."""
    extent = await store.grid_extent(conn, cell_m)
    if extent is None:
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
    return await store.cells(conn, cell_m, extent, geometry)


async def grid(conn: Executor, filters: Filters, cell_m: float) -> list[Cell]:
    """The distance surface: each cell's distance from its centre to the nearest facility."""
    async with store.snapshot(conn) as session:
        rows = await _cells(session, cell_m)
        params = Params()
        where_sql = await where(session, filters, params)
        found = await nearest_each(session, [(r["lat"], r["lon"]) for r in rows], where_sql, params)
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
    async with store.snapshot(conn) as session:
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
            points = [(s.lat, s.lon) for s in sites]
            reach = await store.reach(session, points, threshold_m, list(uncovered))
    before = current.totals[0].population
    picks = _greedy(sites, reach, uncovered, k, before)
    after = picks[-1].population_after if picks else before
    return Suggestion(threshold_m, len(sites), current.population, before, after, picks)


async def suggest_on_finest_grid(
    conn: Executor, filters: Filters, threshold_m: float, k: int
) -> Suggestion:
    """Suggestions on the finest candidate grid the areas' extent allows."""
    for cell_m in SUGGEST_CELLS[:-1]:
        try:
            return await suggest(conn, filters, threshold_m, k, cell_m=cell_m)
        except BadParameter:
            continue
    return await suggest(conn, filters, threshold_m, k, cell_m=SUGGEST_CELLS[-1])


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
        for band in result.totals
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
