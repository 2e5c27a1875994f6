"""The OpenAPI document says what the query parameters accept, and the routes do what it says:
`open_at` is a date-time (never a Unix time) and excludes `open_now`; `bbox` is OGC's array of
four numbers, comma-separated."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from locator.web.app import create_app

ITEMS = "/ogc/collections/facilities/items"
NEAREST = {"lat": 52.4, "lon": -1.5}
DOCUMENT = create_app(database_url="postgresql:///unused").openapi()


def parameter(path: str, name: str) -> dict[str, Any]:
    """The GET operation's query parameter `name`."""
    found = [p for p in DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert len(found) == 1, (path, name)
    return found[0]


@pytest.mark.parametrize("path", ["/api/v1/nearest", "/api/v1/facilities", "/api/v1/coverage"])
def test_the_document_says_open_at_is_a_date_time_excluding_open_now(path: str) -> None:
    open_at, open_now = parameter(path, "open_at"), parameter(path, "open_now")
    assert {"type": "string", "format": "date-time"} in open_at["schema"]["anyOf"]
    assert "`open_now`" in open_at["description"] and "not both" in open_at["description"]
    assert "`open_at`" in open_now["description"] and "not both" in open_now["description"]
    assert "number" in open_at["description"]  # a Unix time is refused


@pytest.mark.parametrize("path", ["/api/v1/facilities", ITEMS])
def test_the_document_types_bbox_as_ogc_api_features_does(path: str) -> None:
    bbox = parameter(path, "bbox")
    assert bbox["in"] == "query" and bbox["required"] is False
    assert bbox["style"] == "form" and bbox["explode"] is False
    schema = bbox["schema"]
    assert schema["type"] == "array" and schema["items"] == {"type": "number"}
    assert (schema["minItems"], schema["maxItems"]) == (4, 4)  # parse_bbox takes 2D boxes only
    assert "minLon,minLat,maxLon,maxLat" in bbox["description"]


@pytest.mark.parametrize("value", ["0", "1700000000", "1700000000.5", "-1"])
@pytest.mark.parametrize("path", ["/api/v1/nearest", "/api/v1/facilities"])
def test_a_number_as_open_at_is_refused(client: httpx.Client, path: str, value: str) -> None:
    params = {**NEAREST, "open_at": value} if path.endswith("nearest") else {"open_at": value}
    response = client.get(path, params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "open_at"
    assert "2026-12-01T14:30" in body["detail"]
    assert "date-time" in body["allowed"]


def test_a_date_time_as_open_at_is_taken(client: httpx.Client) -> None:
    response = client.get("/api/v1/nearest", params={**NEAREST, "open_at": "2026-12-01T14:30"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/nearest", "/api/v1/facilities"])
def test_open_at_with_open_now_is_refused_saying_so(client: httpx.Client, path: str) -> None:
    params = {**NEAREST} if path.endswith("nearest") else {}
    response = client.get(path, params={**params, "open_at": "2026-12-01T14:30", "open_now": True})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "open_at"
    assert "open_now" in body["detail"] and "not both" in body["detail"]
    assert "not both" in body["allowed"]


@pytest.mark.parametrize("path", ["/api/v1/facilities", ITEMS])
@pytest.mark.parametrize("bbox", ["-1.6,52.3,-1.4", "-1.6,52.3,-1.4,52.5,0,10", "a,b,c,d"])
def test_a_bbox_that_is_not_four_numbers_is_refused(
    client: httpx.Client, path: str, bbox: str
) -> None:
    response = client.get(path, params={"bbox": bbox})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "bbox"
    assert "minLon,minLat,maxLon,maxLat" in body["allowed"]


@pytest.mark.parametrize("path", ["/api/v1/facilities", ITEMS])
def test_a_bbox_sent_as_documented_is_taken(client: httpx.Client, path: str) -> None:
    """style=form, explode=false: the four numbers comma-separated in one parameter."""
    response = client.get(path, params={"bbox": "-1.62,52.36,-1.40,52.46"})
    assert response.status_code == 200
    assert response.json()["type"] == "FeatureCollection"
