"""GET /api/v1/facilities (listing, bbox, paging) and /api/v1/facilities/{id}."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import KNOWN


def listed(client: httpx.Client, **params: object) -> list[str]:
    response = client.get("/api/v1/facilities", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return [f["id"] for f in response.json()["features"]]


def test_listing_is_in_id_order_and_hides_closed_by_default(client: httpx.Client) -> None:
    open_ids = sorted(f.id for f in KNOWN if f.status != "temporarily_closed")
    assert listed(client) == open_ids
    assert listed(client, include_closed=True) == sorted(f.id for f in KNOWN)


def test_paging_with_limit_and_offset(client: httpx.Client) -> None:
    everything = listed(client, include_closed=True)
    pages = [listed(client, include_closed=True, limit=3, offset=o) for o in range(0, 9, 3)]
    assert sum(pages, []) == everything


def test_bbox_keeps_only_facilities_inside(client: httpx.Client) -> None:
    inside = listed(client, bbox="-1.6,52.3,-1.4,52.5", include_closed=True)
    assert "t-far" not in inside and len(inside) == len(KNOWN) - 1
    assert listed(client, bbox="-1.6,52.7,-1.4,52.8") == ["t-far"]


def test_filters_apply_to_the_listing(client: httpx.Client) -> None:
    assert listed(client, hoist="ceiling_track", working=True) == ["t-ceiling-24h"]
    assert listed(client, open_at="2026-11-23T01:00") == ["t-ceiling-24h", "t-far", "t-overnight"]
    assert listed(client, open_at="2026-11-23T01:00", limit=1, offset=1) == ["t-far"]


def test_one_facility_by_id_has_every_attribute(client: httpx.Client) -> None:
    response = client.get("/api/v1/facilities/t-radar-weekdays")
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature" and feature["id"] == "t-radar-weekdays"
    properties = feature["properties"]
    assert properties["key_scheme"] == "radar" and properties["access"] == "key"
    assert properties["opening_hours"] == "Mo-Fr 09:00-17:00; PH off"
    assert "distance_m" not in properties


def test_openapi_describes_every_parameter_with_its_range(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/nearest"]["get"]["parameters"]}
    assert params["lat"]["schema"]["minimum"] == -90 and params["lat"]["schema"]["maximum"] == 90
    assert params["limit"]["schema"]["maximum"] == 50
    assert all(p.get("description") for p in params.values())
    content = spec["paths"]["/api/v1/nearest"]["get"]["responses"]["200"]["content"]
    assert "application/geo+json" in content


@pytest.mark.parametrize(
    "bbox",
    ["-180,-90,180,90", "-180,0,0,60", "-179,-89,179,89", "-10,49,3,61"],
    ids=["world", "half-world", "nearly-world", "great-britain"],
)
def test_a_wide_bbox_finds_every_facility_inside_it(client: httpx.Client, bbox: str) -> None:
    response = client.get("/api/v1/facilities", params={"bbox": bbox, "include_closed": "true"})
    assert response.status_code == 200
    assert {f["id"] for f in response.json()["features"]} == {f.id for f in KNOWN}


def test_the_ogc_api_takes_a_whole_world_bbox(client: httpx.Client) -> None:
    response = client.get("/ogc/collections/facilities/items", params={"bbox": "-180,-90,180,90"})
    assert response.status_code == 200
    assert response.json()["numberMatched"] == len(KNOWN)
