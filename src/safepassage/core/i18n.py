"""Language helpers for pages: names in the reader's language, and left-to-right islands in right-to-left text."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def is_arabic() -> bool:
    return (get_language() or "").split("-")[0] == "ar"


def localized_name(obj, key: str = "name") -> str:
    """On Arabic pages the Arabic name (`name_ar`, or `<key>_ar`: a pause's `title_ar`) when there is one; else the name.

    A party's name outside Arabic is its short name, as everywhere else on the pages.
    """
    if obj is None:
        return ""
    if isinstance(obj, dict):
        arabic, plain = obj.get(f"{key}_ar") or "", obj.get(key) or ""
    elif key != "name":
        arabic, plain = getattr(obj, f"{key}_ar", "") or "", getattr(obj, key, "") or ""
    else:
        arabic = getattr(obj, "name_ar", "") or ""
        plain = getattr(obj, "short_name", "") or getattr(obj, "name", "") or str(obj)
    return arabic if arabic and is_arabic() else plain


def ltr(value) -> SafeString:
    """The value (escaped) in a left-to-right island, so coordinates, times, ranges and arrows never read reversed."""
    if value is None or value == "":
        return SafeString("")
    return format_html('<bdi dir="ltr">{}</bdi>', value)
