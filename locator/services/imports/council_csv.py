"""Reader for council public toilet CSV files in the LGA/esd `PublicToilets` schema.

Councils publish the schema loosely: header case and spacing vary (`RADARKeyNeeded`,
`radar key needed`), positions come as WGS84 degrees or British National Grid metres (GeoX/GeoY,
Latitude/Longitude or Easting/Northing), files come from Excel in Windows-1252 with any line
ends. This reader absorbs that variety and says only what each row says: an empty cell is
unknown, and the schema's `None` in AccessibleCategory means "not accessible".
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pyproj import Transformer

from locator.domain import hours, postcodes
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

LICENCE = "Open Government Licence v3.0 (as councils publish this schema)"
DEFAULT_NAME = "Public toilet"
MAX_NAME = 200  # FacilityProperties.name's limit

# Each column the reader uses, by its name with case, spaces and punctuation removed.
ALIASES: dict[str, tuple[str, ...]] = {
    "extract_date": ("extractdate",),
    "organisation_uri": ("organisationuri", "organizationuri"),
    "organisation": ("organisationlabel", "organizationlabel", "organisation", "organization"),
    "location_text": ("locationtext", "location", "sitename", "name"),
    "crs": ("coordinatereferencesystem", "crs", "coordinatesystem"),
    "geo_x": ("geox",),
    "geo_y": ("geoy",),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "long", "lng"),
    "easting": ("easting", "eastings"),
    "northing": ("northing", "northings"),
    "licensing_url": ("geopointlicensingurl",),
    "accessible_category": ("accessiblecategory",),
    "radar": ("radarkeyneeded", "radarkey", "radar"),
    "changing_place": ("changingplace", "changingplaces"),
    "automatic": ("automaticpublicconvenience",),
    "staffed": ("fulltimestaffing",),
    "community_scheme": ("partofcommunityscheme",),
    "community_scheme_name": ("communityschemename",),
    "charge": ("chargeamount", "charge"),
    "info_url": ("infourl", "website", "url"),
    "opening_hours": ("openinghours",),
    "managed_by": ("managedby",),
    "report_email": ("reportemail",),
    "report_tel": ("reporttel", "reportphone"),
    "notes": ("notes",),
    "uprn": ("uprn",),
    "postcode": ("postcode", "postalcode"),
    "street_address": ("streetaddress", "address"),
    "area_label": ("geoarealabel",),
    "licence": ("licence", "license", "licencename", "licensename"),
}
COLUMN_OF = {alias: column for column, aliases in ALIASES.items() for alias in aliases}
COORDINATE_PAIRS = (("longitude", "latitude"), ("easting", "northing"), ("geo_x", "geo_y"))

YES = frozenset({"yes", "y", "true", "t", "1"})
NO = frozenset({"no", "n", "false", "f", "0", "none"})
UNKNOWN = frozenset({"unknown", "not known", "n/k", "?", "tbc"})
# AccessibleCategory: the schema says `None` if not accessible; councils also write these.
NOT_ACCESSIBLE = frozenset({"none", "no", "n", "false", "0", "n/a", "na", "-", "not accessible"})

SEP_RE = re.compile(r"^sep=(.)$", re.IGNORECASE)
BNG_RE = re.compile(r"osgb|27700|bng|british\s*national\s*grid|national\s*grid", re.IGNORECASE)
WGS84_RE = re.compile(r"wgs|4326|etrs|lat", re.IGNORECASE)
# British National Grid extent, in metres.
MAX_EASTING, MAX_NORTHING = 700_000, 1_300_000
ALL_DAY_RE = re.compile(
    r"^(open\s+)?24\s*(hours|hrs|hr|h)(\s+a\s+day)?(,?\s*7\s+days(\s+a\s+week)?)?$", re.IGNORECASE
)
COUNCIL_PREFIX_RE = re.compile(
    r"^(the\s+)?(council\s+of\s+the\s+|((royal|london)\s+)?borough\s+of\s+|"
    r"city\s+(and\s+county\s+)?of\s+|county\s+of\s+)",
    re.IGNORECASE,
)
COUNCIL_SUFFIX_RE = re.compile(
    r"\s+((metropolitan|city|county|district|borough|town|unitary)\s+)*council$", re.IGNORECASE
)


@cache
def _to_wgs84() -> Transformer:
    """The one British National Grid -> WGS84 transformer (building one costs milliseconds)."""
    return Transformer.from_crs(27700, 4326, always_xy=True)


class _Reject(Exception):
    """Raised inside one row's mapping: the row becomes a `Rejected` naming the column."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class _Row:
    """One data row's cells by column, with the header's own spelling for messages."""

    def __init__(self, cells: list[str], columns: dict[str, tuple[int, str]]) -> None:
        self.cells = cells
        self.columns = columns

    def label(self, column: str) -> str:
        return self.columns[column][1] if column in self.columns else column

    def get(self, column: str) -> str | None:
        """The stripped cell, None when the column is absent or the cell empty.

        Text PostgreSQL cannot store rejects the row, naming the column.
        """
        if column not in self.columns:
            return None
        index, label = self.columns[column]
        if index >= len(self.cells):
            return None
        cell = self.cells[index].strip()
        found = UNSTORABLE_RE.search(cell)
        if found and found.group() == "\x00":
            raise _Reject(label, "contains a NUL character (\\u0000)")
        if found:
            raise _Reject(label, "contains a lone surrogate (\\ud800-\\udfff): not valid text")
        return cell or None


