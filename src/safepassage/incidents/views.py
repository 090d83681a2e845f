"""Pages: the incident list, an incident's page (sources, evidence with hashes, history) and the review queue."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from safepassage.core.errors import NotFound
from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.incidents import selectors
from safepassage.incidents.models import Category, Verification
from safepassage.web.pages import page_requires


def _labels() -> dict[str, str]:
    return dict(Category.choices)


def incident_list_page(request):
    principal = principal_for_user(request.user)
    incidents = selectors.list_incidents(principal)[:200]
    labels = _labels()
    rows = [{**selectors.incident_summary(i, principal),
             "category_labels": [labels.get(c, c) for c in i.categories]} for i in incidents]
    return render(request, "incidents/list.html", {"incidents": rows, "principal": principal,
                                                   "sees_all": selectors.sees_all(principal),
                                                   "can_verify": principal.can(Perm.INCIDENTS_VERIFY)})


def _review_context(principal, incident, assigned_to: str | None) -> dict:
    """What a verifier sees: whether they hold it, and a confirmation awaiting someone else than its first verifier."""
    if not principal.can(Perm.INCIDENTS_VERIFY):
        return {"can_verify": False}
    me = getattr(principal.user, "username", None)
    item = selectors.queue_item(incident)
    waiting = item["awaiting_confirmation_of"] if item["first_verifier"] != me else None
    return {"can_verify": True, "holds_it": me is not None and assigned_to == me, "awaiting_confirmation_of": waiting,
            "in_queue": incident.verification in (Verification.UNVERIFIED, Verification.PENDING),
            "statuses": decision_statuses()}


def detail_context(principal, incident, **extra) -> dict:
    """The incident page's context, with the review box's for a verifier."""
    detail = selectors.incident_detail(incident, principal)
    labels = _labels()
    detail["category_labels"] = [labels.get(c, c) for c in detail["categories"]]
    return {"i": detail, "principal": principal, "sees_all": selectors.sees_all(principal),
            **_review_context(principal, incident, detail["assigned_to"]), **extra}


def decision_statuses() -> list[tuple[str, str]]:
    return [(Verification.VERIFIED, _("verified")), (Verification.UNVERIFIED, _("unverified")),
            (Verification.FALSELY_ATTRIBUTED, _("falsely attributed")), (Verification.REJECTED, _("rejected"))]


def incident_page(request, incident_id: int):
    principal = principal_for_user(request.user)
    try:
        incident = selectors.get_incident(principal, incident_id)
    except NotFound:
        return render(request, "incidents/detail.html", {"missing": True, "principal": principal}, status=404)
    recorded = request.GET.get("recorded") == "1"
    return render(request, "incidents/detail.html", detail_context(principal, incident, recorded=recorded))


@page_requires(Perm.INCIDENTS_VERIFY)
def review_queue_page(request, principal):
    items = [selectors.queue_item(i) for i in selectors.review_queue()[:500]]
    return render(request, "incidents/queue.html", {"items": items, "principal": principal})
