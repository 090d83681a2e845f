"""Numbers typed by people: one declared format, Arabic-Indic digits accepted, never a silent guess."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class NumberFormat(StrEnum):
    """How a file or form writes numbers: which mark separates the decimals."""

    DOT = "1,500.5"  # thousands with commas (or nothing), decimals after a dot
    COMMA = "1.500,5"  # thousands with dots (or spaces), decimals after a comma


# Arabic-Indic (U+0660-0669) and Eastern Arabic-Indic (U+06F0-06F9) digits, and the Arabic
# decimal and thousands separators (U+066B, U+066C).
_DIGITS = {**{0x0660 + i: str(i) for i in range(10)}, **{0x06F0 + i: str(i) for i in range(10)}}
_ARABIC_DECIMAL, _ARABIC_THOUSANDS = "\u066b", "\u066c"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def ascii_digits(text: str) -> str:
    """Return the text with Arabic-Indic and Eastern Arabic-Indic digits as 0-9."""
    return text.translate(_DIGITS)


def parse_number(text: str, number_format: NumberFormat = NumberFormat.DOT) -> Decimal:
    """Read a typed number in the declared format; raise ValueError saying why it cannot be read.

    Thousands separators must group exactly three digits, so "1,5" in the 1,500.5 format, or
    "1.5" in the 1.500,5 format, is refused rather than read as something the writer did not mean.
    """
    raw = _SPACES.sub(" ", ascii_digits(text).strip())
    if not raw:
        raise ValueError("a number is required")
    decimal_mark, thousands = (".", ",") if number_format == NumberFormat.DOT else (",", ".")
    value = raw.replace(_ARABIC_DECIMAL, decimal_mark).replace(_ARABIC_THOUSANDS, thousands)
    sign = ""
    if value[0] in "+-":
        sign, value = value[0], value[1:].lstrip()
    whole, _, fraction = value.partition(decimal_mark)
    if decimal_mark in fraction or thousands in fraction or " " in fraction:
        raise ValueError(f"{text!r} cannot be read in the {number_format.value} format")
    groups = re.split(rf"[{re.escape(thousands)} ]", whole)
    if len(groups) > 1 and not (groups[0].isdigit() and len(groups[0]) <= 3
                                and all(g.isdigit() and len(g) == 3 for g in groups[1:])):
        raise ValueError(f"{text!r} cannot be read in the {number_format.value} format: "
                         "thousands are grouped by three digits")
    digits = "".join(groups)
    if not digits.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(f"{text!r} is not a number")
    try:
        return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")
    except InvalidOperation as exc:  # pragma: no cover - the checks above leave only digits
        raise ValueError(f"{text!r} is not a number") from exc


def parse_whole_number(text: str) -> int:
    """Read a count typed in a form (Arabic-Indic digits accepted); raise ValueError if not a whole number."""
    raw = ascii_digits(str(text)).strip()
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise ValueError(f"{text!r} is not a whole number")
    return int(raw)
