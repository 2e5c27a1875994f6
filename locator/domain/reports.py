"""Public problem reports: what a visitor may say, and what it changes at once.

Safety first: a "not working" or "closed" report changes the facility's equipment state as soon
as it arrives, marked unconfirmed, so nobody sets out for a broken hoist while the report waits
for an editor. An `all_fine` report (a visitor's verification) clears such states.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from locator.domain import hours
from locator.domain.record import FacilityProperties, Text
from locator.domain.vocabulary import EquipmentItem, ReportItem, ReportKind

MAX_DETAILS = 1000
# Fields a visitor can say are wrong: every property, and where the pin is.
REPORTABLE_FIELDS = ["location", *(n for n in FacilityProperties.model_fields if n != "sources")]
# Loose on purpose: a contact address is optional and only an editor ever writes to it.
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# A report of something seen in the future or long ago is a typo, not a fact.
SEEN_WITHIN = dt.timedelta(days=60)
CLOCK_SKEW = dt.timedelta(minutes=10)


class ReportIn(BaseModel):
    """A visitor's report, as the API and the form take it."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    kind: ReportKind
    item: ReportItem | None = Field(
        default=None, description="Which item is not working (equipment_not_working only)."
    )
    field: str | None = Field(
        default=None,
        description="Which information is wrong (information_wrong only): a property name "
        "such as `opening_hours`, or `location`.",
    )
    correction: Text | None = Field(
        default=None, max_length=500, description="What is right (information_wrong only)."
    )
    seen_at: dt.datetime | None = Field(
        default=None,
        description="When the visitor saw it (ISO 8601; no offset: UK time). Default: now.",
    )
    details: Text | None = Field(
        default=None, max_length=MAX_DETAILS, description="Anything else, as plain text."
    )
    email: str | None = Field(
        default=None,
        max_length=254,
        description="To ask you about it; never shown, deleted 90 days after the report closes.",
    )

    @field_validator("seen_at")
    @classmethod
    def _recent(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        value, now = hours.as_utc(value), dt.datetime.now(dt.UTC)
        if value > now + CLOCK_SKEW:
            raise ValueError("must not be in the future")
        if value < now - SEEN_WITHIN:
            raise ValueError(f"must be within the last {SEEN_WITHIN.days} days")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if not EMAIL_RE.match(value):
            raise ValueError("is not an email address")
        return value

    @field_validator("details", "correction")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @model_validator(mode="after")
    def _kind_needs(self) -> ReportIn:
        if self.kind == ReportKind.equipment_not_working and self.item is None:
            raise ValueError("equipment_not_working needs `item`: " + ", ".join(ReportItem))
        if self.kind != ReportKind.equipment_not_working and self.item is not None:
            raise ValueError("`item` is only for equipment_not_working")
        if self.kind == ReportKind.information_wrong:
            if self.field not in REPORTABLE_FIELDS:
                raise ValueError("information_wrong needs `field`: one of the property names")
            if not self.correction:
                raise ValueError("information_wrong needs `correction`: what is right")
        elif self.field is not None or self.correction is not None:
            raise ValueError("`field` and `correction` are only for information_wrong")
        return self


@dataclass(frozen=True)
class StateChange:
    """An equipment state a report sets at once."""

    item: EquipmentItem
    working: bool
    reason: str


def immediate_changes(report: ReportIn, present: set[EquipmentItem]) -> list[StateChange]:
    """The states a report sets before any editor sees it.

    `present` is what an `all_fine` report vouches for: the items the facility is known to have
    and every item that has a state (a reported fault included).
    """
    if report.kind == ReportKind.equipment_not_working:
        assert report.item is not None
        item = ReportItem(report.item).equipment
        return [StateChange(item, False, "Reported not working by a visitor")]
    if report.kind == ReportKind.closed_or_locked:
        return [StateChange(EquipmentItem.entry, False, "Found closed or locked by a visitor")]
    if report.kind == ReportKind.all_fine:
        return [StateChange(i, True, "A visitor found it working") for i in sorted(present)]
    return []


def reference(report_id: int) -> str:
    """The reference a reporter is given, and editors search by."""
    return f"R{report_id}"


def public_source(report_id: int) -> str:
    """How a reported state names where it came from."""
    return f"public report #{report_id}"