def read(path: Path, encoding: str = "utf-8") -> Iterator[Candidate | Rejected]:
    """Every data row of the file, as a Candidate or a Rejected, in file order.

    The file is read and decoded when `read` is called, so an unreadable file, one that is not
    in `encoding`, or one without the schema's columns raises `ImportFileError` at once.
    `where` is `path:line`, the physical line the row starts on, whatever the line ends.
    """
    text = _decode(path, encoding)
    # One line end for all three conventions, so csv's line count is the physical line.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter = _delimiter(text)
    # strict: an unclosed quote is an error, not a cell swallowing the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header_line, header = _header(path, reader)
    columns = _columns(header)
    has_name = "location_text" in columns or "street_address" in columns
    has_place = "postcode" in columns or any(
        x in columns and y in columns for x, y in COORDINATE_PAIRS
    )
    if not (has_name and has_place):
        raise ImportFileError(
            f"{path}:{header_line}: not the LGA PublicToilets schema: expected columns such as "
            "LocationText, GeoX, GeoY (or Latitude/Longitude, Easting/Northing) and Postcode; "
            f"found {', '.join(h.strip() for h in header if h.strip())}"
        )
    return _rows(path, reader, columns)


def _decode(path: Path, encoding: str) -> str:
    """The file's text (a UTF-8 byte order mark dropped), or ImportFileError naming the line."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(
            f"{path}: unknown encoding {encoding!r} (try utf-8 or cp1252)"
        ) from None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    utf8 = codec in ("utf-8", "utf-8-sig")
    try:
        # surrogatepass: an encoded lone surrogate is one row's problem, not the file's.
        text = data.decode("utf-8-sig", "surrogatepass") if utf8 else data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        hint = (
            "it may be Windows-1252 (as Excel saves CSV files): try --encoding cp1252"
            if utf8
            else "check which encoding the file was saved in"
        )
        raise ImportFileError(
            f"{path}:{line}: not {encoding} text (byte 0x{data[exc.start]:02X}); {hint}"
        ) from None
    return text.removeprefix("\ufeff")


def _normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _delimiter(text: str) -> str:
    """Comma, unless Excel's `sep=;` line says otherwise or the header holds more schema
    columns split on `;` or a tab."""
    first = next((line for line in text.split("\n", 20) if line.strip()), "")
    said = SEP_RE.match(first.strip(" "))
    if said:
        return said.group(1)

    def known(delimiter: str) -> int:
        return sum(_normalise(cell) in COLUMN_OF for cell in first.split(delimiter))

    return max((",", ";", "\t"), key=known)


def _header(path: Path, reader: Any) -> tuple[int, list[str]]:
    """The first non-empty row and its line."""
    try:
        for row in reader:
            if SEP_RE.match(reader.dialect.delimiter.join(row).strip(" ")):
                continue  # Excel's delimiter line
            if any(cell.strip() for cell in row):
                return reader.line_num, list(row)
    except csv.Error as exc:
        raise ImportFileError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
    raise ImportFileError(f"{path}: the file is empty (no header row)")


def _columns(header: list[str]) -> dict[str, tuple[int, str]]:
    """Each column the reader knows: its index and its label as the file spells it."""
    columns: dict[str, tuple[int, str]] = {}
    for index, label in enumerate(header):
        column = COLUMN_OF.get(_normalise(label))
        if column and column not in columns:
            columns[column] = (index, label.strip())
    return columns


def _rows(
    path: Path, reader: Any, columns: dict[str, tuple[int, str]]
) -> Iterator[Candidate | Rejected]:
    number = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                f"{path}:{line}: not valid CSV in the row starting on this line: {exc} "
                "(a quoted cell not closed, or text after its closing quote?)"
            ) from None
        if not any(cell.strip() for cell in cells):
            continue
        number += 1
        where = f"{path}:{line}"
        try:
            yield _candidate(_Row(cells, columns), where, number, path)
        except _Reject as exc:
            yield Rejected(where, exc.field, exc.reason)


def flag(value: str | None, label: str, warnings: list[str]) -> bool | None:
    """A yes/no cell: yes/no/true/false/y/n/1/0 in any case; empty or unrecognised is unknown."""
    if value is None:
        return None
    word = value.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    if word not in UNKNOWN:
        warnings.append(f"{label}: {value!r} is not yes or no; read as unknown")
    return None


def _number(value: str, label: str) -> float:
    try:
        number = float(value.replace(" ", ""))
    except ValueError:
        raise _Reject(label, f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise _Reject(label, f"not a number: {value!r}")
    return number


def _position(row: _Row, warnings: list[str]) -> tuple[float | None, float | None]:
    """(lat, lon) in WGS84 from whichever pair of coordinate columns the row fills.

    GeoX/GeoY are degrees or metres as CoordinateReferenceSystem says (WGS84 is the schema's
    default); values that are plainly the other kind win over the label, with a warning.
    """
    for x_column, y_column in COORDINATE_PAIRS:
        x_text, y_text = row.get(x_column), row.get(y_column)
        if x_text is None and y_text is None:
            continue
        x_label, y_label = row.label(x_column), row.label(y_column)
        pair = f"{x_label}/{y_label}"
        if x_text is None or y_text is None:
            raise _Reject(pair, f"only one of {x_label} and {y_label} is given")
        x, y = _number(x_text, x_label), _number(y_text, y_label)
        if x == 0 and y == 0:
            warnings.append(f"{pair}: 0, 0 is a placeholder, not a place; read as no location")
            return None, None
        metres = abs(x) > 180 or abs(y) > 180
        if x_column == "geo_x":
            crs = row.get("crs") or ""
            says_bng, says_wgs84 = bool(BNG_RE.search(crs)), bool(WGS84_RE.search(crs))
            if says_bng and not metres:
                warnings.append(f"{pair}: {row.label('crs')} says {crs!r} but these are degrees")
            elif says_wgs84 and not says_bng and metres:
                warnings.append(f"{pair}: {row.label('crs')} says {crs!r} but these are metres")
        elif (x_column == "easting") != metres:
            kind = "metres" if metres else "degrees"
            warnings.append(f"{pair}: these are {kind}; read as such")
        if metres:
            return _from_grid(x, y, pair)
        return _checked(y, x, pair)
    return None, None


def _from_grid(easting: float, northing: float, pair: str) -> tuple[float, float]:
    """British National Grid (OSGB36) metres as WGS84 (lat, lon)."""
    if easting > MAX_EASTING and 0 <= northing <= MAX_EASTING:
        raise _Reject(pair, f"easting {easting:g} and northing {northing:g} look swapped")
    if not (0 <= easting <= MAX_EASTING and 0 <= northing <= MAX_NORTHING):
        raise _Reject(
            pair, f"easting {easting:g}, northing {northing:g} is outside the British National Grid"
        )
    lon, lat = _to_wgs84().transform(easting, northing)
    return _checked(float(lat), float(lon), pair)


def _checked(lat: float, lon: float, pair: str) -> tuple[float, float]:
    if swapped(lat, lon):
        raise _Reject(
            pair,
            f"latitude and longitude look swapped: read as given, {lat:g}, {lon:g} is outside "
            "Great Britain (the longitude goes in the X column, the latitude in Y)",
        )
    if not in_great_britain(lat, lon):
        raise _Reject(pair, f"latitude {lat:.6g}, longitude {lon:.6g} is outside Great Britain")
    return lat, lon


def extract_date(value: str | None) -> dt.date | None:
    """`2024-05-01`, `01/05/2024` or `01/05/2024 00:00` (day first, as in the UK); else None."""
    if not value:
        return None
    iso = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", value)
    uk = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return dt.date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        return None
    return None


def opening_hours(value: str) -> str | None:
    """The cell as OSM opening_hours (whitespace tidied), or None when it is free text."""
    squashed = " ".join(value.split())
    if ALL_DAY_RE.match(squashed):
        return "24/7"
    attempts = [squashed]
    if '"' not in squashed:  # leave comments alone
        tight = re.sub(r"\s*([-,])\s*", r"\1", squashed)
        attempts.insert(0, re.sub(r"\s*;\s*", "; ", tight))
    for expression in attempts:
        try:
            hours.check(expression)
        except hours.HoursError:
            continue
        return expression
    return None


def council_place(label: str) -> str:
    """A council's place name: `Coventry City Council` -> `Coventry`, `City of York` -> `York`."""
    place = COUNCIL_SUFFIX_RE.sub("", COUNCIL_PREFIX_RE.sub("", label.strip()))
    return place.strip() or label.strip()


