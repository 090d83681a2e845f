"""Server-rendered convoy board: today's and upcoming convoys, what is missing, where they are.

The forms on the board are shown by permission and post to the JSON API from `board.js`;
this view only reads (through the selectors) and never writes.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from safepassage.accounts import selectors as party_selectors
from safepassage.convoys import lifecycle, selectors
from safepassage.convoys.models import Category, InspectionResult, Unit
from safepassage.core.errors import NotFound
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now
from safepassage.web.pages import page_requires, script_strings

# Moves that have their own form: the first notification (notify) and delivery (the receipt).
STATUS_BY_FORM = {lifecycle.NOTIFIED, lifecycle.DELIVERED}


def js_strings() -> dict[str, str]:
    """Strings board.js shows, translated on the server."""
    return script_strings({
        "saving": _("Saving…"), "saved": _("Saved."), "remove": _("Remove"), "reasonNeeded": _("Give a reason."),
    })


@ensure_csrf_cookie
@page_requires(Perm.NOTIFICATIONS_VIEW)
def notification_page(request, principal, notification_id: int):
    """One convoy notification as the party reads it before answering, with the answer form for a liaison."""
    try:
        context = selectors.notification_page(principal, notification_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    liaison = principal.party_id is not None
    context.update({
        "liaison": liaison, "i18n_strings": js_strings(),
        "respond": liaison and principal.can(Perm.NOTIFICATIONS_RESPOND),
        "route_json": {"type": "Feature", "geometry": context["route"],
                       "properties": {"ref": context["convoy"].reference, "status": context["convoy"].status,
                                      "kind": "route"}},
    })
    return render(request, "convoys/notification.html", context)


@ensure_csrf_cookie
@page_requires(Perm.CONVOYS_VIEW)
def board_page(request, principal):
    at = now()
    liaison = principal.party_id is not None
    perms = {
        "liaison": liaison,
        "edit": principal.can(Perm.CONVOYS_EDIT) and not liaison,
        "notify": principal.can(Perm.NOTIFICATIONS_SEND) and not liaison,
        "track": principal.can(Perm.CONVOYS_TRACK) and not liaison,
        "inspect": principal.can(Perm.CONVOYS_INSPECT) and not liaison,
        "respond": principal.can(Perm.NOTIFICATIONS_RESPOND) and liaison,
        "override": principal.can(Perm.CONVOYS_OVERRIDE) and not liaison,
        "record_incident": principal.can(Perm.INCIDENTS_EDIT) and not liaison,
    }
    items = selectors.board(principal, at=at)
    selectors.board_details(items, perms, at, status_by_form=STATUS_BY_FORM, principal=principal)
    context = {
        "at": at, "today": [i for i in items if i["today"]], "upcoming": [i for i in items if not i["today"]],
        "map": selectors.board_map(items), "liaison": liaison, "perms": perms, "i18n_strings": js_strings(),
        "inspection_results": InspectionResult.choices,
    }
    if perms["edit"]:
        user_org = getattr(request.user, "organisation_id", None)
        context.update({
            **selectors.plan_form_choices(), "user_org": user_org,
            "categories": Category.choices, "units": Unit.choices,
        })
    if perms["notify"]:
        context["parties"] = party_selectors.parties()
    return render(request, "convoys/board.html", context)
