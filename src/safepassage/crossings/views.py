"""Server-rendered pages: the live dashboard and the mobile count form (both read and write through the API)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from safepassage.core.permissions import Perm
from safepassage.core.timeutil import operation_zone_name
from safepassage.corridors import selectors as corridor_selectors
from safepassage.crossings.services import BUCKET_MINUTES
from safepassage.web.pages import page_requires, script_strings

REFRESH_SECONDS = 15


def dashboard_strings() -> dict[str, str]:
    """Strings dashboard.js shows, translated on the server."""
    return script_strings({
        "women": _("women"), "men": _("men"), "children": _("children under 18"),
        "older_people": _("older people"), "persons_with_disabilities": _("of whom persons with disabilities"),
        "wounded": _("wounded"), "sick": _("sick"),
        "leaving_armed_groups_unarmed": _("persons leaving armed groups without weapons"),
        "leaving_armed_groups_armed": _("persons leaving armed groups with weapons"),
        "weapons_handed_over": _("weapons handed over"), "out": _("out"), "in": _("in"),
        "updated": _("Updated"), "failed": _("Could not refresh; showing the last figures."),
        "none": _("No counts yet."), "arrivals24": _("arrivals in 24 h"),
        "arrivalsHour": _("in the last hour"), "daysLeft": _("days left"), "waiting": _("waiting"),
        "moved": _("moved"), "handed_over": _("handed over"), "died_en_route": _("died en route"),
        "meal_station": _("meal station"), "first_aid": _("first-aid point"),
        "reception_centre": _("reception centre"), "capacity": _("capacity per day"),
    })


@ensure_csrf_cookie
@page_requires(Perm.CROSSINGS_VIEW)
def dashboard_page(request, principal):
    return render(request, "crossings/dashboard.html", {
        "refresh_seconds": REFRESH_SECONDS, "tz": operation_zone_name(), "i18n_strings": dashboard_strings(),
        "can_servicepoints": principal.can(Perm.SERVICEPOINTS_VIEW),
        "can_medevac": principal.can(Perm.MEDEVAC_VIEW),
    })


@ensure_csrf_cookie
@page_requires(Perm.CROSSINGS_SUBMIT)
def count_form_page(request, principal):
    return render(request, "crossings/count_form.html", {
        "checkpoints": corridor_selectors.checkpoints().order_by("corridor__name", "name"),
        "buckets": BUCKET_MINUTES,
        "i18n_strings": script_strings({
            "sent": _("sent"), "refused": _("Refused"), "refusedCount": _("refused, kept on this device"),
            "discard": _("Discard")}),
    })
