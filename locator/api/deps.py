"""Typed dependencies shared by the routers: a database connection and the facility filters."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

import asyncpg
from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from locator import hours, schema
from locator.errors import BadParameter
from locator.queries import Filters
from locator.settings import Settings


async def database(request: Request) -> asyncpg.Pool:
    """The worker's connection pool; each query borrows a connection for its own length."""
    pool: asyncpg.Pool = request.app.state.pool
    return pool


Db = Annotated[asyncpg.Pool, Depends(database)]


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (tests give each app its own)."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(app_settings)]


def _enum_list(name: str, raw: str | None, enum: type[StrEnum]) -> list[str] | None:
    if raw is None or not raw.strip():
        return None
    allowed = [member.value for member in enum]
    values = [part.strip() for part in raw.split(",") if part.strip()]
    for value in values:
        if value not in allowed:
            raise BadParameter(
                f"Unknown {name} '{value}'",
                field=name,
                allowed="comma-separated: " + ", ".join(allowed),
            )
    return values


class HoistFilter(StrEnum):
    """The hoist a visitor needs: any, any ceiling track, or one exact type."""

    any = "any"
    ceiling_track = "ceiling_track"
    ceiling_track_full_room = "ceiling_track_full_room"
    ceiling_track_partial = "ceiling_track_partial"
    mobile = "mobile"
    present = "present"


class BenchFilter(StrEnum):
    """The bench a visitor needs: any, any height-adjustable one, or one exact type."""

    any = "any"
    height_adjustable = "height_adjustable"
    height_adjustable_wall = "height_adjustable_wall"
    height_adjustable_free_standing = "height_adjustable_free_standing"
    fixed = "fixed"
    present = "present"


CATEGORY_VALUES = ", ".join(c.value for c in schema.Category)
ACCESS_VALUES = ", ".join(a.value for a in schema.Access)


class FilterParams(BaseModel):
    """The facility filters as query parameters: one model, so they are validated in one pass."""

    category: str | None = Field(
        default=None,
        description=f"Comma-separated categories to keep: {CATEGORY_VALUES}.",
        examples=["changing_places"],
    )
    registered: bool | None = Field(
        default=None, description="true: only facilities on the national Changing Places register."
    )
    hoist: HoistFilter | None = Field(
        default=None,
        description="Hoist needed: `any` hoist, `ceiling_track` (any ceiling track), "
        "or an exact type.",
    )
    bench: BenchFilter | None = Field(
        default=None,
        description="Bench needed: `any` bench, `height_adjustable`, or an exact type.",
    )
    access: str | None = Field(
        default=None, description=f"Comma-separated access kinds to keep: {ACCESS_VALUES}."
    )
    key_free: bool = Field(
        default=False,
        description="true: only facilities known to need no key (no RADAR or other key).",
    )
    working: bool = Field(
        default=False,
        description="true: leave out facilities with a hoist or bench reported out of order.",
    )
    open_at: dt.datetime | None = Field(
        default=None,
        description="Only facilities open at this ISO 8601 time (no offset: Europe/London), "
        "e.g. when you expect to arrive. Hours that are unknown do not count as open.",
        examples=["2026-11-23T14:30"],
    )
    open_now: bool = Field(
        default=False, description="true: only facilities open now (Europe/London)."
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

    def filters(self) -> Filters:
        """The checked filters; raises BadParameter naming what is wrong."""
        if self.open_at is not None and self.open_now:
            raise BadParameter(
                "Give open_at or open_now, not both",
                field="open_at",
                allowed="one of open_at, open_now",
            )
        when = self.open_at
        if when is not None and not 1900 <= when.year <= 2200:
            raise BadParameter(
                "open_at is out of range",
                field="open_at",
                allowed="a date-time in the years 1900 to 2200",
            )
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=hours.LONDON)
        if self.open_now:
            when = hours.now()
        return Filters(
            categories=_enum_list("category", self.category, schema.Category),
            registered=self.registered,
            hoist=self.hoist.value if self.hoist else None,
            bench=self.bench.value if self.bench else None,
            access=_enum_list("access", self.access, schema.Access),
            key_free=self.key_free,
            working=self.working,
            include_closed=self.include_closed,
            include_unknown=self.include_unknown,
            open_at=when,
        )


async def facility_filters(params: Annotated[FilterParams, Query()]) -> Filters:
    """The filters common to nearest, listing and coverage."""
    return params.filters()


FilterDep = Annotated[Filters, Depends(facility_filters)]
