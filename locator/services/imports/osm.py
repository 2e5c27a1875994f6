"""OpenStreetMap `amenity=toilets` nodes and ways, from an `.osm.pbf` extract or Overpass JSON.

A pure reader: it says what OpenStreetMap says, in our fields, and leaves matching and writing
to the engine. `.json` files (or any file starting with `{`) are read as Overpass API JSON
(`out center;` gives ways a centre); everything else goes to pyosmium (`.osm.pbf`, `.osm`,
`.opl`...; a name it does not know is read as PBF). Relations are not read.

| OpenStreetMap tag | Our fields |
|---|---|
| `changing_table:adult=yes` | category `changing_places`, bench `present` |
| `changing_table:adult=no` | bench `none` |
| `changing_places=yes` | category `changing_places` |
| Changing Places, adult changing, hoist in name/description | `changing_places` (not "no hoist") |
| Space to Change in name/description | category `space_to_change` |
| `wheelchair=yes` / `designated` | category `accessible_toilet` (not Changing Places) |
| `wheelchair=limited` | `accessible_toilet`, "wheelchair access limited (as OpenStreetMap says)" |
| `wheelchair=no` or none (else `toilets:wheelchair`) | category `public_toilet`, not relevant |
| `changing_table=yes` | a note only: a baby changing table |
| `centralkey=radar` / `yes`, `toilets:wheelchair:key=radar` | key_scheme `radar`, access `key` |
| RADAR in `description` (not "no RADAR") | key_scheme `radar`, access `key` |
| `centralkey=` another scheme (not `no`) | key_scheme `other`, access `key` |
| `access=yes` / `permissive` | access `public` |
| `access=customers` | access `customers` (with a key: a note) |
| `access=private` / `no` | not relevant (comes in with `--all`), a note |
| `opening_hours` | opening_hours; invalid: opening_hours_note, a warning |
| `fee=yes` (and `charge`) | a note: "a fee is charged (20p)" |
| `level` | floor_level |
| `description` | location_in_venue if it says where ("next to the lifts"), else notes |
| `check_date` (else `survey:date`) | source_date, never last_verified (not our visit) |
| `operator` | operator |
| `website` / `contact:website` | website |
| `phone` / `contact:phone` | phone |
| `email` / `contact:email` | email |
| `name` | name; none: "Toilets (operator)" or "Toilets" |
| `addr:housename`, `addr:housenumber`, `addr:street` | address ("Town Hall, 12 High Street") |
| `addr:city` | locality |
| `addr:postcode` | postcode (not a UK postcode: left out, a warning) |
| `ref:GB:uprn` | identifiers `uprn` |
| (every record) | sources: OpenStreetMap contributors, the object's URL; licence ODbL |

Relevant: a Changing Places, Space to Change or accessible toilet, or a RADAR key; never one
closed to the public.

A way's position is the centroid of its nodes (the area centroid of a closed way). Coordinates
outside Great Britain, or swapped, are rejected under `location`; a tag we read holding a NUL
character, a lone surrogate or bytes that are not UTF-8 is rejected under the field it feeds.
Deleted and invisible objects are skipped; history and change files are refused, since a tag
filter cannot tell which version is current.

A PBF file is read twice, streaming, never held: the first pass yields the toilet nodes and
keeps only the toilet ways' node ids; the second reads the coordinates of just those nodes.
Memory is bounded by the toilets, not by the extract (a cache of every node's location takes
about 16 bytes a node: gigabytes for Great Britain), and nodes may come after ways.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import osmium
import osmium.filter
import osmium.io
import osmium.osm

from locator.domain import hours, postcodes
from locator.domain.record import UNSTORABLE_RE
from locator.domain.vocabulary import Access, Bench, Category, KeyScheme
from locator.services.imports.candidates import (
    Candidate,
    ImportFileError,
    Rejected,
    in_great_britain,
    mentions_changing_places,
    swapped,
)

__all__ = ["LICENCE", "read"]

LICENCE = "© OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright)"
MAX_NAME = 200  # FacilityProperties.name's max_length

# Every tag the mapping reads: after a decoding error, only these are looked up one by one.
KEYS = (
    "name", "operator", "description", "wheelchair", "toilets:wheelchair", "changing_table",
    "changing_table:adult", "changing_places", "centralkey", "toilets:wheelchair:key", "access",
    "opening_hours", "fee", "charge", "level", "check_date", "survey:date", "website",
    "contact:website", "phone", "contact:phone", "email", "contact:email", "addr:housename",
    "addr:housenumber", "addr:street", "addr:city", "addr:postcode", "ref:GB:uprn",
)  # fmt: skip

ACCESSIBLE = {"yes", "designated", "limited"}
PUBLIC = {"yes": Access.public, "permissive": Access.public, "customers": Access.customers}
CLOSED_TO_PUBLIC = {"private", "no"}

# "no hoist", "not a Changing Places toilet": a mention that says the opposite.
NEGATED_RE = re.compile(
    r"\b(?:no|not(?:\s+an?)?|without(?:\s+an?)?|isn'?t(?:\s+an?)?)\s+"
    r"(?:changing[\s_-]*places?|adult[\s_-]*chang\w*|(?:ceiling\s+)?hoist|"
    r"space[\s_-]*to[\s_-]*change)",
    re.IGNORECASE,
)
SPACE_TO_CHANGE_RE = re.compile(r"space[\s_-]*to[\s_-]*change", re.IGNORECASE)
CHANGING_PLACES_WORDS_RE = re.compile(r"changing[\s_-]*places?", re.IGNORECASE)
RADAR_RE = re.compile(r"(?<!\bno\s)(?<!\bnot\s)\bradar\b", re.IGNORECASE)
# A description that says where the toilet is inside the venue, rather than what it is.
WHERE_RE = re.compile(
    r"\b(?:(?:ground|first|second|third|top|lower|upper)\s+floor|floor\s+-?\d|level\s+-?\d|"
    r"inside|next\s+to|near|behind|beside|opposite|entrance|platform|upstairs|downstairs|"
    r"basement|rear\s+of|back\s+of|by\s+the|within|corridor|foyer|lobby|car\s+park|concourse|"
    r"end\s+of)\b",
    re.IGNORECASE,
)
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
OSM_SUFFIXES = {".pbf", ".osm", ".osc", ".osh", ".opl", ".o5m", ".o5c", ".xml"}


class _BadTag(Exception):
    """A tag we read that PostgreSQL cannot store: the record is rejected under `field`."""

    def __init__(self, field: str, key: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.key, self.reason = field, key, reason


class _Tags:
    """An object's tags, read with a check that each value we use can be stored."""

    def __init__(self, values: Mapping[str, str], broken: Mapping[str, str] | None = None):
        self.values = values
        self.broken = broken or {}  # key -> why its value could not be decoded

    def get(self, field: str, *keys: str) -> str | None:
        """The first of `keys` with a non-blank value, stripped; _BadTag if it cannot be stored."""
        for key in keys:
            if self.broken and key in self.broken:
                raise _BadTag(field, key, self.broken[key])
            value = self.values.get(key)
            if value is None or not (value := value.strip()):
                continue
            found = UNSTORABLE_RE.search(value)
            if found and found.group() == "\x00":
                raise _BadTag(field, key, "contains a NUL character (\\u0000)")
            if found:
                raise _BadTag(field, key, "contains a lone surrogate: not valid Unicode text")
            return value
        return None

    def word(self, field: str, *keys: str) -> str | None:
        """A keyword value (`yes`, `radar`...) in lower case."""
        value = self.get(field, *keys)
        return value.lower() if value is not None else None


