"""Reader for the Great British Public Toilet Map's open data export (toiletmap.org.uk, CC BY 4.0).

The export is one JSON array of loo records. Each becomes a `Candidate` saying only what the
record says: a null boolean stays unknown, so a toilet whose accessibility is not recorded comes
in as `public_toilet` and not relevant (imported with `--all`), never as "not accessible".
The array is read whole (a national export is a few tens of MB) and mapped in one pass.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from locator.domain import hours
from locator.domain.record import UNSTORABLE_RE
from locator.domain.vocabulary import Category
from locator.services.imports.candidates import (
    Candidate,
    ImportFileError,
    Rejected,
    in_great_britain,
    mentions_changing_places,
    radar_fields,
    swapped,
)

SOURCE_TITLE = "The Great British Public Toilet Map (open data, CC BY 4.0)"
LOO_URL = "https://www.toiletmap.org.uk/loo/{}"
LICENCE = "Contains data from The Great British Public Toilet Map (toiletmap.org.uk), CC BY 4.0"
DEFAULT_NAME = "Public toilet"
MAX_NAME = 200  # FacilityProperties.name's limit

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TIME_RE = re.compile(r"^([0-9]{1,2}):([0-5][0-9])$")
ALL_DAY = "00:00-24:00"
CLOSED = "off"


class _Reject(Exception):
    """Raised inside one record's mapping: the record becomes a `Rejected` naming the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def read(path: Path) -> Iterator[Candidate | Rejected]:
    """Every record of the export, as a Candidate or a Rejected, in file order.

    The file is read and parsed when `read` is called, so an unreadable file, one that is not
    UTF-8 or not a JSON array raises `ImportFileError` before any record is yielded.
    `where` counts records from 0, as JSON arrays (and `jq '.[n]'`) do.
    """
    records = _load(path)
    return _records(path, records)


def _records(path: Path, records: list[Any]) -> Iterator[Candidate | Rejected]:
    for index, record in enumerate(records):
        raw_id = record.get("id") if isinstance(record, dict) else None
        where = f"{path}: record {index} (id {raw_id!r})"
        try:
            yield _candidate(record, where)
        except _Reject as exc:
            yield Rejected(where, exc.field, exc.reason)


