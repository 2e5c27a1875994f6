"""Turn what a person types (postcode, district, ward, place or facility name) into a point.

Offline by default: the imported postcode directory (table `postcodes`) and the gazetteer in
`data/gazetteer.csv`. A full postcode the directory lacks falls back to its sector, then its
district, and says so with the likely error (a radius that holds for 95 % of the area's postcodes,
see `services/postcodes.stated_radius_m`). A postcode of an area we hold nothing for says so.
Coordinates typed as `52.40,-1.51` or `52.40 -1.51` are taken as they are. Matching forgives
case, spacing, O/0 and I/1 mix-ups in postcodes and small typos in names. Nominatim (through
geopy) is asked first only when the `online_geocoder` setting is on; local data answers whenever
it fails. Queries are never logged.
"""

from __future__ import annotations

import asyncio
import csv
import difflib
import math
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from locator.domain.errors import BadParameter, NotFound
from locator.domain.postcodes import FULL_RE, OUTWARD_RE, compact, spaced
from locator.domain.words import distance_words
from locator.settings import DATA_DIR, Settings
from locator.store import postcodes
from locator.store.sql import Executor

GAZETTEER = DATA_DIR / "gazetteer.csv"
MAX_QUERY = 100
NAME_CUTOFF = 0.75

KIND_WORDS = {
    "postcode": "postcode",
    "sector": "postcode sector",
    "district": "postcode district",
    "ward": "ward",
    "place": "place",
    "facility": "facility",
    "online": "address search",
    "coordinates": "coordinates",
}

# Likely error of a Code-Point point by positional quality (metres): 10-40 lie within the
# postcode unit, 50 is estimated from neighbours, 60 is the sector's mean.
QUALITY_ERROR_M = {10: 100, 20: 100, 30: 150, 40: 200, 50: 500, 60: 1500}

# Decimal degrees, latitude first, split by a comma or spaces: "52.40,-1.51", "52.40 -1.51".
DEGREES = r"([+-]?\d{1,3}(?:\.(\d+))?)"
COORDINATES_RE = re.compile(rf"^{DEGREES}\s*(?:,|\s)\s*{DEGREES}$")
METRES_PER_DEGREE = 111_320
# Typed coordinates closer than this are not called approximate.
EXACT_M = 100


@dataclass(frozen=True)
class Place:
    """A point found for a query; `approximate` places say how far off they may be."""

    name: str
    kind: str
    lat: float
    lon: float
    error_m: int
    approximate: bool
    source: str
    note: str | None = None

    @property
    def kind_text(self) -> str:
        """The kind in words: "postcode sector"."""
        return KIND_WORDS.get(self.kind, self.kind)

    def as_json(self) -> dict[str, Any]:
        """The API's body."""
        return {
            "name": self.name,
            "kind": self.kind,
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "approximate": self.approximate,
            "error_m": self.error_m,
            "source": self.source,
            "note": self.note,
        }


QUERY_ALLOWED = "a postcode (CV1 1FY), a postcode district (CV1), a ward, place or facility"


class PlaceNotFound(NotFound):
    """Nothing matched; `suggestions` are names that nearly did."""

    def __init__(self, query: str, suggestions: list[str], detail: str | None = None) -> None:
        could_not = (
            f"We could not find '{query}'. Try a full postcode such as CV1 1FY, or a place name."
        )
        super().__init__(detail or could_not, field="q", allowed=QUERY_ALLOWED)
        self.suggestions = suggestions

    def body(self) -> dict[str, Any]:
        """The JSON body, with suggestions."""
        return {**super().body(), "suggestions": self.suggestions}


class AreaNotHeld(PlaceNotFound):
    """A postcode (or district) of an area whose postcodes we do not hold at all."""

    def __init__(self, query: str, district: str) -> None:
        super().__init__(
            query,
            [],
            f"We do not hold postcodes for that area yet ({district}): try a town or place name.",
        )


class SearchRejected(BadParameter):
    """What was typed or sent cannot be searched for as it is; the detail says how to put it
    right (pages show it above the form, as they show PlaceNotFound)."""

    suggestions: tuple[str, ...] = ()


