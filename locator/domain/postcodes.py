"""UK postcodes as people type them and as we store them: `cv11fy` -> `CV1 1FY`, in one place."""

from __future__ import annotations

import re

# A full postcode without its space: outward code (area, district), sector digit, unit letters.
FULL_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9])([A-Z]{2})$")
# An outward code alone (a postcode district): `CV1`, `B15`, `SW1A`.
OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def compact(text: str) -> str:
    """Upper case, letters and digits only: `cv1 1fy` -> `CV11FY`."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def spaced(code: str) -> str:
    """A compact full postcode with its one space: `CV11FY` -> `CV1 1FY`."""
    return f"{code[:-3]} {code[-3:]}"


def tidy(text: str) -> str:
    """`cv11fy`, `CV1  1FY` -> `CV1 1FY`; ValueError unless it is a whole UK postcode."""
    code = compact(text)
    if not FULL_RE.match(code) or len(re.sub(r"[\s]", "", text)) != len(code):
        raise ValueError("not a UK postcode (e.g. CV1 1FY)")
    return spaced(code)
