"""A user's position is never written to the logs."""

from __future__ import annotations

import logging

import httpx
import pytest


def test_query_coordinates_are_not_logged(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    lat, lon = "52.412345", "-1.498765"
    assert client.get("/api/v1/nearest", params={"lat": lat, "lon": lon}).status_code == 200
    assert client.get("/api/v1/nearest", params={"lat": "95.123987", "lon": lon}).status_code == 422
    assert (
        client.get("/api/v1/facilities", params={"bbox": f"{lon},{lat},-1.4,52.5"}).status_code
        == 200
    )
    # httpx and httpcore are the test's own client; everything else is the server side.
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(record.getMessage() for record in server_side)
    assert "GET /api/v1/nearest 200" in text, "the access log should still record the request"
    for secret in (lat, lon, "95.123987", "412345", "498765"):
        assert secret not in text
