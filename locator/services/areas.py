"""`locator areas import`: check every feature of a GeoJSON file of areas, then replace the areas
table with them in one transaction (nothing changes unless the whole file is good).

Areas are what coverage analysis counts people in: wards, LSOAs or Output Areas. A Point feature
is the population point itself; a Polygon or MultiPolygon keeps its outline and uses the point
given in `--lat-field/--lon-field` (e.g. a population-weighted centroid) or else a point on its
surface, which PostGIS guarantees to lie inside the polygon (a centroid may not).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from locator.settings import DATA_DIR
from locator.store import areas as store

DEFAULT_PATH = DATA_DIR / "coventry-wards.geojson"
PROGRESS_EVERY = 500
MAX_PROBLEMS = 50
MAX_POPULATION = 100_000_000

# Called as work goes on: (stage, done, total).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Fields:
    """Which feature properties hold what (`locator areas import --code-field ...`)."""

    code: str = "code"
    name: str = "name"
    population: str = "population"
    year: str = "population_year"
    lat: str | None = None
    lon: str | None = None


@dataclass(frozen=True)
class AreaRecord:
    """One checked area, ready to insert."""

    code: str
    name: str
    population: int
    year: int | None
    source: str
    lon: float | None
    lat: float | None
    polygon: bytes | None
    repaired: str | None = None  # why the polygon was invalid, when --make-valid repaired it


@dataclass
class AreaImportError(Exception):
    """Everything wrong with a file, each problem naming the file, the feature and the field."""

    path: str
    problems: list[str]

    def __str__(self) -> str:
        shown = [f"{self.path}: {problem}" for problem in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            shown.append(f"{self.path}: ... and {len(self.problems) - MAX_PROBLEMS} more problems")
        return "\n".join(shown)


class _Bad(ValueError):
    """One problem with one field of one feature."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field '{field}': {message}")


def _text(properties: dict[str, Any], key: str, limit: int) -> str:
    value = properties.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Bad(key, f"expected text, got {_shown(value)}")
    cleaned = str(value).strip()
    if not cleaned or len(cleaned) > limit:
        raise _Bad(key, f"expected 1 to {limit} characters, got {_shown(value)}")
    return cleaned


def _whole(properties: dict[str, Any], key: str, low: int, high: int) -> int:
    value = properties.get(key)
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not number.is_integer():
        raise _Bad(key, f"expected a whole number, got {_shown(value)}")
    if not low <= number <= high:
        raise _Bad(key, f"expected {low} to {high}, got {_shown(value)}")
    return int(number)


def _coordinate(properties: dict[str, Any], key: str, limit: float) -> float:
    value = properties.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Bad(key, f"expected a number, got {_shown(value)}")
    if not -limit <= value <= limit:
        raise _Bad(key, f"expected -{limit:g} to {limit:g}, got {value}")
    return float(value)


def _shown(value: Any) -> str:
    text_value = json.dumps(value, ensure_ascii=False)
    return text_value if len(text_value) <= 40 else text_value[:37] + "..."


def _repaired(geometry: Polygon | MultiPolygon) -> MultiPolygon:
    """A self-intersecting or otherwise invalid polygon made valid, keeping only its area."""
    fixed = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    parts: list[Polygon] = []
    for part in getattr(fixed, "geoms", [fixed]):
        if isinstance(part, Polygon):
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
    if not parts:
        raise _Bad("geometry", "invalid polygon with no area left once repaired")
    return MultiPolygon(parts)


def _geometry(raw: Any, make_valid: bool) -> tuple[Point | MultiPolygon, str | None]:
    """The checked geometry, and why it was repaired (None: it was valid)."""
    if not isinstance(raw, dict) or raw.get("type") not in ("Point", "Polygon", "MultiPolygon"):
        kind = raw.get("type") if isinstance(raw, dict) else _shown(raw)
        raise _Bad("geometry", f"expected a Point, Polygon or MultiPolygon, got {kind}")
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        raise _Bad("geometry", "coordinates are not a valid " + raw["type"]) from None
    if geometry.is_empty:
        raise _Bad("geometry", "is empty")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise _Bad("geometry", "coordinates must be WGS84 longitude, latitude (EPSG:4326)")
    if isinstance(geometry, Point):
        return geometry, None
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        if not make_valid:
            raise _Bad(
                "geometry", f"invalid polygon: {reason} (--make-valid repairs such polygons)"
            )
        return _repaired(geometry), reason
    return (MultiPolygon([geometry]) if isinstance(geometry, Polygon) else geometry), None


