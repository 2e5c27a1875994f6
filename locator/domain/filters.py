"""What a visitor needs, as one `Filters` value, and its one codec to and from query strings.

`FilterParams` is the query-string form (the API's and `/ogc`'s parameters, the CLI's options,
the pages' checkboxes all go through it); `Filters.query_items()` writes it back for links.
`parse_open_at` and `parse_bbox` are the only parsers of those two values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, TypeAlias

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from locator.domain import hours
from locator.domain.errors import BadParameter
from locator.domain.vocabulary import Access, BenchNeed, Category, HoistNeed, Term

Bbox: TypeAlias = tuple[float, float, float, float]

OPEN_AT_YEARS = (1900, 2200)
OPEN_AT_ALLOWED = f"a date-time in the years {OPEN_AT_YEARS[0]} to {OPEN_AT_YEARS[1]}"
BBOX_ALLOWED = "minLon,minLat,maxLon,maxLat in WGS84 degrees, with min < max"
# A position known to within this is "confirmed"; rougher ones were guessed from an address,
# a postcode or a map (`location_accuracy_m`).
CONFIRMED_POSITION_M = 100.0


@dataclasses.dataclass(frozen=True)
class Filters:
    """Facility filters shared by nearest, listing, OGC items and coverage. None: no filter.

    `open_at` is when the facility must be open (already resolved for `open_now`, which is kept
    so links say "open now" rather than a fixed time); `equals` holds OGC property equality.
    """

    categories: Sequence[str] | None = None
    registered: bool | None = None
    hoist: str | None = None
    bench: str | None = None
    access: Sequence[str] | None = None
    key_free: bool = False
    working: bool = False
    confirmed_position: bool = False
    include_closed: bool = False
    include_unknown: bool = False
    bbox: Bbox | None = None
    open_at: dt.datetime | None = None
    open_now: bool = False
    equals: Sequence[tuple[str, str | bool]] = ()

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as the API's query parameters (`FilterParams` reads them back)."""
        items: list[tuple[str, str]] = []
        if self.categories:
            items.append(("category", ",".join(self.categories)))
        if self.registered is not None:
            items.append(("registered", _flag(self.registered)))
        for name in ("hoist", "bench"):
            value = getattr(self, name)
            if value:
                items.append((name, value))
        if self.access:
            items.append(("access", ",".join(self.access)))
        for name in (
            "key_free",
            "working",
            "confirmed_position",
            "include_closed",
            "include_unknown",
        ):
            if getattr(self, name):
                items.append((name, "true"))
        if self.bbox:
            items.append(("bbox", ",".join(f"{v:g}" for v in self.bbox)))
        if self.open_now:
            items.append(("open_now", "true"))
        elif self.open_at:
            items.append(("open_at", self.open_at.isoformat(timespec="minutes")))
        items += [(name, _flag(v) if isinstance(v, bool) else v) for name, v in self.equals]
        return items


def _flag(value: bool) -> str:
    return "true" if value else "false"


def parse_open_at(value: str | dt.datetime) -> dt.datetime:
    """A time to be open at, in range, with Europe/London when it has no offset."""
    if isinstance(value, str):
        raw = value
        try:
            value = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise BadParameter(
                f"open_at '{raw[:40]}' is not a date and time", "open_at", OPEN_AT_ALLOWED
            ) from None
    low, high = OPEN_AT_YEARS
    when = value if value.tzinfo else value.replace(tzinfo=hours.LONDON)
    # Checked before and after the offset is applied: 2200-12-31T23:59-14:00 is 2201 in UTC.
    if not low <= value.year <= high or not low <= when.astimezone(dt.UTC).year <= high:
        raise BadParameter("open_at is out of range", "open_at", OPEN_AT_ALLOWED)
    return when


def parse_bbox(raw: str | None) -> Bbox | None:
    """`minLon,minLat,maxLon,maxLat` as four floats, checked."""
    if raw is None:
        return None
    try:
        parts = tuple(float(p) for p in raw.split(","))
    except ValueError:
        raise BadParameter("bbox must be four numbers", "bbox", BBOX_ALLOWED) from None
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise BadParameter("bbox must be four finite numbers", "bbox", BBOX_ALLOWED)
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise BadParameter("bbox is out of range or has min >= max", "bbox", BBOX_ALLOWED)
    return minx, miny, maxx, maxy