def _load(path: Path) -> list[Any]:
    """The parsed array, or ImportFileError naming the file and, where it can, the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    try:
        # surrogatepass: an encoded lone surrogate is one record's problem, not the file's.
        text = data.decode("utf-8-sig", errors="surrogatepass")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        raise ImportFileError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02X}); the Toilet Map's "
            "export is UTF-8: download it again rather than re-saving it in another program"
        ) from None
    try:
        # strict=False: a raw control character (a NUL) in a string rejects that record only.
        document = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except RecursionError:
        raise ImportFileError(f"{path}: not valid JSON: nested too deeply") from None
    if not isinstance(document, list):
        found = type(document).__name__ if not isinstance(document, dict) else "object"
        raise ImportFileError(
            f"{path}: expected a JSON array of Toilet Map records, found a JSON {found}"
        )
    return document


def _unstorable(value: str) -> str | None:
    """Why PostgreSQL cannot store the text, or None when it can."""
    found = UNSTORABLE_RE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000)"
    return "contains a lone surrogate (\\ud800-\\udfff): not valid Unicode text"


def _text(record: dict[str, Any], key: str, warnings: list[str], label: str = "") -> str | None:
    """A string field, stripped; None when absent or empty. Unstorable text rejects the record."""
    value = record.get(key)
    label = label or key
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        warnings.append(f"{label}: expected text, got {type(value).__name__}; ignored")
        return None
    text = str(value).strip()
    problem = _unstorable(text)
    if problem:
        raise _Reject(label, problem)
    return text or None


def _flag(record: dict[str, Any], key: str, warnings: list[str]) -> bool | None:
    """A boolean field: True, False, or None for null (unknown) and anything unexpected."""
    value = record.get(key)
    if value is None or isinstance(value, bool):
        return value
    warnings.append(f"{key}: expected true, false or null, got {value!r}; read as unknown")
    return None


def _area(record: dict[str, Any], warnings: list[str]) -> str | None:
    """The first named area (`areas` is one object or a list of them)."""
    areas = record.get("areas")
    if areas is None:
        return None
    listed = areas if isinstance(areas, list) else [areas]
    for n, area in enumerate(listed):
        if isinstance(area, dict):
            label = f"areas[{n}].name" if isinstance(areas, list) else "areas.name"
            name = _text(area, "name", warnings, label)
            if name:
                return name
    return None


def _position(record: dict[str, Any], warnings: list[str]) -> tuple[float | None, float | None]:
    """(lat, lon) from the GeoJSON point, None for none; swapped or outside GB rejects."""
    location = record.get("location")
    if location is None:
        return None, None
    coordinates: Any = None
    if isinstance(location, dict):
        coordinates = location.get("coordinates")
        if coordinates is None and "lat" in location and "lng" in location:
            coordinates = [location["lng"], location["lat"]]
    if not (
        isinstance(coordinates, list)
        and len(coordinates) >= 2
        and all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
            for c in coordinates[:2]
        )
    ):
        raise _Reject("location", "expected a GeoJSON Point with coordinates [longitude, latitude]")
    lon, lat = float(coordinates[0]), float(coordinates[1])
    if lat == 0 and lon == 0:
        warnings.append("location: [0, 0] is a placeholder, not a place; read as no location")
        return None, None
    if swapped(lat, lon):
        raise _Reject(
            "location",
            f"coordinates [{coordinates[0]}, {coordinates[1]}] look swapped: GeoJSON puts the "
            "longitude first, and read that way the point is outside Great Britain",
        )
    if not in_great_britain(lat, lon):
        raise _Reject("location", f"latitude {lat}, longitude {lon} is outside Great Britain")
    return lat, lon


def opening_hours(value: Any) -> str:
    """The Toilet Map's seven [open, close] pairs (Monday first) in OSM opening_hours syntax.

    `[]` is closed that day; the same time twice is open all day. Equal consecutive days are
    collapsed (`Mo-Fr 09:00-17:00; Sa 10:00-16:00; Su off`); every day all day is `24/7`.
    Raises ValueError saying what is wrong, including when every day is closed: that says more
    about the record than about the toilet, so hours stay unknown.
    """
    if not isinstance(value, list) or len(value) != 7:
        raise ValueError("expected 7 entries, Monday first")
    specs = [_day(DAY_NAMES[n], entry) for n, entry in enumerate(value)]
    if all(spec == ALL_DAY for spec in specs):
        return "24/7"
    if all(spec == CLOSED for spec in specs):
        raise ValueError("closed every day")
    rules = []
    start = 0
    for end in range(1, 8):
        if end == 7 or specs[end] != specs[start]:
            span = DAYS[start] if end - start == 1 else f"{DAYS[start]}-{DAYS[end - 1]}"
            if end - start == 2:
                span = f"{DAYS[start]},{DAYS[end - 1]}"
            rules.append(f"{span} {specs[start]}")
            start = end
    expression = "; ".join(rules)
    hours.check(expression)
    return expression


def _converted(value: Any) -> tuple[str | None, str | None]:
    """(expression, None) or (None, what is wrong): memoised, as a few patterns recur."""
    if isinstance(value, list) and all(
        isinstance(day, list) and all(isinstance(t, str) for t in day) for day in value
    ):
        return _converted_week(tuple(tuple(day) for day in value))
    return _convert(value)


@lru_cache(maxsize=4096)
def _converted_week(week: tuple[tuple[str, ...], ...]) -> tuple[str | None, str | None]:
    return _convert([list(day) for day in week])


def _convert(value: Any) -> tuple[str | None, str | None]:
    try:
        return opening_hours(value), None
    except ValueError as exc:  # HoursError is a ValueError too
        return None, str(exc)


def _day(day: str, entry: Any) -> str:
    """One day's entry as an OSM time span (`09:00-17:00`, `00:00-24:00`) or `off`."""
    if entry == []:
        return CLOSED
    if isinstance(entry, list) and len(entry) == 2 and all(isinstance(t, str) for t in entry):
        opens, closes = (_time(t) for t in entry)
        if opens is not None and closes is not None:
            if opens == closes:
                return ALL_DAY
            return f"{opens}-{'24:00' if closes == '00:00' else closes}"
    raise ValueError(f'{day}: expected [] or ["HH:MM", "HH:MM"], got {json.dumps(entry)}')


