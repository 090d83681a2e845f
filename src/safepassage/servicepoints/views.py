"""Service point pages: the list, a point with its stock ledger and people served, and the forms that record them."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safepassage.core.errors import DomainError, InvalidInput
from safepassage.core.numbers import parse_whole_number
from safepassage.core.permissions import Perm
from safepassage.servicepoints import selectors, services
from safepassage.servicepoints.models import ServicePoint, StockKind
from safepassage.web.pages import event_time, page_requires


def kind_labels() -> dict[str, str]:
    return {"meal_station": _("meal station"), "first_aid": _("first-aid point"),
            "reception_centre": _("reception centre")}


def stock_kind_labels() -> dict[str, str]:
    return {StockKind.RECEIVED: _("received"), StockKind.ISSUED: _("issued"),
            StockKind.ADJUSTED: _("adjusted (count, loss, damage)")}


@page_requires(Perm.SERVICEPOINTS_VIEW)
def points_page(request, principal):
    points = list(selectors.service_points())
    stock = selectors.balances([p.pk for p in points])
    kinds = kind_labels()
    rows = [{**selectors.point_read(p, stock.get(p.pk, {})), "kind_label": kinds.get(p.kind, p.kind)} for p in points]
    return render(request, "servicepoints/list.html", {"points": rows})


def _point_context(principal, point_id: int, **extra) -> dict:
    point = get_object_or_404(selectors.service_points(), pk=point_id)
    kinds = stock_kind_labels()
    ledger = [{**selectors.stock_read(e), "kind_label": kinds.get(e.kind, e.kind)}
              for e in selectors.ledger(service_point_id=point_id)[:200]]
    return {"point": {**selectors.point_read(point), "kind_label": kind_labels().get(point.kind, point.kind)},
            "ledger": ledger, "served": [selectors.served_read(s) for s in selectors.served(service_point_id=point_id)[:48]],
            "can_record": principal.can(Perm.STOCK_EDIT), "stock_kinds": list(kinds.items()), **extra}


@page_requires(Perm.SERVICEPOINTS_VIEW)
def point_page(request, principal, point_id: int):
    return render(request, "servicepoints/point.html", _point_context(principal, point_id))


def _whole(text: str | None, field: str) -> int:
    try:
        return parse_whole_number(text or "")
    except ValueError as exc:
        raise InvalidInput(_("give a whole number"), field=field) from exc


@require_POST
@page_requires(Perm.STOCK_EDIT)
def record_stock(request, principal, point_id: int):
    """A ledger line: stock received, issued or adjusted, with its reason and the time it happened."""
    get_object_or_404(ServicePoint, pk=point_id)
    post = request.POST
    try:
        services.record_stock(service_point_id=point_id, item=post.get("item", ""), kind=post.get("kind", ""),
                              quantity=_whole(post.get("quantity"), "quantity"), reason=post.get("reason", ""),
                              at=event_time(post.get("at")), by=principal)
    except DomainError as exc:
        return render(request, "servicepoints/point.html",
                      _point_context(principal, point_id, stock_error=exc.reason, stock_form=post), status=400)
    return redirect("servicepoints:point", point_id=point_id)


@require_POST
@page_requires(Perm.STOCK_EDIT)
def record_served(request, principal, point_id: int):
    """People served in one clock hour; changing a recorded hour needs the version shown beside it."""
    get_object_or_404(ServicePoint, pk=point_id)
    post = request.POST
    try:
        version = _whole(post.get("version"), "version") if post.get("version") else None
        services.record_people_served(service_point_id=point_id, hour_start=event_time(post.get("hour_start"),
                                                                                       "hour_start"),
                                      people=_whole(post.get("people"), "people"), expected_version=version,
                                      by=principal)
    except DomainError as exc:
        return render(request, "servicepoints/point.html",
                      _point_context(principal, point_id, served_error=exc.reason, served_form=post), status=400)
    return redirect("servicepoints:point", point_id=point_id)