def read(path: Path) -> Iterator[Candidate | Rejected]:
    """Every `amenity=toilets` node and way of the file, as a Candidate or a Rejected.

    Raises ImportFileError (when iterated) if the file cannot be read or parsed; a PBF file
    found broken part way raises after the candidates before the break.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ImportFileError(f"{path}: the file is empty")
    start = _first_bytes(path)
    if path.suffix.lower() == ".json" or start[:1] in (b"{", b"["):
        yield from _read_overpass(path)
    else:
        yield from _read_osmium(path, start)


# --- PBF and other osmium formats -----------------------------------------------------------


def _first_bytes(path: Path) -> bytes:
    """The file's first bytes without a UTF-8 byte order mark or leading white space."""
    try:
        with path.open("rb") as stream:
            head = stream.read(64)
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file: {exc.strerror}") from None
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


def _osm_file(path: Path, start: bytes) -> osmium.io.File:
    """The file for pyosmium: its format from the name, else XML if it looks like it, else PBF."""
    suffixes = {s.lower() for s in path.suffixes}
    if suffixes & OSM_SUFFIXES:
        return osmium.io.File(str(path))
    return osmium.io.File(str(path), "osm" if start.startswith(b"<") else "pbf")


def _entities(path: Path, processor: osmium.FileProcessor) -> Iterator[osmium.osm.OSMObject[Any]]:
    """The processor's objects, with pyosmium's read errors as ImportFileError."""
    objects = iter(processor)
    while True:
        try:
            entity = next(objects)
        except StopIteration:
            return
        except (RuntimeError, OSError, ValueError) as exc:
            raise ImportFileError(f"{path}: not a readable OpenStreetMap file: {exc}") from None
        if isinstance(entity, osmium.osm.OSMObject):
            yield entity


