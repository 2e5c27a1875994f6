"""Import a postcode directory (OS Code-Point Open CSV) so every full postcode has its own point.

Both layouts are read: one CSV without a header (as the 2014 area extracts come), and the current
download, a zip (or its unpacked folder) of one CSV per postcode area under `Data/CSV/`, whose
files may start with a header row (long names such as `Positional_quality_indicator`, or the
short codes `PC,PQ,EA,NO,...` of `Doc/Code-Point_Open_Column_Headers.csv`). The whole input is
validated before anything is written; then all rows go in one transaction, so a bad file changes
nothing. British National Grid eastings and northings become WGS84 in PostGIS.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

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
