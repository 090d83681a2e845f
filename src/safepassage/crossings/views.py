"""Server-rendered pages: the live dashboard and the mobile count form (both read and write through the API)."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

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
        # stock items the demo and the forms use ("meal" is the form's example); others show as entered
        "meal": _("meal"), "hygiene_kit": _("hygiene_kit"), "dressing_pack": _("dressing_pack"),
        "infant_formula": _("infant_formula"), "blanket": _("blanket"), "water": _("water"),
    })


@ensure_csrf_cookie
@page_requires(Perm.CROSSINGS_VIEW)
def dashboard_page(request, principal):
    return render(request, "crossings/dashboard.html", {
        "refresh_seconds": REFRESH_SECONDS, "tz": operation_zone_name(), "i18n_strings": dashboard_strings(),
        "can_servicepoints": principal.can(Perm.SERVICEPOINTS_VIEW),
        "can_medevac": principal.can(Perm.MEDEVAC_VIEW),
    })


def count_fields() -> dict[str, list[dict[str, str]]]:
    """The count form's groups, each with its definition, so that every person is counted once."""
    def field(name, label, definition):
        return {"name": name, "label": label, "definition": definition}
    return {
        "civilian_fields": [
            field("women", _("Women"), _("Women aged 18 to 59. An older woman (60 and over) is counted "
                                         "under older people, not here, so that totals add up.")),
            field("men", _("Men"), _("Men aged 18 to 59. An older man (60 and over) is counted under older "
                                     "people, not here.")),
            field("children", _("Children (under 18)"), _("Girls and boys under 18, whether or not with a parent.")),
            field("older_people", _("Older people (60 and over)"), _("Women and men aged 60 and over.")),
            field("persons_with_disabilities", _("Of whom persons with disabilities"),
                  _("Of whom: persons with disabilities among the civilians above, not added again.")),
        ],
        "medical_fields": [
            field("wounded", _("Wounded"), _("Wounded persons, counted here only, not also as women, men, children or "
                                             "older people.")),
            field("sick", _("Sick"), _("Sick persons who need care, counted here only, not also among the "
                                       "civilians above.")),
        ],
        "armed_fields": [
            field("leaving_armed_groups_unarmed", _("Without weapons"),
                  _("Persons leaving armed groups, not counted as civilians above, who carry no weapon.")),
            field("leaving_armed_groups_armed", _("With weapons"),
                  _("Persons leaving armed groups, not counted as civilians above, who carry a weapon.")),
            field("weapons_handed_over", _("Weapons handed over"), _("A number of weapons, not of people.")),
        ],
    }


def count_form_strings() -> dict[str, str]:
    """Strings count_form.js shows, translated on the server."""
    return script_strings({
        "sent": _("sent"), "refused": _("Refused"), "refusedCount": _("refused, kept on this device"),
        "discard": _("Discard"), "women": _("women"), "men": _("men"), "children": _("children under 18"),
        "older_people": _("older people"), "persons_with_disabilities": _("of whom persons with disabilities"),
        "wounded": _("wounded"), "sick": _("sick"),
        "leaving_armed_groups_unarmed": _("persons leaving armed groups without weapons"),
        "leaving_armed_groups_armed": _("persons leaving armed groups with weapons"),
        "weapons_handed_over": _("weapons handed over"), "out": _("out"), "in": _("in"),
        "savedHere": _("Saved on this phone — will be sent when the network returns."),
        "sending": _("Sending…"), "stored": _("Stored:"), "duplicate": _("Already received:"),
        "nobody": _("nobody"), "at": pgettext("a count at a checkpoint", "at"), "alreadySaved": _("This count is already saved. Change a figure or "
                                                                "press New count to enter another one."),
        "notNumber": _("is not a whole number"),
        "high": _("%(total)s persons is far more than this checkpoint has counted before (at most %(max)s in one "
                  "count). Check the figures."),
        "huge": _("%(total)s persons in one count is very large. Check the figures."),
        "unusuallyHigh": _("This count is far above what this checkpoint has recorded. It is stored and flagged "
                           "for a supervisor to check."),
        "overlapping": _("Another count already covers this period — correct it instead."),
        "correct": _("Correct the earlier count with these figures"),
        "flagged": _("Stored and flagged for review:"),
    })


@ensure_csrf_cookie
@page_requires(Perm.CROSSINGS_SUBMIT)
def count_form_page(request, principal):
    return render(request, "crossings/count_form.html", {
        "checkpoints": corridor_selectors.checkpoints().order_by("corridor__name", "name"),
        "buckets": BUCKET_MINUTES,
        "i18n_strings": count_form_strings(), **count_fields(),
    })


@require_GET
def count_form_service_worker(request):
    """Serve the count form's service worker from /crossings/ so that its scope covers the form."""
    path = finders.find("crossings/sw.js")
    if not path:
        raise Http404("no service worker")
    with open(path, "rb") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/crossings/"
    return response
