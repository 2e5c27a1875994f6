"""What every format's reader yields: a source record mapped onto our fields, or a rejection.

Readers know their format only; matching, ownership of fields, duplicates, closing and writing
are the engine's. A reader says what the source says and nothing more: a field the source is
silent about is left out of `fields` (unknown), never set to "no".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from locator.domain.vocabulary import Access, KeyScheme

# Great Britain with its islands (Scilly to Shetland), for "are these coordinates swapped?".
GB_BOUNDS = (-8.8, 49.8, 2.0, 61.0)  # min lon, min lat, max lon, max lat


@dataclass
class Candidate:
    """One record of a source file, in our vocabulary.

    `source_id` is the source's own stable id (OSM `node/123`, a Toilet Map id, a council's
    UPRN or row id); `identifiers` holds other ids worth matching on (`{"uprn": "..."}`).
    `fields` holds FacilityProperties fields the source says something about; `relevant` is
    whether the record is known or likely to serve our users (a Changing Places or adult
    changing bench mention, an accessible toilet, a RADAR key); `active` False means the source
    says it has gone, with `removal_reason`.
    """

    where: str
    source_id: str
    fields: dict[str, Any]
    lat: float | None = None
    lon: float | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    relevant: bool = True
    active: bool = True
    removal_reason: str | None = None
    source_date: dt.date | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rejected:
    """A record that cannot come in: where it is, which field, and why."""

    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: field '{self.field}': {self.reason}"


def swapped(lat: float, lon: float) -> bool:
    """Whether (lat, lon) lies outside Great Britain but (lon, lat) inside: swapped columns."""
    minx, miny, maxx, maxy = GB_BOUNDS

    def inside(x: float, y: float) -> bool:
        return minx <= x <= maxx and miny <= y <= maxy

    return not inside(lon, lat) and inside(lat, lon)


def in_great_britain(lat: float, lon: float) -> bool:
    """Whether the point lies within Great Britain's bounds (islands included)."""
    minx, miny, maxx, maxy = GB_BOUNDS
    return minx <= lon <= maxx and miny <= lat <= maxy


class ImportFileError(ValueError):
    """The file cannot be read at all (not found, not this format, not UTF-8...): the message
    names the file and, where it can, the line."""


# What counts as a Changing Places or adult changing bench mention in free text.
CHANGING_PLACES_RE = re.compile(
    r"changing[\s_-]*places?|adult[\s_-]*chang|hoist|space[\s_-]*to[\s_-]*change", re.IGNORECASE
)


def mentions_changing_places(*texts: str | None) -> bool:
    """Whether any text mentions a Changing Places toilet, an adult changing bench or a hoist."""
    return any(text and CHANGING_PLACES_RE.search(text) for text in texts)


def radar_fields(radar: bool | None) -> dict[str, str]:
    """What a source's "RADAR key needed" yes / no / unknown says in our fields."""
    if radar is True:
        return {"key_scheme": KeyScheme.radar.value, "access": Access.key.value}
    if radar is False:
        return {"key_scheme": KeyScheme.none.value}
    return {}
