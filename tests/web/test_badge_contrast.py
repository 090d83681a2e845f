"""Every status badge's colour keeps white text readable: a WCAG contrast of 4.5:1 or more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "safepassage"
RULE = re.compile(r"([^{}]*\.badge[^{}]*)\{([^}]*)\}")
BACKGROUND = re.compile(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})")


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (_luminance(hex_colour) + 0.05)


def badge_backgrounds() -> list[tuple[str, str, str]]:
    """(stylesheet, selector, colour) of every badge rule that sets a background."""
    found = []
    for css in sorted(SRC.glob("*/static/*/*.css")):
        text = re.sub(r"/\*.*?\*/", "", css.read_text(), flags=re.S)
        for selector, body in RULE.findall(text):
            for colour in BACKGROUND.findall(body):
                found.append((css.name, selector.strip(), colour))
    return found


def test_the_stylesheets_have_badge_colours_to_check():
    assert len(badge_backgrounds()) >= 20


@pytest.mark.parametrize(("sheet", "selector", "colour"), badge_backgrounds())
def test_white_text_on_each_badge_colour_is_readable(sheet, selector, colour):
    assert contrast_with_white(colour) >= 4.5, f"{sheet}: {selector} {colour}"
