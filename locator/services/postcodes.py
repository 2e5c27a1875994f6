"""Import a postcode directory (OS Code-Point Open CSV) so every full postcode has its own point.

Both layouts are read: one CSV without a header (as the 2014 area extracts come), and the current
download, a zip (or its unpacked folder) of one CSV per postcode area under `Data/CSV/`, whose
files may start with a header row (long names such as `Positional_quality_indicator`, or the
short codes `PC,PQ,EA,NO,...` of `Doc/Code-Point_Open_Column_Headers.csv`). The whole input is
validated before anything is written; then all rows go in one transaction, so a bad file changes
nothing. British National Grid eastings and northings become WGS84 in PostGIS.

The same reader measures how far a sector's or district's postcodes lie from the point that
stands in for them (`stated_radius_m`), so the radius a geocoding fallback states is one that
holds for 95 % of that area's postcodes.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from pyproj import Geod, Transformer

from locator.domain import postcodes
from locator.store import postcodes as store

# Code-Point Open columns, in their order, and the first cells a header row starts with.
COLUMNS = ("postcode", "positional_quality", "eastings", "northings", "country_code",
           "nhs_regional_ha_code", "nhs_ha_code", "admin_county_code", "admin_district_code",
           "admin_ward_code")  # fmt: skip
HEADER_FIRST_CELLS = {"postcode", "pc"}
NO_COORDINATES = 90
QUALITIES = {10, 20, 30, 40, 50, 60, NO_COORDINATES}
MAX_ERRORS = 20
PROGRESS_EVERY = 5000
# The share of an area's postcodes a stated radius must hold, and its rounding (up) in metres.
STATED_SHARE = 0.95
ROUND_UP_M = 100
ROUND_UP_FAR_M = 1000  # from 10 km, as distances are said in whole kilometres there
FAR_M = 10_000

Progress = Callable[[str], None]


class PostcodeFileError(ValueError):
    """The file is not a Code-Point Open CSV we can load; the message names file, line and field."""


@dataclass(frozen=True)
class Row:
    """One postcode ready to load: BNG metres."""

    postcode: str
    quality: int
    eastings: int
    northings: int
    district_code: str | None
    ward_code: str | None


@dataclass(frozen=True)
class Report:
    """What an import did."""

    loaded: int
    skipped_no_coordinates: int

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{self.loaded} postcodes loaded; {self.skipped_no_coordinates} skipped because the "
            f"directory gives them no coordinates (positional quality {NO_COORDINATES})"
        )


def _integer(value: str, field: str, low: int, high: int, where: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise PostcodeFileError(
            f"{where}: field '{field}': '{value}' is not a whole number"
        ) from None
    if not low <= number <= high:
        raise PostcodeFileError(f"{where}: field '{field}': {number} is outside {low}-{high}")
    return number


def parse_row(values: list[str], where: str) -> Row | None:
    """A checked Row, or None for a postcode without coordinates; PostcodeFileError if invalid."""
    if len(values) != len(COLUMNS):
        raise PostcodeFileError(f"{where}: expected {len(COLUMNS)} fields, found {len(values)}")
    compact = re.sub(r"\s", "", values[0]).upper()
    if not postcodes.FULL_RE.match(compact):
        raise PostcodeFileError(f"{where}: field 'postcode': '{values[0]}' is not a UK postcode")
    quality = _integer(values[1], "positional_quality", 10, 90, where)
    if quality not in QUALITIES:
        allowed = ", ".join(str(q) for q in sorted(QUALITIES))
        raise PostcodeFileError(
            f"{where}: field 'positional_quality': {quality} is not one of {allowed}"
        )
    if quality == NO_COORDINATES:
        return None
    return Row(
        postcode=postcodes.spaced(compact),
        quality=quality,
        eastings=_integer(values[2], "eastings", 1, 700_000, where),
        northings=_integer(values[3], "northings", 1, 1_300_000, where),
        district_code=values[8] or None,
        ward_code=values[9] or None,
    )


def _csv_files(path: Path) -> Iterator[tuple[str, io.TextIOBase]]:
    """(name, text) of each CSV file: the file itself, a folder's, or a zip's, in name order."""
    if path.is_dir():
        for member in sorted(path.rglob("*.csv")):
            if "Doc" not in member.parts:
                with member.open(newline="", encoding="utf-8-sig") as handle:
                    yield str(member), handle
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.lower().endswith(".csv") and "/Doc/" not in f"/{name}":
                    with archive.open(name) as raw:
                        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                        yield f"{path}!{name}", text
    else:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            yield str(path), handle


def _lines(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(where, cells) of every data row, header rows left out."""
    for name, handle in _csv_files(path):
        for line, values in enumerate(csv.reader(handle), start=1):
            if line == 1 and values and values[0].strip().lower() in HEADER_FIRST_CELLS:
                continue
            yield f"{name}:{line}", values


