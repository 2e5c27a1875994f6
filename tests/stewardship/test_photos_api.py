"""Photos over the API: checked from the content, stripped of EXIF, moderated, cached long."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from tests.stewardship.conftest import Tokens, bearer

GPS_IFD = 0x8825


def gps_jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG that says where it was taken, as a phone's does."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 24.0, 30.0), 3: "W", 4: (1.0, 30.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(api: httpx.Client, token: str, data: bytes, **form: str) -> httpx.Response:
    return api.post(
        "/api/v1/facilities/t-far/photos",
        files={"file": ("photo.jpg", data, "image/jpeg")},
        data={"alt_text": "The changing bench and hoist track", **form},
        headers=bearer(token),
    )


def test_a_photo_with_gps_comes_out_without_it_and_shows_once_approved(
    api: httpx.Client, tokens: Tokens
) -> None:
    assert b"Exif" in gps_jpeg()
    sent = upload(api, tokens.editor, gps_jpeg((2400, 1800)), subject="way_in")
    assert sent.status_code == 201, sent.text
    photo = sent.json()
    assert photo["state"] == "pending" and photo["width"] == 1600 and photo["subject"] == "way_in"
    assert api.get(photo["url"]).status_code == 404  # not public before approval
    assert api.get("/api/v1/facilities/t-far/photos").json() == []
    decided = api.post(
        f"/api/v1/photos/{photo['id']}/decision",
        json={"approve": True},
        headers=bearer(tokens.editor),
    )
    assert decided.status_code == 200
    full = api.get(photo["url"])
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/jpeg"
    assert "immutable" in full.headers["cache-control"]
    assert b"Exif" not in full.content and b"PhoneMaker" not in full.content
    assert not Image.open(io.BytesIO(full.content)).getexif()
    thumb = Image.open(io.BytesIO(api.get(photo["thumbnail_url"]).content))
    assert max(thumb.size) == 400
    listed = api.get("/api/v1/facilities/t-far/photos").json()
    assert [p["alt_text"] for p in listed] == ["The changing bench and hoist track"]


def test_bad_uploads_are_refused(api: httpx.Client, tokens: Tokens) -> None:
    too_big = upload(api, tokens.editor, b"\xff\xd8" + b"0" * (3 * 1024 * 1024))
    assert too_big.status_code == 413
    html = upload(api, tokens.editor, b"<html><script>alert(1)</script></html>")
    assert html.status_code == 415
    assert "JPEG, PNG or WebP" in html.json()["detail"]
    no_alt = api.post(
        "/api/v1/facilities/t-far/photos",
        files={"file": ("photo.jpg", gps_jpeg(), "image/jpeg")},
        headers=bearer(tokens.editor),
    )
    assert no_alt.status_code == 422 and "alt_text" in no_alt.text
    assert upload(api, tokens.moderator_only, gps_jpeg()).status_code == 403
    nobody = api.post(
        "/api/v1/facilities/t-far/photos",
        files={"file": ("photo.jpg", gps_jpeg(), "image/jpeg")},
        data={"alt_text": "The room"},
    )
    assert nobody.status_code == 401
