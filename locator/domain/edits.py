"""Editors' changes: a source with every change, explicit "unknown", closures with a reason.

A change names the properties it sets (`null` sets one to unknown); the result is validated as a
whole record, so an edit can never store what a data file could not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from locator.domain.errors import BadParameter
from locator.domain.record import FacilityRecord, Text
from locator.domain.vocabulary import Status

# What an edit may set: every property, and the position; never the id or the sources list
# (each change's source is added to it).
EDITABLE = [n for n in FacilityRecord.model_fields if n not in ("id", "sources")]
HOW_VERIFIED = {"on_site": "on site", "by_phone": "by phone"}


class ChangeSource(BaseModel):
    """Where the editor learned it: required with every change."""

    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=3, max_length=200, examples=["Phoned the venue"])
    url: Text | None = Field(default=None, max_length=500)
    date: dt.date = Field(description="When the source said it.")

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) address")
        return value or None

    @field_validator("date")
    @classmethod
    def _not_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today() + dt.timedelta(days=1):
            raise ValueError("must not be in the future")
        return value


class FacilityChange(BaseModel):
    """`PATCH /api/v1/facilities/{id}`: the properties to set, why, and the source."""

    model_config = ConfigDict(extra="forbid")

    set: dict[str, Any] = Field(
        min_length=1,
        description='Properties to set (`null`: not known), e.g. `{"hoist": "mobile"}`; '
        "`lat`/`lon` move it; `equipment_status` replaces the confirmed states.",
    )
    source: ChangeSource
    reason: Text | None = Field(default=None, max_length=500)

    @field_validator("set")
    @classmethod
    def _editable(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(EDITABLE))
        if unknown:
            raise ValueError(f"cannot set {', '.join(unknown)}; allowed: {', '.join(EDITABLE)}")
        return value


class NewFacility(BaseModel):
    """`POST /api/v1/facilities`: a whole record and its source."""

    model_config = ConfigDict(extra="forbid")

    facility: FacilityRecord
    source: ChangeSource
    reason: Text | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _closure_has_reason(self) -> NewFacility:
        check_closure(self.facility)
        return self


def check_closure(record: FacilityRecord) -> None:
    """A closure says why; a temporary one may say when it reopens, a permanent one may not."""
    if record.status in (Status.temporarily_closed, Status.permanently_closed):
        if not record.status_note:
            raise BadParameter(
                "A closed facility needs status_note: why it is closed", "status_note"
            )
    if record.reopens_on and record.status != Status.temporarily_closed:
        raise BadParameter("reopens_on is only for a temporarily closed facility", "reopens_on")


def source_entry(source: ChangeSource, fields: list[str]) -> dict[str, Any]:
    """The source as the record's `sources` lists it, saying what it was used for."""
    return {
        "title": source.title,
        "url": source.url,
        "note": f"{source.date.isoformat()}: {', '.join(fields)}",
    }


def apply(record: FacilityRecord, change: FacilityChange, now: dt.datetime) -> FacilityRecord:
    """The record with the change made, validated whole; the source joins its sources."""
    data = record.model_dump(mode="json")
    values = dict(change.set)
    for state in values.get("equipment_status") or []:
        if isinstance(state, dict):
            state.setdefault("reported_at", now.isoformat())
            state.setdefault("source", change.source.title)
    data.update(values)
    data["sources"] = [*data["sources"], source_entry(change.source, sorted(values))]
    new = FacilityRecord.model_validate(data)
    check_closure(new)
    return new