def _first(first: str, where: str) -> str:
    """Where a postcode first stood: `line 3` in the same file, else `other.csv:3`."""
    first_file, first_line = first.rsplit(":", 1)
    return f"line {first_line}" if first_file == where.rsplit(":", 1)[0] else first


def read(path: Path, progress: Progress) -> tuple[list[Row], int]:
    """Every row of the input checked: (rows to load, how many had no coordinates)."""
    rows: list[Row] = []
    errors: list[str] = []
    skipped = 0
    seen: dict[str, str] = {}
    try:
        for count, (where, values) in enumerate(_lines(path), start=1):
            try:
                row = parse_row(values, where)
            except PostcodeFileError as exc:
                errors.append(str(exc))
                if len(errors) >= MAX_ERRORS:
                    break
                continue
            if row is None:
                skipped += 1
            elif row.postcode in seen:
                again = _first(seen[row.postcode], where)
                errors.append(f"{where}: field 'postcode': {row.postcode} repeats {again}")
            else:
                seen[row.postcode] = where
                rows.append(row)
            if count % PROGRESS_EVERY == 0:
                progress(f"checked {count} lines")
    except (OSError, UnicodeDecodeError, csv.Error, zipfile.BadZipFile) as exc:
        raise PostcodeFileError(f"{path}: cannot read the file: {exc}") from None
    if errors:
        more = f" (stopped at the first {MAX_ERRORS})" if len(errors) >= MAX_ERRORS else ""
        raise PostcodeFileError(f"{len(errors)} problems{more}:\n" + "\n".join(errors))
    if not rows:
        raise PostcodeFileError(f"{path}: no postcodes with coordinates")
    return rows, skipped


async def import_file(
    conn: asyncpg.Connection, path: Path, progress: Progress = lambda _: None
) -> Report:
    """Validate the whole file, then load it all or nothing."""
    rows, skipped = read(path, progress)
    progress(f"checked {len(rows) + skipped} postcodes; loading")
    await store.load(
        conn,
        [
            (r.postcode, r.quality, r.eastings, r.northings, r.district_code, r.ward_code)
            for r in rows
        ],
    )
    return Report(loaded=len(rows), skipped_no_coordinates=skipped)


Point = tuple[float, float]


def area_points(path: Path) -> dict[str, list[Point]]:
    """(lat, lon) in WGS84 of every postcode with coordinates, by its sector ("CV1 1") and by
    its district ("CV1"): the members of each area a fallback point stands in for."""
    rows, _ = read(path, lambda _: None)
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lons, lats = to_wgs84.transform([r.eastings for r in rows], [r.northings for r in rows])
    areas: dict[str, list[Point]] = defaultdict(list)
    for row, lat, lon in zip(rows, lats, lons, strict=True):
        outward, inward = row.postcode.split(" ")
        areas[f"{outward} {inward[0]}"].append((lat, lon))
        areas[outward].append((lat, lon))
    return dict(areas)


def distances_m(centre: Point, points: Sequence[Point]) -> list[float]:
    """Geodesic distances (WGS84) from `centre` to each point, in metres."""
    if not points:
        return []
    geod = Geod(ellps="WGS84")
    lats, lons = zip(*points, strict=True)
    _, _, metres = geod.inv([centre[1]] * len(points), [centre[0]] * len(points), lons, lats)
    return [float(m) for m in metres]


def stated_radius_m(centre: Point, points: Sequence[Point], share: float = STATED_SHARE) -> int:
    """The radius around `centre` that holds at least `share` of `points`, rounded up (to
    100 m, or to 1 km from 10 km, so the words "within about 3.6 km" never say less)."""
    ranked = sorted(distances_m(centre, points))
    if not ranked:
        raise ValueError("no points to measure")
    reach = ranked[max(1, math.ceil(share * len(ranked))) - 1]
    step = ROUND_UP_FAR_M if reach >= FAR_M - ROUND_UP_M else ROUND_UP_M
    return max(ROUND_UP_M, math.ceil(reach / step) * step)
