"""Facility records in plain words for the pages and map popups: "unknown" is never "no".

Every status gets a word and a symbol, so nothing is said by colour alone. Equipment states are
said for what they are: a visitor's report not yet confirmed, a confirmed fault, or (once stale)
only the last thing known, never the current state.
"""

from __future__ import annotations

import datetime as dt
import re
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
from locator.domain.words import (
    APPROXIMATE_FROM_M,
    bearing_words,
    change_summary,
    date_words,
    distance_words,
    error_words,
    rounded_distance_words,
)
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


@dataclass(frozen=True)
class Link:
    """A link as a page shows it; `label` is its accessible name when the visible `text` alone
    does not name the facility (it always contains `text`, so speech users can say what they see).
    """

    href: str
    text: str
    label: str | None = None


# Directions services: the key in `features.directions`, the words shown, and how the link's
# name ends ("Directions to X in Apple Maps"; it holds the words shown).
DIRECTIONS = {
    "apple": ("Apple Maps", "in Apple Maps"),
    "google": ("Google Maps", "in Google Maps"),
    "openstreetmap": ("OpenStreetMap", "on OpenStreetMap"),
    "geo": ("another maps app", "in another maps app"),
}
# Which service opens best on each platform, first; the others follow. `None`: not known.
DIRECTIONS_ORDER: dict[str | None, tuple[str, ...]] = {
    "apple": ("apple", "google", "openstreetmap", "geo"),
    "android": ("google", "geo", "openstreetmap", "apple"),
    "desktop": ("openstreetmap", "google", "apple", "geo"),
    None: ("google", "apple", "openstreetmap", "geo"),
}
RADAR_EXPLAINED = "RADAR key (the national key for accessible toilets)"


def platform(user_agent: str | None) -> str:
    """ "apple" (iOS, iPadOS), "android" or "desktop", from the User-Agent. Safari on a Mac counts
    as Apple: iPadOS sends the same User-Agent, and Apple Maps opens on a Mac too."""
    agent = (user_agent or "").lower()
    if any(name in agent for name in ("iphone", "ipad", "ipod")):
        return "apple"
    if "android" in agent:
        return "android"
    if (
        "macintosh" in agent
        and "safari" in agent
        and not any(name in agent for name in ("chrome", "chromium", "firefox", "edg/"))
    ):
        return "apple"
    return "desktop"


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
    # The one-line summary: "closes at 19:00", the hoist and whether it works, the key and who
    # may go in, why a distance is only "about" (the facility's own position), and the links to
    # check hours that are not known.
    hours_detail: str | None = None
    hours_check: list[tuple[str, Link]] = field(default_factory=list)
    hoist_line: str = ""
    key_line: str = ""
    distance_note: str | None = None
    website: str | None = None
    other_faults: list[str] = field(default_factory=list)
    accuracy: str | None = None

    @property
    def label(self) -> str:
        """What a screen reader hears for the map pin."""
        parts = [self.name, self.category, self.state.text]
        if self.distance:
            parts.append(self.distance)
        return ", ".join(parts)

    @property
    def closed(self) -> bool:
        """Temporarily or permanently closed: no directions are offered."""
        return self.state.key == "closed"

    @property
    def key_line_explained(self) -> str:
        """The key line with RADAR said in words, for the first time a page mentions it."""
        return self.key_line.replace("RADAR key", RADAR_EXPLAINED, 1)

    @property
    def key_explained(self) -> str:
        """The key's words with RADAR said in words."""
        return self.key.replace("RADAR key", RADAR_EXPLAINED, 1)

    @property
    def explains_radar(self) -> bool:
        """Whether the key line names the RADAR key."""
        return "RADAR key" in self.key_line

    @property
    def where_known(self) -> str | None:
        """Where it is inside the venue, if known."""
        return None if self.where_inside == UNKNOWN else self.where_inside

    def directions_links(self, platform: str | None = None) -> list[Link]:
        """Directions to the facility, the one that opens best on `platform` first, each named
        with the facility; none when it is closed. Only its own position is in them."""
        if self.closed:
            return []
        links = []
        for key in DIRECTIONS_ORDER.get(platform, DIRECTIONS_ORDER[None]):
            shown, where = DIRECTIONS[key]
            if key in self.directions:
                label = f"Directions to {self.name} {where}"
                links.append(Link(self.directions[key], shown, label))
        return links

    @property
    def details_link(self) -> Link:
        """The link to the facility's own page."""
        return Link(f"/facilities/{self.id}", "Details", f"Details of {self.name}")

    @property
    def calls(self) -> list[tuple[str, Link]]:
        """The numbers to call with what each is for, each named with the facility."""
        links = []
        if self.entry_phone:
            number = self.entry_phone
            label = f"Call {self.name} to get in, on {number}"
            links.append(("To get in, call", Link(_tel(number), number, label)))
        if self.phone:
            label = f"Call {self.name} on {self.phone}"
            links.append(("Phone", Link(_tel(self.phone), self.phone, label)))
        return links

    @property
    def other_calls(self) -> list[tuple[str, Link]]:
        """The numbers to call that the summary's "check the hours" does not offer already."""
        said = {link.href for _, link in self.hours_check}
        return [(intro, link) for intro, link in self.calls if link.href not in said]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tel(number: str) -> str:
    return "tel:" + number.replace(" ", "")


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


