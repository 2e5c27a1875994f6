"""Photo uploads: what an editor sends in, what is stored, and what is turned away."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms

from locator.services import photos
from locator.services.photos import PhotoRejected, process
from tests.conftest import phone_exif

RED = (220, 30, 30)
BLUE = (30, 30, 220)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """An upload as the browser would send it: just bytes."""
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def halves(
    size: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]
) -> Image.Image:
    """A picture whose left and right halves differ, so a rotation shows where they end up."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def opened(data: bytes) -> Image.Image:
    """Open a stored photo, checking it is the RGB JPEG the pages expect."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    return image


def close_to(actual: object, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    """JPEG is lossy, so colours are compared within a tolerance."""
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def header_segments(data: bytes) -> list[int]:
    """The JPEG markers before the image data: where EXIF, ICC, XMP and comments would live."""
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:  # start of scan
        marker = data[pos + 1]
        markers.append(marker)
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    return markers


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size, as a decompression bomb would."""
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    ihdr = 8 + 4  # signature, then the IHDR length
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 4 + 13]))
    data[ihdr + 4 + 13 : ihdr + 4 + 17] = struct.pack(">I", crc)
    return bytes(data)


@pytest.fixture
def phone_photo() -> bytes:
    """A 300x200 JPEG as a phone writes it: GPS, camera, orientation 6, ICC, XMP and a comment."""
    exif = phone_exif()
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.Orientation] = 6
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        halves((300, 200), RED, BLUE),
        "JPEG",
        exif=exif,
        icc_profile=icc,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">editor home</x:xmpmeta>',
        comment=b"taken at 12 Acacia Avenue",
    )


def test_the_phone_photo_really_carries_what_must_be_stripped(phone_photo: bytes) -> None:
    source = Image.open(io.BytesIO(phone_photo))
    exif = source.getexif()
    assert exif[ExifTags.Base.Make] == "Canon"
    assert exif[ExifTags.Base.Orientation] == 6
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (52.0, 24.0, 30.0)
    assert {"icc_profile", "xmp", "comment"} <= source.info.keys()
    assert b"Exif" in phone_photo and b"GPS" in phone_photo


def test_no_metadata_survives(phone_photo: bytes) -> None:
    result = process(phone_photo)
    for data in (result.full, result.thumb):
        image = opened(data)
        assert len(image.getexif()) == 0
        assert not {"exif", "icc_profile", "xmp", "comment"} & image.info.keys()
        assert b"Exif" not in data
        assert b"GPS" not in data
        assert b"Acacia" not in data and b"xmpmeta" not in data
        # Only JFIF (APP0), quantisation, Huffman and frame headers: no APP1-15, no COM.
        assert set(header_segments(data)) <= {0xE0, 0xDB, 0xC4, 0xC0, 0xC2}


def test_a_comment_is_not_carried_over_by_the_encoder() -> None:
    # Pillow's JPEG encoder copies a comment from `Image.info` unless told otherwise; with no ICC
    # profile and no resizing, nothing else in the way would drop it.
    data = encode(Image.new("RGB", (80, 60), RED), "JPEG", comment=b"taken at 12 Acacia Avenue")
    assert Image.open(io.BytesIO(data)).info["comment"] == b"taken at 12 Acacia Avenue"
    result = process(data)
    assert "comment" not in opened(result.full).info
    assert b"Acacia" not in result.full and b"Acacia" not in result.thumb


def test_orientation_is_applied_before_exif_is_dropped(phone_photo: bytes) -> None:
    result = process(phone_photo)
    assert (result.width, result.height) == (200, 300)
    image = opened(result.full)
    assert image.size == (200, 300)
    # Orientation 6 means "turn 90 degrees clockwise to view": the left (red) half goes on top.
    assert close_to(image.getpixel((100, 40)), RED)
    assert close_to(image.getpixel((100, 260)), BLUE)


def test_a_large_png_is_scaled_to_1600_with_a_400_thumbnail() -> None:
    result = process(encode(halves((4000, 3000), RED, BLUE), "PNG"))
    assert (result.width, result.height) == (1600, 1200)
    assert opened(result.full).size == (1600, 1200)
    assert opened(result.thumb).size == (400, 300)


def test_a_tall_webp_keeps_its_aspect_ratio() -> None:
    result = process(encode(Image.new("RGB", (900, 3600), RED), "WEBP"))
    assert (result.width, result.height) == (400, 1600)
    assert opened(result.thumb).size == (100, 400)


def test_a_small_image_is_not_upscaled() -> None:
    result = process(encode(Image.new("RGB", (120, 80), RED), "JPEG"))
    assert (result.width, result.height) == (120, 80)
    assert opened(result.full).size == (120, 80)
    assert opened(result.thumb).size == (120, 80)


def test_the_byte_limit_is_checked_before_decoding() -> None:
    # Not an image at all, yet the answer is "too large": the bytes were never decoded.
    with pytest.raises(PhotoRejected) as caught:
        process(b"\0" * (photos.MAX_UPLOAD_BYTES + 1))
    assert caught.value.too_large
    assert not caught.value.unsupported


