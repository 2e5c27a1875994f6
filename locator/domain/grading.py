"""Grade a facility from what was measured, against the Changing Places standard.

The standard (BS 8300-2:2018, Changing Places Consortium) asks for at least 12 m2 (3 m x 4 m),
a ceiling height of 2.4 m, a ceiling track hoist, a height-adjustable adult-sized changing bench
and a peninsular toilet. A facility with a hoist and a bench that falls short of that is an
undersized Changing Places; without a hoist or a bench it is below the standard. When a field the
decision needs is not known, the grade is not known either (None): never guessed from the
declared category.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from locator.domain.vocabulary import (
    ADJUSTABLE_BENCHES,
    CEILING_HOISTS,
    Bench,
    Grade,
    Hoist,
    ToiletLayout,
)

FULL_AREA_M2 = 12.0
FULL_CEILING_M = 2.4


def _area(facility: Mapping[str, Any]) -> float | None:
    if facility.get("room_area_m2") is not None:
        return float(facility["room_area_m2"])
    width, length = facility.get("room_width_m"), facility.get("room_length_m")
    return None if width is None or length is None else float(width) * float(length)


def derive_grade(facility: Mapping[str, Any]) -> str | None:
    """`full_changing_places`, `undersized_changing_places`, `below_changing_places` or None."""
    hoist, bench = facility.get("hoist"), facility.get("bench")
    if hoist == Hoist.none or bench == Bench.none:
        return Grade.below_changing_places.value
    if hoist is None or bench is None:
        return None
    area, ceiling = _area(facility), facility.get("ceiling_height_m")
    layout = facility.get("toilet_layout")
    shortfalls = [
        hoist not in CEILING_HOISTS and hoist != Hoist.present,
        bench not in ADJUSTABLE_BENCHES and bench != Bench.present,
        area is not None and area < FULL_AREA_M2,
        ceiling is not None and ceiling < FULL_CEILING_M,
        layout == ToiletLayout.corner,
    ]
    if any(shortfalls):
        return Grade.undersized_changing_places.value
    fully_known = (
        hoist in CEILING_HOISTS
        and bench in ADJUSTABLE_BENCHES
        and area is not None
        and ceiling is not None
        and layout == ToiletLayout.peninsular
    )
    return Grade.full_changing_places.value if fully_known else None
