"""The facility editing form's codec: each field of the record as a form control, and back.

The controls are derived from the record's model, so a new field gets one without a template
change; the edit page, its conflict retry and the queue's "correct value" all label, parse and
check a field through here, so they say the same thing about it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from locator.domain import hours
from locator.domain.edits import FacilityChange
from locator.domain.errors import LocatorError
from locator.domain.record import STATE_FIELDS, FacilityProperties, FacilityRecord
from locator.domain.vocabulary import EquipmentItem, Term

FieldKind = Literal["text", "long_text", "number", "yes_no", "choice", "date"]


@dataclass(frozen=True)
class FieldSpec:
    """One control of the editing form, derived from the record's model."""

    name: str
    label: str
    kind: FieldKind
    required: bool
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    about: str = ""  # what the field is, from its description (the hint says more)


# Lists and the equipment states have forms of their own (states: two selects below).
NOT_IN_FORM = frozenset({"equipment_status", "sources", "unverified"})
LABELS = {
    "lat": "Latitude",
    "lon": "Longitude",
    "hoist_swl_kg": "Hoist safe working load (kg)",
    "location_in_venue": "Where it is in the venue",
}
HINTS = {
    "lat": "Decimal degrees (WGS84), e.g. 52.40812.",
    "lon": "Decimal degrees (WGS84), e.g. -1.51044.",
}
UNITS = (("_m2", "m²"), ("_m", "metres"), ("_kg", "kg"))
EMPTY_IS_UNKNOWN = "Leave it empty if it is not known."
# The API's "(null: not known)" in a description: the form says unknown its own way.
NULL_WORDS = re.compile(r"\s*\(?null: [^).]*[).]?")
YES_NO = {"yes": True, "no": False}
# The states the form sets; the others are read-only here.
FORM_ITEMS = (EquipmentItem.hoist, EquipmentItem.bench)
WORKING: dict[str, bool | None] = {"working": True, "not_working": False, "unknown": None}
WORKING_WORDS = {"working": "Working", "not_working": "Not working", "unknown": "Unknown"}
OTHER_LABELS = {
    "source_title": "Source",
    "source_url": "Source web address",
    "source_date": "Date of the source",
    "reason": "Reason",
    "version": "Version",
    "location": "Location (the map pin)",
    "file": "Photo",
    "alt_text": "Alt text",
    "subject": "What the photo shows",
    **{f"state_{item}": f"{item.words} working?" for item in FORM_ITEMS},
}


def _label(name: str) -> str:
    """`room_area_m2` -> `Room area (m²)`."""
    if name in LABELS:
        return LABELS[name]
    unit = next((u for suffix, u in UNITS if name.endswith(suffix)), None)
    if unit:
        name = name.rsplit("_", 1)[0]
    text = name.replace("_", " ").capitalize().replace(" url", " web address")
    return f"{text} ({unit})" if unit else text


def _unwrap(annotation: Any) -> Any:
    """The type under Optional[...] and Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            return annotation


def _kind(name: str, base: Any) -> FieldKind:
    """The control a field's type asks for."""
    if base is bool:
        return "yes_no"
    if isinstance(base, type) and issubclass(base, Term):
        return "choice"
    if base in (float, int):
        return "number"
    if base is dt.date:
        return "date"
    if base is str:
        return "long_text" if "note" in name else "text"
    raise TypeError(f"the editing form has no control for {name} ({base!r})")


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    """A field's control: its kind from its type, hints from its description."""
    base = _unwrap(info.annotation)
    kind = _kind(name, base)
    required = info.is_required()
    described = NULL_WORDS.sub("", (info.description or "").replace("`", "")).strip()
    about = HINTS.get(name) or described
    hints = [about]
    if not required and kind in ("text", "long_text", "number", "date"):
        hints.append(EMPTY_IS_UNKNOWN)
    hint = " ".join(h for h in hints if h)
    choices: tuple[tuple[str, str], ...] = ()
    if kind == "choice":
        choices = tuple((m.value, m.words[:1].upper() + m.words[1:]) for m in base)
    return FieldSpec(name, _label(name), kind, required, hint, choices, about)


# Every property but the lists, then the position: what `store.edits.change` can set.
FIELDS = [
    _spec(name, info)
    for name, info in [
        *FacilityProperties.model_fields.items(),
        *((n, FacilityRecord.model_fields[n]) for n in ("lat", "lon")),
    ]
    if name not in NOT_IN_FORM
]
SPECS = {spec.name: spec for spec in FIELDS}
# The equipment states' selects: their names and labels.
STATE_CONTROLS = [(f"state_{item}", OTHER_LABELS[f"state_{item}"]) for item in FORM_ITEMS]
CONTROL_NAMES = [*SPECS, *(name for name, _ in STATE_CONTROLS)]
SOURCE_FIELDS = ("source_title", "source_url", "source_date", "reason")


