"""The service answers over real HTTP against a real PostGIS."""

import httpx


def test_nearest_returns_geojson(client: httpx.Client) -> None:
    response = client.get("/api/v1/nearest", params={"lat": 52.4, "lon": -1.5})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.json()["features"][0]["id"] == "t-ceiling-24h"
