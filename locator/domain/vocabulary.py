"""The record's vocabulary, defined once: every enumerated value, its groups, its words for people.

Database CHECK constraints, filters (SQL and query strings), grading, the API's enums and docs,
page labels and CLI options all derive from these classes. A member's `words` are what a page
says; `null` (not known) has no member: it is never one of these values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self

UNKNOWN = "unknown"


class Term(StrEnum):
    """An enumerated value with the words a page uses for it."""

    _value_: str
    words: str

    def __new__(cls, value: str, words: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.words = words or value
        return member

    @classmethod
    def values(cls) -> list[str]:
        """Every value, in declaration order."""
        return [member.value for member in cls]

    @classmethod
    def words_of(cls, value: str | None) -> str:
        """The words for a stored value; "unknown" for null."""
        return cls(value).words if value else UNKNOWN


class Category(Term):
    """What kind of facility it is, as the operator or the register declares it."""

    changing_places = "changing_places", "Changing Places toilet"
    changing_places_undersized = (
        "changing_places_undersized",
        "Changing Places toilet (smaller than the standard)",
    )
    space_to_change = "space_to_change", "Space to Change toilet"
    accessible_toilet = "accessible_toilet", "Accessible toilet"
    # Imported with `--all`: a public toilet whose accessibility the source does not say.
    public_toilet = "public_toilet", "Public toilet (accessibility not known)"

    @property
    def mark(self) -> str:
        """The short letters drawn on a map pin (shape and letters, not just colour)."""
        marks = {"space_to_change": "StC", "accessible_toilet": "AT", "public_toilet": "WC"}
        return marks.get(self.value, "CP")


class Access(Term):
    """Who may go in (OSM ``access`` / ``toilets:access``-like)."""

    public = "public", "open to everyone"
    customers = "customers", "for customers or visitors of the venue"
    key = "key", "locked: you need a key"
    on_request = "on_request", "ask staff to open it"


class KeyScheme(Term):
    """Which key opens the door, if any (OSM ``toilets:wheelchair:key``-like)."""

    none = "none", "no key needed"
    radar = "radar", "RADAR key"
    other = "other", "a key other than RADAR"


class Hoist(Term):
    """The hoist. ``ceiling_track`` and ``present`` say what is known when the detail is not."""

    ceiling_track_full_room = (
        "ceiling_track_full_room",
        "ceiling track hoist covering the whole room",
    )
    ceiling_track_partial = "ceiling_track_partial", "ceiling track hoist over part of the room"
    ceiling_track = "ceiling_track", "ceiling track hoist"
    mobile = "mobile", "mobile hoist"
    present = "present", "hoist (type not known)"
    none = "none", "no hoist"


class Bench(Term):
    """The adult changing bench. ``height_adjustable`` and ``present`` say what is known."""

    height_adjustable_wall = (
        "height_adjustable_wall",
        "height-adjustable adult changing bench (wall-mounted)",
    )
    height_adjustable_free_standing = (
        "height_adjustable_free_standing",
        "height-adjustable adult changing bench (free-standing)",
    )
    height_adjustable = "height_adjustable", "height-adjustable adult changing bench"
    fixed = "fixed", "fixed-height adult changing bench"
    present = "present", "adult changing bench (height adjustment not known)"
    none = "none", "no adult changing bench"


class ToiletLayout(Term):
    """Peninsular toilets allow transfer from both sides, as the Changing Places standard asks."""

    peninsular = "peninsular"
    corner = "corner"


class Status(Term):
    """Whether the facility operates at all (equipment faults are per item)."""

    open = "open", "Open"
    temporarily_closed = "temporarily_closed", "Temporarily closed"
    permanently_closed = "permanently_closed", "Permanently closed"


class EquipmentItem(Term):
    """Items whose fault can make a visit impossible."""

    hoist = "hoist", "Hoist"
    bench = "bench", "Changing bench"
    door = "door", "Door"
    alarm = "alarm", "Alarm"
    toilet = "toilet", "Toilet"
    washbasin = "washbasin", "Washbasin"
    shower = "shower", "Shower"
    lighting = "lighting", "Lighting"
    # A visitor found the room shut when it should be open (a `closed_or_locked` report).
    entry = "entry", "Way in"
    other = "other", "Other equipment"


class Grade(Term):
    """Grade derived from measured fields (see `locator.domain.grading`)."""

    full_changing_places = "full_changing_places"
    undersized_changing_places = "undersized_changing_places"
    below_changing_places = "below_changing_places"


# Groups: a value that stands for several when a visitor says what they need.
CEILING_HOISTS = frozenset(
    {Hoist.ceiling_track_full_room, Hoist.ceiling_track_partial, Hoist.ceiling_track}
)
ADJUSTABLE_BENCHES = frozenset(
    {Bench.height_adjustable_wall, Bench.height_adjustable_free_standing, Bench.height_adjustable}
)
CLOSED = frozenset({Status.temporarily_closed, Status.permanently_closed})
# Items whose fault makes a Changing Places visit impossible: `working=true` leaves them out.
ESSENTIAL_ITEMS = (
    EquipmentItem.hoist,
    EquipmentItem.bench,
    EquipmentItem.door,
    EquipmentItem.entry,
)


class ReportKind(Term):
    """What a visitor tells us about a facility (a public problem report)."""

    equipment_not_working = "equipment_not_working", "Something is not working"
    closed_or_locked = "closed_or_locked", "It was closed or locked when it should be open"
    information_wrong = "information_wrong", "Some information here is wrong"
    all_fine = "all_fine", "I used it today and everything worked"


class ReportItem(Term):
    """Which item a visitor found not working; each is one `EquipmentItem`."""

    hoist = "hoist", "Hoist"
    bench = "bench", "Changing bench"
    door = "door", "Door"
    alarm = "alarm", "Alarm"
    lights = "lights", "Lights"
    other = "other", "Something else"

    @property
    def equipment(self) -> EquipmentItem:
        """The equipment state this report changes."""
        return EquipmentItem.lighting if self is ReportItem.lights else EquipmentItem(self.value)


class ReportState(Term):
    """Where a report is in moderation."""

    open = "open", "waiting for an editor"
    accepted = "accepted", "accepted"
    rejected = "rejected", "rejected"
    duplicate = "duplicate", "a duplicate of another report"
    cleared = "cleared", "cleared by a later report that all was fine"


class Decision(Term):
    """What an editor decides about a report."""

    accept = "accept", "Accept"
    reject = "reject", "Reject"
    duplicate = "duplicate", "Mark as duplicate"


class Role(Term):
    """What an account may do: editors edit and moderate; admins also delete and manage."""

    editor = "editor", "Editor"
    admin = "admin", "Administrator"


class Scope(Term):
    """What an API token may do (never more than its user's role allows)."""

    facilities_write = "facilities:write", "add and change facilities"
    reports_moderate = "reports:moderate", "read and decide problem reports"
    photos_write = "photos:write", "upload and moderate photos"
    facilities_delete = "facilities:delete", "delete facilities (admins only)"


class PhotoState(Term):
    """Photos are shown only once an editor has approved them."""

    pending = "pending", "waiting for approval"
    approved = "approved", "approved"
    rejected = "rejected", "rejected"


class PhotoSubject(Term):
    """What a photo shows."""

    room = "room", "The room"
    way_in = "way_in", "The way in"


ANY = "any"
# Filter values for what a visitor needs: `any` one, a group by its own name, or an exact type.
HOIST_NEEDS: dict[str, frozenset[Hoist]] = {
    ANY: frozenset(h for h in Hoist if h is not Hoist.none),
    Hoist.ceiling_track.value: CEILING_HOISTS,
    **{h.value: frozenset({h}) for h in Hoist if h not in (Hoist.ceiling_track, Hoist.none)},
}
BENCH_NEEDS: dict[str, frozenset[Bench]] = {
    ANY: frozenset(b for b in Bench if b is not Bench.none),
    Bench.height_adjustable.value: ADJUSTABLE_BENCHES,
    **{b.value: frozenset({b}) for b in Bench if b not in (Bench.height_adjustable, Bench.none)},
}


def _needs(name: str, needs: dict[str, frozenset[Hoist]] | dict[str, frozenset[Bench]]) -> type:
    """An enum of the need values, for typed query parameters and CLI options."""
    return StrEnum(name, {value: value for value in needs})  # type: ignore[return-value]


if TYPE_CHECKING:  # the checker sees a plain StrEnum; at run time the members come from needs
    HoistNeed = StrEnum
    BenchNeed = StrEnum
else:
    HoistNeed = _needs("HoistNeed", HOIST_NEEDS)
    BenchNeed = _needs("BenchNeed", BENCH_NEEDS)
