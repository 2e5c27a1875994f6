"""Draw the home-screen icons (run from the repository root: `.venv/bin/python
static/icons/make_icons.py`). The PNGs are committed as assets; run this again after a change.

A yellow map pin holding "CP" on the header's dark blue (contrast 10.6:1). `icon-*.png` are
rounded squares for "any" use; `maskable-512.png` fills the square and keeps the pin inside the
central circle (80 % of the side) that every mask shape leaves visible; `apple-touch-icon.png`
fills the square too (iOS rounds the corners itself).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent
BLUE = (11, 46, 111, 255)  # #0b2e6f, the site header
YELLOW = (255, 221, 0, 255)  # #ffdd00, the focus ring and map pins
FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")  # fonts-liberation
SCALE = 4  # drawn this much larger, then shrunk: smooth edges


def pin(draw: ImageDraw.ImageDraw, size: int, box: float) -> None:
    """A pin whose height is `box` of the square's side, centred."""
    height = size * box
    radius = height * 0.36
    cx, top = size / 2, (size - height) / 2
    cy = top + radius
    tip = top + height
    draw.polygon(
        [(cx - radius * 0.82, cy + radius * 0.58), (cx + radius * 0.82, cy + radius * 0.58),
         (cx, tip)],
        fill=YELLOW,
    )  # fmt: skip
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=YELLOW)
    font = ImageFont.truetype(str(FONT), round(radius * 0.95))
    draw.text((cx, cy), "CP", font=font, fill=BLUE, anchor="mm")


def icon(side: int, *, full_bleed: bool, box: float) -> Image.Image:
    """One icon, `side` pixels square."""
    size = side * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if full_bleed:
        draw.rectangle((0, 0, size, size), fill=BLUE)
    else:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size * 0.18, fill=BLUE)
    pin(draw, size, box)
    return image.resize((side, side), Image.Resampling.LANCZOS)


def main() -> None:
    """Write every icon next to this script."""
    icon(192, full_bleed=False, box=0.78).save(HERE / "icon-192.png", optimize=True)
    icon(512, full_bleed=False, box=0.78).save(HERE / "icon-512.png", optimize=True)
    # The pin is 0.62 of the side: its widest point stays inside the 0.8 safe circle.
    icon(512, full_bleed=True, box=0.62).save(HERE / "maskable-512.png", optimize=True)
    icon(180, full_bleed=True, box=0.72).convert("RGB").save(
        HERE / "apple-touch-icon.png", optimize=True
    )


if __name__ == "__main__":
    main()