def _read_osmium(path: Path, start: bytes) -> Iterator[Candidate | Rejected]:
    """Pass 1: toilet nodes, and the toilet ways' node ids; pass 2: those nodes' coordinates."""
    source = _osm_file(path, start)
    try:
        multiple = osmium.FileProcessor(source).header.has_multiple_object_versions
    except (RuntimeError, OSError, ValueError) as exc:
        raise ImportFileError(f"{path}: not a readable OpenStreetMap file: {exc}") from None
    if multiple or source.has_multiple_object_versions:
        raise ImportFileError(
            f"{path}: a history or change file (several versions of objects): "
            "use a current extract such as great-britain-latest.osm.pbf"
        )
    toilets = osmium.filter.TagFilter(("amenity", "toilets"))
    tracker = osmium.IdTracker()
    ways: list[tuple[int, _Tags, list[int]]] = []
    processor = osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY)
    for entity in _entities(path, processor.with_filter(toilets)):
        if entity.deleted or not entity.visible:
            continue
        if isinstance(entity, osmium.osm.Node):
            where = f"{path}: node/{entity.id}"
            location = entity.location
            if not location.valid():
                yield Rejected(where, "location", "the node has no valid coordinates")
                continue
            yield _candidate(
                where, "node", entity.id, _osm_tags(entity), location.lat, location.lon
            )
        elif isinstance(entity, osmium.osm.Way):
            refs = [node.ref for node in entity.nodes]
            for ref in refs:
                tracker.add_node(ref)
            ways.append((entity.id, _osm_tags(entity), refs))
    if not ways:
        return
    located: dict[int, tuple[float, float]] = {}
    nodes = osmium.FileProcessor(source, osmium.osm.NODE).with_filter(tracker.id_filter())
    for entity in _entities(path, nodes):
        if isinstance(entity, osmium.osm.Node) and entity.location.valid():
            located[entity.id] = (entity.location.lon, entity.location.lat)
    for way_id, tags, refs in ways:
        where = f"{path}: way/{way_id}"
        points = [located[ref] for ref in refs if ref in located]
        if not points:
            yield Rejected(where, "location", "none of the way's nodes is in the file")
            continue
        lon, lat = _centroid(points, closed=len(refs) > 3 and refs[0] == refs[-1])
        candidate = _candidate(where, "way", way_id, tags, lat, lon)
        missing = len(set(refs)) - len({ref for ref in refs if ref in located})
        if missing and isinstance(candidate, Candidate):
            candidate.warnings.append(
                f"{missing} of the way's {len(set(refs))} nodes are not in the file: "
                "its centre is that of the others"
            )
        yield candidate