@dataclass
class Gazetteer:
    """The rows of data/gazetteer.csv, indexed for postcode and name look-ups."""

    by_code: dict[tuple[str, str], Place] = field(default_factory=dict)
    names: dict[str, Place] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = GAZETTEER) -> Gazetteer:
        """Read the CSV once."""
        gazetteer = cls()
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                kind = row["kind"]
                place = Place(
                    name=row["name"],
                    kind=kind,
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    error_m=int(row["error_m"]),
                    approximate=kind in ("sector", "district", "ward"),
                    source=row["source"],
                )
                if kind in ("postcode", "sector", "district"):
                    gazetteer.by_code[(kind, compact(row["name"]))] = place
                else:
                    gazetteer.names.setdefault(name_key(row["name"]), place)
        return gazetteer

    def code(self, kind: str, code: str) -> Place | None:
        """The postcode, sector or district row for a compact code."""
        return self.by_code.get((kind, code))

    def stand_in(self, code: str) -> Place | None:
        """For a compact full postcode the directory lacks: its own row if the gazetteer has
        one, else its sector's point, else its district's, saying so and how far off it may be."""
        full = FULL_RE.match(code)
        if not full:
            return None
        own = self.code("postcode", code)
        if own:
            return own
        outward, sector_digit, _ = full.groups()
        for kind, key in (("sector", outward + sector_digit), ("district", outward)):
            area = self.code(kind, key)
            if area:
                return _fallback(area, spaced(code))
        return None

    @cached_property
    def areas(self) -> set[str]:
        """The postcode areas ("CV") that some postcode, sector or district row lies in."""
        return {area_of(code) for _, code in self.by_code}

    def match_names(self, query: str) -> list[Place]:
        """Places whose name matches: exactly, by every word, then by similar spelling."""
        key = name_key(query)
        if not key:
            return []
        if key in self.names:
            return [self.names[key]]
        words = key.split()
        containing = [p for k, p in self.names.items() if all(_has_word(k, w) for w in words)]
        if containing:
            return sorted(containing, key=lambda p: len(p.name))
        scored = sorted(
            ((_similarity(key, k), p) for k, p in self.names.items()),
            key=lambda pair: pair[0],
            reverse=True,
        )
        return [p for score, p in scored if score >= NAME_CUTOFF]

    def suggestions(self, query: str, limit: int = 3) -> list[str]:
        """Names spelled a little like the query, for a "did you mean" list."""
        scored = sorted(
            ((_similarity(name_key(query), k), p.name) for k, p in self.names.items()),
            reverse=True,
        )
        return [name for score, name in scored[:limit] if score >= 0.5]


def area_of(code: str) -> str:
    """The postcode area of a compact code: the letters it starts with ("CV" of "CV11FY")."""
    found = re.match(r"[A-Z]*", code)
    return found.group(0) if found else ""


def coordinates(query: str) -> Place | None:
    """A point typed as decimal degrees, latitude first; its error is what the decimals given
    can say (two decimals: about 660 m). SearchRejected when out of range."""
    found = COORDINATES_RE.match(query)
    if not found:
        return None
    lat, lon = float(found.group(1)), float(found.group(3))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SearchRejected(
            "Coordinates need the latitude (-90 to 90) first, then the longitude (-180 to 180), "
            "such as 52.40,-1.51.",
            field="q",
            allowed="latitude,longitude in decimal degrees",
        )
    decimals = min(len(found.group(2) or ""), len(found.group(4) or ""))
    half = 0.5 * 10.0**-decimals * METRES_PER_DEGREE
    error = math.hypot(half, half * math.cos(math.radians(lat)))
    error_m = max(10, math.ceil(error / 10) * 10)
    return Place(
        name=f"{found.group(1)}, {found.group(3)}",
        kind="coordinates",
        lat=lat,
        lon=lon,
        error_m=error_m,
        approximate=error_m > EXACT_M,
        source="the coordinates typed",
    )


def name_key(text: str) -> str:
    """Lower case words without punctuation or a leading "the"."""
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "")).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _has_word(name: str, word: str) -> bool:
    return any(part.startswith(word) for part in name.split())


def _similarity(query: str, name: str) -> float:
    """Best of whole-name and per-word similarity, so "earlsdn" finds "Earlsdon"."""
    whole = difflib.SequenceMatcher(None, query, name).ratio()
    words = query.split()
    if len(words) == 1:
        parts = name.split()
        best = max(difflib.SequenceMatcher(None, query, part).ratio() for part in parts)
        return max(whole, best - 0.05)
    return whole


def fix_postcode(text: str) -> str:
    """Undo the usual O/0 and I/1 slips where the postcode format says which is meant."""
    code = compact(text)
    if not 5 <= len(code) <= 7:
        return code
    outward, inward = code[:-3], code[-3:]
    digit = {"O": "0", "I": "1", "L": "1"}
    letter = {"0": "O", "1": "I", "5": "S"}
    inward = digit.get(inward[0], inward[0]) + "".join(letter.get(c, c) for c in inward[1:])
    area_len = 2 if len(outward) >= 3 and not outward[1].isdigit() else 1
    area = "".join(letter.get(c, c) for c in outward[:area_len])
    rest = outward[area_len:]
    if rest:
        rest = digit.get(rest[0], rest[0]) + rest[1:]
    return area + rest + inward


