"""Typed numbers: the declared format decides, Arabic-Indic digits are read, nothing is guessed."""

from decimal import Decimal

import pytest

from safepassage.core.numbers import NumberFormat, ascii_digits, parse_number, parse_whole_number

DOT, COMMA = NumberFormat.DOT, NumberFormat.COMMA


@pytest.mark.parametrize("text, fmt, expected", [
    ("1,500", DOT, Decimal("1500")), ("1,500.5", DOT, Decimal("1500.5")), ("1500.5", DOT, Decimal("1500.5")),
    ("1,234,567", DOT, Decimal("1234567")), ("1 500", DOT, Decimal("1500")), ("0.75", DOT, Decimal("0.75")),
    ("1.500", COMMA, Decimal("1500")), ("1.500,5", COMMA, Decimal("1500.5")), ("2000,5", COMMA, Decimal("2000.5")),
    ("1 500,25", COMMA, Decimal("1500.25")),
    ("١٥٠٠", DOT, Decimal("1500")), ("١٬٥٠٠٫٥", DOT, Decimal("1500.5")), ("۱۲۰۰۰", DOT, Decimal("12000")),
    ("١٬٥٠٠٫٥", COMMA, Decimal("1500.5")), (" 42 ", DOT, Decimal("42")), ("-3", DOT, Decimal("-3")),
])
def test_numbers_read_in_their_declared_format(text, fmt, expected):
    assert parse_number(text, fmt) == expected


@pytest.mark.parametrize("text, fmt", [
    ("1,5", DOT), ("2000,5", DOT), ("1,50", DOT), ("1,5000", DOT), ("1.5", COMMA), ("1.50", COMMA),
    ("1.500.5", DOT), ("1,500,5", COMMA), ("12a", DOT), ("", DOT), ("1..5", DOT), ("1.5.", DOT), ("nan", DOT),
    ("inf", DOT), ("1e3", DOT), ("0x10", DOT),
])
def test_what_the_format_cannot_read_unambiguously_is_refused(text, fmt):
    with pytest.raises(ValueError):
        parse_number(text, fmt)


def test_whole_numbers_accept_arabic_indic_digits_and_refuse_the_rest():
    assert parse_whole_number("٤٠") == 40 and parse_whole_number("۷") == 7 and parse_whole_number(" 12 ") == 12
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"
    for bad in ("4.0", "1,500", "", "x", "٤٠.٥"):
        with pytest.raises(ValueError):
            parse_whole_number(bad)