def _osm_tags(entity: osmium.osm.OSMObject[Any]) -> _Tags:
    """The tags as Python text; values that are not UTF-8 are noted, for the keys we read."""
    try:
        return _Tags({tag.k: tag.v for tag in entity.tags})
    except UnicodeDecodeError:
        pass
    values: dict[str, str] = {}
    broken: dict[str, str] = {}
    for key in KEYS:
        try:
            value = entity.tags.get(key)
        except UnicodeDecodeError:
            broken[key] = "is not valid UTF-8 (broken bytes or a lone surrogate)"
            continue
        if value is not None:
            values[key] = value
    return _Tags(values, broken)


def _centroid(points: list[tuple[float, float]], closed: bool) -> tuple[float, float]:
    """(lon, lat): the area centroid of a closed ring, else the mean of the distinct points."""
    distinct = list(dict.fromkeys(points))
    if closed and len(distinct) >= 3:
        x0, y0 = distinct[0]
        ring = [(x - x0, y - y0) for x, y in distinct]  # near the origin: no lost digits
        area = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x1 * y2 - x2 * y1
            area += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
        if abs(area) > 1e-14:
            return x0 + cx / (3 * area), y0 + cy / (3 * area)
    return (
        math.fsum(x for x, _ in distinct) / len(distinct),
        math.fsum(y for _, y in distinct) / len(distinct),
    )


# --- Overpass JSON --------------------------------------------------------------------------


def _read_overpass(path: Path) -> Iterator[Candidate | Rejected]:
    """Overpass API JSON: `{"elements": [...]}`, ways with `center` (or geometry, or node ids)."""
    document = _load_json(path)
    remark = document.get("remark")
    if isinstance(remark, str) and "error" in remark.lower():
        raise ImportFileError(
            f"{path}: Overpass stopped part way ({remark.strip()}): the answer is incomplete; "
            "run the query again (perhaps with a longer [timeout:...])"
        )
    elements = document.get("elements")
    if not isinstance(elements, list):
        raise ImportFileError(f'{path}: not Overpass JSON: no "elements" list')
    node_points: dict[int, tuple[float, float]] | None = None  # only for ways without a centre
    for index, element in enumerate(elements):
        if not isinstance(element, dict):
            continue
        kind, osm_id = element.get("type"), element.get("id")
        if kind not in ("node", "way"):
            continue
        if not isinstance(osm_id, int) or isinstance(osm_id, bool):
            yield Rejected(f"{path}: elements[{index}]", "id", "no numeric OSM id")
            continue
        where = f"{path}: {kind}/{osm_id}"
        raw_tags = element.get("tags")
        if not isinstance(raw_tags, dict) or raw_tags.get("amenity") != "toilets":
            continue
        if element.get("visible") is False or element.get("action") == "delete":
            continue
        if kind == "node":
            point = _point(element.get("lon"), element.get("lat"))
            why = "the node has no numeric lat and lon"
        else:
            point = _way_point(element)
            if point is None and isinstance(element.get("nodes"), list):
                if node_points is None:
                    node_points = _json_nodes(elements)
                refs = element["nodes"]
                found = [node_points[r] for r in refs if isinstance(r, int) and r in node_points]
                closed = len(refs) > 3 and refs[0] == refs[-1]
                point = _centroid(found, closed) if found else None
            why = "the way has no centre: ask Overpass for `out center;`"
        if point is None:
            yield Rejected(where, "location", why)
            continue
        lon, lat = point
        tags = _Tags({str(k): v if isinstance(v, str) else str(v) for k, v in raw_tags.items()})
        yield _candidate(where, kind, osm_id, tags, lat, lon)


