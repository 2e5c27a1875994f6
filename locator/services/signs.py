"""Printable A5 door signs: a QR code so people can report a broken hoist from the toilet door.

The sign is drawn as one 300 dpi bitmap with Pillow's built-in scalable font, so it looks the same
on every machine whatever fonts are installed; the PDF is that bitmap on an exact A5 page.
Black on white only, large print and a thick border: nothing relies on colour.
"""

from __future__ import annotations

import io
from typing import Literal

import segno
from PIL import Image, ImageDraw, ImageFont

SignFormat = Literal["pdf", "png"]

DPI = 300
WIDTH, HEIGHT = round(148 / 25.4 * DPI), round(210 / 25.4 * DPI)  # A5 portrait: 1748 x 2480
MARGIN, BORDER, PADDING = 45, 22, 60
LEFT = MARGIN + BORDER + PADDING
TEXT_WIDTH = WIDTH - 2 * LEFT
MIN_SIZE = 36  # about 9 pt: below this a door sign is no longer large print
FOOTER = (
    "Changing Places toilet locator. Reports are read by our editors; in an emergency call 999."
)

Font = ImageFont.FreeTypeFont
Lines = tuple[Font, list[str], int]  # font, lines, stroke width (the stroke makes it bold)

_MEASURE = ImageDraw.Draw(Image.new("L", (1, 1)))


def _font(size: int) -> Font:
    """Pillow's own scalable font (Aileron), so signs never depend on the fonts a server has."""
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # only a Pillow built without FreeType
        raise RuntimeError("door signs need Pillow built with FreeType")
    return font


def _width(text: str, font: Font, stroke: int) -> float:
    """Ink width including the stroke, since that is what must fit between the borders."""
    left, _, right, _ = _MEASURE.textbbox((0, 0), text, font=font, stroke_width=stroke)
    return right - left


def _wrap(text: str, font: Font, stroke: int, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is split by characters so none is cut off."""
    lines: list[str] = []
    for word in text.split():
        while _width(word, font, stroke) > width and len(word) > 1:
            cut = max(k for k in range(1, len(word)) if _width(word[:k], font, stroke) <= width)
            lines.append(word[:cut])
            word = word[cut:]
        if lines and _width(f"{lines[-1]} {word}", font, stroke) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit(text: str, size: int, stroke: int, max_lines: int) -> Lines:
    """The largest font up to `size` at which `text` wraps in `max_lines` with no word broken."""
    width = TEXT_WIDTH
    while True:
        font = _font(size)
        lines = _wrap(text, font, stroke, width)
        words_whole = all(_width(word, font, stroke) <= width for word in text.split())
        if (words_whole and len(lines) <= max_lines) or size <= MIN_SIZE:
            break
        size -= 4
    while width > TEXT_WIDTH // 2 and len(_wrap(text, font, stroke, width - 20)) == len(lines):
        width -= 20  # balance the lines, so no single word is left alone on the last one
    return font, _wrap(text, font, stroke, width), stroke


def _height(block: Lines) -> int:
    """Height of a block with 1.2 line spacing, the usual minimum for readable large print."""
    font, lines, _ = block
    return round(len(lines) * font.size * 1.2)


def _draw(draw: ImageDraw.ImageDraw, block: Lines, top: int) -> int:
    """Draw the lines centred from `top`; return where the next block may start."""
    font, lines, stroke = block
    step = font.size * 1.2
    for i, line in enumerate(lines):
        y = top + i * step + step / 2
        draw.text((WIDTH / 2, y), line, font=font, anchor="mm", fill=0, stroke_width=stroke)
    return top + _height(block)


def _qr(report_url: str, side: int) -> Image.Image:
    """The QR at the largest whole-pixel module size fitting `side`, so every module stays sharp.

    Error correction 'm' survives scuffs on a door; the four-module quiet zone is kept.
    """
    qr = segno.make(report_url, error="m")
    modules = int(qr.symbol_size(scale=1, border=4)[0])
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=1, border=4)
    buffer.seek(0)
    scale = max(1, side // modules)
    image = Image.open(buffer).convert("L")
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def door_sign_urls(public_url: str, facility_id: str) -> tuple[str, str]:
    """The sign's QR address (the report form) and the short address printed under it."""
    base = public_url.rstrip("/")
    return f"{base}/facilities/{facility_id}/report", f"{base.split('://', 1)[-1]}/r/{facility_id}"


def door_sign(name: str, report_url: str, short_url: str, fmt: SignFormat) -> bytes:
    """An A5 sign for a facility's door: scan the QR (or type the short URL) to report a fault."""
    if fmt not in ("pdf", "png"):
        raise ValueError(f"unknown sign format {fmt!r}: use 'pdf' or 'png'")
    image = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    box = (MARGIN, MARGIN, WIDTH - 1 - MARGIN, HEIGHT - 1 - MARGIN)
    draw.rectangle(box, outline=0, width=BORDER)  # drawn inwards from the box's edge

    top = MARGIN + BORDER + PADDING // 2
    top = _draw(draw, _fit("Hoist not working?", 150, 4, 1), top)
    top = _draw(draw, _fit("Tell us: scan here", 110, 3, 1), top) + 30
    top = _draw(draw, _fit(name, 90, 2, 3), top) + 20

    footer = _fit(FOOTER, 44, 0, 3)
    url = _fit(short_url, 100, 2, 2)
    visit = _fit("or visit", 70, 1, 1)
    bottom = HEIGHT - MARGIN - BORDER - PADDING // 2 - _height(footer)
    _draw(draw, footer, bottom)
    below_qr = _height(visit) + _height(url) + 30
    qr = _qr(report_url, min(TEXT_WIDTH, bottom - below_qr - top))
    top += (bottom - below_qr - top - qr.height) // 2  # centre QR and URL in the space left
    image.paste(qr, ((WIDTH - qr.width) // 2, top))
    _draw(draw, url, _draw(draw, visit, top + qr.height))

    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, format="PNG", dpi=(DPI, DPI))
    else:  # bilevel: sharp QR modules and small CCITT-compressed pages, no JPEG blur
        image.convert("1", dither=Image.Dither.NONE).save(buffer, format="PDF", resolution=DPI)
    return buffer.getvalue()
