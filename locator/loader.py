"""`locator load`: validate a whole GeoJSON or CSV file, then upsert it by id in one transaction.

Nothing is written unless every feature is valid. Each change is recorded in the audit trail
(`facility_changes`) with the fields' old and new values, so editors can later see who changed
what through which import.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import delete, func, insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from locator import models
from locator.queries import FEATURE_COLUMNS
from locator.schema import Facility

ROW_FIELDS = [
    name for name in Facility.model_fields if name not in ("id", "lat", "lon", "equipment_status")
]


@dataclass
class LoadError(Exception):
    """What is wrong with an input file, naming the file, line and field."""

    path: str
    problems: list[str]

    def __str__(self) -> str:
        return "\n".join(f"{self.path}:{problem}" for problem in self.problems)


@dataclass
class LoadReport:
    """What a load did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.unchanged)} left unchanged; {len(self.not_in_file)} in the database "
            "but not in the file were left as they are"
        )


def _validate_all(
    name: str, entries: Iterable[tuple[str, str, Callable[[], Facility]]]
) -> list[Facility]:
    """Build every record, collecting every problem (with where it is) before giving up."""
    facilities: list[Facility] = []
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


def _line_of(raw: str, needle: str) -> int:
    position = raw.find(needle)
    return raw.count("\n", 0, position) + 1 if position >= 0 else 1


def read_geojson(path: Path) -> list[Facility]:
    """Parse and validate every feature; raise LoadError listing every problem found."""
    name = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(name, [f"0: cannot read the file: {exc}"]) from None
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

    def entries() -> Iterator[tuple[str, str, Callable[[], Facility]]]:
        for index, feature in enumerate(features):
            fid = feature.get("id") if isinstance(feature, dict) else None
            line = _line_of(raw, f'"{fid}"') if isinstance(fid, str) else 1
            yield (
                f"{line}: feature {index} (id {fid!r})",
                f"feature {index}",
                partial(_facility, feature),
            )

    return _validate_all(name, entries())


def _facility(feature: Any) -> Facility:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("field 'type': expected a GeoJSON Feature")
    geometry = feature.get("geometry") or {}
    coordinates = geometry.get("coordinates")
    if geometry.get("type") != "Point" or not isinstance(coordinates, list) or len(coordinates) < 2:
        raise ValueError("field 'geometry': expected a Point with [longitude, latitude]")
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise ValueError("field 'properties': expected an object")
    return Facility.model_validate(
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


def read_csv(path: Path) -> list[Facility]:
    """Parse and validate every row of a CSV export; raise LoadError naming line and field.

    An empty cell means not known; list and object columns hold JSON text.
    """
    name = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            header = reader.fieldnames or []
            unknown = [column for column in header if column not in Facility.model_fields]
            missing = [column for column in CSV_REQUIRED if column not in header]
            if unknown or missing:
                raise LoadError(
                    name,
                    [f"1: field '{c}': not a facility field" for c in unknown]
                    + [f"1: field '{c}': column missing" for c in missing],
                )
            rows = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LoadError(name, [f"0: cannot read the file: {exc}"]) from None
    entries = (
        (f"{line}: row (id {row.get('id')!r})", f"line {line}", partial(_csv_facility, row))
        for line, row in rows
    )
    return _validate_all(name, entries)


def _csv_facility(row: dict[str, str | None]) -> Facility:
    return Facility.model_validate(_csv_record(row))


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


def read_file(path: Path) -> list[Facility]:
    """Read a facilities file by its extension: `.csv`, else GeoJSON."""
    return read_csv(path) if path.suffix.lower() == ".csv" else read_geojson(path)


def facility_from_row(row: Mapping[str, Any]) -> Facility:
    """A stored facility (a row of FEATURE_COLUMNS) as the record a file would hold."""
    values = {k: row[k] for k in Facility.model_fields if k in row and k not in ("lat", "lon")}
    for name in ("sources", "equipment_status"):
        if isinstance(values.get(name), str):
            values[name] = orjson.loads(values[name])
    return Facility.model_validate({**values, "lat": row["lat"], "lon": row["lon"]})


async def _existing(conn: AsyncConnection, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = await conn.execute(
        text(f"SELECT {FEATURE_COLUMNS} FROM facilities f WHERE f.id = ANY(:ids)"), {"ids": ids}
    )
    return {row.id: facility_from_row(dict(row._mapping)).model_dump(mode="json") for row in rows}


def _diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return {key: [None, value] for key, value in new.items() if value not in (None, [], "")}
    return {key: [old.get(key), value] for key, value in new.items() if old.get(key) != value}


async def upsert(
    conn: AsyncConnection, facilities: list[Facility], actor: str, *, synthetic: bool = False
) -> LoadReport:
    """Insert or update each facility by id inside the caller's transaction."""
    report = LoadReport()
    ids = [f.id for f in facilities]
    existing = await _existing(conn, ids)
    for facility in facilities:
        new = facility.model_dump(mode="json")
        old = existing.get(facility.id)
        diff = _diff(old, new)
        if old is not None and not diff:
            report.unchanged.append(facility.id)
            continue
        values = {name: getattr(facility, name) for name in ROW_FIELDS}
        values["sources"] = [s.model_dump(mode="json") for s in facility.sources]
        values["geog"] = func.ST_SetSRID(func.ST_MakePoint(facility.lon, facility.lat), 4326)
        values["synthetic"] = synthetic
        statement = pg_insert(models.Facility).values(id=facility.id, **values)
        update = {**values, "version": models.Facility.version + 1, "updated_at": func.now()}
        await conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=update))
        await conn.execute(
            delete(models.EquipmentStatus).where(models.EquipmentStatus.facility_id == facility.id)
        )
        if facility.equipment_status:
            await conn.execute(
                insert(models.EquipmentStatus),
                [{"facility_id": facility.id, **s.model_dump()} for s in facility.equipment_status],
            )
        await conn.execute(
            insert(models.FacilityChange).values(
                facility_id=facility.id,
                actor=actor,
                action="create" if old is None else "update",
                diff=diff,
            )
        )
        (report.added if old is None else report.changed).append(facility.id)
    others = await conn.execute(
        text("SELECT id FROM facilities WHERE NOT (id = ANY(:ids)) AND NOT synthetic ORDER BY id"),
        {"ids": ids},
    )
    report.not_in_file = list(others.scalars())
    return report


async def load_file(conn: AsyncConnection, path: Path) -> LoadReport:
    """Validate all of `path`, then upsert it in one transaction (all or nothing)."""
    facilities = read_file(path)
    async with conn.begin():
        return await upsert(conn, facilities, actor=f"load:{path.name}")
