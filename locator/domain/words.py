"""Measures in words for people: distances, compass directions and dates, said one way."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from locator.domain import hours
from locator.domain.vocabulary import EquipmentItem

COMPASS = [
    "north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west",
]  # fmt: skip


def distance_words(metres: float) -> str:
    """350 m, 1.2 km, 14 km."""
    if metres < 1000:
        return f"{max(10, round(metres, -1)):.0f} m"
    if metres < 10_000:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:.0f} km"


# Positions known less well than this (metres, either end) make a distance approximate.
APPROXIMATE_FROM_M = 100
# What an approximate distance is rounded to: the largest of these within the error.
ROUND_STEPS_M = (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000)


def error_words(metres: float) -> str:
    """An error radius in round words: 80 m, 400 m, 1 km, 1.5 km, 12 km."""
    if metres < 1000:
        return f"{max(10, round(metres, -1)):.0f} m"
    km = round(metres / 1000, 1)
    return f"{km:.0f} km" if km >= 10 or km == int(km) else f"{km:.1f} km"


def rounded_distance_words(metres: float, error_m: float) -> str | None:
    """The distance as far as positions known to within `error_m` (both ends together) support
    it: "about 3 km", "within about 1 km"; None when the plain `distance_words` already do."""
    if error_m < APPROXIMATE_FROM_M:
        return None
    if metres <= error_m:
        return f"within about {error_words(error_m)}"
    step = max(s for s in ROUND_STEPS_M if s <= error_m)
    shown_to = 10 if metres < 1000 else 100 if metres < 10_000 else 1000
    if step <= shown_to:
        return None
    value = math.floor(metres / step + 0.5) * step
    return f"about {error_words(value)}"


def bearing_words(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    """The compass direction from one point to another, in eight words."""
    phi1, phi2 = math.radians(from_lat), math.radians(to_lat)
    dlon = math.radians(to_lon - from_lon)
    y = math.sin(dlon) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlon)
    bearing = (math.degrees(math.atan2(y, x)) + 360) % 360
    return COMPASS[round(bearing / 45) % 8]


def date_words(value: Any) -> str:
    """`3 Nov 2026` for a date, a date-time (in UK time) or their ISO text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.astimezone(hours.LONDON).date()
    return f"{value.day} {value:%b %Y}"


ACTIONS = {
    "create": "added",
    "update": "changed",
    "report": "a visitor's report",
    "moderation": "an editor's decision on a report",
    "verify": "confirmed",
    "delete": "deleted",
    "photo": "a photo added",
}


def value_words(value: Any) -> str:
    """A stored value in a few words: unknown, yes/no, or the value (states by their meaning)."""
    if value is None or value == [] or value == "":
        return "unknown"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dict) and "working" in value:
        words = {True: "working", False: "not working", None: "unknown"}[value["working"]]
        return words if value.get("confirmed", True) else f"{words} (not yet confirmed)"
    if isinstance(value, dict) and "alt_text" in value:
        return f"a photo: {value['alt_text']}"
    if isinstance(value, list):
        return f"{len(value)} entries"
    return str(value)


def field_words(name: str) -> str:
    """A field's name for people: `equipment_status.entry` is "way in", `room_area_m2` "room
    area m2"."""
    if name.startswith("equipment_status."):
        return EquipmentItem(name.split(".", 1)[1]).words.lower()
    return name.replace("_", " ")


def change_summary(action: str, diff: dict[str, Any]) -> str:
    """ "hoist: mobile → ceiling_track; opening_hours: unknown → 24/7" (at most six fields);
    an addition says what it added in a few words, not every field."""
    if action == "create":
        known = sum(1 for name, (_, new) in diff.items() if name != "id" and new not in (None, []))
        return f"added, with {known} facts known"
    parts = []
    for name, (old, new) in list(diff.items())[:6]:
        label = field_words(name)
        parts.append(f"{label}: {value_words(old)} → {value_words(new)}")
    if len(diff) > 6:
        parts.append(f"and {len(diff) - 6} more")
    return "; ".join(parts) or ACTIONS.get(action, action)
