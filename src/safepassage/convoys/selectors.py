"""Reads of convoys, filtered for the acting principal (a liaison sees only what concerns their party)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet

from safepassage.audit.services import record
from safepassage.convoys import lifecycle
from safepassage.convoys.models import Convoy, Inspection
from safepassage.core.permissions import Perm, Role
from safepassage.core.timeutil import now
from safepassage.deconfliction import selectors as notice_selectors

BOARD_TZ = ZoneInfo("Asia/Damascus")


def convoys(principal, *, status: str | None = None, departs_from: datetime | None = None,
            departs_before: datetime | None = None) -> QuerySet[Convoy]:
    qs = Convoy.objects.select_related("organisation", "origin", "destination", "corridor")
    if getattr(principal, "role", None) == Role.PARTY_LIAISON:
        # only convoys their party has been notified of
        qs = qs.filter(notifications__acknowledgements__party_id=principal.party_id).distinct()
    if status:
        qs = qs.filter(status=status)
    if departs_from is not None:
        qs = qs.filter(planned_departure__gte=departs_from)
    if departs_before is not None:
        qs = qs.filter(planned_departure__lt=departs_before)
    return qs.order_by("planned_departure", "id")


def may_see_drivers(principal) -> bool:
    """Driver names are restricted personal data: planners only, never party liaisons."""
    return principal.can(Perm.CONVOYS_EDIT) and getattr(principal, "role", None) != Role.PARTY_LIAISON


def log_driver_read(principal, convoy: Convoy, purpose: str) -> None:
    """Every read of driver names is on record."""
    with transaction.atomic():
        record(actor=principal, action="personal_data.read", obj=convoy,
               after={"data": "driver_names", "purpose": purpose})


def inspection_state(convoy: Convoy) -> dict:
    last: Inspection | None = (convoy.inspections.order_by("-at", "-id").first())
    if last is None:
        return {"state": "not_inspected", "inspection_id": None, "at": None}
    if last.manifest_version != convoy.manifest_version:
        return {"state": "outdated", "inspection_id": last.pk, "at": last.at}
    return {"state": last.result, "inspection_id": last.pk, "at": last.at}


def board(principal, *, at: datetime | None = None) -> list[dict]:
    """Today's and upcoming convoys (Damascus day), plus any still on the road, with what is missing."""
    at = at or now()
    start = at.astimezone(BOARD_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    items = list(convoys(principal, departs_from=start))
    seen = {c.pk for c in items}
    moving = convoys(principal).filter(status__in=[lifecycle.DEPARTED, lifecycle.ARRIVED]).exclude(pk__in=seen)
    items = sorted(list(moving) + items, key=lambda c: (c.planned_departure, c.pk))
    out = []
    liaison = getattr(principal, "role", None) == Role.PARTY_LIAISON
    for c in items:
        n = notice_selectors.current_for_convoy(c.pk)
        answers = notice_selectors.answers(n, principal, at) if n else []
        missing = ([a["party"] for a in answers if a["state"] != "acknowledged"] if liaison
                   else notice_selectors.missing_parties(n, at))
        out.append({
            "id": c.pk, "reference": c.reference, "title": c.title, "status": c.status,
            "planned_departure": c.planned_departure, "planned_arrival": c.planned_arrival,
            "today": c.planned_departure < start + timedelta(days=1),
            "corridor": c.corridor.name, "origin": c.origin.name, "destination": c.destination.name,
            "notification_id": n.pk if n else None, "notification_revision": n.revision if n else None,
            "missing_acknowledgements": missing, "answers": answers,
            "inspection": inspection_state(c)["state"], "seal_alert": c.seal_alert,
            "lon": c.last_lon, "lat": c.last_lat, "position_at": c.last_position_at,
        })
    return out