def parse_list(name: str, raw: str | None, vocabulary: type[Term]) -> list[str] | None:
    """A comma-separated list of vocabulary values, each checked."""
    if raw is None or not raw.strip():
        return None
    values = [part.strip() for part in raw.split(",") if part.strip()]
    for value in values:
        if value not in vocabulary.values():
            raise BadParameter(
                f"Unknown {name} '{value}'",
                field=name,
                allowed="comma-separated: " + ", ".join(vocabulary.values()),
            )
    return values


def _words(vocabulary: type[Term]) -> str:
    return ", ".join(vocabulary.values())


class FilterParams(BaseModel):
    """The facility filters as query parameters: one model, so they are validated in one pass."""

    category: str | None = Field(
        default=None,
        description=f"Comma-separated categories to keep: {_words(Category)}.",
        examples=["changing_places"],
    )
    registered: bool | None = Field(
        default=None, description="true: only facilities on the national Changing Places register."
    )
    hoist: HoistNeed | None = Field(
        default=None,
        description="Hoist needed: `any` hoist, `ceiling_track` (any ceiling track), "
        "or an exact type.",
    )
    bench: BenchNeed | None = Field(
        default=None,
        description="Bench needed: `any` bench, `height_adjustable`, or an exact type.",
    )
    access: str | None = Field(
        default=None, description=f"Comma-separated access kinds to keep: {_words(Access)}."
    )
    key_free: bool = Field(
        default=False,
        description="true: only facilities known to need no key (no RADAR or other key).",
    )
    working: bool = Field(
        default=False,
        description="true: leave out facilities with a hoist or bench reported out of order.",
    )
    confirmed_position: bool = Field(
        default=False,
        description="true: only facilities whose position is known to within "
        f"{CONFIRMED_POSITION_M:g} m (`location_accuracy_m`), not guessed from an address or "
        "a postcode.",
    )
    open_at: dt.datetime | None = Field(
        default=None,
        description="Only facilities open at this ISO 8601 date-time (no offset: "
        "Europe/London), e.g. when you expect to arrive; a number (Unix time) is refused. "
        "Hours that are unknown do not count as open. Excludes `open_now`: give one or the "
        "other, not both (422).",
        examples=["2026-11-23T14:30"],
    )
    open_now: bool = Field(
        default=False,
        description="true: only facilities open now (Europe/London). Excludes `open_at`: give "
        "one or the other, not both (422).",
    )
    include_closed: bool = Field(
        default=False,
        description="true: also list facilities that are temporarily or permanently closed.",
    )
    include_unknown: bool = Field(
        default=False,
        description="true: a filter also keeps facilities where that attribute is not known "
        "(they say `null`). Default: only facilities known to match.",
    )

    @field_validator("open_at", mode="before")
    @classmethod
    def _no_unix_time(cls, value: Any) -> Any:
        """Refuse a bare number, which pydantic would read as seconds since 1970."""
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return value
        elif not isinstance(value, int | float):
            return value
        raise PydanticCustomError(
            "datetime_parsing",
            "a number is not a date-time: give one such as 2026-12-01T14:30",
        )

    def filters(self, **extra: Any) -> Filters:
        """The checked filters (plus `extra` fields such as bbox); BadParameter names a fault."""
        if self.open_at is not None and self.open_now:
            raise BadParameter(
                "open_at and open_now exclude each other: give one or the other, not both",
                field="open_at",
                allowed="open_at or open_now, not both",
            )
        when = parse_open_at(self.open_at) if self.open_at is not None else None
        filters = Filters(
            categories=parse_list("category", self.category, Category),
            registered=self.registered,
            hoist=self.hoist.value if self.hoist else None,
            bench=self.bench.value if self.bench else None,
            access=parse_list("access", self.access, Access),
            key_free=self.key_free,
            working=self.working,
            confirmed_position=self.confirmed_position,
            include_closed=self.include_closed,
            include_unknown=self.include_unknown,
            open_at=hours.now() if self.open_now else when,
            open_now=self.open_now,
        )
        return dataclasses.replace(filters, **extra)
