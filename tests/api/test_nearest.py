"""GET /api/v1/nearest: geodesic distances, order, every filter and opening hours."""

from __future__ import annotations

import httpx
import pytest
from geopy.distance import geodesic

from locator.domain.record import FacilityProperties
from tests.conftest import CENTRE, FAULT_REPORTED, KNOWN

NEAR = {"lat": CENTRE[0], "lon": CENTRE[1]}
# A Monday in November (GMT), Christmas Day (a Friday and a UK public holiday), a Monday 01:00.
MONDAY_10 = "2026-11-23T10:00"
CHRISTMAS_10 = "2026-12-25T10:00"
MONDAY_01 = "2026-11-23T01:00"


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [feature["id"] for feature in response.json()["features"]]


def nearest(client: httpx.Client, **params: object) -> httpx.Response:
    return client.get("/api/v1/nearest", params={**NEAR, "limit": 50, **params})


def test_distances_agree_with_geopy_geodesic_within_a_metre(client: httpx.Client) -> None:
    features = nearest(client, include_closed=True).json()["features"]
    assert len(features) == len(KNOWN)
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        expected = geodesic(CENTRE, (lat, lon)).meters
        assert feature["properties"]["distance_m"] == pytest.approx(expected, abs=1.0)


def test_features_are_ordered_by_distance(client: httpx.Client) -> None:
    features = nearest(client, include_closed=True).json()["features"]
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances == sorted(distances)
    assert [f["id"] for f in features][:3] == ["t-closed", "t-ceiling-24h", "t-radar-weekdays"]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(52.4, -1.5), (52.41, -1.49), (52.75, -1.5), (51.5, -0.12), (57.0, -4.0), (-33.9, 151.2)],
)
def test_order_matches_brute_force_from_anywhere(
    client: httpx.Client, lat: float, lon: float
) -> None:
    expected = sorted(KNOWN, key=lambda f: geodesic((lat, lon), (f.lat, f.lon)).meters)
    response = client.get(
        "/api/v1/nearest", params={"lat": lat, "lon": lon, "limit": 3, "include_closed": True}
    )
    assert ids(response) == [f.id for f in expected[:3]]


def test_limit_and_max_distance(client: httpx.Client) -> None:
    assert ids(nearest(client, limit=2)) == ["t-ceiling-24h", "t-radar-weekdays"]
    within = ids(nearest(client, max_distance_m=1000))
    assert within == ["t-ceiling-24h", "t-radar-weekdays", "t-broken-hoist"]
    assert "t-far" in ids(nearest(client))


def test_closed_facilities_are_left_out_unless_asked(client: httpx.Client) -> None:
    assert "t-closed" not in ids(nearest(client))
    assert ids(nearest(client, include_closed=True))[0] == "t-closed"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "space_to_change"}, ["t-unknown"]),
        ({"category": "accessible_toilet,space_to_change"}, ["t-unknown", "t-overnight"]),
        ({"registered": True}, ["t-ceiling-24h", "t-radar-weekdays", "t-broken-hoist", "t-far"]),
        ({"registered": False}, ["t-overnight"]),
        ({"hoist": "ceiling_track"}, ["t-ceiling-24h", "t-broken-hoist"]),
        ({"hoist": "any"}, ["t-ceiling-24h", "t-radar-weekdays", "t-broken-hoist"]),
        ({"hoist": "mobile"}, ["t-radar-weekdays"]),
        ({"bench": "height_adjustable"}, ["t-ceiling-24h", "t-broken-hoist"]),
        ({"bench": "fixed"}, ["t-radar-weekdays"]),
        ({"access": "key"}, ["t-radar-weekdays"]),
        ({"access": "customers,key"}, ["t-radar-weekdays", "t-customers"]),
        ({"key_free": True}, ["t-ceiling-24h", "t-broken-hoist", "t-overnight"]),
        ({"hoist": "ceiling_track", "working": True}, ["t-ceiling-24h"]),
    ],
)
def test_filters_keep_only_known_matches(
    client: httpx.Client, params: dict[str, object], expected: list[str]
) -> None:
    assert ids(nearest(client, **params)) == expected


