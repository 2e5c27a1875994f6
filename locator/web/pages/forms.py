"""The pages' search filters: plain checkboxes in a GET form, shared by the map and the list.

Each box stands for one value of the filter codec (`locator.domain.filters.FilterParams`), so the
pages filter exactly as the API does; ticked boxes send `on`, and links keep them that way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query

from locator.domain.errors import BadParameter
from locator.domain.filters import OPEN_AT_YEARS, FilterParams, Filters, parse_open_at
from locator.domain.vocabulary import Bench, Hoist

# Box name, its label, and the filter parameters it stands for.
CHECKBOXES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("ceiling_hoist", "Ceiling track hoist", {"hoist": Hoist.ceiling_track.value}),
    (
        "adjustable_bench",
        "Height-adjustable changing bench",
        {"bench": Bench.height_adjustable.value},
    ),
    ("open_now", "Open now", {"open_now": True}),
    ("key_free", "No key needed", {"key_free": True}),
    ("registered", "Registered Changing Places only", {"registered": True}),
)
CHOICES = tuple((name, label) for name, label, _ in CHECKBOXES)


@dataclasses.dataclass(frozen=True)
class PageFilters:
    """What the user ticked; `filters()` turns it into the codec's Filters."""

    ceiling_hoist: bool = False
    adjustable_bench: bool = False
    open_now: bool = False
    key_free: bool = False
    registered: bool = False

    choices = CHOICES

    def __getitem__(self, name: str) -> bool:
        return bool(getattr(self, name))

    @property
    def active(self) -> int:
        """How many filters are on."""
        return sum(self[name] for name, _ in CHOICES)

    def filters(self, **extra: Any) -> Filters:
        """The filters these boxes stand for (plus `extra` Filters fields)."""
        params: dict[str, Any] = {}
        for name, _, values in CHECKBOXES:
            if self[name]:
                params.update(values)
        return FilterParams(**params).filters(**extra)

    def query(self, **extra: str | float | None) -> str:
        """`?…` for a link that keeps these filters (and `extra` values that are set)."""
        items = [(k, v) for k, v in extra.items() if v not in (None, "")]
        items += [(name, "on") for name, _ in CHOICES if self[name]]
        return "?" + urlencode(items) if items else ""

    @property
    def query_suffix(self) -> str:
        """`&…` to append the filters to a link that already has a query."""
        query = self.query()
        return "&" + query[1:] if query else ""


def page_filters(
    ceiling_hoist: Annotated[bool, Query(description="Only with a ceiling track hoist.")] = False,
    adjustable_bench: Annotated[
        bool, Query(description="Only with a height-adjustable bench.")
    ] = False,
    open_now: Annotated[bool, Query(description="Only open now.")] = False,
    key_free: Annotated[bool, Query(description="Only where no key is needed.")] = False,
    registered: Annotated[bool, Query(description="Only registered Changing Places.")] = False,
) -> PageFilters:
    """Parse the checkboxes (ticked boxes send `on`)."""
    return PageFilters(ceiling_hoist, adjustable_bench, open_now, key_free, registered)


PageFiltersDep = Annotated[PageFilters, Depends(page_filters)]


def form_open_at(raw: str | None) -> tuple[dt.datetime | None, str | None]:
    """A date and time typed in a form (Europe/London), or a message saying what was wrong."""
    if not raw or not raw.strip():
        return None, None
    try:
        return parse_open_at(raw), None
    except BadParameter:
        low, high = OPEN_AT_YEARS
        return None, f"Give the date and time like 2026-11-22T18:00, in the years {low} to {high}."


def api_link(path: str, filters: Filters, **extra: Any) -> str:
    """A link to an API path with the same filters, for downloads."""
    items: list[tuple[str, Any]] = [(k, v) for k, v in extra.items() if v is not None]
    items += filters.query_items()
    return path + ("?" + urlencode(items) if items else "")
