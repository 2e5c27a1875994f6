"""The grade comes from measured fields and stays unknown when they are."""

from __future__ import annotations

import pytest

from locator.domain.grading import derive_grade

FULL = {
    "hoist": "ceiling_track_full_room",
    "bench": "height_adjustable_wall",
    "room_area_m2": 12.0,
    "ceiling_height_m": 2.4,
    "toilet_layout": "peninsular",
}


@pytest.mark.parametrize(
    ("changes", "grade"),
    [
        ({}, "full_changing_places"),
        ({"room_area_m2": None, "room_width_m": 3.0, "room_length_m": 4.0}, "full_changing_places"),
        ({"room_area_m2": 9.0}, "undersized_changing_places"),
        ({"ceiling_height_m": 2.2}, "undersized_changing_places"),
        ({"toilet_layout": "corner"}, "undersized_changing_places"),
        ({"hoist": "mobile"}, "undersized_changing_places"),
        ({"bench": "fixed"}, "undersized_changing_places"),
        ({"hoist": "none"}, "below_changing_places"),
        ({"bench": "none"}, "below_changing_places"),
        ({"hoist": None}, None),
        ({"room_area_m2": None}, None),
        ({"toilet_layout": None}, None),
        ({"hoist": "present", "bench": "present"}, None),
    ],
)
def test_derive_grade(changes: dict[str, object], grade: str | None) -> None:
    assert derive_grade({**FULL, **changes}) == grade
