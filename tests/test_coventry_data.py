"""The embedded Coventry data: what the facts say, with what they do not know marked."""

from __future__ import annotations

from locator.services import loading as loader
from tests.conftest import ROOT

FACILITIES = {f.id: f for f in loader.read_geojson(ROOT / "data" / "coventry.geojson")}


def test_twelve_registered_plus_the_wave_and_the_station() -> None:
    registered = [f for f in FACILITIES.values() if f.registered]
    assert len(registered) == 12
    assert {"the-wave", "coventry-railway-station"} <= set(FACILITIES)
    assert len(FACILITIES) == 14


def test_every_record_cites_sources_and_nothing_claims_on_site_verification() -> None:
    for facility in FACILITIES.values():
        assert facility.sources, facility.id
        assert facility.last_verified is None


def test_what_the_facts_do_not_know_is_unknown_not_no() -> None:
    for facility in FACILITIES.values():
        assert facility.opening_hours is None, "no opening hours are sourced"
    library = FACILITIES["central-library"]
    assert library.hoist is None and library.bench is None and library.key_scheme is None


def test_estimated_locations_are_marked_with_a_wide_accuracy_radius() -> None:
    for fid in ("coventry-shopmobility", "wilfred-spencer-centre", "coventry-university"):
        facility = FACILITIES[fid]
        assert "location" in facility.unverified
        assert facility.location_accuracy_m is not None and facility.location_accuracy_m >= 400


def test_known_problems_are_said() -> None:
    assert FACILITIES["the-reel-store"].status == "permanently_closed"
    station = FACILITIES["coventry-railway-station"]
    assert station.key_scheme == "radar"
    hoist = next(s for s in station.equipment_status if s.item == "hoist")
    assert hoist.working is False and hoist.reported_at is not None
    assert "platform 1" in (station.location_in_venue or "")
