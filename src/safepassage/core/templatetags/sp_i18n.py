"""Template filters: `localized_name` (a party, corridor, place or checkpoint in the page's language) and `ltr`."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from safepassage.core import i18n

register = template.Library()
register.filter("localized_name", i18n.localized_name)
register.filter("ltr", i18n.ltr)


@register.filter
def trans_code(code) -> str:
    """A choice code (status, unit, category) in the page's language; the code itself when it has no translation."""
    return gettext(str(code)) if code not in (None, "") else ""