def _uprn(value: str | None, label: str, warnings: list[str]) -> str | None:
    """The UPRN as digits (Excel's `60001449.0` and `6.0001449E+07` put right), or None.

    Anything else (`N/A`, `0`, a reference of the council's own) is not used as an id: rows
    sharing a placeholder would otherwise look like one toilet.
    """
    if value is None:
        return None
    text = value.replace(" ", "")
    if re.fullmatch(r"\d+\.0*", text):
        text = text.split(".")[0]
    elif re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", text) and float(text).is_integer():
        text = str(int(float(text)))
    if text.isdigit() and len(text) <= 12 and int(text) > 0:
        return text
    warnings.append(f"{label}: {value!r} is not a UPRN (up to 12 digits); not used as an id")
    return None


def _candidate(row: _Row, where: str, number: int, path: Path) -> Candidate:
    """One row in our vocabulary; raises _Reject for what cannot come in."""
    warnings: list[str] = []
    organisation = row.get("organisation")
    area = row.get("area_label")
    locality = area.split(",")[0].strip() if area else None
    if not locality and organisation:
        locality = council_place(organisation)
    location_text, street = row.get("location_text"), row.get("street_address")
    council_notes = row.get("notes")
    name = location_text or street or (f"{DEFAULT_NAME} ({locality})" if locality else None)
    name = name or DEFAULT_NAME
    if len(name) > MAX_NAME:
        warnings.append(
            f"{row.label('location_text')}: longer than {MAX_NAME} characters; shortened"
        )
        name = name[: MAX_NAME - 1].rstrip() + "…"

    radar = flag(row.get("radar"), row.label("radar"), warnings)
    cp_cell = flag(row.get("changing_place"), row.label("changing_place"), warnings)
    mentioned = mentions_changing_places(location_text, council_notes)
    if cp_cell is False and mentioned:
        warnings.append(
            f"{row.label('changing_place')} says no but the name or notes mention Changing Places"
        )
    changing_places = cp_cell is True or (cp_cell is None and mentioned)
    accessible_text = row.get("accessible_category")
    accessible: bool | None = None
    if accessible_text is not None and accessible_text.lower() not in UNKNOWN:
        accessible = accessible_text.lower() not in NOT_ACCESSIBLE
    if changing_places:
        category = Category.changing_places  # registered: not known from this file
    elif accessible is True or (accessible is None and radar is True):
        category = Category.accessible_toilet
    else:
        category = Category.public_toilet
    relevant = changing_places or accessible is True or radar is True

    fields: dict[str, Any] = {"name": name, "category": category.value}
    if street:
        fields["address"] = street
    if locality:
        fields["locality"] = locality
    postcode = row.get("postcode")
    if postcode:
        try:
            fields["postcode"] = postcodes.tidy(postcode)
        except ValueError:
            warnings.append(f"{row.label('postcode')}: {postcode!r} is not a UK postcode; left out")
    fields.update(radar_fields(radar))
    for column, field_name in (
        ("managed_by", "operator"),
        ("report_tel", "phone"),
        ("report_email", "email"),
        ("info_url", "website"),
    ):
        value = row.get(column)
        if value:
            fields[field_name] = value
    if row.get("report_email"):
        # The schema's ReportEmail is where problems are reported.
        fields["report_url"] = f"mailto:{row.get('report_email')}"

    hours_text = row.get("opening_hours")
    if hours_text:
        expression = opening_hours(hours_text)
        if expression:
            fields["opening_hours"] = expression
        else:
            fields["opening_hours_note"] = hours_text
            warnings.append(
                f"{row.label('opening_hours')}: {hours_text!r} is not OSM opening_hours syntax; "
                "kept as a note, hours left unknown"
            )

    notes = _notes(row, council_notes, warnings)
    if notes:
        fields["notes"] = notes

    day = extract_date(row.get("extract_date"))
    if row.get("extract_date") and day is None:
        warnings.append(f"{row.label('extract_date')}: {row.get('extract_date')!r} is not a date")
    title = f"{organisation or 'Council'} public toilets open data (LGA PublicToilets schema)"
    if day or row.get("extract_date"):
        title += f", extract {day.isoformat() if day else row.get('extract_date')}"
    fields["sources"] = [{"title": title, "url": row.get("licensing_url") or row.get("info_url")}]
    fields["licence"] = row.get("licence") or LICENCE

    lat, lon = _position(row, warnings)
    uprn = _uprn(row.get("uprn"), row.label("uprn"), warnings)
    if uprn:
        source_id = uprn
    elif location_text or street:
        # Stable while the council keeps the name and position, whatever the row order.
        place = [row.get(column) for pair in COORDINATE_PAIRS for column in pair]
        coordinates = ",".join(part for part in place if part) or row.get("postcode") or ""
        owner = row.get("organisation_uri") or organisation or path.stem
        source_id = f"{owner}#{location_text or street}@{coordinates}"
    else:
        source_id = f"{row.get('organisation_uri') or organisation or path.stem}#row-{number}"
    return Candidate(
        where=where,
        source_id=source_id,
        fields=fields,
        lat=lat,
        lon=lon,
        identifiers={"uprn": uprn} if uprn else {},
        relevant=relevant,
        source_date=day,
        warnings=warnings,
    )


def _notes(row: _Row, council_notes: str | None, warnings: list[str]) -> str | None:
    """What a visitor should know that has no field of its own: fee, staff, scheme, notes."""
    notes = []
    charge = row.get("charge")
    if charge:
        try:
            amount = float(charge.lstrip("£").strip())
        except ValueError:
            notes.append(f"Fee: {charge}")
        else:
            if amount > 0:
                notes.append(f"Fee: £{amount:.2f}")
    if flag(row.get("staffed"), row.label("staffed"), warnings):
        notes.append("Staffed full time")
    if flag(row.get("automatic"), row.label("automatic"), warnings):
        notes.append("Automatic (self-cleaning) public toilet")
    scheme = row.get("community_scheme_name")
    if flag(row.get("community_scheme"), row.label("community_scheme"), warnings) or scheme:
        notes.append(
            f"Part of the {scheme} community toilet scheme"
            if scheme
            else "Part of a community toilet scheme"
        )
    if council_notes:
        notes.append(council_notes)
    return "; ".join(notes) or None