def field_label(name: str) -> str:
    """What a page calls a field of the record or of a form."""
    return SPECS[name].label if name in SPECS else OTHER_LABELS.get(name, _label(name))


def typing_hint(spec: FieldSpec) -> str:
    """What to type for the field in a plain text box, where it has no select or radios."""
    typed = {
        "yes_no": "Type yes or no.",
        "choice": f"Type one of: {', '.join(value for value, _ in spec.choices)}.",
        "date": "Type a date, e.g. 2026-11-23.",
    }.get(spec.kind, "")
    return " ".join(part for part in (spec.about, typed) if part)


def _as_text(value: Any) -> str:
    """A stored value as its form control holds it ('' is unknown)."""
    if value is None:
        return ""
    if value is True or value is False:
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _parse(spec: FieldSpec, text: str) -> Any:
    """A submitted value as the record holds it (None: unknown); ValueError says what is wrong."""
    text = text.strip()
    if not text:
        if spec.required:
            raise ValueError("is required")
        return None
    if spec.kind == "number":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError("must be a number, e.g. 2.5")
        return number
    if spec.kind == "yes_no":
        if text not in YES_NO:
            raise ValueError("must be yes, no or unknown")
        return YES_NO[text]
    if spec.kind == "choice":
        if text not in {value for value, _ in spec.choices}:
            raise ValueError("must be one of the choices given")
        return text
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("must be a date, e.g. 2026-11-23") from None
    return text


def parse_value(name: str, text: str) -> Any:
    """A field's submitted text as the record holds it; ValueError says what, naming the field."""
    spec = SPECS[name]
    try:
        return _parse(spec, text)
    except ValueError as exc:
        raise ValueError(f"{spec.label} {exc}") from None


def _state_key(states: list[dict[str, Any]], item: str) -> str:
    """`working`, `not_working` or `unknown`: the item's state as the public sees it now."""
    state = next((s for s in states if s["item"] == item), None)
    working = state["working"] if state else None
    return next(key for key, value in WORKING.items() if value is working)


def form_values(feature: dict[str, Any]) -> dict[str, str]:
    """Every control's value for a facility as it is stored."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    stored = {**props, "lat": lat, "lon": lon}
    values = {spec.name: _as_text(stored.get(spec.name)) for spec in FIELDS}
    for item in FORM_ITEMS:
        values[f"state_{item}"] = _state_key(props["equipment_status"], item)
    return values


def _states_with(
    states: list[dict[str, Any]], wanted: dict[str, bool | None]
) -> list[dict[str, Any]]:
    """The confirmed states, those of `wanted` items replaced (dated now by the change)."""
    kept = [
        {key: value for key, value in state.items() if key in STATE_FIELDS}
        for state in states
        if state.get("confirmed", True) and state["item"] not in wanted
    ]
    return kept + [{"item": item, "working": working} for item, working in wanted.items()]


def changed_fields(
    feature: dict[str, Any], submitted: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The change's `set` (each field whose submitted value differs from the stored one) and
    what is wrong with the submitted values, by field."""
    current = form_values(feature)
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in FIELDS:
        try:
            new = parse_value(spec.name, submitted.get(spec.name, current[spec.name]))
        except ValueError as exc:
            errors[spec.name] = str(exc)
            continue
        try:
            old = _parse(spec, current[spec.name])
        except ValueError:
            old = None
        if new != old:
            changes[spec.name] = new
    wanted: dict[str, bool | None] = {}
    for item in FORM_ITEMS:
        name = f"state_{item}"
        value = submitted.get(name, current[name])
        if value not in WORKING:
            errors[name] = f"{field_label(name)} must be working, not working or unknown"
        elif value != current[name]:
            wanted[item.value] = WORKING[value]
    if wanted:
        states = feature["properties"]["equipment_status"]
        changes["equipment_status"] = _states_with(states, wanted)
    return changes, errors


