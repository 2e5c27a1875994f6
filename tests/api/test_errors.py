"""Bad input gets a 4xx JSON body naming the parameter and what it allows; never a 500."""

from __future__ import annotations

import random
import string

import httpx
import pytest

BAD_INPUT = [
    ("/api/v1/nearest", {"lat": 91, "lon": 0}, "lat"),
    ("/api/v1/nearest", {"lat": -90.5, "lon": 0}, "lat"),
    ("/api/v1/nearest", {"lat": 52, "lon": "abc"}, "lon"),
    ("/api/v1/nearest", {"lat": 52, "lon": 181}, "lon"),
    ("/api/v1/nearest", {"lon": 0}, "lat"),
    ("/api/v1/nearest", {"lat": "nan", "lon": 0}, "lat"),
    ("/api/v1/nearest", {"lat": "inf", "lon": 0}, "lat"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "limit": 100000}, "limit"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "limit": 0}, "limit"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "limit": 2.5}, "limit"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "max_distance_m": -1}, "max_distance_m"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "open_at": "next tuesday"}, "open_at"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "open_at": "2026-13-45T25:00"}, "open_at"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "open_at": "0001-01-01T00:00:00Z"}, "open_at"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "open_at": "9999-12-31T23:59:59"}, "open_at"),
    (
        "/api/v1/nearest",
        {"lat": 52, "lon": 0, "open_at": "2026-11-23T10:00", "open_now": True},
        "open_at",
    ),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "category": "palace"}, "category"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "access": "public,secret"}, "access"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "hoist": "crane"}, "hoist"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "bench": "sofa"}, "bench"),
    ("/api/v1/nearest", {"lat": 52, "lon": 0, "registered": "maybe"}, "registered"),
    ("/api/v1/facilities", {"bbox": "1,2,0,3"}, "bbox"),
    ("/api/v1/facilities", {"bbox": "1,2,3"}, "bbox"),
    ("/api/v1/facilities", {"bbox": "a,b,c,d"}, "bbox"),
    ("/api/v1/facilities", {"bbox": "-200,50,0,51"}, "bbox"),
    ("/api/v1/facilities", {"bbox": "0,nan,1,2"}, "bbox"),
    ("/api/v1/facilities", {"limit": 5000}, "limit"),
    ("/api/v1/facilities", {"offset": -1}, "offset"),
]


@pytest.mark.parametrize(("path", "params", "field"), BAD_INPUT)
def test_bad_input_is_422_naming_the_field(
    client: httpx.Client, path: str, params: dict[str, object], field: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    assert body["detail"]
    assert body["allowed"], body


def test_unknown_facility_is_404(client: httpx.Client) -> None:
    response = client.get("/api/v1/facilities/no-such-place")
    assert response.status_code == 404
    assert response.json()["detail"] == "No facility with id 'no-such-place'"


def test_unknown_path_is_404_json(client: httpx.Client) -> None:
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_random_input_never_gets_a_5xx(client: httpx.Client) -> None:
    rng = random.Random(7)
    alphabet = string.printable + "é€😀\u0000"
    names = [
        "lat",
        "lon",
        "limit",
        "max_distance_m",
        "category",
        "hoist",
        "bench",
        "access",
        "open_at",
        "bbox",
        "offset",
        "registered",
    ]
    for _ in range(300):
        params = {
            name: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
            for name in rng.sample(names, 4)
        }
        for path in ("/api/v1/nearest", "/api/v1/facilities"):
            response = client.get(path, params=params)
            assert response.status_code < 500, (path, params, response.text)
    for raw in ("t-%00", "x" * 500, "%E2%82%AC", "..%2F..%2Fetc"):
        assert client.get(f"/api/v1/facilities/{raw}").status_code in (404, 422)
