"""Facility records in plain words for the pages and map popups: "unknown" is never "no".

Every status gets a word and a symbol, so nothing is said by colour alone. Equipment states are
said for what they are: a visitor's report not yet confirmed, a confirmed fault, or (once stale)
only the last thing known, never the current state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from locator.domain import hours
from locator.domain.reports import REPORTABLE_FIELDS
from locator.domain.vocabulary import (
    ESSENTIAL_ITEMS,
    UNKNOWN,
    Access,
    Bench,
    Category,
    EquipmentItem,
    Hoist,
    KeyScheme,
    PhotoSubject,
    ReportKind,
    Status,
)
from locator.domain.words import bearing_words, change_summary, date_words, distance_words
from locator.services.photos import THUMB_SIDE_PX

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


def _current_faults(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """Essential items out of order now: a stale state is only the last thing known."""
    return [
        s
        for s in properties.get("equipment_status", [])
        if s["item"] in ESSENTIAL_ITEMS and s["working"] is False and not s.get("stale")
    ]


def _fault_state(current: list[dict[str, Any]]) -> State:
    """ "Hoist or bench out of order" once confirmed; a visitor's report says it is one."""
    confirmed = {s["item"] for s in current if s.get("confirmed", True)}
    if confirmed & {EquipmentItem.hoist, EquipmentItem.bench}:
        return State("fault", "Hoist or bench out of order", "!")
    if EquipmentItem.door in confirmed:
        return State("fault", "Door out of order", "!")
    if confirmed:
        return State("fault", "Closed or locked when it should be open", "!")
    if all(s["item"] == EquipmentItem.entry for s in current):
        return State("fault", "Reported closed or locked (not yet confirmed)", "!")
    return State("fault", "Reported not working (not yet confirmed)", "!")


def state(properties: dict[str, Any], with_faults: bool = True) -> State:
    """Closed, out of order (unless `with_faults` is false), open now, closed now or unknown."""
    status = properties.get("status")
    if status in (Status.permanently_closed, Status.temporarily_closed):
        return State("closed", Status(status).words, "✕")
    current = _current_faults(properties) if with_faults else []
    if current:
        return _fault_state(current)
    if properties.get("open") is True:
        return State("open", "Open now", "✓")
    if properties.get("open") is False:
        return State("shut", "Closed now", "☾")
    return State("unknown", "Opening hours unknown", "?")


def fault_words(status: dict[str, Any]) -> str:
    """One item that is (or was last known to be) not working, said for what we know of it.

    "Hoist reported not working by a visitor on 23 Nov 2026; not yet confirmed",
    "Hoist out of order since 3 Nov 2026 (motor fault)",
    "Hoist: last known not working on 24 May 2023; current state unknown".
    """
    entry = status["item"] == EquipmentItem.entry
    item = EquipmentItem.words_of(status["item"])
    when = date_words(status["reported_at"]) if status.get("reported_at") else None
    if status.get("stale"):
        what = "closed or locked" if entry else "not working"
        on = f" on {when}" if when else " (date unknown)"
        return f"{item}: last known {what}{on}; current state unknown"
    on = f" on {when}" if when else ""
    if not status.get("confirmed", True):
        what = "Reported closed or locked" if entry else f"{item} reported not working"
        return f"{what} by a visitor{on}; not yet confirmed"
    text = "Closed or locked" if entry else f"{item} out of order"
    if when:
        text += f" since {when}"
    if status.get("reason"):
        text += f" ({status['reason']})"
    if status.get("expected_fix"):
        text += f"; repair expected {date_words(status['expected_fix'])}"
    return text


def faults(properties: dict[str, Any]) -> list[str]:
    """Every item not working, current faults first, each said as `fault_words` says it."""
    broken = [s for s in properties.get("equipment_status", []) if s["working"] is False]
    broken.sort(key=lambda s: bool(s.get("stale")))
    return [fault_words(s) for s in broken]


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


