"""Opening hours in OSM syntax, judged in Europe/London with UK public holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from locator.domain import hours

LONDON = hours.LONDON


@pytest.mark.parametrize(
    ("expression", "when", "expected"),
    [
        ("Mo-Fr 09:00-17:00", dt.datetime(2026, 11, 23, 10, tzinfo=LONDON), True),
        ("Mo-Fr 09:00-17:00", dt.datetime(2026, 11, 22, 10, tzinfo=LONDON), False),
        ("Mo-Fr 09:00-17:00; PH off", dt.datetime(2026, 12, 25, 10, tzinfo=LONDON), False),
        ("Mo-Su 20:00-02:00", dt.datetime(2026, 11, 24, 1, 30, tzinfo=LONDON), True),
        ("Mo-Su 20:00-02:00", dt.datetime(2026, 11, 24, 2, 30, tzinfo=LONDON), False),
        ("24/7", dt.datetime(2026, 1, 1, 3, tzinfo=dt.UTC), True),
        ("Mo-Fr 09:00-17:00; Sa unknown", dt.datetime(2026, 11, 28, 10, tzinfo=LONDON), None),
        (None, dt.datetime(2026, 11, 23, 10, tzinfo=LONDON), None),
        ("", dt.datetime(2026, 11, 23, 10, tzinfo=LONDON), None),
    ],
)
def test_is_open(expression: str | None, when: dt.datetime, expected: bool | None) -> None:
    assert hours.is_open(expression, when) is expected


def test_times_in_other_zones_are_converted_to_uk_time() -> None:
    # 08:30 UTC in July is 09:30 BST.
    assert hours.is_open("Mo-Fr 09:00-17:00", dt.datetime(2026, 7, 6, 8, 30, tzinfo=dt.UTC)) is True


def test_invalid_expressions_are_rejected_with_a_reason() -> None:
    with pytest.raises(hours.HoursError, match="not valid OSM opening_hours"):
        hours.check("whenever the manager is in")


def test_a_time_in_the_spring_forward_gap_is_judged_as_the_real_time_after_it() -> None:
    # 01:30 on 29 March 2026 does not exist in the UK (clocks go 01:00 GMT -> 02:00 BST);
    # it is read as 01:30 GMT, which is 02:30 BST.
    gap = dt.datetime(2026, 3, 29, 1, 30, tzinfo=LONDON)
    assert hours.is_open("Su 02:00-03:00", gap) is True
    assert hours.is_open("Su 01:00-02:00", gap) is False
