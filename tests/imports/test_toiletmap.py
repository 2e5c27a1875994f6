"""The Toilet Map reader: what the export says becomes our vocabulary; what cannot come in is
named by record and field; a file that is not the export is refused whole."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from locator.domain import hours
from locator.domain.record import FacilityProperties
from locator.services.imports import toiletmap
from locator.services.imports.candidates import Candidate, ImportFileError, Rejected

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "toiletmap-sample.json"


def read(path: Path) -> list[Candidate | Rejected]:
    return list(toiletmap.read(path))


def candidates(path: Path = SAMPLE) -> dict[str, Candidate]:
    found = {}
    for result in read(path):
        assert isinstance(result, Candidate), str(result)
        found[result.source_id] = result
    return found


def write(tmp_path: Path, records: list[Any]) -> Path:
    path = tmp_path / "loos.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def loo(**fields: Any) -> dict[str, Any]:
    return {
        "id": "tm-x",
        "name": "Test loo",
        "location": {"type": "Point", "coordinates": [-1.51, 52.41]},
        **fields,
    }


def test_every_candidate_is_a_valid_record_with_attribution() -> None:
    found = candidates()
    assert len(found) == 10
    for candidate in found.values():
        FacilityProperties.model_validate(candidate.fields)  # the engine can store every one
        assert candidate.fields["licence"] == (
            "Contains data from The Great British Public Toilet Map (toiletmap.org.uk), CC BY 4.0"
        )
        assert candidate.fields["sources"] == [
            {
                "title": "The Great British Public Toilet Map (open data, CC BY 4.0)",
                "url": f"https://www.toiletmap.org.uk/loo/{candidate.source_id}",
            }
        ]


def test_accessible_radar_toilet_with_weekly_hours() -> None:
    market = candidates()["tm-0001"]
    assert market.where == f"{SAMPLE}: record 0 (id 'tm-0001')"
    assert (market.lat, market.lon) == (52.4081, -1.5106)
    assert market.fields["category"] == "accessible_toilet"
    assert market.fields["key_scheme"] == "radar"
    assert market.fields["access"] == "key"
    assert market.fields["opening_hours"] == "Mo-Fr 09:00-17:00; Sa 10:00-16:00; Su off"
    assert market.fields["locality"] == "Coventry"
    assert market.fields["notes"] == "Beside the clock tower"
    assert market.relevant and market.active
    assert market.source_date is not None and market.source_date.isoformat() == "2024-03-12"


def test_changing_places_mention_in_name_or_notes() -> None:
    found = candidates()
    library, arcade = found["tm-0002"], found["tm-0007"]
    for candidate in (library, arcade):
        assert candidate.fields["category"] == "changing_places"
        assert "registered" not in candidate.fields  # a mention is not the national register
        assert candidate.relevant
    assert library.fields["key_scheme"] == "none"  # radar: false
    assert "access" not in library.fields
    assert library.fields["opening_hours"] == "24/7"
    assert arcade.fields["notes"] == "Adult changing bench and ceiling hoist on level 1"


def test_not_accessible_is_a_public_toilet_with_fee_and_staff_noted() -> None:
    pavilion = candidates()["tm-0003"]
    assert pavilion.fields["category"] == "public_toilet"
    assert not pavilion.relevant
    assert pavilion.fields["notes"] == "Fee: 20p; Attended: staff on site"


def test_unknown_accessibility_is_not_read_as_no() -> None:
    unnamed = candidates()["tm-0004"]
    assert unnamed.fields["category"] == "public_toilet"
    assert not unnamed.relevant
    assert unnamed.fields["name"] == "Public toilet (Warwick)"
    for unknown in ("key_scheme", "access", "opening_hours", "notes"):
        assert unknown not in unnamed.fields


def test_radar_lock_with_unknown_accessibility_is_an_accessible_toilet() -> None:
    bus = candidates()["tm-0005"]
    assert bus.fields["category"] == "accessible_toilet"
    assert (bus.fields["key_scheme"], bus.fields["access"]) == ("radar", "key")
    assert bus.relevant


def test_removed_loo_is_inactive_with_its_reason() -> None:
    gone = candidates()["tm-0006"]
    assert not gone.active
    assert gone.removal_reason == "Demolished"
    assert candidates()["tm-0001"].removal_reason is None


def test_numeric_id_missing_location_and_bad_hours() -> None:
    market = candidates()["12345"]
    assert market.where == f"{SAMPLE}: record 7 (id 12345)"
    assert (market.lat, market.lon) == (None, None)  # the engine places or rejects it
    assert "opening_hours" not in market.fields
    assert '["9am", "5pm"]' in market.fields["opening_hours_note"]
    assert market.warnings == [
        'opening_times: Monday: expected [] or ["HH:MM", "HH:MM"], got ["9am", "5pm"]; '
        "hours left unknown"
    ]


def test_some_days_all_day_and_automatic_noted() -> None:
    superloo = candidates()["tm-0009"]
    assert superloo.fields["opening_hours"] == "Mo-Fr 00:00-24:00; Sa,Su 08:00-20:00"
    assert superloo.fields["notes"] == "Automatic (self-cleaning) public toilet"


def test_closed_every_day_leaves_hours_unknown() -> None:
    baths = candidates()["tm-0010"]
    assert "opening_hours" not in baths.fields
    assert baths.warnings == ["opening_times: closed every day; hours left unknown"]


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ([["09:00", "17:00"]] * 7, "Mo-Su 09:00-17:00"),
        ([["00:00", "00:00"]] * 7, "24/7"),
        ([["12:00", "12:00"]] * 7, "24/7"),
        ([[]] + [["9:00", "17:30"]] * 6, "Mo off; Tu-Su 09:00-17:30"),
        (
            [["09:00", "17:00"], []] * 3 + [["10:00", "00:00"]],  # closing at midnight
            "Mo 09:00-17:00; Tu off; We 09:00-17:00; Th off; Fr 09:00-17:00; Sa off; "
            "Su 10:00-24:00",
        ),
        ([["18:00", "02:00"]] * 5 + [[], []], "Mo-Fr 18:00-02:00; Sa,Su off"),
        ([["08:00", "20:00"]] * 6 + [["10:00", "16:00"]], "Mo-Sa 08:00-20:00; Su 10:00-16:00"),
    ],
)
def test_opening_times_in_osm_syntax(times: list[list[str]], expected: str) -> None:
    expression = toiletmap.opening_hours(times)
    assert expression == expected
    hours.check(expression)


@pytest.mark.parametrize(
    "times",
    [
        [["09:00", "17:00"]] * 6,  # six days
        "Mo-Fr 09:00-17:00",
        [["09:00", "25:00"]] * 7,
        [["09:00"]] * 7,
        [[9, 17]] * 7,
    ],
)
def test_bad_opening_times_are_a_warning_not_a_reject(tmp_path: Path, times: Any) -> None:
    (result,) = read(write(tmp_path, [loo(accessible=True, opening_times=times)]))
    assert isinstance(result, Candidate)
    assert "opening_hours" not in result.fields
    assert result.fields["opening_hours_note"].startswith("Opening times as the Toilet Map lists")
    assert result.warnings[0].startswith("opening_times: ")


def test_rejects_name_record_and_field() -> None:
    path = FIXTURES / "toiletmap-rejects.json"
    results = read(path)
    rejected = [r for r in results if isinstance(r, Rejected)]
    assert [(r.where, r.field) for r in rejected] == [
        (f"{path}: record 0 (id 'tm-r1')", "location"),
        (f"{path}: record 1 (id 'tm-r2')", "location"),
        (f"{path}: record 2 (id 'tm-r3')", "notes"),
        (f"{path}: record 3 (id 'tm-r4')", "name"),
        (f"{path}: record 4 (id None)", "id"),
        (f"{path}: record 5 (id 'tm-r6')", "payment_details"),
        (f"{path}: record 6 (id None)", "(record)"),
        (f"{path}: record 7 (id 'tm-r8')", "location"),
    ]
    reasons = [r.reason for r in rejected]
    assert "look swapped" in reasons[0]
    assert "outside Great Britain" in reasons[1]
    assert "NUL" in reasons[2] and "NUL" in reasons[5]  # an escape and a raw byte alike
    assert "lone surrogate" in reasons[3]
    # The file goes on after its rejects.
    assert isinstance(results[-1], Candidate) and results[-1].source_id == "tm-r9"


def test_areas_as_one_object_or_a_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            loo(id="a", name=None, areas={"name": "Leeds", "type": "Metropolitan District"}),
            loo(id="b", name=None, areas=[{"name": None}, {"name": "York", "type": "Unitary"}]),
            loo(id="c", name=None, areas=[]),
        ],
    )
    names = [r.fields["name"] for r in read(path) if isinstance(r, Candidate)]
    assert names == ["Public toilet (Leeds)", "Public toilet (York)", "Public toilet"]


def test_unknown_fee_amount_and_odd_booleans(tmp_path: Path) -> None:
    path = write(tmp_path, [loo(no_payment=False, accessible="yes", radar=False)])
    (result,) = read(path)
    assert isinstance(result, Candidate)
    assert result.fields["notes"] == "There is a fee (amount not given)"
    assert result.fields["category"] == "public_toilet"  # "yes" is not a JSON boolean
    assert result.warnings == [
        "accessible: expected true, false or null, got 'yes'; read as unknown"
    ]


def test_contradictions_are_kept_as_the_source_says_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, [loo(accessible=False, radar=True)])
    (result,) = read(path)
    assert isinstance(result, Candidate)
    assert result.fields["category"] == "public_toilet"
    assert result.relevant  # a RADAR lock is worth showing
    assert result.warnings == ["accessible is false but a RADAR key is needed: kept as relevant"]


def test_zero_zero_is_no_location(tmp_path: Path) -> None:
    path = write(tmp_path, [loo(location={"type": "Point", "coordinates": [0, 0]})])
    (result,) = read(path)
    assert isinstance(result, Candidate) and result.lat is None and result.lon is None


def test_not_an_array_is_refused() -> None:
    with pytest.raises(ImportFileError, match="expected a JSON array of Toilet Map records"):
        toiletmap.read(FIXTURES / "toiletmap-not-array.json")


def test_not_utf8_names_the_line() -> None:
    path = FIXTURES / "toiletmap-cp1252.json"
    with pytest.raises(ImportFileError, match=rf"^{path}:3: not UTF-8 text \(byte 0xE9\)"):
        toiletmap.read(path)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[\n{"id": "a",\n "name": \n')
    with pytest.raises(ImportFileError, match=rf"^{path}:4: not valid JSON"):
        toiletmap.read(path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot read the file"):
        toiletmap.read(tmp_path / "nowhere.json")


def test_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([loo()]).encode())
    assert [type(r) for r in read(path)] == [Candidate]


def test_fifteen_thousand_records_read_quickly(tmp_path: Path) -> None:
    week = [["09:00", "17:00"]] * 5 + [["10:00", "16:00"], []]
    records = [
        loo(
            id=f"bench-{n}",
            name=f"Loo {n}",
            accessible=[True, False, None][n % 3],
            radar=[True, None][n % 2],
            opening_times=[week, None, [["00:00", "00:00"]] * 7][n % 3],
            location={"type": "Point", "coordinates": [-5 + (n % 600) / 100, 50.5 + n / 2500]},
            areas={"name": "Somewhere", "type": "Unitary Authority"},
        )
        for n in range(15_000)
    ]
    path = write(tmp_path, records)
    start = time.perf_counter()
    results = read(path)
    elapsed = time.perf_counter() - start
    assert len(results) == 15_000 and all(isinstance(r, Candidate) for r in results)
    assert elapsed < 5, f"{elapsed:.2f} s"