async def _directory(conn: Executor, postcode: str) -> Place | None:
    """The imported directory's point for a full postcode ("CV1 1FY"), if it holds it."""
    row = await postcodes.lookup(conn, postcode)
    if row is None:
        return None
    quality = row["quality"]
    return Place(
        name=postcode,
        kind="postcode",
        lat=row["lat"],
        lon=row["lon"],
        error_m=QUALITY_ERROR_M.get(quality, 1500),
        approximate=quality >= 50,
        source="postcode directory (Code-Point Open)",
    )


def _fallback(place: Place, wanted: str) -> Place:
    """A sector or district point standing in for a full postcode we do not hold."""
    return Place(
        name=place.name,
        kind=place.kind,
        lat=place.lat,
        lon=place.lon,
        error_m=place.error_m,
        approximate=True,
        source=place.source,
        note=(
            f"We do not hold {wanted} itself, so this is the middle of {KIND_WORDS[place.kind]} "
            f"{place.name}, within about {distance_words(place.error_m)}."
        ),
    )


async def _postcode(conn: Executor, gazetteer: Gazetteer, code: str, sector: bool) -> Place | None:
    """A full postcode, sector ("CV1 1", typed with its space) or district, most precise first."""
    if FULL_RE.match(code):
        return await _directory(conn, spaced(code)) or gazetteer.stand_in(code)
    if sector and OUTWARD_RE.match(code[:-1]) and code[-1].isdigit():
        return gazetteer.code("sector", code)
    if OUTWARD_RE.match(code):
        return gazetteer.code("district", code)
    return None


def _looks_like_postcode(code: str) -> bool:
    return bool(re.match(r"^[A-Z]{1,2}[0-9]", code)) and len(code) <= 7


def _district(code: str, sector: bool) -> str:
    """The district a compact full postcode, sector or district belongs to ("B1" of "B11AA")."""
    full = FULL_RE.match(code)
    if full:
        return full.group(1)
    return code[:-1] if sector else code


async def _area_held(conn: Executor, places: Gazetteer, code: str) -> bool:
    """Whether the gazetteer or the postcode directory holds anything in the code's area."""
    area = area_of(code)
    if area in places.areas:
        return True
    near = await postcodes.neighbours(conn, spaced(code) if FULL_RE.match(code) else code)
    return any(area_of(compact(other)) == area for other in near)


async def _online(query: str, settings: Settings) -> Place | None:
    """Nominatim's first answer in Great Britain, or None on any failure or timeout."""
    from geopy.exc import GeopyError
    from geopy.geocoders import Nominatim

    geocoder = Nominatim(
        user_agent=settings.geocoder_user_agent,
        domain=settings.nominatim_domain,
        timeout=settings.geocoder_timeout_s,
    )
    try:
        found = await asyncio.wait_for(
            asyncio.to_thread(geocoder.geocode, query, country_codes="gb"),
            timeout=settings.geocoder_timeout_s + 1,
        )
    except (GeopyError, TimeoutError, OSError):
        return None
    if found is None:
        return None
    return Place(
        name=str(found.address),
        kind="online",
        lat=float(found.latitude),
        lon=float(found.longitude),
        error_m=100,
        approximate=False,
        source=f"Nominatim ({settings.nominatim_domain}), OpenStreetMap data",
    )


@lru_cache
def gazetteer() -> Gazetteer:
    """The gazetteer, read once per process."""
    return Gazetteer.load()


async def geocode(conn: Executor, query: str, settings: Settings) -> Place:
    """The best point for the query, or PlaceNotFound with suggestions (AreaNotHeld for a
    postcode of an area we hold nothing for); SearchRejected when it cannot be a search."""
    query = " ".join(query.split())
    if len(query) > MAX_QUERY:
        raise SearchRejected(
            f"Your search is {len(query)} characters long: please type at most {MAX_QUERY}, "
            "such as a postcode, a place or a facility name.",
            field="q",
            allowed=f"at most {MAX_QUERY} characters",
        )
    typed = coordinates(query)
    if typed:
        return typed
    if settings.online_geocoder and query:
        online = await _online(query, settings)
        if online:
            return online
    places = gazetteer()
    code = fix_postcode(query)
    postcode_like = _looks_like_postcode(code)
    sector = bool(re.search(r"\s[0-9]$", query))
    if postcode_like:
        found = await _postcode(conn, places, code, sector)
        if found:
            return found
    matches = places.match_names(query)
    if matches:
        return matches[0]
    if postcode_like and not await _area_held(conn, places, code):
        raise AreaNotHeld(query, _district(code, sector))
    raise PlaceNotFound(query, places.suggestions(query))
