"""The pages' search filters: plain checkboxes in a GET form, shared by the map and the list."""

from __future__ import annotations

import dataclasses
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query

from locator import hours
from locator.queries import Filters

CHOICES = (
    ("ceiling_hoist", "Ceiling track hoist"),
    ("adjustable_bench", "Height-adjustable changing bench"),
    ("open_now", "Open now"),
    ("key_free", "No key needed"),
    ("registered", "Registered Changing Places only"),
)


@dataclasses.dataclass(frozen=True)
class PageFilters:
    """What the user ticked; `filters()` turns it into the core's Filters."""

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

    def filters(self, include_closed: bool = False) -> Filters:
        """The core query filters for these choices."""
        return Filters(
            hoist="ceiling_track" if self.ceiling_hoist else None,
            bench="height_adjustable" if self.adjustable_bench else None,
            open_at=hours.now() if self.open_now else None,
            key_free=self.key_free,
            registered=True if self.registered else None,
            include_closed=include_closed,
        )

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