FLOORS = {"-1": "basement", "0": "ground floor", "1": "first floor", "2": "second floor"}


def where_inside(props: dict[str, Any]) -> str:
    """Where it is in the venue, with its floor unless that is said already."""
    where = props.get("location_in_venue") or ""
    floor = props.get("floor_level")
    if floor is not None and str(floor) != "" and "floor" not in where.lower():
        floor_words = FLOORS.get(str(floor), f"floor {floor}")
        where = f"{where}; {floor_words}" if where else _capital(floor_words)
    return where or UNKNOWN


def _day_words(when: dt.datetime, now: dt.datetime) -> str:
    """ "at 19:00", "at midnight", "tomorrow at 09:00", "on Sunday at 12:00", "on 3 Jan 2027 at
    09:00": midnight is the end of the day before."""
    day, clock = when.date(), f"{when:%H:%M}"
    if (when.hour, when.minute) == (0, 0):
        day, clock = day - dt.timedelta(days=1), "midnight"
    days = (day - now.date()).days
    if days <= 0:
        return f"at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if days < 7:
        return f"on {day:%A} at {clock}"
    return f"on {date_words(day)} at {clock}"


def hours_detail(expression: str | None, opening: State, now: dt.datetime) -> str | None:
    """When an open facility closes or a shut one opens, from the hours' next change."""
    if opening.key not in ("open", "shut"):
        return None
    change = hours.next_change(expression, now)
    if change is None:
        return "24 hours a day" if opening.key == "open" else None
    when, open_after = change
    if opening.key == "open":
        if open_after is False:
            return f"closes {_day_words(when, now)}"
        until = _day_words(when, now).removeprefix("at ")
        return f"open until {until}; hours after that not known"
    if open_after is True:
        return f"opens {_day_words(when, now)}"
    return "when it opens again is not known"


def _state_words(status: dict[str, Any]) -> str:
    """A working item's state: "working (checked 3 Nov 2026)", a visitor's word, or stale."""
    when = date_words(status["reported_at"]) if status.get("reported_at") else None
    if status.get("stale"):
        on = f" on {when}" if when else " (date unknown)"
        return f"last known working{on}; current state unknown"
    if not status.get("confirmed", True):
        return f"a visitor found it working{' on ' + when if when else ''}; not yet confirmed"
    return f"working (checked {when})" if when else "working"