def _time(text: str) -> str | None:
    """`9:30` or `09:30` as `09:30`; None unless it is a time of day (24:00 allowed)."""
    match = TIME_RE.match(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 24 or (hour == 24 and minute):
        return None
    return f"{hour:02d}:{minute:02d}"


def _date(value: str | None) -> dt.date | None:
    """The date of an ISO 8601 timestamp (`2024-05-01T10:00:00Z`), None if it is not one."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _candidate(record: Any, where: str) -> Candidate:
    """One record in our vocabulary; raises _Reject for what cannot come in."""
    if not isinstance(record, dict):
        raise _Reject("(record)", f"expected a JSON object, got {type(record).__name__}")
    warnings: list[str] = []
    source_id = _text(record, "id", warnings)
    if source_id is None:
        raise _Reject("id", "missing: every Toilet Map record has an id")

    area = _area(record, warnings)
    name = _text(record, "name", warnings)
    if name is None:
        name = f"{DEFAULT_NAME} ({area})" if area else DEFAULT_NAME
    if len(name) > MAX_NAME:
        warnings.append(f"name: longer than {MAX_NAME} characters; shortened")
        name = name[: MAX_NAME - 1].rstrip() + "…"
    source_notes = _text(record, "notes", warnings)
    payment = _text(record, "payment_details", warnings)
    removal_reason = _text(record, "removal_reason", warnings)

    accessible = _flag(record, "accessible", warnings)
    radar = _flag(record, "radar", warnings)
    changing_places = mentions_changing_places(name, source_notes)
    if changing_places:
        # Registered on the national register: not known from a mention.
        category = Category.changing_places
        if accessible is False:
            warnings.append("accessible is false but the name or notes mention Changing Places")
    elif accessible is True or (accessible is None and radar is True):
        category = Category.accessible_toilet
    else:
        category = Category.public_toilet
        if accessible is False and radar is True:
            warnings.append("accessible is false but a RADAR key is needed: kept as relevant")
    relevant = changing_places or accessible is True or radar is True

    fields: dict[str, Any] = {"name": name, "category": category.value}
    if area:
        fields["locality"] = area
    fields.update(radar_fields(radar))

    notes = []
    no_payment = _flag(record, "no_payment", warnings)
    if no_payment is False or (no_payment is None and payment):
        notes.append(f"Fee: {payment}" if payment else "There is a fee (amount not given)")
    if _flag(record, "attended", warnings) is True:
        notes.append("Attended: staff on site")
    if _flag(record, "automatic", warnings) is True:
        notes.append("Automatic (self-cleaning) public toilet")
    if source_notes:
        notes.append(source_notes)
    if notes:
        fields["notes"] = "; ".join(notes)

    times = record.get("opening_times")
    if times is not None:
        expression, problem = _converted(times)
        if expression:
            fields["opening_hours"] = expression
        else:
            warnings.append(f"opening_times: {problem}; hours left unknown")
            fields["opening_hours_note"] = (
                # ASCII escapes: the note is storable whatever the entries hold.
                "Opening times as the Toilet Map lists them (Monday first): " + json.dumps(times)
            )

    fields["sources"] = [{"title": SOURCE_TITLE, "url": LOO_URL.format(quote(source_id, safe=""))}]
    fields["licence"] = LICENCE

    lat, lon = _position(record, warnings)
    active = _flag(record, "active", warnings) is not False
    return Candidate(
        where=where,
        source_id=source_id,
        fields=fields,
        lat=lat,
        lon=lon,
        relevant=relevant,
        active=active,
        removal_reason=None if active else removal_reason,
        source_date=_date(_text(record, "updated_at", warnings)),
        warnings=warnings,
    )
