"""The agreements page: the registry with each status history, and the tally at a chosen moment beside claims."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _

from safepassage.agreements import selectors
from safepassage.core.i18n import localized_name
from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.core.timeutil import now, operation_zone, operation_zone_name


def _labels() -> dict[str, str]:
    return {
        "signed": _("signed"), "in_force": _("in force"), "suspended": _("suspended"), "breached": _("breached"),
        "lapsed": _("lapsed"), "terminated": _("terminated"),
        "local_ceasefire": _("local ceasefire"), "reconciliation": _("reconciliation or settlement"),
        "evacuation": _("evacuation agreement"), "other": _("other"),
        "party": _("party"), "guarantor": _("guarantor"), "witness": _("witness"), "mediator": _("mediator"),
        "signed_total": _("communities that signed, in total"),
        "signed_last_24h": _("communities that signed in the last 24 hours"),
        "in_force_metric": _("communities with an agreement in force"),
    }


def _moment(value: str | None) -> tuple[datetime, str | None]:
    """The chosen moment, a local date and time in the operation's zone (`2016-10-20T12:00`); now by default."""
    zone = operation_zone()
    if value:
        try:
            local = datetime.fromisoformat(value)
            return (local.replace(tzinfo=zone) if local.tzinfo is None else local), None
        except ValueError:
            return now(), _("Unreadable date and time; showing now.")
    return now(), None


def agreements_page(request):
    principal = principal_for_user(request.user)
    if not principal.can(Perm.AGREEMENTS_VIEW):
        return HttpResponseForbidden()
    at, error = _moment(request.GET.get("at"))
    labels = _labels()
    tally = selectors.tally(at)
    claims = [{"party": localized_name(c.claim.party), "metric": labels.get(c.claim.metric if c.claim.metric != "in_force"
                                                                        else "in_force_metric", c.claim.metric),
               "claimed": c.claim.claimed, "as_of": c.claim.as_of, "source": c.claim.source, "quote": c.claim.quote,
               "recorded": c.recorded, "difference": c.difference} for c in selectors.claims_beside(at)]
    page = Paginator(selectors.agreements().filter(signed_at__lte=at), 50).get_page(request.GET.get("page"))
    rows = []
    for a in page:
        history = sorted(a.status_history.all(), key=lambda h: (h.valid_from, h.id))
        current = [h.status for h in history if h.valid_from <= at]
        rows.append({
            "agreement": a, "community": a.community, "place": a.community.place, "kind": labels.get(a.kind, a.kind),
            "status": labels.get(current[-1]) if current else None, "code": current[-1] if current else "",
            "parties": [(localized_name(r.party), labels.get(r.role, r.role)) for r in a.party_roles.all()],
            "history": [{"status": labels.get(h.status, h.status), "code": h.status, "from": h.valid_from,
                         "source": h.source, "note": h.note} for h in history],
        })
    local = at.astimezone(operation_zone())
    return render(request, "agreements/agreements.html", {
        "at": at, "at_local": local.strftime("%Y-%m-%dT%H:%M"), "zone": operation_zone_name(), "error": error,
        "tally": tally, "claims": claims, "rows": rows, "page": page, "labels": labels,
    })