def hoist_line(properties: dict[str, Any]) -> str:
    """The hoist and whether it works, as the equipment states say (with their dates)."""
    kind = properties.get("hoist")
    if kind == Hoist.none:
        return "No hoist"
    words = "Hoist: not known" if not kind else _capital(Hoist.words_of(kind))
    if kind == Hoist.present:
        words = "A hoist (type not known)"
    status = next(
        (s for s in properties.get("equipment_status", []) if s["item"] == EquipmentItem.hoist),
        None,
    )
    if status is None or status["working"] is None:
        return f"{words}; not known if it works" if kind else words
    if status["working"] is False:
        return fault_words(status)
    return f"{words}, {_state_words(status)}"


KEY_PHRASES = {
    "radar": "RADAR key needed",
    "none": "No key needed",
    "other": "Needs a key other than RADAR",
}


def key_line(properties: dict[str, Any]) -> str:
    """Which key is needed and how to get in, in a few words."""
    parts = []
    key = properties.get("key_scheme")
    if key:
        parts.append(KEY_PHRASES.get(key, KeyScheme.words_of(key)))
    access = properties.get("access")
    if access and not (access == Access.key and key):
        parts.append(Access.words_of(access))
    if not parts:
        return "Key and access not known"
    return _capital("; ".join(parts))


def _distance(
    props: dict[str, Any],
    lat: float,
    lon: float,
    origin: tuple[float, float],
    origin_error_m: float,
) -> tuple[str, str | None]:
    """The distance in words as far as both positions support it, and why it is rounded when the
    facility's own position is the reason ("position known to about 1.5 km")."""
    metres = props["distance_m"]
    own = props.get("location_accuracy_m") or 0
    own = own if own >= APPROXIMATE_FROM_M else 0
    origin_error_m = origin_error_m if origin_error_m >= APPROXIMATE_FROM_M else 0
    error = own + origin_error_m
    rounded = rounded_distance_words(metres, error)
    note = f"position known to about {error_words(own)}" if own and rounded else None
    if rounded is None:
        rounded = distance_words(metres)
    if metres >= 2 * error:  # else the direction could be any way round
        rounded += " " + bearing_words(origin[0], origin[1], lat, lon)
    return rounded, note


def view(
    feature: dict[str, Any],
    origin: tuple[float, float] | None = None,
    origin_error_m: float = 0,
) -> FacilityView:
    """The plain-words view of a GeoJSON feature from `queries`; distances from `origin`, a
    point known to within `origin_error_m`, are rounded to what the positions support."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    distance = note = None
    if origin is not None and props.get("distance_m") is not None:
        distance, note = _distance(props, lat, lon, origin, origin_error_m)
    opening = state(props, with_faults=False)
    name = props["name"]
    phone, website = props.get("phone"), safe_url(props.get("website"))
    check = []
    if opening.key == "unknown":
        if phone:
            check.append(("phone", Link(_tel(phone), phone, f"Call {name} on {phone}")))
        if website and website.startswith(("https://", "http://")):
            check.append(("", Link(website, "website", f"{name} website")))
    hoist_status = [
        s for s in props.get("equipment_status", []) if s["item"] == EquipmentItem.hoist
    ]
    return FacilityView(
        id=feature["id"],
        name=name,
        lat=lat,
        lon=lon,
        category=Category(props["category"]).words,
        mark=Category(props["category"]).mark,
        state=state(props),
        opening=opening,
        hours_text=props.get("opening_hours") or UNKNOWN,
        hoist=Hoist.words_of(props.get("hoist")),
        bench=Bench.words_of(props.get("bench")),
        access=_access(props),
        key=KeyScheme.words_of(props.get("key_scheme")),
        faults=faults(props),
        where_inside=where_inside(props),
        last_verified=date_words(props["last_verified"]) if props.get("last_verified") else "never",
        distance=distance,
        phone=phone,
        entry_phone=props.get("entry_phone"),
        directions=props["directions"],
        hours_detail=hours_detail(props.get("opening_hours"), opening, hours.now()),
        hours_check=check,
        hoist_line=hoist_line(props),
        key_line=key_line(props),
        distance_note=note,
        website=website,
        other_faults=faults({**props, "equipment_status": _without(props, hoist_status)}),
        accuracy=error_words(accuracy) if (accuracy := props.get("location_accuracy_m")) else None,
    )


def _without(props: dict[str, Any], states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The equipment states but those given (said elsewhere)."""
    return [s for s in props.get("equipment_status", []) if s not in states]