# Links taken from data are only links when they go somewhere a person expects: a stored
# `javascript:` address is shown as text, never made clickable.
SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def safe_url(url: Any) -> str | None:
    """The address if it is a web, mail or phone link, else None."""
    if isinstance(url, str) and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


def when_words(value: dt.datetime) -> str:
    """`23 Nov 2026, 14:05` in UK time."""
    local = value.astimezone(hours.LONDON)
    return f"{date_words(local)}, {local:%H:%M}"


@dataclass(frozen=True)
class ChangeView:
    """One entry of a facility's history as the page says it."""

    when: str
    when_iso: str
    who: str
    what: str
    why: str | None


def _reason(action: str, reason: str | None) -> str | None:
    """A report's reason is its kind: said in words."""
    if action == "report" and reason in ReportKind.values():
        return f"A visitor said: {ReportKind(reason).words}"
    return reason


def history(rows: list[dict[str, Any]]) -> list[ChangeView]:
    """Rows of `store.changes.history` in words: when (UK time), who (as stored), what, why."""
    return [
        ChangeView(
            when=when_words(row["changed_at"]),
            when_iso=row["changed_at"].isoformat(),
            who=row["actor"],
            what=change_summary(row["action"], row["diff"] or {}),
            why=_reason(row["action"], row["reason"]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class PhotoView:
    """An approved photo: its thumbnail's size (for layout before it loads) and its full size."""

    url: str
    thumb_url: str
    width: int
    height: int
    alt: str
    subject: str


def _thumb_size(width: int, height: int) -> tuple[int, int]:
    """The thumbnail's pixels, as `services.photos` shrinks it (longest side THUMB_SIDE_PX)."""
    longest = max(width, height)
    if longest <= THUMB_SIDE_PX:
        return width, height
    scale = THUMB_SIDE_PX / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def photos(rows: list[dict[str, Any]]) -> list[PhotoView]:
    """Rows of `store.photos.of_facility` for the page."""
    views = []
    for row in rows:
        width, height = _thumb_size(row["width"], row["height"])
        views.append(
            PhotoView(
                url=f"/photos/{row['digest']}.jpg",
                thumb_url=f"/photos/{row['digest']}.thumb.jpg",
                width=width,
                height=height,
                alt=row["alt_text"],
                subject=PhotoSubject.words_of(row["subject"]),
            )
        )
    return views


# What a visitor may say is wrong, in the order they are likeliest to: the record's own names
# are for the API, these words are for people.
_FIELD_LABELS = {
    "opening_hours": "Opening hours",
    "location": "Where the map pin is",
    "location_in_venue": "Where it is inside the venue",
    "floor_level": "Which floor it is on",
    "access": "Who can use it",
    "key_scheme": "Which key you need",
    "key_holder": "Who holds the key",
    "entry_phone": "Number to call to get in",
    "hoist": "Hoist",
    "hoist_swl_kg": "Hoist safe working load",
    "bench": "Changing bench",
    "bench_length_m": "Bench length",
    "status": "Whether it is open or closed for good",
    "status_note": "Note about its status",
    "reopens_on": "When it reopens",
    "name": "Name",
    "address": "Address",
    "locality": "Town or city",
    "postcode": "Postcode",
    "phone": "Phone number",
    "website": "Venue website",
    "email": "Venue email address",
    "operator": "Who runs it",
    "venue_type": "What the venue is",
    "category": "What kind of toilet it is",
    "registered": "Whether it is on the national register",
    "room_area_m2": "Room area",
    "room_width_m": "Room width",
    "room_length_m": "Room length",
    "ceiling_height_m": "Ceiling height",
    "door_width_m": "Door width",
    "transfer_left": "Transfer from the left",
    "transfer_right": "Transfer from the right",
    **dict(FEATURES),
    "opening_hours_note": "Note about opening hours",
    "report_url": "The venue's page for reporting problems",
    "notes": "Something else (say what in the box below)",
}
REPORT_FIELD_LABELS = {k: v for k, v in _FIELD_LABELS.items() if k in REPORTABLE_FIELDS}
