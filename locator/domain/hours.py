"""Opening hours in OpenStreetMap `opening_hours` syntax, evaluated with opening-hours-py.

Times are judged in Europe/London with the UK's public holidays, whatever the server's zone.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours
from opening_hours import OpeningHours, State

LONDON = ZoneInfo("Europe/London")


class HoursError(ValueError):
    """An opening_hours string the parser rejects."""


def check(expression: str) -> None:
    """Raise HoursError unless the expression parses."""
    _parse(expression)


@lru_cache(maxsize=65_536)
def _parse(expression: str) -> OpeningHours:
    try:
        return OpeningHours(expression, timezone=LONDON, country="GB")
    except (opening_hours.ParserError, SyntaxError) as exc:  # type: ignore[attr-defined]
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
        raise HoursError(f"not valid OSM opening_hours: {first_line}") from exc


def is_open(expression: str | None, at: dt.datetime) -> bool | None:
    """True or False at `at`; None when the hours are unknown (no expression, or `unknown`)."""
    if not expression:
        return None
    # Through UTC, so a wall time that does not exist (the spring-forward gap) becomes a real one.
    state, _comment = _parse(expression).state(at.astimezone(dt.UTC).astimezone(LONDON))
    if state == State.OPEN:
        return True
    if state == State.CLOSED:
        return False
    return None


def next_change(expression: str | None, at: dt.datetime) -> tuple[dt.datetime, bool | None] | None:
    """When the state at `at` next changes (UK time) and whether it is open after (None: unknown
    then); None when the hours are unknown or nothing changes ahead (e.g. `24/7`)."""
    if not expression:
        return None
    parsed = _parse(expression)
    change = parsed.next_change(at.astimezone(dt.UTC).astimezone(LONDON))
    if change is None:
        return None
    change = change.replace(tzinfo=LONDON) if change.tzinfo is None else change.astimezone(LONDON)
    state, _comment = parsed.state(change)
    return change, {State.OPEN: True, State.CLOSED: False}.get(state)


def now() -> dt.datetime:
    """The current time in Europe/London."""
    return dt.datetime.now(LONDON)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A time in UTC; one without an offset is UK local time (what people and files write)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(dt.UTC)
