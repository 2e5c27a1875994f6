"""Editor-uploaded facility photos: judge the content, then re-encode it clean.

An upload is untrusted bytes. Its type is read from the content by Pillow, never from a file name
or a declared content type, and only JPEG, PNG and WebP are decoded at all. What comes out is a
fresh JPEG drawn from the pixels alone: upright, sRGB, at most `MAX_SIDE_PX` on its longest side,
with no EXIF (a phone photo's GPS would say where the editor lives), ICC, XMP or comment.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE_PX = 1600
THUMB_SIDE_PX = 400
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Far beyond any phone camera, far below what a small bomb file could make Pillow allocate.
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85

_WHITE = (255, 255, 255, 255)
_SRGB = ImageCms.createProfile("sRGB")
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa"}
_SIXTEEN_BIT_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


class PhotoRejected(Exception):
    """Why an upload cannot be used; `too_large` tells the web layer to answer 413, else 415/422."""

    def __init__(self, message: str, *, too_large: bool = False, unsupported: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large
        self.unsupported = unsupported


@dataclass(frozen=True)
class ProcessedPhoto:
    """The two JPEGs to store, and what a page needs to lay the full one out."""

    full: bytes  # JPEG, longest side <= MAX_SIDE_PX, no metadata
    thumb: bytes  # JPEG, longest side <= THUMB_SIDE_PX, no metadata
    width: int  # of `full`
    height: int  # of `full`
    digest: str  # sha256 hex of `full` (used as the stored file name)


def process(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> ProcessedPhoto:
    """Turn an upload into clean, bounded JPEGs, or say why it cannot be used."""
    if len(data) > max_bytes:
        raise PhotoRejected(
            f"the file is {len(data):,} bytes; the limit is {max_bytes:,}", too_large=True
        )
    image = _decode(data)
    image = _upright(image)
    image = _to_rgb(_to_srgb(image))
    full = _fit(image, MAX_SIDE_PX)
    # Nothing read from the upload may reach the encoder: some Pillow encoders fall back to
    # `Image.info` (the JPEG one does for comments).
    full.info = {}
    full_bytes = _encode(full)
    return ProcessedPhoto(
        full=full_bytes,
        thumb=_encode(_fit(full, THUMB_SIDE_PX)),
        width=full.width,
        height=full.height,
        digest=hashlib.sha256(full_bytes).hexdigest(),
    )


def _decode(data: bytes) -> Image.Image:
    """Identify, verify and load the first frame, refusing bombs before any pixel is decoded."""
    formats = sorted(ALLOWED_FORMATS)
    try:
        # Only the allowed plugins may parse the bytes, so a GIF, SVG or text file is never read.
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            _check_pixels(probe.size)
            probe.verify()
        # `verify()` leaves the image unusable, so open again to decode.
        image = Image.open(io.BytesIO(data), formats=formats)
        _check_pixels(image.size)
        if image.format == "JPEG":
            # Let libjpeg decode a huge photo at 1/2, 1/4 or 1/8 scale, still above MAX_SIDE_PX.
            image.draft(None, (MAX_SIDE_PX, MAX_SIDE_PX))
        image.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except UnidentifiedImageError as exc:
        raise PhotoRejected("the file is not a JPEG, PNG or WebP image", unsupported=True) from exc
    except Exception as exc:
        # Pillow's decoders fail on bad input with many exception types (OSError, SyntaxError,
        # ValueError, struct.error ...); all of them mean a broken upload, not a server fault.
        # Pillow's wording stays on the chained cause, for the log rather than the editor.
        raise PhotoRejected("the image is damaged or incomplete") from exc
    return image


def _check_pixels(size: tuple[int, int]) -> None:
    """Refuse by the header's dimensions, which cost nothing to read, not by decoded memory."""
    if size[0] * size[1] > MAX_PIXELS:
        raise _too_many_pixels(size)


def _too_many_pixels(size: tuple[int, int] | None = None) -> PhotoRejected:
    """One message for our pixel limit and for Pillow's own decompression-bomb guard."""
    shown = f"is {size[0]}x{size[1]} pixels" if size else "has too many pixels"
    return PhotoRejected(f"the image {shown}; the limit is {MAX_PIXELS // 1_000_000} megapixels")


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation now, since the EXIF that carries it is about to be dropped."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # Unreadable EXIF says nothing reliable about orientation; the pixels are still good.
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert from an embedded colour profile, so a wide-gamut photo keeps its colours untagged."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in {"RGB", "RGBA", "CMYK"}:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile: the untransformed pixels are the best guess
    return converted if converted is not None else image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Give JPEG the RGB it needs: transparency onto white, 16-bit grey scaled, not clipped."""
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, _WHITE)
        flat.alpha_composite(rgba)
        return flat.convert("RGB")
    if image.mode in _SIXTEEN_BIT_MODES:
        # Pillow clips 16-bit values to 255 on conversion, which would turn the photo white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _fit(image: Image.Image, side: int) -> Image.Image:
    """Shrink to fit a square of `side`, keeping the aspect ratio; never enlarge."""
    longest = max(image.size)
    if longest <= side:
        return image
    scale = side / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _encode(image: Image.Image) -> bytes:
    """Write the JPEG from the pixels and these options alone: no exif, ICC, XMP or comment."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def save(folder: Path, photo: ProcessedPhoto) -> None:
    """Write both files under their digest; a file already there is the same photo."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, data in ((file_path(folder, photo.digest), photo.full),
                       (file_path(folder, photo.digest, thumb=True), photo.thumb)):  # fmt: skip
        if not path.exists():
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)  # atomic: a reader never sees half a file


def file_path(folder: Path, digest: str, thumb: bool = False) -> Path:
    """Where a stored photo's file is."""
    return folder / f"{digest}{'.thumb' if thumb else ''}.jpg"
