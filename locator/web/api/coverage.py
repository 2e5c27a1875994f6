"""/api/v1/coverage, /grid and /suggest: who is far from a facility, and where one would help."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from geojson_pydantic import Feature, FeatureCollection, Polygon
from pydantic import BaseModel, Field

from locator.domain.features import COORDINATE_DECIMALS, feature, feature_collection
from locator.services import coverage
from locator.web.deps import FilterDep, QueryModelRoute, ReadDb
from locator.web.responses import ERROR_RESPONSES, GeoJSONResponse

router = APIRouter(prefix="/api/v1/coverage", tags=["coverage"], route_class=QueryModelRoute)

ThresholdsParam = Annotated[
    str,
    Query(
        description=f"{coverage.THRESHOLDS_ALLOWED}.",
        examples=["1000,2000,5000"],
        max_length=200,
    ),
]
CellParam = Annotated[
    float,
    Query(
        ge=100,
        le=10_000,
        description="Grid cell side in metres (100 to 10000), on the British National Grid. "
        f"At most {coverage.MAX_GRID_CELLS} cells over the areas' extent.",
    ),
]


class CoverageFormat(StrEnum):
    json = "json"
    geojson = "geojson"
    csv = "csv"


class NearestOut(BaseModel):
    id: str = Field(description="The facility's id.")
    name: str
    distance_m: float = Field(description="Geodesic metres on the WGS84 spheroid.")
    location_accuracy_m: float | None = Field(
        description="How far the facility's recorded position may be out (null: not known)."
    )


class AreaOut(BaseModel):
    code: str
    name: str
    population: int
    population_year: int | None = Field(description="Year the population refers to.")
    source: str = Field(description="Where the area and its population come from.")
    point_kind: str = Field(
        description="`given` (e.g. population-weighted) or `point_on_surface` of the polygon."
    )
    lat: float
    lon: float
    nearest: NearestOut | None = Field(description="null: no facility passes the filters.")


class BandOut(BaseModel):
    threshold_m: float
    population: int = Field(description="People whose area point is within threshold_m.")
    share: float | None = Field(description="population / total population (0 to 1).")
    areas: int


class CoverageOut(BaseModel):
    thresholds_m: list[float]
    facilities: int = Field(description="How many facilities pass the filters.")
    population: int = Field(description="Total population of the areas.")
    totals: list[BandOut]
    areas: list[AreaOut] = Field(description="Worst-served first.")
    method: str


class CellProperties(BaseModel):
    distance_m: float | None = Field(
        description="Geodesic metres from the cell centre to the nearest qualifying facility "
        "(null: none)."
    )
    nearest_id: str | None
    nearest_name: str | None
    centre: list[float] = Field(min_length=2, max_length=2, description="[lon, lat], WGS84.")


class CellFeature(Feature[Polygon, CellProperties]):
    """One grid cell, a WGS84 polygon."""


class GridOut(FeatureCollection[CellFeature]):
    numberReturned: int
    cell_m: float


class CandidateIn(BaseModel):
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS84 (-90 to 90).")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS84 (-180 to 180).")
    label: str | None = Field(default=None, max_length=200, description="Your name for the site.")


class CandidatesIn(BaseModel):
    candidates: list[CandidateIn] = Field(
        min_length=1, max_length=5000, description="Possible sites (1 to 5000)."
    )


class CoveredOut(BaseModel):
    population: int
    share: float | None


class PickOut(BaseModel):
    rank: int
    lat: float
    lon: float
    label: str | None
    population_gain: int = Field(description="People newly brought within threshold_m.")
    areas: list[str] = Field(description="Codes of the areas newly within threshold_m.")
    population_after: int = Field(description="People within threshold_m after this pick.")


class SuggestOut(BaseModel):
    threshold_m: float
    candidates: int = Field(description="How many candidate sites were weighed.")
    population: int
    before: CoveredOut
    after: CoveredOut
    picks: list[PickOut] = Field(description="Best first; fewer than k when no site adds anyone.")
    method: str


def _area(area: coverage.AreaCoverage) -> dict[str, Any]:
    nearest = area.nearest
    return {
        "code": area.code,
        "name": area.name,
        "population": area.population,
        "population_year": area.year,
        "source": area.source,
        "point_kind": area.point_kind,
        "lat": round(area.lat, COORDINATE_DECIMALS),
        "lon": round(area.lon, COORDINATE_DECIMALS),
        "nearest": nearest
        and {
            "id": nearest.facility_id,
            "name": nearest.facility_name,
            "distance_m": round(nearest.distance_m, 1),
            "location_accuracy_m": nearest.accuracy_m,
        },
    }


def _band(result: coverage.Coverage, area: coverage.AreaCoverage) -> float | None:
    """The smallest threshold the area is within (null: beyond them all), for shading."""
    return next((t for t in result.thresholds_m if area.distance_m <= t), None)


def _totals(result: coverage.Coverage) -> list[dict[str, Any]]:
    return [vars(band) for band in result.totals]


def _share(people: int, total: int) -> float | None:
    return people / total if total else None


@router.get(
    "",
    response_model=CoverageOut,
    responses=ERROR_RESPONSES | {200: {"content": {"application/geo+json": {}, "text/csv": {}}}},
    summary="Coverage: each area's nearest facility and people within reach",
)
async def get_coverage(
    pool: ReadDb,
    filters: FilterDep,
    thresholds: ThresholdsParam = "1000,2000,5000",
    format: Annotated[
        CoverageFormat,
        Query(description="json (default), geojson (areas with their outlines) or csv."),
    ] = CoverageFormat.json,
) -> Response | dict[str, Any]:
    """For each area, the nearest facility passing the filters and its geodesic distance;
    totals of people (and share) within each threshold. Worst-served areas come first.

    Distances are straight lines, not travel time; everyone in an area counts at its one point.
    """
    wanted = coverage.parse_thresholds(thresholds)
    result = await coverage.coverage(
        pool, filters, wanted, geometry=format is CoverageFormat.geojson
    )
    if format is CoverageFormat.csv:
        return Response(
            coverage.as_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="coverage.csv"'},
        )
    totals = _totals(result)
    if format is CoverageFormat.geojson:
        features = [
            feature(area.code, area.geometry, {**_area(area), "band_m": _band(result, area)})
            for area in result.areas
        ]
        return GeoJSONResponse(
            feature_collection(features, totals=totals, method=coverage.METHOD),
            headers={"Content-Disposition": 'attachment; filename="coverage.geojson"'},
        )
    return {
        "thresholds_m": result.thresholds_m,
        "facilities": result.facilities,
        "population": result.population,
        "totals": totals,
        "areas": [_area(area) for area in result.areas],
        "method": coverage.METHOD,
    }


@router.get(
    "/grid",
    response_model=GridOut,
    response_class=GeoJSONResponse,
    responses=ERROR_RESPONSES,
    summary="Distance surface: a grid of cells with the distance to the nearest facility",
)
async def get_grid(pool: ReadDb, filters: FilterDep, cell_m: CellParam = 500) -> GeoJSONResponse:
    """Square cells over the areas' extent (only cells touching an area where areas have
    outlines), built in British National Grid metres and returned in WGS84, each with the
    geodesic distance from its centre to the nearest facility passing the filters.
    """
    cells = await coverage.grid(pool, filters, cell_m)
    features = [
        feature(
            None,
            cell.geometry,
            {
                "distance_m": round(cell.nearest.distance_m, 1) if cell.nearest else None,
                "nearest_id": cell.nearest.facility_id if cell.nearest else None,
                "nearest_name": cell.nearest.facility_name if cell.nearest else None,
                "centre": [cell.lon, cell.lat],
            },
        )
        for cell in cells
    ]
    return GeoJSONResponse(feature_collection(features, cell_m=cell_m))


async def _suggest(
    pool: ReadDb,
    filters: FilterDep,
    k: int,
    threshold_m: float,
    cell_m: float,
    candidates: list[coverage.Candidate] | None,
) -> dict[str, Any]:
    result = await coverage.suggest(pool, filters, threshold_m, k, candidates, cell_m)
    total = result.population
    return {
        "threshold_m": result.threshold_m,
        "candidates": result.candidates,
        "population": total,
        "before": {
            "population": result.population_before,
            "share": _share(result.population_before, total),
        },
        "after": {
            "population": result.population_after,
            "share": _share(result.population_after, total),
        },
        "picks": [
            {
                "rank": pick.rank,
                "lat": pick.candidate.lat,
                "lon": pick.candidate.lon,
                "label": pick.candidate.label,
                "population_gain": pick.population_gain,
                "areas": pick.area_codes,
                "population_after": pick.population_after,
            }
            for pick in result.picks
        ],
        "method": coverage.SUGGEST_METHOD,
    }


KParam = Annotated[int, Query(ge=1, le=10, description="How many new sites to propose (1-10).")]
ThresholdParam = Annotated[
    float,
    Query(
        ge=100,
        le=50_000,
        description="Distance in metres (100 to 50000) within which a site serves an area.",
    ),
]


@router.get(
    "/suggest",
    response_model=SuggestOut,
    responses=ERROR_RESPONSES,
    summary="Where next: new sites that would bring the most people within reach",
)
async def get_suggest(
    pool: ReadDb,
    filters: FilterDep,
    k: KParam = 3,
    threshold_m: ThresholdParam = 2000,
    cell_m: CellParam = 500,
) -> dict[str, Any]:
    """Greedy maximal coverage over the centres of a `cell_m` grid over the areas: each pick
    brings the most people not yet within `threshold_m` of a facility passing the filters
    within it. Straight-line distance, not travel time; a new site is assumed to pass every filter.
    """
    return await _suggest(pool, filters, k, threshold_m, cell_m, None)


@router.post(
    "/suggest",
    response_model=SuggestOut,
    responses=ERROR_RESPONSES,
    summary="Where next, among your own candidate sites",
)
async def post_suggest(
    pool: ReadDb,
    filters: FilterDep,
    body: Annotated[CandidatesIn, Body()],
    k: KParam = 3,
    threshold_m: ThresholdParam = 2000,
) -> dict[str, Any]:
    """As GET, but choosing among the candidate sites you post (e.g. council buildings).
    The positions are used for this answer only; they are never logged or stored.
    """
    candidates = [coverage.Candidate(c.lat, c.lon, c.label) for c in body.candidates]
    return await _suggest(pool, filters, k, threshold_m, 500, candidates)
