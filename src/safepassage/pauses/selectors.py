"""Reads of pauses, and the one question that matters most: what is open now, until when."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from safepassage.corridors import selectors as corridor_selectors
from safepassage.corridors.models import Corridor, CorridorStatus
from safepassage.pauses.models import Pause, PauseStatus

IN_FORCE = [PauseStatus.AGREED, PauseStatus.ACTIVE]


def pauses(*, status: str | None = None, at: datetime | None = None) -> QuerySet[Pause]:
    qs = Pause.objects.prefetch_related("places", "corridors", "parties", "responses__party")
    if status:
        qs = qs.filter(status=status)
    if at is not None:
        qs = qs.filter(starts_at__lte=at, ends_at__gt=at)
    return qs.order_by("starts_at", "id")


def in_force_at(at: datetime) -> QuerySet[Pause]:
    """Pauses agreed or active whose window contains `at`."""
    return pauses(at=at).filter(status__in=IN_FORCE)


def open_now(at: datetime) -> dict:
    """Corridors open at `at` (status open, within hours) and pauses in force, each with its end."""
    live_pauses = list(in_force_at(at))
    pause_by_corridor: dict[int, Pause] = {}
    for p in live_pauses:
        for c in p.corridors.all():
            if c.pk not in pause_by_corridor or p.ends_at > pause_by_corridor[c.pk].ends_at:
                pause_by_corridor[c.pk] = p
    open_corridors = []
    for c in Corridor.objects.filter(status=CorridorStatus.OPEN).order_by("name"):
        until = corridor_selectors.open_until(c, at)
        if until is None:
            continue
        pause = pause_by_corridor.get(c.pk)
        open_corridors.append({
            "id": c.pk, "name": c.name, "name_ar": c.name_ar, "direction": c.direction,
            "eligible_groups": c.eligible_groups, "open_until": until,
            "pause_id": pause.pk if pause else None,
            "pause_ends_at": pause.ends_at if pause else None,
        })
    return {
        "at": at,
        "corridors": open_corridors,
        "pauses": [{"id": p.pk, "title": p.title, "title_ar": p.title_ar, "status": p.status,
                    "starts_at": p.starts_at, "ends_at": p.ends_at} for p in live_pauses],
    }
