"""`locator load`: validate a whole GeoJSON or CSV file, then upsert it by id in one transaction.

Nothing is written unless every feature is valid. Each change is recorded in the audit trail
(`facility_changes`) with the fields' old and new values, so editors can later see who changed
what through which import.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import ValidationError

from locator.domain.record import FacilityRecord
from locator.store.writes import LoadReport, edited_by_people, upsert

__all__ = ["LoadError", "LoadReport", "load_file", "read_file"]


@dataclass
class LoadError(Exception):
    """What is wrong with an input file, naming the file, line and field."""

    path: str
    problems: list[str]

    def __str__(self) -> str:
        return "\n".join(f"{self.path}:{problem}" for problem in self.problems)


def _validate_all(
    name: str, entries: Iterable[tuple[str, str, Callable[[], FacilityRecord]]]
) -> list[FacilityRecord]:
    """Build every record, collecting every problem (with where it is) before giving up."""
    facilities: list[FacilityRecord] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for where, label, build in entries:
        try:
            facility = build()
        except ValueError as exc:
            problems.extend(f"{where}: {message}" for message in _messages(exc))
            continue
        if facility.id in seen:
            problems.append(f"{where}: field 'id': duplicate of {seen[facility.id]}")
        seen[facility.id] = label
        facilities.append(facility)
    if problems:
        raise LoadError(name, problems)
    return facilities


ID_RE = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _id_lines(raw: str) -> dict[str, int]:
    """The line of each `"id": "..."` in the text (its first), in one pass over it."""
    lines: dict[str, int] = {}
    line, position = 1, 0
    for match in ID_RE.finditer(raw):
        line += raw.count("\n", position, match.start())
        position = match.start()
        lines.setdefault(match.group(1), line)
    return lines


def read_text(path: Path) -> str:
    """The file as text with `\n` line ends, or a LoadError naming the line that is not UTF-8."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(name, [f"0: cannot read the file: {exc.strerror}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = before.count(b"\n") + 1
        raise LoadError(
            name,
            [
                f"{line}: not UTF-8 text (byte 0x{data[exc.start]:02X}); "
                "save the file as UTF-8 (it may be Latin-1 or Windows-1252) and load it again"
            ],
        ) from None
    # Windows and old Mac line ends read as Unix ones, so line numbers are right for all three.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_geojson(path: Path) -> list[FacilityRecord]:
    """Parse and validate every feature; raise LoadError listing every problem found."""
    name = str(path)
    raw = read_text(path)
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LoadError(
            name, [f"{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"]
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise LoadError(name, ["1: field 'type': expected a GeoJSON FeatureCollection"])
    features = document.get("features")
    if not isinstance(features, list):
        raise LoadError(name, ["1: field 'features': expected a list"])

    id_lines = _id_lines(raw)
    del raw  # the parsed document and the id lines are all that is needed: not the text twice

    def entries() -> Iterator[tuple[str, str, Callable[[], FacilityRecord]]]:
        for index, feature in enumerate(features):
            fid = feature.get("id") if isinstance(feature, dict) else None
            escaped = json.dumps(fid, ensure_ascii=False)[1:-1] if isinstance(fid, str) else ""
            line = id_lines.get(escaped, 1)
            yield (
                f"{line}: feature {index} (id {fid!r})",
                f"feature {index}",
                partial(_facility, feature),
            )

    return _validate_all(name, entries())


def _facility(feature: Any) -> FacilityRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("field 'type': expected a GeoJSON Feature")
    geometry = feature.get("geometry") or {}
    coordinates = geometry.get("coordinates")
    if geometry.get("type") != "Point" or not isinstance(coordinates, list) or len(coordinates) < 2:
        raise ValueError("field 'geometry': expected a Point with [longitude, latitude]")
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise ValueError("field 'properties': expected an object")
    return FacilityRecord.model_validate(
        {**properties, "id": feature.get("id"), "lon": coordinates[0], "lat": coordinates[1]}
    )


def _messages(exc: ValueError) -> list[str]:
    if isinstance(exc, ValidationError):
        out = []
        for error in exc.errors():
            loc = ".".join(str(part) for part in error["loc"]) or "(record)"
            where = {"lat": "geometry.coordinates[1]", "lon": "geometry.coordinates[0]"}.get(
                loc, loc
            )
            out.append(f"field '{where}': {error['msg']}")
        return out
    return [str(exc)]


# CSV cells holding lists or objects as JSON text, as `locator export --format csv` writes them.
CSV_JSON_COLUMNS = frozenset({"equipment_status", "sources", "unverified"})
CSV_REQUIRED = ("id", "lat", "lon", "name", "category")


def read_csv(path: Path) -> list[FacilityRecord]:
    """Parse and validate every row of a CSV export; raise LoadError naming line and field.

    An empty cell means not known; list and object columns hold JSON text.
    """
    name = str(path)
    text = read_text(path)
    try:
        with io.StringIO(text, newline="") as stream:
            reader = csv.DictReader(stream)
            header = reader.fieldnames or []
            unknown = [column for column in header if column not in FacilityRecord.model_fields]
            missing = [column for column in CSV_REQUIRED if column not in header]
            if unknown or missing:
                raise LoadError(
                    name,
                    [f"1: field '{c}': not a facility field" for c in unknown]
                    + [f"1: field '{c}': column missing" for c in missing],
                )
            rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise LoadError(name, [f"{reader.line_num}: not valid CSV: {exc}"]) from None
    entries = (
        (f"{line}: row (id {row.get('id')!r})", f"line {line}", partial(_csv_facility, row))
        for line, row in rows
    )
    return _validate_all(name, entries)


def _csv_facility(row: dict[str, str | None]) -> FacilityRecord:
    return FacilityRecord.model_validate(_csv_record(row))


def _csv_record(row: dict[str, str | None]) -> dict[str, Any]:
    """The row's non-empty cells, with JSON columns parsed."""
    if None in row:
        raise ValueError("field '(row)': more cells than header columns")
    record: dict[str, Any] = {}
    for column, cell in row.items():
        if cell is None or cell == "":
            continue
        if column in CSV_JSON_COLUMNS:
            try:
                record[column] = json.loads(cell)
            except json.JSONDecodeError as exc:
                raise ValueError(f"field '{column}': not valid JSON: {exc.msg}") from None
        else:
            record[column] = cell
    return record


def read_file(path: Path) -> list[FacilityRecord]:
    """Read a facilities file by its extension: `.csv`, else GeoJSON."""
    return read_csv(path) if path.suffix.lower() == ".csv" else read_geojson(path)


async def load_file(
    conn: asyncpg.Connection, path: Path, overwrite_edits: bool = False
) -> LoadReport:
    """Validate all of `path`, then upsert it in one transaction (all or nothing).

    Facilities an editor has changed are left as they are (the file no longer speaks for them)
    unless `overwrite_edits`; they are listed in the report.
    """
    facilities = read_file(path)
    async with conn.transaction():
        edited = [] if overwrite_edits else await edited_by_people(conn, [f.id for f in facilities])
        keep = set(edited)
        report = await upsert(
            conn, [f for f in facilities if f.id not in keep], actor=f"load:{path.name}"
        )
        report.kept_edits = edited
        return report