def test_include_unknown_also_keeps_facilities_where_the_attribute_is_not_known(
    client: httpx.Client,
) -> None:
    strict = ids(nearest(client, hoist="ceiling_track"))
    relaxed = ids(nearest(client, hoist="ceiling_track", include_unknown=True))
    assert set(relaxed) - set(strict) == {"t-unknown", "t-customers", "t-far"}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (
            MONDAY_10,
            ["t-ceiling-24h", "t-radar-weekdays", "t-broken-hoist", "t-customers", "t-far"],
        ),
        (MONDAY_01, ["t-ceiling-24h", "t-overnight", "t-far"]),
        (CHRISTMAS_10, ["t-ceiling-24h", "t-broken-hoist", "t-customers", "t-far"]),
        ("2026-11-22T15:00:00Z", ["t-ceiling-24h", "t-broken-hoist", "t-customers", "t-far"]),
        ("2026-11-22T17:00:00Z", ["t-ceiling-24h", "t-broken-hoist", "t-far"]),
    ],
)
def test_open_at(client: httpx.Client, when: str, expected: list[str]) -> None:
    assert ids(nearest(client, open_at=when)) == expected


def test_open_is_true_false_or_null_at_the_asked_time(client: httpx.Client) -> None:
    features = nearest(client, include_closed=True).json()["features"]
    assert {f["properties"]["open"] for f in features if f["id"] == "t-unknown"} == {None}
    at_night = client.get("/api/v1/nearest", params={**NEAR, "limit": 50, "include_closed": True})
    assert all(f["properties"]["open"] in (True, False, None) for f in at_night.json()["features"])


def test_open_at_uses_uk_summer_time(client: httpx.Client) -> None:
    # 08:30 UTC on a July Monday is 09:30 BST: the weekday facility is open.
    assert "t-radar-weekdays" in ids(nearest(client, open_at="2026-07-06T08:30:00Z"))
    # 08:30 UTC on a November Monday is 08:30 GMT: not yet open.
    assert "t-radar-weekdays" not in ids(nearest(client, open_at="2026-11-23T08:30:00Z"))


def test_open_now_is_accepted(client: httpx.Client) -> None:
    found = ids(nearest(client, open_now=True))
    assert "t-ceiling-24h" in found and "t-unknown" not in found


def test_every_attribute_is_present_and_unknown_is_null(client: httpx.Client) -> None:
    feature = next(f for f in nearest(client).json()["features"] if f["id"] == "t-unknown")
    properties = feature["properties"]
    for name in FacilityProperties.model_fields:
        assert name in properties
    assert properties["hoist"] is None and properties["registered"] is None
    assert properties["grade"] is None and properties["open"] is None


def test_feature_carries_grade_equipment_status_and_directions(client: httpx.Client) -> None:
    features = {f["id"]: f for f in nearest(client, limit=5).json()["features"]}
    assert features["t-ceiling-24h"]["properties"]["grade"] == "full_changing_places"
    assert features["t-radar-weekdays"]["properties"]["grade"] == "undersized_changing_places"
    status = features["t-broken-hoist"]["properties"]["equipment_status"]
    assert status == [
        {
            "item": "hoist",
            "working": False,
            "reason": "Motor fault",
            "reported_at": FAULT_REPORTED.isoformat(),
            "expected_fix": None,
            "source": None,
            "confirmed": True,
            "stale": False,
        }
    ]
    lon, lat = features["t-ceiling-24h"]["geometry"]["coordinates"]
    links = features["t-ceiling-24h"]["properties"]["directions"]
    assert links["geo"] == f"geo:{lat:.6f},{lon:.6f}"
    assert all(f"{lat:.6f},{lon:.6f}" in url for url in links.values())