def errors_of(exc: ValidationError | LocatorError) -> dict[str, str]:
    """Why a change was refused, by form field ('' for the change as a whole), each message
    naming the field it is about."""
    if isinstance(exc, LocatorError):
        name = exc.field if exc.field in SPECS else ""
        return {name: f"{field_label(name)}: {exc.detail}" if name else exc.detail}
    out: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error.get("loc", ())]
        if loc[:1] == ["source"] and len(loc) > 1:
            name = f"source_{loc[1]}"
        elif loc[:1] == ["set"] and len(loc) > 1:
            name = loc[1]
        else:
            name = loc[0] if loc else ""
        known = name in SPECS or name in OTHER_LABELS
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        label = field_label(name) if name else "The change"
        out.setdefault(name if known else "", f"{label}: {message}")
    return out


@dataclass
class EditForm:
    """What the editing page shows in its forms: values, the version they were made against,
    what was stored when the editor opened it, what they sent, and what is wrong."""

    values: dict[str, str]
    original: dict[str, str]
    version: int
    source: dict[str, str]
    submitted: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflict: str | None = None
    photo: dict[str, str] = field(default_factory=dict)
    photo_errors: dict[str, str] = field(default_factory=dict)


def fresh_form(feature: dict[str, Any]) -> EditForm:
    """The form as the facility is stored, its source dated today."""
    values = form_values(feature)
    source = dict.fromkeys(SOURCE_FIELDS, "") | {"source_date": hours.now().date().isoformat()}
    return EditForm(values, values, int(feature["properties"]["version"]), source)


def _original(text: str) -> dict[str, str] | None:
    """The values the page was opened with (a hidden field), if it is what we wrote."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return {str(k): v for k, v in value.items()}


def posted_form(posted: Mapping[str, str], feature: dict[str, Any]) -> EditForm:
    """The form as the editor sent it, over the facility as it is stored now.

    ValueError when it does not say which version of the facility it was made against.
    """
    submitted = {name: posted[name] for name in CONTROL_NAMES if name in posted}
    source = {name: posted.get(name, "").strip() for name in SOURCE_FIELDS}
    original = _original(posted.get("original", "")) or form_values(feature)
    try:
        version = int(posted.get("version", ""))
    except ValueError:
        raise ValueError(
            "It did not say which version of the facility it was made against."
        ) from None
    values = {**form_values(feature), **submitted}
    return EditForm(values, original, version, source, submitted)


def checked_changes(form: EditForm, feature: dict[str, Any]) -> dict[str, Any]:
    """The change's `set`: what the editor changed; what is wrong goes into `form.errors`."""
    changes, form.errors = changed_fields(feature, form.submitted)
    if not form.source["source_title"]:
        form.errors["source_title"] = "Source: say where you learned this (at least 3 characters)"
    return changes


def facility_change(form: EditForm, changes: dict[str, Any]) -> FacilityChange:
    """The change to store, with the form's source (ValidationError if it cannot be)."""
    return FacilityChange.model_validate(
        {
            "set": changes,
            "source": {
                "title": form.source["source_title"],
                "url": form.source["source_url"] or None,
                "date": form.source["source_date"] or hours.now().date().isoformat(),
            },
            "reason": form.source["reason"] or None,
        }
    )


def retry_form(form: EditForm, feature: dict[str, Any]) -> EditForm:
    """After a conflict: the facility as it is now with this editor's own changes on top, made
    against the new version, so saving again keeps both editors' changes."""
    now = form_values(feature)
    mine = {k: v for k, v in form.submitted.items() if v != form.original.get(k)}
    theirs = [field_label(name) for name in now if now[name] != form.original.get(name)]
    version = int(feature["properties"]["version"])
    message = (
        "Someone else changed this facility while you were editing (it is now version "
        f"{version}). Your changes are below: check theirs on the facility page, then save again."
    )
    if theirs:
        message += f" They changed: {', '.join(theirs)}."
    return EditForm({**now, **mine}, now, version, form.source, conflict=message)


def original_field(form: EditForm) -> str:
    """The hidden field holding what the page was opened with (`posted_form` reads it back)."""
    return json.dumps(form.original, separators=(",", ":"))


def _anchor(name: str) -> str:
    """The id of the control an error summary links to."""
    spec = SPECS.get(name)
    if spec and spec.kind == "yes_no":
        return f"f-{name}-yes"
    if name == "subject":
        return "p-subject-room"
    if name in ("file", "alt_text"):
        return f"p-{name}"
    return f"f-{name}"


def error_links(form: EditForm) -> list[tuple[str, str]]:
    """The error summary: each message with the id of its control ('' for the form as a whole)."""
    errors = [*form.errors.items(), *form.photo_errors.items()]
    return [(_anchor(name) if name else "", message) for name, message in errors]