def _record(feature: Any, fields: Fields, source: str, make_valid: bool) -> AreaRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _Bad("type", "expected a GeoJSON Feature")
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise _Bad("properties", "expected an object")
    problems: list[str] = []

    def attempt(check: Callable[[], Any]) -> Any:
        try:
            return check()
        except _Bad as exc:
            problems.append(str(exc))
            return None

    code = attempt(lambda: _text(properties, fields.code, 120))
    name = attempt(lambda: _text(properties, fields.name, 500))
    population = attempt(lambda: _whole(properties, fields.population, 0, MAX_POPULATION))
    year = None
    if properties.get(fields.year) is not None:
        year = attempt(lambda: _whole(properties, fields.year, 1800, 2200))
    geometry, repaired = attempt(lambda: _geometry(feature.get("geometry"), make_valid)) or (
        None,
        None,
    )
    lon = lat = None
    if isinstance(geometry, Point):
        lon, lat = geometry.x, geometry.y
    elif (
        fields.lat
        and fields.lon
        and (properties.get(fields.lat) is not None or properties.get(fields.lon) is not None)
    ):
        lat = attempt(lambda: _coordinate(properties, fields.lat or "", 90))
        lon = attempt(lambda: _coordinate(properties, fields.lon or "", 180))
    if problems:
        raise ValueError("; ".join(problems))
    own_source = properties.get("source")
    return AreaRecord(
        code=code,
        name=name,
        population=population,
        year=year,
        source=own_source.strip() if isinstance(own_source, str) and own_source.strip() else source,
        lon=lon,
        lat=lat,
        polygon=None if isinstance(geometry, Point) else shapely.to_wkb(geometry),
        repaired=repaired,
    )


def read_areas(
    path: Path,
    fields: Fields,
    source: str | None = None,
    progress: Progress | None = None,
    make_valid: bool = False,
) -> list[AreaRecord]:
    """Parse and check every feature; raise AreaImportError listing every problem found.

    A feature's own `source` property wins over `source`, which defaults to the file's name.
    With `make_valid`, invalid polygons (self-intersecting, as real boundary files hold) are
    repaired with shapely and say why in `repaired`, instead of being refused.
    """
    name = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AreaImportError(name, [f"cannot read the file: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise AreaImportError(
            name, [f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise AreaImportError(name, ["field 'type': expected a GeoJSON FeatureCollection"])
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise AreaImportError(name, ["field 'features': expected a non-empty list"])
    records: list[AreaRecord] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        label = properties.get(fields.code) if isinstance(properties, dict) else None
        where = f"feature {index}" + (f" ({fields.code} {label!r})" if label is not None else "")
        try:
            record = _record(feature, fields, source or path.name, make_valid)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if record.code in seen:
            problems.append(
                f"{where}: field '{fields.code}': duplicate of feature {seen[record.code]}"
            )
        seen[record.code] = index
        records.append(record)
        if progress and (index % PROGRESS_EVERY == 0 or index == len(features) - 1):
            progress("checking", index + 1, len(features))
    if problems:
        raise AreaImportError(name, problems)
    return records


async def write_areas(
    conn: asyncpg.Connection, records: list[AreaRecord], progress: Progress | None = None
) -> int:
    """Make `records` the areas table, in one transaction."""
    rows = [
        (r.code, r.name, r.population, r.year, r.source, r.lon, r.lat, r.polygon) for r in records
    ]

    def written(done: int) -> None:
        if progress:
            progress("writing", done, len(rows))

    return await store.replace(conn, rows, written)


async def import_file(
    conn: asyncpg.Connection,
    path: Path,
    fields: Fields,
    source: str | None = None,
    progress: Progress | None = None,
    make_valid: bool = False,
) -> list[AreaRecord]:
    """Check all of `path`, then make it the areas table in one transaction (all or nothing)."""
    records = read_areas(path, fields, source, progress, make_valid)
    await write_areas(conn, records, progress)
    return records
