"""Facility records in plain words for the pages and map popups: "unknown" is never "no".

Every status gets a word and a symbol, so nothing is said by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from locator.domain.vocabulary import (
    ESSENTIAL_ITEMS,
    UNKNOWN,
    Access,
    Bench,
    Category,
    EquipmentItem,
    Hoist,
    KeyScheme,
    Status,
)
from locator.domain.words import bearing_words, date_words, distance_words

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


def state(properties: dict[str, Any], with_faults: bool = True) -> State:
    """Closed, out of order (unless `with_faults` is false), open now, closed now or unknown."""
    status = properties.get("status")
    if status in (Status.permanently_closed, Status.temporarily_closed):
        return State("closed", Status(status).words, "✕")
    if with_faults and any(
        s["item"] in ESSENTIAL_ITEMS and s["working"] is False
        for s in properties.get("equipment_status", [])
    ):
        return State("fault", "Hoist or bench out of order", "!")
    if properties.get("open") is True:
        return State("open", "Open now", "✓")
    if properties.get("open") is False:
        return State("shut", "Closed now", "☾")
    return State("unknown", "Opening hours unknown", "?")


def faults(properties: dict[str, Any]) -> list[str]:
    """ "Hoist out of order since 3 Nov 2026 (motor fault)"."""
    lines = []
    for status in properties.get("equipment_status", []):
        if status["working"] is not False:
            continue
        text = f"{EquipmentItem.words_of(status['item'])} out of order"
        if status.get("reported_at"):
            text += f" since {date_words(status['reported_at'])}"
        if status.get("reason"):
            text += f" ({status['reason']})"
        if status.get("expected_fix"):
            text += f"; repair expected {date_words(status['expected_fix'])}"
        lines.append(text)
    return lines


def _access(properties: dict[str, Any]) -> str:
    text = Access.words_of(properties.get("access"))
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
    return FacilityView(
        id=feature["id"],
        name=props["name"],
        lat=lat,
        lon=lon,
        category=Category(props["category"]).words,
        mark=Category(props["category"]).mark,
        state=state(props),
        opening=state(props, with_faults=False),
        hours_text=props.get("opening_hours") or UNKNOWN,
        hoist=Hoist.words_of(props.get("hoist")),
        bench=Bench.words_of(props.get("bench")),
        access=_access(props),
        key=KeyScheme.words_of(props.get("key_scheme")),
        faults=faults(props),
        where_inside="; floor ".join(str(w) for w in where) if where else UNKNOWN,
        last_verified=date_words(props["last_verified"]) if props.get("last_verified") else "never",
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
