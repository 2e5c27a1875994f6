"""Door signs: the QR a phone scans must give the report URL, on a page that prints as A5."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from locator.services.signs import door_sign

REPORT_URL = "https://changingplaces.example.org/facilities/cov-0001/report?via=door-sign"
SHORT_URL = "cplaces.uk/r/cov1"
LONG_WORD = "Llanfairpwllgwyngyllgogerychwyrndrobwllll"  # 40 characters, no break possible


def png(name: str) -> Image.Image:
    """The sign as a Pillow image, as a phone camera would see a clean print of it."""
    return Image.open(io.BytesIO(door_sign(name, REPORT_URL, SHORT_URL, "png")))


def decoded(image: Image.Image) -> list[str]:
    """Every barcode text zxing finds on the sign."""
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_png_qr_gives_the_report_url() -> None:
    assert decoded(png("Coventry Central Library")) == [REPORT_URL]


def test_png_is_a5_at_300_dpi_with_a_black_border() -> None:
    image = png("Coventry Central Library").convert("L")
    assert abs(image.width - 1748) <= 2
    assert abs(image.height - 2480) <= 2
    middle_x, middle_y = image.width // 2, image.height // 2
    for point in [
        (55, middle_y),
        (image.width - 56, middle_y),
        (middle_x, 55),
        (middle_x, image.height - 56),
    ]:
        assert image.getpixel(point) == 0, point  # the border, black on white paper
    assert image.getpixel((10, 10)) == 255


def test_pdf_page_is_a5() -> None:
    pdf = door_sign("Coventry Central Library", REPORT_URL, SHORT_URL, "pdf")
    assert pdf.startswith(b"%PDF")
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box is not None
    width, height = float(box[1]), float(box[2])
    assert width == pytest.approx(419.5, abs=0.5)  # 148 mm
    assert height == pytest.approx(595.3, abs=0.5)  # 210 mm
    assert b"/Width 1748" in pdf and b"/Height 2480" in pdf  # the 300 dpi bitmap, not a thumbnail


@pytest.mark.parametrize(
    "name",
    [
        "Changing Places toilet, Upper Precinct shopping centre, beside the lifts on level two, "
        "Coventry city centre, West Midlands, CV1 1QX",
        f"{LONG_WORD} Community Centre",
        LONG_WORD,
    ],
)
def test_long_names_still_leave_a_readable_qr(name: str) -> None:
    assert len(name) >= 40
    image = png(name)
    assert image.size == (1748, 2480)
    assert decoded(image) == [REPORT_URL]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="svg"):
        door_sign("Coventry Central Library", REPORT_URL, SHORT_URL, "svg")  # type: ignore[arg-type]
