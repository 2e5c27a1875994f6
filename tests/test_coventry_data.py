"""The embedded Coventry data: what the facts say, with what they do not know marked."""

from __future__ import annotations

import csv
import re

from geopy.distance import geodesic

from locator.domain import hours
from locator.services import loading as loader
from tests.conftest import ROOT

FACILITIES = {f.id: f for f in loader.read_geojson(ROOT / "data" / "coventry.geojson")}
NEARBY = {
    "welcome-break-corley",
    "moto-rugby-services",
    "tesco-rugby",
    "shire-hall-warwick",
    "stratford-leisure-centre",
}
CLOSED_NEARBY = {"royal-priors-leamington", "ikea-coventry"}
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right 2014"


def test_twelve_registered_plus_the_wave_the_station_and_seven_nearby() -> None:
    also_have_the_facilities = {"the-wave", "coventry-railway-station"}
    council_twelve = set(FACILITIES) - NEARBY - CLOSED_NEARBY - also_have_the_facilities
    assert len(council_twelve) == 12
    assert all(FACILITIES[fid].registered for fid in council_twelve)
    assert FACILITIES["the-wave"].registered is None
    assert FACILITIES["coventry-railway-station"].registered is None
    assert all(FACILITIES[fid].registered for fid in NEARBY | CLOSED_NEARBY)
    assert len(FACILITIES) == 21


def test_every_record_cites_sources_and_nothing_claims_on_site_verification() -> None:
    for facility in FACILITIES.values():
        assert facility.sources, facility.id
        assert facility.last_verified is None


def test_sources_name_publications_not_our_folders() -> None:
    for facility in FACILITIES.values():
        for source in facility.sources:
            text = f"{source.title} {source.note or ''}"
            assert not re.search(r"shared/|facts/|\.md\b|coventry\.geojson", text), facility.id
    with (ROOT / "data" / "gazetteer.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            assert not re.search(r"shared/|facts/|\.md\b|coventry\.geojson", row["source"]), row
            if row["kind"] == "sector":
                assert row["source"].startswith("Code-Point Open 2014, OS OpenData")


def test_what_the_facts_do_not_know_is_unknown_not_no() -> None:
    asda = FACILITIES["asda-whitley"]
    # The register lists no hoist and no bench: a gap in the entry, not evidence of absence.
    assert asda.hoist is None and asda.bench is None
    assert asda.shower is None
    tesco = FACILITIES["tesco-rugby"]
    assert tesco.toilet_layout is None  # "no peninsular toilet listed" is not "corner"
    for fid in ("war-memorial-park", "coombe-country-park", "coventry-railway-station"):
        assert FACILITIES[fid].opening_hours is None, f"{fid}: no source gives its hours"
    # A park's dawn-to-dusk hours are the park's, not the unit's: said, not set.
    coombe = FACILITIES["coombe-country-park"]
    assert "dawn until dusk" in (coombe.opening_hours_note or "")


def test_hours_from_old_sources_say_their_date() -> None:
    for facility in FACILITIES.values():
        if facility.opening_hours:
            note = facility.opening_hours_note or ""
            assert re.search(r"\b20(1[2-9]|2[0-9])\b", note), facility.id
            assert "may have changed" in note, facility.id


def test_central_library_is_up_the_lift_with_its_2022_hours() -> None:
    library = FACILITIES["central-library"]
    assert library.floor_level == "1"
    assert "First floor" in (library.location_in_venue or "")
    assert "lift" in (library.location_in_venue or "")
    assert library.opening_hours is not None
    assert library.opening_hours.startswith("Mo-Fr 09:00-19:00; Sa 09:00-16:30; Su 12:00-16:00")
    assert "2022 national library returns" in (library.opening_hours_note or "")
    assert "2012" in (library.opening_hours_note or "")  # the older registered hours, dated
    assert library.access == "on_request" and library.key_holder
    assert library.key_scheme is None  # no RADAR key listed: not known, not "none"
    assert library.hoist == "ceiling_track" and library.bench == "height_adjustable_wall"
    assert library.toilet_layout == "peninsular" and library.room_area_m2 == 12
    assert any("[LH]" in s.title and "2022" in s.title for s in library.sources)


def test_wilfred_spencer_is_placed_at_its_register_point() -> None:
    centre = FACILITIES["wilfred-spencer-centre"]
    assert geodesic((centre.lat, centre.lon), (52.41291, -1.55614)).meters < 1
    assert centre.postcode == "CV5 9JE" and "Whitaker Road" in (centre.address or "")
    assert centre.location_accuracy_m is not None and centre.location_accuracy_m <= 100
    assert "location" not in centre.unverified
    assert "access" in centre.unverified  # public use today is not confirmed
    assert centre.washbasin_height_adjustable is False  # the form says fixed-height
    assert centre.phone == "024 7678 5345"
    assert "2013" in (centre.opening_hours_note or "")


def test_corley_services_is_always_open_with_a_radar_key() -> None:
    corley = FACILITIES["welcome-break-corley"]
    assert corley.opening_hours == "24/7"
    assert corley.access == "key" and corley.key_scheme == "radar"
    assert corley.hoist == "ceiling_track"
    assert "As registered in 2021" in (corley.opening_hours_note or "")


def test_nearby_records_sit_on_their_postcode_point_and_say_so() -> None:
    for fid in NEARBY | CLOSED_NEARBY:
        facility = FACILITIES[fid]
        assert "location" in facility.unverified, fid
        assert facility.location_accuracy_m is not None and facility.location_accuracy_m >= 150
        assert OS_ATTRIBUTION in (facility.licence or ""), fid
        assert any(s.title.startswith("[P1] Code-Point Open") for s in facility.sources), fid
        assert any("[R21]" in s.title for s in facility.sources), fid


def test_closed_toilets_are_closed_with_why_and_since_when() -> None:
    assert FACILITIES["the-reel-store"].status == "permanently_closed"
    ikea = FACILITIES["ikea-coventry"]
    assert ikea.status == "permanently_closed"
    assert "summer 2020" in (ikea.status_note or "")
    priors = FACILITIES["royal-priors-leamington"]
    assert priors.status == "temporarily_closed"
    assert "CLOSED CURRENTLY" in (priors.status_note or "")
    assert "2021" in (priors.status_note or "")


def test_estimated_locations_are_marked_with_a_wide_accuracy_radius() -> None:
    for fid in ("coventry-shopmobility", "coventry-university"):
        facility = FACILITIES[fid]
        assert "location" in facility.unverified
        assert facility.location_accuracy_m is not None and facility.location_accuracy_m >= 400


def test_uncertain_facts_are_marked_unverified() -> None:
    poolside = FACILITIES["warwick-swh-poolside"]
    # Which register entry is Poolside is inferred, so its extra equipment is unverified.
    assert poolside.shower is True and "shower" in poolside.unverified
    dry = FACILITIES["warwick-swh-dry-sports"]
    assert dry.shower is None
    for facility in (poolside, dry):
        assert facility.key_scheme == "radar" and facility.hoist == "ceiling_track"
    assert "phone" in FACILITIES["war-memorial-park"].unverified


def test_known_problems_are_said() -> None:
    station = FACILITIES["coventry-railway-station"]
    assert station.key_scheme == "radar"
    hoist = next(s for s in station.equipment_status if s.item == "hoist")
    assert hoist.working is False and hoist.reported_at is not None
    assert hoist.reported_at.astimezone(hours.LONDON).date().isoformat() == "2023-05-24"
    assert "platform 1" in (station.location_in_venue or "")
    assert "opposite the ticket gates" in (station.location_in_venue or "")
