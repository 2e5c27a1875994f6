"""The facility record as clients and data files see it: one pydantic model, validated once.

Field names follow A11yJSON / OpenStreetMap where they have a counterpart (noted per field), so
OSM and council CSV imports map onto them without renaming. Every attribute a person reads is
optional: ``None`` means *not known*, which is never the same as "no".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from locator.domain import hours, postcodes
from locator.domain.vocabulary import (
    Access,
    Bench,
    Category,
    EquipmentItem,
    Hoist,
    KeyScheme,
    Status,
    ToiletLayout,
)

# Text PostgreSQL cannot store: a NUL character, or a lone surrogate (not valid UTF-8).
UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    """The text, unless PostgreSQL cannot store it."""
    found = UNSTORABLE_RE.search(value)
    if found and found.group() == "\x00":
        raise ValueError("contains a NUL character (\\u0000)")
    if found:
        raise ValueError("contains a lone surrogate (\\ud800-\\udfff): not valid Unicode text")
    return value


# Every text of the record: checked once, when it is read.
Text = Annotated[str, AfterValidator(_storable)]


def _link(*schemes: str) -> AfterValidator:
    """A link a page may render: one of `schemes` (never `javascript:` or `data:`); a bare
    `www.example.org` is taken as https."""

    def check(value: str) -> str:
        value = value.strip()
        scheme = urlsplit(value).scheme.lower()  # drops tabs and newlines, as browsers do
        if not scheme and "." in value and not any(c.isspace() for c in value):
            return "https://" + value
        if scheme not in schemes:
            raise ValueError(f"must be a link starting with {' or '.join(schemes)}:")
        if scheme == "tel" and not TEL_RE.fullmatch(value):
            raise ValueError("must be a phone number after tel:, e.g. tel:+44 24 7683 2222")
        return value

    return AfterValidator(check)


TEL_RE = re.compile(r"tel:\+?[0-9][0-9 ()-]{2,24}", re.IGNORECASE)
WebLink = Annotated[str, AfterValidator(_storable), _link("https", "http")]
# Where to report a fault: the venue's page, an email address or a phone line.
ReportLink = Annotated[str, AfterValidator(_storable), _link("https", "http", "mailto", "tel")]


class EquipmentStatus(BaseModel):
    """The latest known state of one item: "hoist out of order since Tuesday"."""

    model_config = ConfigDict(extra="forbid")

    item: EquipmentItem
    working: bool | None = Field(description="true working, false out of order, null unknown")
    reason: Text | None = None
    reported_at: dt.datetime | None = Field(
        default=None, description="When the state was reported (ISO 8601; no offset: UK time)."
    )
    expected_fix: dt.date | None = None
    source: Text | None = Field(
        default=None, description="Who or what reported it, e.g. `public report #12`."
    )
    confirmed: bool = Field(
        default=True,
        description="false: a visitor reported it and no editor has confirmed it yet "
        "(shown at once: safety first).",
    )

    @field_validator("reported_at")
    @classmethod
    def _uk_time(cls, value: dt.datetime | None) -> dt.datetime | None:
        """Naive times are UK local time; all are kept in UTC so stored and loaded compare equal."""
        return None if value is None else hours.as_utc(value)


class Source(BaseModel):
    """Where a fact came from, so a reader can check it."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    url: WebLink | None = None
    note: Text | None = None


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
MAX_ID_LENGTH = 120

Metres = Annotated[float, Field(gt=0, lt=100)]
Bool = bool | None