def test_the_byte_limit_is_inclusive() -> None:
    data = encode(Image.new("RGB", (50, 50), RED), "PNG")
    assert process(data, max_bytes=len(data)).width == 50
    with pytest.raises(PhotoRejected) as caught:
        process(data, max_bytes=len(data) - 1)
    assert caught.value.too_large


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"just some notes about the toilet\n", id="text"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(1)</script></svg>',
            id="svg",
        ),
        pytest.param(
            b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>", id="html"
        ),
        pytest.param(encode(Image.new("RGB", (40, 40), RED), "GIF"), id="gif"),
        pytest.param(encode(Image.new("RGB", (40, 40), RED), "BMP"), id="bmp"),
        pytest.param(b"", id="empty"),
    ],
)
def test_anything_but_jpeg_png_or_webp_is_unsupported(data: bytes) -> None:
    with pytest.raises(PhotoRejected) as caught:
        process(data)
    assert caught.value.unsupported
    assert not caught.value.too_large
    assert "JPEG, PNG or WebP" in str(caught.value)


def test_a_png_with_a_jpg_name_is_judged_by_its_content() -> None:
    # The service never sees a name or a content type; a PNG is a PNG whatever it was called.
    result = process(encode(Image.new("RGB", (64, 48), BLUE), "PNG"))
    assert close_to(opened(result.full).getpixel((10, 10)), BLUE)


def test_a_truncated_jpeg_is_rejected() -> None:
    noisy = Image.effect_noise((400, 300), 80).convert("RGB")
    data = encode(noisy, "JPEG", quality=95)
    with pytest.raises(PhotoRejected) as caught:
        process(data[: len(data) // 2])
    # A JPEG, but a broken one: 422 rather than 415.
    assert not caught.value.unsupported
    assert not caught.value.too_large
    assert "damaged" in str(caught.value)


def test_a_png_with_corrupt_data_is_rejected() -> None:
    data = bytearray(encode(Image.effect_noise((100, 100), 80), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 20 : idat + 40] = bytes(20)
    with pytest.raises(PhotoRejected) as caught:
        process(bytes(data))
    assert not caught.value.unsupported


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((8000, 6000), id="48MP"),
        pytest.param(
            (10_000, 10_000),
            id="100MP-warning-as-error",
            marks=pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning"),
        ),
        pytest.param((100_000, 100_000), id="10GP"),
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(size: tuple[int, int]) -> None:
    # 48 MP passes Pillow's own guard but not ours; 100 MP makes Pillow warn (here an error);
    # 10 GP trips Pillow's DecompressionBombError. The file holds one pixel, so "megapixels" in
    # the message shows the refusal came from the header, before anything was decoded.
    with pytest.raises(PhotoRejected) as caught:
        process(png_claiming(*size))
    assert "megapixels" in str(caught.value)
    assert not caught.value.unsupported


def test_an_rgba_png_becomes_an_rgb_jpeg_on_white() -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((*RED, 255), (0, 0, 50, 100))
    result = process(encode(image, "PNG"))
    out = opened(result.full)
    assert close_to(out.getpixel((10, 50)), RED)
    assert close_to(out.getpixel((90, 50)), (255, 255, 255))


def test_a_palette_png_with_a_transparent_colour_is_flattened_on_white() -> None:
    image = Image.new("P", (60, 60), 0)
    image.putpalette([0, 0, 0, *RED])
    image.paste(1, (0, 0, 30, 60))
    result = process(encode(image, "PNG", transparency=0))
    out = opened(result.full)
    assert close_to(out.getpixel((10, 30)), RED)
    assert close_to(out.getpixel((50, 30)), (255, 255, 255))


def test_a_16_bit_grey_png_stays_grey() -> None:
    # Pillow clips 16-bit grey to 255 on a plain convert, which would make the photo white.
    result = process(encode(Image.new("I;16", (40, 40), 32768), "PNG"))
    assert close_to(opened(result.full).getpixel((20, 20)), (128, 128, 128), tolerance=3)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animated_image_gives_its_first_frame(fmt: str) -> None:
    first, second = Image.new("RGB", (80, 60), RED), Image.new("RGB", (80, 60), BLUE)
    data = encode(first, fmt, save_all=True, append_images=[second], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    out = opened(process(data).full)
    assert close_to(out.getpixel((40, 30)), RED)


def test_an_srgb_tagged_photo_keeps_its_colours() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process(encode(Image.new("RGB", (60, 60), BLUE), "JPEG", icc_profile=icc))
    assert close_to(opened(result.full).getpixel((30, 30)), BLUE)


def test_the_digest_names_the_full_image() -> None:
    result = process(encode(halves((500, 400), RED, BLUE), "PNG"))
    assert result.digest == hashlib.sha256(result.full).hexdigest()
    assert len(result.digest) == 64
    assert result.full != result.thumb


def test_the_same_upload_gives_the_same_digest() -> None:
    data = encode(halves((500, 400), RED, BLUE), "JPEG")
    assert process(data).digest == process(data).digest
