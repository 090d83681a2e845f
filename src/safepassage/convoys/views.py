"""Server-rendered convoy board: today's and upcoming convoys, what is missing, where they are.

The forms on the board are shown by permission and post to the JSON API from `board.js`;
this view only reads (through the selectors) and never writes.
"""

from __future__ import annotations

from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from safepassage.accounts.models import Organisation, Party
from safepassage.convoys import lifecycle, selectors
from safepassage.convoys.models import Category, Convoy, DeliveryReceipt, InspectionResult, SealState, Unit
from safepassage.convoys.services import clearance_problems, latest_clearing_inspection
from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.core.timeutil import now
from safepassage.corridors.models import Corridor
from safepassage.places.models import Place, PlaceKind

# Moves that have their own form: the first notification (notify) and delivery (the receipt).
STATUS_BY_FORM = {lifecycle.NOTIFIED, lifecycle.DELIVERED}


def _map(items: list[dict]) -> dict:
    """Convoy routes and last reported positions as GeoJSON, drawn over the areas by Leaflet."""
    convoys = {c.pk: c for c in Convoy.objects.filter(pk__in=[i["id"] for i in items]).select_related("corridor")}
    features = []
    for item in items:
        c = convoys[item["id"]]
        props = {"ref": item["reference"], "status": item["status"], "title": c.title}
        features.append({"type": "Feature", "geometry": c.route or c.corridor.geometry,
                         "properties": {**props, "kind": "route"}})
        if item["lon"] is not None:
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
                             "properties": {**props, "kind": "position",
                                            "at": item["position_at"].isoformat() if item["position_at"] else None}})
    return {"type": "FeatureCollection", "features": features}


def _receipt(convoy: Convoy) -> dict | None:
    receipt = DeliveryReceipt.objects.filter(convoy=convoy).first()
    if receipt is None:
        return None
    lines = []
    for rl in receipt.lines.select_related("manifest_line").order_by("manifest_line__line_no"):
        m = rl.manifest_line
        diff = rl.quantity_received - m.quantity
        lines.append({"line_no": m.line_no, "item": m.item, "unit": m.unit, "expected": m.quantity,
                      "received": rl.quantity_received, "difference": diff, "discrepancy": diff != 0})
    return {"received_by": receipt.received_by, "received_at": receipt.received_at, "lines": lines,
            "discrepancies": [x for x in lines if x["discrepancy"]]}


def _enrich(items: list[dict], perms: dict[str, bool], at) -> None:
    """Add to each board item what its forms need, and only what the principal may see."""
    convoys = {c.pk: c for c in Convoy.objects.filter(pk__in=[i["id"] for i in items])
               .select_related("corridor", "pause", "origin").prefetch_related("manifest", "pause__parties")}
    staff = not perms["liaison"]
    for item in items:
        c = convoys[item["id"]]
        status = c.status
        item["cleared_to_move"] = status == lifecycle.CLEARED
        item["before_departure"] = status in lifecycle.BEFORE_DEPARTURE
        item["final"] = status in lifecycle.FINAL
        item["own_answer"] = item["answers"][0] if perms["liaison"] and item["answers"] else None
        if not staff:
            continue
        item["manifest"] = list(c.manifest.all())
        item["receipt"] = _receipt(c) if status == lifecycle.DELIVERED else None
        item["next_statuses"] = [s for s in lifecycle.allowed_next(status) if s not in STATUS_BY_FORM]
        item["reason_needed"] = sorted(lifecycle.NEEDS_REASON & set(item["next_statuses"]))
        # what else keeps a notified convoy from being cleared (the parties' answers are shown apart)
        item["clearance_problems"] = ([p.reason for p in clearance_problems(c, at) if p.field != "notification"]
                                      if status == lifecycle.NOTIFIED else [])
        item["pause_party_ids"] = {p.pk for p in c.pause.parties.all()} if c.pause else set()
        if perms["inspect"] and item["before_departure"]:
            item["checkpoints"] = list(c.corridor.checkpoints.order_by("name"))
            item["origin_id"] = c.origin_id
        if perms["inspect"] and status == lifecycle.ARRIVED:
            inspection = latest_clearing_inspection(c)
            item["seals_to_check"] = ([s.number for s in inspection.seals.filter(state=SealState.APPLIED)]
                                      if inspection else [])


def js_strings() -> dict[str, str]:
    """Strings board.js shows, translated on the server."""
    return {
        "saving": _("Saving…"), "saved": _("Saved."), "network": _("The server could not be reached; nothing was "
                                                                 "changed. Try again."),
        "remove": _("Remove"), "reasonNeeded": _("Give a reason."),
    }


@ensure_csrf_cookie
def board_page(request):
    principal = principal_for_user(request.user)
    if principal.is_anonymous:
        return redirect(f"/login/?next={request.path}")
    if not principal.can(Perm.CONVOYS_VIEW):
        return HttpResponseForbidden("Your role may not see convoys.")
    at = now()
    liaison = principal.party_id is not None
    perms = {
        "liaison": liaison,
        "edit": principal.can(Perm.CONVOYS_EDIT) and not liaison,
        "notify": principal.can(Perm.NOTIFICATIONS_SEND) and not liaison,
        "track": principal.can(Perm.CONVOYS_TRACK) and not liaison,
        "inspect": principal.can(Perm.CONVOYS_INSPECT) and not liaison,
        "respond": principal.can(Perm.NOTIFICATIONS_RESPOND) and liaison,
    }
    items = selectors.board(principal, at=at)
    _enrich(items, perms, at)
    context = {
        "at": at, "today": [i for i in items if i["today"]], "upcoming": [i for i in items if not i["today"]],
        "map": _map(items), "liaison": liaison, "perms": perms, "i18n_strings": js_strings(),
        "inspection_results": InspectionResult.choices,
    }
    if perms["edit"]:
        user_org = getattr(request.user, "organisation_id", None)
        context.update({
            "organisations": Organisation.objects.order_by("name"), "user_org": user_org,
            "corridors": Corridor.objects.order_by("name"),
            "sites": Place.objects.filter(kind=PlaceKind.SITE).order_by("name").only("id", "name"),
            "areas": Place.objects.filter(kind=PlaceKind.AREA).order_by("name").only("id", "name"),
            "categories": Category.choices, "units": Unit.choices,
        })
    if perms["notify"]:
        context["parties"] = Party.objects.order_by("short_name")
    return render(request, "convoys/board.html", context)