class FacilityProperties(BaseModel):
    """Everything known about one facility, except its position (the GeoJSON geometry)."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    name: Text = Field(min_length=1, max_length=200)
    operator: Text | None = Field(default=None, description="OSM `operator`.")
    venue_type: Text | None = Field(
        default=None, description="What the venue is: park, library, station, supermarket..."
    )
    category: Category
    registered: Bool = Field(
        default=None, description="On the national Changing Places register (null: not known)."
    )
    address: Text | None = None
    locality: Text | None = Field(default=None, description="Town or city, e.g. Coventry.")
    postcode: Text | None = Field(default=None, description="UK postcode, e.g. CV1 1FY.")
    location_accuracy_m: float | None = Field(
        default=None, ge=0, le=100_000, description="Radius within which the facility lies."
    )
    location_in_venue: Text | None = Field(
        default=None, description='Where it is inside the venue: "far side of platform 1".'
    )
    floor_level: Text | None = Field(default=None, description="OSM `level`, e.g. 0 or -1.")
    opening_hours: Text | None = Field(
        default=None, description="OpenStreetMap `opening_hours` syntax, e.g. `Mo-Sa 09:00-17:00`."
    )
    opening_hours_note: Text | None = None
    access: Access | None = None
    key_scheme: KeyScheme | None = None
    key_holder: Text | None = Field(default=None, description="Who holds the key.")
    entry_phone: Text | None = Field(default=None, description="Number to call to get in.")
    room_area_m2: float | None = Field(default=None, gt=0, lt=1000)
    room_width_m: Metres | None = None
    room_length_m: Metres | None = None
    ceiling_height_m: Metres | None = None
    door_width_m: Metres | None = None
    hoist: Hoist | None = None
    hoist_swl_kg: float | None = Field(
        default=None, gt=0, lt=1000, description="Safe working load."
    )
    bench: Bench | None = None
    bench_length_m: Metres | None = None
    toilet_layout: ToiletLayout | None = None
    transfer_left: Bool = None
    transfer_right: Bool = None
    washbasin_height_adjustable: Bool = None
    privacy_screen: Bool = None
    shower: Bool = None
    emergency_alarm: Bool = None
    wide_paper_roll: Bool = None
    large_bin: Bool = None
    non_slip_floor: Bool = None
    carer_space: Bool = Field(default=None, description="Room for up to two carers.")
    phone: Text | None = None
    email: Text | None = None
    website: WebLink | None = None
    report_url: ReportLink | None = Field(
        default=None, description="The operator's own place to report a problem."
    )
    status: Status | None = Field(default=None, description="null: not known.")
    status_note: Text | None = Field(
        default=None, description="Why it is closed, or anything else about its status."
    )
    reopens_on: dt.date | None = Field(
        default=None, description="When a temporarily closed facility expects to reopen."
    )
    equipment_status: list[EquipmentStatus] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    licence: Text | None = None
    last_verified: dt.date | None = Field(
        default=None, description="When someone last confirmed this record (null: never)."
    )
    verified_by: Text | None = Field(
        default=None, description='Who confirmed it and how, e.g. "editor #3, on site".'
    )
    unverified: list[Text] = Field(
        default_factory=list, description="Fields whose values come from no confirming source."
    )
    notes: Text | None = None

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        return None if value is None else postcodes.tidy(value)

    @field_validator("opening_hours")
    @classmethod
    def _opening_hours(cls, value: str | None) -> str | None:
        if value is not None:
            hours.check(value)
        return value

    @model_validator(mode="after")
    def _unverified_names_fields(self) -> FacilityProperties:
        if not self.unverified and len(self.equipment_status) < 2:
            return self  # nothing to check (the usual case: cheap for large loads)
        fields = type(self).model_fields
        unknown = {name for name in self.unverified if name not in fields} - {"location"}
        if unknown:
            raise ValueError(f"unverified names unknown fields: {sorted(unknown)}")
        items = [s.item for s in self.equipment_status]
        if len(items) != len(set(items)):
            raise ValueError("equipment_status lists an item twice")
        return self


class FacilityRecord(FacilityProperties):
    """A facility with its id and position, as stored."""

    id: Text = Field(
        min_length=1, max_length=MAX_ID_LENGTH, description="Stable slug, e.g. `central-library`."
    )
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError("must be a lower-case slug such as `central-library`")
        return value


STATE_FIELDS = EquipmentStatus.model_fields


def record_from_row(row: Mapping[str, Any]) -> FacilityRecord:
    """A stored facility (id, lat, lon and its fields) as the record a data file would hold.

    Visitors' unconfirmed reports are not part of the record: loads, imports and exports neither
    see nor overwrite them.
    """
    fields = FacilityRecord.model_fields
    record = {k: v for k, v in dict(row).items() if k in fields}
    if record.get("equipment_status"):
        record["equipment_status"] = [
            {k: v for k, v in state.items() if k in STATE_FIELDS}
            for state in record["equipment_status"]
            if state.get("confirmed", True)
        ]
    return FacilityRecord.model_validate(record)
