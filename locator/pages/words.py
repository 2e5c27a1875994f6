"""Facility records in plain words for the pages and map popups: "unknown" is never "no".

Every status gets a word and a symbol, so nothing is said by colour alone.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from locator import hours

UNKNOWN = "unknown"

CATEGORY = {
    "changing_places": "Changing Places toilet",
    "changing_places_undersized": "Changing Places toilet (smaller than the standard)",
    "space_to_change": "Space to Change toilet",
    "accessible_toilet": "Accessible toilet",
}
# Short marks drawn on map pins (shape and letters, not just colour).
CATEGORY_MARK = {
    "changing_places": "CP",
    "changing_places_undersized": "CP",
    "space_to_change": "StC",
    "accessible_toilet": "AT",
}
HOIST = {
    "ceiling_track_full_room": "ceiling track hoist covering the whole room",
    "ceiling_track_partial": "ceiling track hoist over part of the room",
    "ceiling_track": "ceiling track hoist",
    "mobile": "mobile hoist",
    "present": "hoist (type not known)",
    "none": "no hoist",
}
BENCH = {
    "height_adjustable_wall": "height-adjustable adult changing bench (wall-mounted)",
    "height_adjustable_free_standing": "height-adjustable adult changing bench (free-standing)",
    "height_adjustable": "height-adjustable adult changing bench",
    "fixed": "fixed-height adult changing bench",
    "present": "adult changing bench (height adjustment not known)",
    "none": "no adult changing bench",
}
ACCESS = {
    "public": "open to everyone",
    "customers": "for customers or visitors of the venue",
    "key": "locked: you need a key",
    "on_request": "ask staff to open it",
}
KEY = {"none": "no key needed", "radar": "RADAR key", "other": "a key other than RADAR"}
ITEM = {
    "hoist": "Hoist",
    "bench": "Changing bench",
    "door": "Door",
    "alarm": "Alarm",
    "toilet": "Toilet",
    "washbasin": "Washbasin",
    "shower": "Shower",
    "lighting": "Lighting",
}
YES_NO = {True: "yes", False: "no", None: UNKNOWN}
FEATURES = [
    ("toilet_layout", "Toilet layout"),
    ("washbasin_height_adjustable", "Height-adjustable washbasin"),
    ("privacy_screen", "Privacy screen"),
    ("shower", "Shower"),
    ("emergency_alarm", "Emergency alarm"),
    ("wide_paper_roll", "Wide paper roll"),
    ("large_bin", "Large waste bin"),
    ("non_slip_floor", "Non-slip floor"),
    ("carer_space", "Room for two carers"),
]
COMPASS = [
    "north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west",
]  # fmt: skip


@dataclass(frozen=True)
class State:
    """Whether to go there: a word, a symbol and a CSS modifier (which is never the only cue)."""

    key: str
    text: str
    symbol: str


@dataclass
class FacilityView:
    """A facility as the pages say it."""

    id: str
    name: str
    lat: float
    lon: float
    category: str
    mark: str
    state: State
    opening: State
    hours_text: str
    hoist: str
    bench: str
    access: str
    key: str
    faults: list[str]
    where_inside: str
    last_verified: str
    distance: str | None = None
    phone: str | None = None
    entry_phone: str | None = None
    directions: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """What a screen reader hears for the map pin."""
        parts = [self.name, self.category, self.state.text]
        if self.distance:
            parts.append(self.distance)
        return ", ".join(parts)


def distance_words(metres: float) -> str:
    """350 m, 1.2 km, 14 km."""
    if metres < 1000:
        return f"{max(10, round(metres, -1)):.0f} m"
    if metres < 10_000:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:.0f} km"


def bearing_words(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    """The compass direction from one point to another, in eight words."""
    phi1, phi2 = math.radians(from_lat), math.radians(to_lat)
    dlon = math.radians(to_lon - from_lon)
    y = math.sin(dlon) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlon)
    bearing = (math.degrees(math.atan2(y, x)) + 360) % 360
    return COMPASS[round(bearing / 45) % 8]


def state(properties: dict[str, Any], with_faults: bool = True) -> State:
    """Closed, out of order (unless `with_faults` is false), open now, closed now or unknown."""
    status = properties.get("status")
    if status == "permanently_closed":
        return State("closed", "Permanently closed", "✕")
    if status == "temporarily_closed":
        return State("closed", "Temporarily closed", "✕")
    if with_faults and any(
        s["item"] in ("hoist", "bench") and s["working"] is False
        for s in properties.get("equipment_status", [])
    ):
        return State("fault", "Hoist or bench out of order", "!")
    if properties.get("open") is True:
        return State("open", "Open now", "✓")
    if properties.get("open") is False:
        return State("shut", "Closed now", "☾")
    return State("unknown", "Opening hours unknown", "?")


def _date(value: Any) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.astimezone(hours.LONDON).date()
    return f"{value.day} {value:%b %Y}"


def faults(properties: dict[str, Any]) -> list[str]:
    """ "Hoist out of order since 3 Nov 2026 (motor fault)"."""
    lines = []
    for status in properties.get("equipment_status", []):
        if status["working"] is not False:
            continue
        text = f"{ITEM.get(status['item'], status['item'])} out of order"
        if status.get("reported_at"):
            text += f" since {_date(status['reported_at'])}"
        if status.get("reason"):
            text += f" ({status['reason']})"
        if status.get("expected_fix"):
            text += f"; repair expected {_date(status['expected_fix'])}"
        lines.append(text)
    return lines


def _access(properties: dict[str, Any]) -> str:
    text = ACCESS.get(properties.get("access") or "", UNKNOWN)
    if properties.get("key_holder"):
        text += f"; key held by {properties['key_holder']}"
    return text


def address(properties: dict[str, Any]) -> str:
    """Address, town and postcode, each once."""
    parts: list[str] = []
    for key in ("address", "locality", "postcode"):
        value = properties.get(key)
        if value and not any(value.lower() in part.lower() for part in parts):
            parts.append(value)
    return ", ".join(parts) or UNKNOWN


def view(feature: dict[str, Any], origin: tuple[float, float] | None = None) -> FacilityView:
    """The plain-words view of a GeoJSON feature from `queries`."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    distance = None
    if origin is not None and props.get("distance_m") is not None:
        direction = bearing_words(origin[0], origin[1], lat, lon)
        distance = f"{distance_words(props['distance_m'])} {direction}"
    where = [props.get(k) for k in ("location_in_venue", "floor_level") if props.get(k)]
    key_scheme = props.get("key_scheme")
    return FacilityView(
        id=feature["id"],
        name=props["name"],
        lat=lat,
        lon=lon,
        category=CATEGORY.get(props["category"], props["category"]),
        mark=CATEGORY_MARK.get(props["category"], "T"),
        state=state(props),
        opening=state(props, with_faults=False),
        hours_text=props.get("opening_hours") or UNKNOWN,
        hoist=HOIST.get(props.get("hoist") or "", UNKNOWN),
        bench=BENCH.get(props.get("bench") or "", UNKNOWN),
        access=_access(props),
        key=KEY[key_scheme] if key_scheme else UNKNOWN,
        faults=faults(props),
        where_inside="; floor ".join(str(w) for w in where) if where else UNKNOWN,
        last_verified=_date(props["last_verified"]) if props.get("last_verified") else "never",
        distance=distance,
        phone=props.get("phone"),
        entry_phone=props.get("entry_phone"),
        directions=props["directions"],
    )


def details(props: dict[str, Any]) -> list[tuple[str, str]]:
    """Every measured attribute for the facility page, "unknown" where it is not known."""

    def metres(key: str, unit: str = "m") -> str:
        value = props.get(key)
        return f"{value:g} {unit}" if value is not None else UNKNOWN

    rows = [
        ("Room area", metres("room_area_m2", "m²")),
        ("Room width", metres("room_width_m")),
        ("Room length", metres("room_length_m")),
        ("Ceiling height", metres("ceiling_height_m")),
        ("Door width", metres("door_width_m")),
        ("Hoist safe working load", metres("hoist_swl_kg", "kg")),
        ("Bench length", metres("bench_length_m")),
        ("Transfer from the left", YES_NO[props.get("transfer_left")]),
        ("Transfer from the right", YES_NO[props.get("transfer_right")]),
    ]
    for key, label in FEATURES:
        value = props.get(key)
        rows.append((label, YES_NO.get(value, str(value)) if not isinstance(value, str) else value))
    return rows