def _load_json(path: Path) -> dict[str, Any]:
    """The parsed file, or ImportFileError naming the line that is not UTF-8 or not JSON."""
    try:
        with path.open(encoding="utf-8-sig") as stream:
            document = json.load(stream)
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        data = path.read_bytes()
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02X})"
        ) from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{path}: line {exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    if not isinstance(document, dict):
        raise ImportFileError(f'{path}: not Overpass JSON: expected an object with "elements"')
    return document


def _point(lon: object, lat: object) -> tuple[float, float] | None:
    """(lon, lat) if both are finite numbers."""
    if isinstance(lon, bool) or isinstance(lat, bool):
        return None
    if isinstance(lon, int | float) and isinstance(lat, int | float):
        if math.isfinite(lon) and math.isfinite(lat):
            return float(lon), float(lat)
    return None


def _way_point(element: dict[str, Any]) -> tuple[float, float] | None:
    """A way's position from `out center;`, `out geom;` or `out bb;` (in that order)."""
    center = element.get("center")
    if isinstance(center, dict):
        point = _point(center.get("lon"), center.get("lat"))
        if point:
            return point
    geometry = element.get("geometry")
    if isinstance(geometry, list):
        points = [
            p for g in geometry if isinstance(g, dict) and (p := _point(g.get("lon"), g.get("lat")))
        ]
        if points:
            return _centroid(points, closed=len(points) > 3 and points[0] == points[-1])
    bounds = element.get("bounds")
    if isinstance(bounds, dict):
        low = _point(bounds.get("minlon"), bounds.get("minlat"))
        high = _point(bounds.get("maxlon"), bounds.get("maxlat"))
        if low and high:
            return (low[0] + high[0]) / 2, (low[1] + high[1]) / 2
    return None


def _json_nodes(elements: Iterable[object]) -> dict[int, tuple[float, float]]:
    """Every node's position in the answer, for ways given as node ids (`out; >; out skel;`)."""
    points: dict[int, tuple[float, float]] = {}
    for element in elements:
        if isinstance(element, dict) and element.get("type") == "node":
            point = _point(element.get("lon"), element.get("lat"))
            if point and isinstance(element.get("id"), int):
                points[element["id"]] = point
    return points


# --- The mapping ----------------------------------------------------------------------------


def _candidate(
    where: str, kind: str, osm_id: int, tags: _Tags, lat: float, lon: float
) -> Candidate | Rejected:
    """One toilet in our fields, or why it cannot come in."""
    lat, lon = round(lat, 7), round(lon, 7)
    if swapped(lat, lon):
        return Rejected(where, "location", f"latitude {lat} and longitude {lon} look swapped round")
    if not in_great_britain(lat, lon):
        return Rejected(where, "location", f"({lat}, {lon}) lies outside Great Britain")
    try:
        return _map(where, kind, osm_id, tags, lat, lon)
    except _BadTag as bad:
        return Rejected(where, bad.field, f"tag `{bad.key}` {bad.reason}")


def _map(where: str, kind: str, osm_id: int, tags: _Tags, lat: float, lon: float) -> Candidate:
    fields: dict[str, Any] = {}
    notes: list[str] = []
    warnings: list[str] = []

    name = tags.get("name", "name")
    description = tags.get("notes", "description")
    operator = tags.get("operator", "operator")
    wheelchair = tags.word("category", "wheelchair", "toilets:wheelchair")
    adult_table = tags.word("bench", "changing_table:adult")
    cp_tag = tags.word("category", "changing_places")

    # What kind of toilet: explicit Changing Places tags, then words, then wheelchair access.
    words = NEGATED_RE.sub(" ", f"{name or ''}\n{description or ''}")
    if adult_table == "yes" or cp_tag == "yes":
        category = Category.changing_places
    elif SPACE_TO_CHANGE_RE.search(words) and not CHANGING_PLACES_WORDS_RE.search(words):
        category = Category.space_to_change
    elif mentions_changing_places(words):
        category = Category.changing_places
    elif wheelchair in ACCESSIBLE:
        category = Category.accessible_toilet
    else:
        category = Category.public_toilet
    fields["category"] = category.value
    if wheelchair == "limited":
        notes.append("wheelchair access limited (as OpenStreetMap says)")
    if adult_table == "yes":
        fields["bench"] = Bench.present.value
    elif adult_table == "no":
        fields["bench"] = Bench.none.value
    if tags.word("notes", "changing_table") == "yes":
        notes.append("baby changing table (not an adult changing bench)")

    # Keys and who may go in.
    key = tags.word("key_scheme", "centralkey")
    wheelchair_key = tags.word("key_scheme", "toilets:wheelchair:key")
    if key in ("radar", "yes") or wheelchair_key == "radar" or RADAR_RE.search(description or ""):
        fields["key_scheme"] = KeyScheme.radar.value
    elif key and key != "no":
        fields["key_scheme"] = KeyScheme.other.value
    access = tags.word("access", "access")
    closed_to_public = access in CLOSED_TO_PUBLIC
    if closed_to_public:
        notes.append(f"not open to the public (OpenStreetMap access={access})")
    elif "key_scheme" in fields:
        fields["access"] = Access.key.value
        if access == "customers":
            notes.append("for customers or visitors of the venue")
    elif access in PUBLIC:
        fields["access"] = PUBLIC[access].value

    opening = tags.get("opening_hours", "opening_hours")
    if opening:
        problem = _hours_problem(opening)
        if problem is None:
            fields["opening_hours"] = opening
        else:
            fields["opening_hours_note"] = opening
            warnings.append(f"opening_hours {opening!r} kept as a note: {problem}")
    if tags.word("notes", "fee") == "yes":
        charge = tags.get("notes", "charge")
        notes.append(f"a fee is charged ({charge})" if charge else "a fee is charged")

    level = tags.get("floor_level", "level")
    if level:
        fields["floor_level"] = level
    if description and WHERE_RE.search(description) and not mentions_changing_places(words):
        fields["location_in_venue"] = description
    elif description:
        notes.insert(0, description)

    # Who runs it, how to reach them, where it is.
    if name and len(name) > MAX_NAME:
        raise _BadTag("name", "name", f"is longer than {MAX_NAME} characters")
    fields["name"] = name or (f"Toilets ({operator})" if operator else "Toilets")
    for field, keys in (
        ("operator", ("operator",)),
        ("website", ("website", "contact:website")),
        ("phone", ("phone", "contact:phone")),
        ("email", ("email", "contact:email")),
        ("locality", ("addr:city",)),
    ):
        value = tags.get(field, *keys)
        if value:
            fields[field] = value
    street = " ".join(
        part
        for part in (tags.get("address", "addr:housenumber"), tags.get("address", "addr:street"))
        if part
    )
    housename = tags.get("address", "addr:housename")
    address = ", ".join(part for part in (housename, street) if part)
    if address:
        fields["address"] = address
    postcode = tags.get("postcode", "addr:postcode")
    if postcode:
        try:
            fields["postcode"] = postcodes.tidy(postcode)
        except ValueError:
            warnings.append(f"addr:postcode {postcode!r} is not a UK postcode: left out")

    checked = tags.get("source_date", "check_date", "survey:date")
    source_date = _date(checked) if checked else None
    if checked and source_date is None:
        warnings.append(f"check_date {checked!r} is not a date (YYYY-MM-DD): left out")

    if notes:
        fields["notes"] = "; ".join(notes)
    fields["sources"] = [
        {
            "title": "OpenStreetMap contributors",
            "url": f"https://www.openstreetmap.org/{kind}/{osm_id}",
        }
    ]
    fields["licence"] = LICENCE

    uprn = tags.get("identifiers", "ref:GB:uprn")
    radar = fields.get("key_scheme") == KeyScheme.radar.value
    relevant = (category is not Category.public_toilet or radar) and not closed_to_public
    return Candidate(
        where=where,
        source_id=f"{kind}/{osm_id}",
        fields=fields,
        lat=lat,
        lon=lon,
        identifiers={"uprn": uprn} if uprn else {},
        relevant=relevant,
        source_date=source_date,
        warnings=warnings,
    )


@lru_cache(maxsize=4096)
def _hours_problem(expression: str) -> str | None:
    """Why the opening_hours are not valid, or None; remembered, as the same few recur."""
    try:
        hours.check(expression)
    except hours.HoursError as exc:
        return str(exc)
    return None


def _date(text: str) -> dt.date | None:
    """`2024-05-17`, `2024-05` or `2024` (the first day of a month or year); None if not a date."""
    match = DATE_RE.match(text)
    if not match:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