TRANSFER_LABELS = {
    "transfer_left": "Room to transfer from the left side of the toilet",
    "transfer_right": "Room to transfer from the right side of the toilet",
}


@dataclass(frozen=True)
class Equipment:
    """The facility page's equipment: the rows known, and the names of those not known yet."""

    known: list[tuple[str, str]]
    unknown: list[str]


def equipment(props: dict[str, Any]) -> Equipment:
    """Every measured attribute: known ones as rows, the rest in one "not known yet" list."""

    def metres(key: str, unit: str = "m") -> str:
        value = props.get(key)
        return f"{value:g} {unit}" if value is not None else UNKNOWN

    rows = [
        ("Hoist", Hoist.words_of(props.get("hoist"))),
        ("Changing bench", Bench.words_of(props.get("bench"))),
        ("Room area", metres("room_area_m2", "m²")),
        ("Room width", metres("room_width_m")),
        ("Room length", metres("room_length_m")),
        ("Ceiling height", metres("ceiling_height_m")),
        ("Door width", metres("door_width_m")),
        ("Hoist safe working load", metres("hoist_swl_kg", "kg")),
        ("Bench length", metres("bench_length_m")),
        *((label, YES_NO[props.get(key)]) for key, label in TRANSFER_LABELS.items()),
    ]
    for key, label in FEATURES:
        value = props.get(key)
        rows.append((label, YES_NO.get(value, str(value)) if not isinstance(value, str) else value))
    return Equipment(
        known=[(label, value) for label, value in rows if value != UNKNOWN],
        unknown=[label[:1].lower() + label[1:] for label, value in rows if value == UNKNOWN],
    )


# Research notes carry markers for the people who compiled them; pages say them in words.
_SOURCE_MARKER = re.compile(r"\s*\[[A-Z]{1,5}\d{0,3}[a-z]?\]\s*")
_QUALITY = re.compile(r"positional quality (\d+)(?:, i\.e\. [^),;]*)?")
# Code-Point Open's positional quality, in words.
QUALITY_WORDS = {
    "10": "placed within the building of a matched address",
    "20": "placed within the building of a matched address",
    "30": "placed to within about 50 m",
    "40": "placed at the middle of the postcode's addresses",
    "50": "placed from neighbouring postcodes",
    "60": "placed at the middle of the postcode sector",
}
_QUOTED_NAME = re.compile(r"'([a-z]+(?:_[a-z]+)+)'")
_CODE_NAME = re.compile(r"`([^`]+)`")
_BARE_NAME = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\b")


def _field_words(match: re.Match[str]) -> str:
    name = match.group(1)
    label = _FIELD_LABELS.get(name)
    return f"“{label[:1].lower() + label[1:]}”" if label else name.replace("_", " ")


def _term_words(match: re.Match[str]) -> str:
    value = match.group(1)
    for term in (Category, Access, KeyScheme, Hoist, Bench, Status):
        if value in term.values():
            return f"“{term(value).words}”"
    return f"“{value.replace('_', ' ')}”"


