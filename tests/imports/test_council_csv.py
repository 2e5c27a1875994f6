"""The council CSV reader (LGA PublicToilets schema): columns in any spelling, WGS84 or British
National Grid, Windows, Unix and old Mac line ends, Excel's encodings; rejects name the line and
the column; a file that cannot be read is refused whole, naming the line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from geopy.distance import geodesic

from locator.domain.record import FacilityProperties
from locator.services.imports import council_csv
from locator.services.imports.candidates import Candidate, ImportFileError, Rejected

FIXTURES = Path(__file__).parent / "fixtures"
WGS84 = FIXTURES / "council-wgs84.csv"
OSGB36 = FIXTURES / "council-osgb36.csv"
# BNG 433208, 279120 (Coventry city centre) in WGS84, as OSGB36 -> WGS84 (Helmert) gives it.
COVENTRY = (52.40908, -1.51325)
HEADER = "LocationText,GeoX,GeoY,AccessibleCategory,RADARKeyNeeded,ChangingPlace,OpeningHours\n"


def read(path: Path, encoding: str = "utf-8") -> list[Candidate | Rejected]:
    return list(council_csv.read(path, encoding))


def candidates(path: Path, encoding: str = "utf-8") -> list[Candidate]:
    found = []
    for result in read(path, encoding):
        assert isinstance(result, Candidate), str(result)
        FacilityProperties.model_validate(result.fields)  # the engine can store every one
        found.append(result)
    return found


def one(tmp_path: Path, text: str, name: str = "one.csv") -> Candidate | Rejected:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (result,) = read(path)
    return result


def metres(a: tuple[float, float], b: tuple[float | None, float | None]) -> float:
    assert b[0] is not None and b[1] is not None
    return float(geodesic(a, (b[0], b[1])).meters)


def test_changing_places_row_with_everything_mapped() -> None:
    library = candidates(WGS84)[0]
    assert library.where == f"{WGS84}:2"
    assert library.source_id == "100071234567"
    assert library.identifiers == {"uprn": "100071234567"}
    assert (library.lat, library.lon) == (52.4081, -1.5106)
    assert library.relevant
    fields = library.fields
    assert fields["category"] == "changing_places"
    assert "registered" not in fields  # the file does not say it is on the register
    assert (fields["key_scheme"], fields["access"]) == ("radar", "key")
    assert fields["opening_hours"] == "Mo-Fr 09:00-17:00; Sa 10:00-16:00"  # spaces tidied
    assert fields["name"] == "Central Library Changing Places"
    assert fields["address"] == "1 Library Square"
    assert fields["postcode"] == "CV1 1FY"
    assert fields["locality"] == "Coventry"
    assert fields["operator"] == "Example City Council"
    assert fields["email"] == "toilets@example.gov.uk"
    assert fields["report_url"] == "mailto:toilets@example.gov.uk"
    assert fields["phone"] == "01632 960001"
    assert fields["website"] == "https://www.example.gov.uk/public-toilets"
    assert "notes" not in fields  # ChargeAmount 0.00 is free: nothing to say
    assert fields["licence"] == "Open Government Licence v3.0 (as councils publish this schema)"
    assert fields["sources"] == [
        {
            "title": "Example City Council public toilets open data (LGA PublicToilets schema), "
            "extract 2024-05-01",
            "url": "https://www.example.gov.uk/open-data/licence",
        }
    ]
    assert library.source_date == dt.date(2024, 5, 1)
    assert "last_verified" not in fields  # an extract date is not a visit


def test_accessible_category_free_text_hours_fee_and_staff() -> None:
    park = candidates(WGS84)[1]
    assert park.fields["category"] == "accessible_toilet"  # AccessibleCategory "Female"
    assert park.fields["key_scheme"] == "none"  # RADARKeyNeeded "no"
    assert "access" not in park.fields
    assert "opening_hours" not in park.fields
    assert park.fields["opening_hours_note"] == "Open daily 8am to 6pm"
    assert park.warnings == [
        "OpeningHours: 'Open daily 8am to 6pm' is not OSM opening_hours syntax; kept as a note, "
        "hours left unknown"
    ]
    assert park.fields["notes"] == "Fee: £0.20; Staffed full time; Closed during events"
    assert park.fields["locality"] == "Example"  # from "Example City Council"
    # No UPRN: an id from the council, the name and the position, whatever the row order.
    assert park.identifiers == {}
    assert park.source_id == (
        "http://opendatacommunities.org/id/metropolitan-district-council/example"
        "#Memorial Park@-1.5200,52.3950"
    )


def test_accessible_category_none_means_not_accessible() -> None:
    station = candidates(WGS84)[2]
    assert station.fields["category"] == "public_toilet"
    assert not station.relevant
    assert station.fields["opening_hours"] == "24/7"  # "24 hours"


def test_radar_key_alone_makes_it_relevant_and_excel_uprn_is_tidied() -> None:
    bus = candidates(WGS84)[3]
    assert bus.fields["category"] == "accessible_toilet"
    assert (bus.fields["key_scheme"], bus.fields["access"]) == ("radar", "key")
    assert bus.relevant
    assert bus.source_id == "100071230000"  # was 100071230000.0
    assert bus.fields["notes"] == "Part of the Use Our Loos community toilet scheme"
    assert bus.warnings == ["ChangingPlace: 'maybe' is not yes or no; read as unknown"]


def test_british_national_grid_is_converted_to_wgs84() -> None:
    rows = candidates(OSGB36)  # also: Windows line ends and a byte order mark
    assert [r.where for r in rows] == [f"{OSGB36}:{n}" for n in (2, 3, 4, 5)]
    greyfriars = rows[0]
    assert metres(COVENTRY, (greyfriars.lat, greyfriars.lon)) < 5
    # The brief's rough figure for the same point: within 100 m.
    assert metres((52.4084, -1.5137), (greyfriars.lat, greyfriars.lon)) < 100
    assert greyfriars.source_date == dt.date(2024, 5, 1)  # 01/05/2024 00:00, day first
    assert "extract 2024-05-01" in greyfriars.fields["sources"][0]["title"]
    for row in rows:  # OSGB36, EPSG:27700, no CRS, and "WGS84" with metres: all in Coventry
        assert metres(COVENTRY, (row.lat, row.lon)) < 2000
    assert rows[3].warnings == [
        "GeoX/GeoY: CoordinateReferenceSystem says 'WGS84' but these are metres"
    ]


def test_easting_northing_columns_and_header_in_any_spelling() -> None:
    (town_hall,) = candidates(FIXTURES / "council-eastings.csv")
    assert metres(COVENTRY, (town_hall.lat, town_hall.lon)) < 5
    assert town_hall.fields["category"] == "accessible_toilet"  # ACCESSIBLECATEGORY
    assert town_hall.fields["key_scheme"] == "radar"  # "radar key needed": YES
    assert town_hall.fields["postcode"] == "CV1 1FY"  # "post code"
    assert town_hall.fields["licence"] == "Creative Commons Attribution 4.0"  # its own column
    assert town_hall.fields["locality"] == "Example"  # "Example District Council"
    assert town_hall.source_date == dt.date(2024, 6, 30)


def test_latitude_longitude_columns_in_upper_case() -> None:
    (castle,) = candidates(FIXTURES / "council-latlon.csv")
    assert (castle.lat, castle.lon) == (55.9486, -3.1999)
    assert castle.fields["key_scheme"] == "radar"  # RADARKEYNEEDED 1
    assert castle.fields["category"] == "accessible_toilet"
    assert castle.fields["locality"] == "Example"  # "City of Example"


def test_windows_1252_file_is_refused_with_the_line_and_a_hint() -> None:
    path = FIXTURES / "council-latin1.csv"
    with pytest.raises(ImportFileError) as error:
        council_csv.read(path)
    assert str(error.value).startswith(f"{path}:3: not utf-8 text (byte 0xE9)")
    assert "--encoding cp1252" in str(error.value)


def test_windows_1252_file_reads_with_its_encoding() -> None:
    market, cafe = candidates(FIXTURES / "council-latin1.csv", encoding="cp1252")
    assert cafe.where.endswith("council-latin1.csv:3")
    assert cafe.fields["name"] == "Café Gardens"
    assert cafe.fields["notes"] == "St Mary’s Hall opposite; £0.20 charge"


def test_old_mac_line_ends_give_physical_lines() -> None:
    path = FIXTURES / "council-mac-line-ends.csv"
    results = read(path)
    assert [r.where for r in results] == [f"{path}:2", f"{path}:3", f"{path}:5"]
    canal, garden, bad = results
    assert isinstance(garden, Candidate)
    assert garden.fields["notes"] == "Ring the bell\nfor the key"  # one cell over lines 3-4
    assert isinstance(bad, Rejected)
    assert (bad.field, bad.reason) == ("GeoX", "not a number: 'n/a'")
    assert str(bad) == f"{path}:5: field 'GeoX': not a number: 'n/a'"


def test_swapped_and_out_of_country_positions_are_rejected() -> None:
    path = FIXTURES / "council-swapped.csv"
    results = read(path)
    rejected = [(r.where, r.field) for r in results if isinstance(r, Rejected)]
    assert rejected == [(f"{path}:{n}", "GeoX/GeoY") for n in (2, 3, 4, 5)]
    reasons = [r.reason for r in results if isinstance(r, Rejected)]
    assert "look swapped" in reasons[0]
    assert "outside Great Britain" in reasons[1]
    assert "only one of GeoX and GeoY" in reasons[2]
    assert "easting 779120 and northing 433208 look swapped" in reasons[3]
    postcode_only = results[4]
    assert isinstance(postcode_only, Candidate)
    assert (postcode_only.lat, postcode_only.lon) == (None, None)  # the engine places it
    assert postcode_only.fields["postcode"] == "CV1 1FY"


def test_nul_and_lone_surrogate_reject_the_row_naming_line_and_column() -> None:
    path = FIXTURES / "council-nul.csv"
    nul, surrogate, clean = read(path)
    assert isinstance(nul, Rejected) and isinstance(surrogate, Rejected)
    assert (nul.where, nul.field) == (f"{path}:2", "LocationText")
    assert "NUL" in nul.reason
    assert (surrogate.where, surrogate.field) == (f"{path}:3", "Notes")
    assert "lone surrogate" in surrogate.reason
    assert isinstance(clean, Candidate) and clean.fields["name"] == "Clean Row"


def test_opening_hours_tidied_or_kept_as_a_note() -> None:
    rows = candidates(FIXTURES / "council-bad-hours.csv")
    got = [(r.fields.get("opening_hours"), r.fields.get("opening_hours_note")) for r in rows]
    assert got == [
        ("Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00", None),
        (None, "Summer 08:00 - 20:00, Winter 08:00 - 16:00"),
        (None, "09.00 - 17.00"),
        (None, "Mo-Fr 09:00-17:00,"),
        ("24/7", None),
        ("24/7", None),
    ]
    assert [bool(r.warnings) for r in rows] == [False, True, True, True, False, False]


@pytest.mark.parametrize(
    ("cells", "category", "relevant"),
    [
        ("Yes,Unisex,,No", "changing_places", True),  # ChangingPlace yes wins
        ("No,Unisex,,", "accessible_toilet", True),
        ("No,None,,", "public_toilet", False),
        ("No,,,", "public_toilet", False),  # nothing said: not relevant, never "not accessible"
        ("No,,Y,", "accessible_toilet", True),  # RADAR key
        (",,,Adult changing bench and hoist", "changing_places", True),  # a mention
        ("No,,,Adult changing bench and hoist", "public_toilet", False),  # the column wins
    ],
)
def test_category_and_relevance(tmp_path: Path, cells: str, category: str, relevant: bool) -> None:
    changing_place, accessible, radar, notes = cells.split(",")
    text = (
        "LocationText,GeoX,GeoY,ChangingPlace,AccessibleCategory,RADARKeyNeeded,Notes\n"
        f"Loo,-1.51,52.41,{changing_place},{accessible},{radar},{notes}\n"
    )
    result = one(tmp_path, text)
    assert isinstance(result, Candidate)
    assert (result.fields["category"], result.relevant) == (category, relevant)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True), ("YES", True), ("y", True), ("True", True), ("1", True),
        ("no", False), ("N", False), ("false", False), ("0", False),
        ("", None), ("unknown", None),
    ],
)  # fmt: skip
def test_yes_no_cells(tmp_path: Path, cell: str, expected: bool | None) -> None:
    result = one(tmp_path, f"LocationText,GeoX,GeoY,RADARKeyNeeded\nLoo,-1.51,52.41,{cell}\n")
    assert isinstance(result, Candidate)
    key = {True: "radar", False: "none", None: None}[expected]
    assert result.fields.get("key_scheme") == key


def test_semicolon_separated_file(tmp_path: Path) -> None:
    result = one(tmp_path, "LocationText;GeoX;GeoY;AccessibleCategory\nLoo;-1.51;52.41;Unisex\n")
    assert isinstance(result, Candidate)
    assert (result.lat, result.lon, result.fields["category"]) == (
        52.41,
        -1.51,
        "accessible_toilet",
    )


def test_bad_postcode_is_a_warning(tmp_path: Path) -> None:
    result = one(tmp_path, "LocationText,Postcode\nLoo,CV99\n")
    assert isinstance(result, Candidate)
    assert "postcode" not in result.fields
    assert result.warnings == ["Postcode: 'CV99' is not a UK postcode; left out"]


def test_row_without_a_name_or_uprn(tmp_path: Path) -> None:
    text = (
        "OrganisationLabel,LocationText,StreetAddress,GeoX,GeoY\n"
        "Adur District Council,,,-0.3,50.83\n"
    )
    result = one(tmp_path, text)
    assert isinstance(result, Candidate)
    assert result.fields["name"] == "Public toilet (Adur)"
    assert result.source_id == "Adur District Council#row-1"


def test_a_file_without_the_schema_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("id,lat,lon,category\nx,52.4,-1.5,changing_places\n")
    with pytest.raises(ImportFileError, match=rf"^{path}:1: not the LGA PublicToilets schema"):
        council_csv.read(path)


def test_empty_unreadable_and_unknown_encoding_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(ImportFileError, match="the file is empty"):
        council_csv.read(empty)
    with pytest.raises(ImportFileError, match="cannot read the file"):
        council_csv.read(tmp_path / "nowhere.csv")
    with pytest.raises(ImportFileError, match="unknown encoding 'klingon'"):
        council_csv.read(empty, encoding="klingon")


def test_blank_lines_are_skipped_and_lines_still_counted(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text(HEADER + "\nA,-1.51,52.41,Unisex,,,\n,,,,,,\nB,x,52.41,Unisex,,,\n")
    a, b = read(path)
    assert a.where == f"{path}:3"
    assert isinstance(b, Rejected) and b.where == f"{path}:5" and b.field == "GeoX"


def test_excel_sep_line_sets_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nLocationText;GeoX;GeoY;Notes\nLoo;-1.51;52.41;Ask, then wait\n")
    (result,) = read(path)
    assert isinstance(result, Candidate)
    assert result.where == f"{path}:3"
    assert (result.lat, result.lon, result.fields["notes"]) == (52.41, -1.51, "Ask, then wait")


def test_unclosed_quote_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(
        HEADER + 'A,-1.51,52.41,Unisex,,,\n"B,-1.51,52.41,Unisex,,,\nC,-1.51,52.41,,,,\n'
    )
    results = council_csv.read(path)
    assert next(results).where == f"{path}:2"
    with pytest.raises(ImportFileError, match=rf"^{path}:3: not valid CSV .*unexpected end"):
        next(results)


@pytest.mark.parametrize(
    ("cell", "uprn"),
    [("10023456789", "10023456789"), ("6.0001449E+07", "60001449"), ("N/A", None), ("0", None)],
)
def test_uprn_is_an_identifier_only_when_it_is_one(
    tmp_path: Path, cell: str, uprn: str | None
) -> None:
    result = one(tmp_path, f"LocationText,GeoX,GeoY,UPRN\nLoo,-1.51,52.41,{cell}\n")
    assert isinstance(result, Candidate)
    assert result.identifiers == ({"uprn": uprn} if uprn else {})
    assert result.source_id == (uprn or "one#Loo@-1.51,52.41")