def plain(text: Any) -> str:
    """A stored text for display: no source markers ("[S26]"), no field names or "(null)",
    Code-Point's positional quality in words. The stored text is left as it is."""
    if not text:
        return ""
    out = _SOURCE_MARKER.sub(" ", str(text)).strip()
    out = out.replace(" (null)", "").replace("(null)", "unknown")
    out = _QUALITY.sub(lambda m: QUALITY_WORDS.get(m.group(1), "position estimated"), out)
    out = out.replace("transfer_left/right are", "transfer_left/right is")
    out = out.replace("transfer_left/right", "room to transfer from either side of the toilet")
    for key, label in TRANSFER_LABELS.items():
        out = out.replace(key, label[:1].lower() + label[1:])
    out = out.replace("`sources`", "“Where this information comes from”")
    out = _CODE_NAME.sub(lambda m: _FIELD_LABELS.get(m.group(1), m.group(1).replace("_", " ")), out)
    out = _QUOTED_NAME.sub(_term_words, out)
    out = _BARE_NAME.sub(_field_words, out)
    return re.sub(r"\s{2,}", " ", out)


# Sentences of the notes about reaching the room and getting in (bus, parking, keys, staff):
# the page says them under "Getting there and in", not under "How we know".
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_ACCESS_START = ("Getting there", "Getting in", "Where:", "Entry", "Access")
_ACCESS_WORDS = re.compile(
    r"\b(bus|buses|parking|car park|walk|taxi|lift|ramp|step-free|entrance|turnstiles?|"
    r"reception|ticket|admission|RADAR|key)\b",
    re.I,
)
_NOT_ACCESS_START = (
    "Location", "The point", "Equipment", "Registered", "Not one of", "The phone", "History",
)  # fmt: skip


def access_notes(props: dict[str, Any]) -> tuple[list[str], str]:
    """The notes split into sentences about getting there and in, and the rest (for "How we
    know"), each in plain words."""
    getting_in: list[str] = []
    rest: list[str] = []
    for sentence in _SENTENCE.split(plain(props.get("notes"))):
        if not sentence:
            continue
        about_access = sentence.startswith(_ACCESS_START) or (
            not sentence.startswith(_NOT_ACCESS_START)
            and "unverified" not in sentence
            and _ACCESS_WORDS.search(sentence) is not None
        )
        (getting_in if about_access else rest).append(sentence)
    return getting_in, " ".join(rest)


def access_unknowns(props: dict[str, Any]) -> list[str]:
    """What "Getting there and in" does not know, said once instead of a row each."""
    missing = []
    if where_inside(props) == UNKNOWN:
        missing.append("where it is inside the venue")
    if not props.get("access") and not props.get("key_holder"):
        missing.append("who can use it")
    if not props.get("key_scheme"):
        missing.append("which key")
    if not props.get("phone"):
        missing.append("phone number")
    return missing


def field_labels(names: list[str]) -> list[str]:
    """Record field names as a page says them (`location` is "where the map pin is")."""
    labels = []
    for name in names:
        label = _FIELD_LABELS.get(name, name.replace("_", " "))
        labels.append(label[:1].lower() + label[1:])
    return labels


# Links taken from data are only links when they go somewhere a person expects: a stored
# `javascript:` address is shown as text, never made clickable.
SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def safe_url(url: Any) -> str | None:
    """The address if it is a web, mail or phone link, else None."""
    if isinstance(url, str) and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


def report_link_words(url: str) -> str:
    """What a venue's fault-reporting link is, said as its link text."""
    scheme, _, rest = url.partition(":")
    if scheme.lower() == "mailto":
        return f"email {rest.partition('?')[0]}"
    if scheme.lower() == "tel":
        return f"phone {rest}"
    return "the venue’s own page for reporting problems"


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
    **TRANSFER_LABELS,
    **dict(FEATURES),
    "opening_hours_note": "Note about opening hours",
    "report_url": "The venue's page for reporting problems",
    "notes": "Something else (say what in the box below)",
}
REPORT_FIELD_LABELS = {k: v for k, v in _FIELD_LABELS.items() if k in REPORTABLE_FIELDS}
