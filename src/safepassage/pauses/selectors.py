"""Reads of pauses, shaped for who asks, and the one question that matters most: what is open now, until when."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from safepassage.core.errors import NotFound
from safepassage.core.permissions import Role
from safepassage.core.timeutil import now
from safepassage.corridors import selectors as corridor_selectors
from safepassage.corridors.models import Corridor, CorridorStatus
from safepassage.pauses.models import IN_FORCE, Pause, PauseResponse, PauseStatus

PUBLIC, PARTY, STAFF = "public", "party", "staff"


def pauses(*, status: str | None = None, at: datetime | None = None) -> QuerySet[Pause]:
    qs = Pause.objects.select_related("withdrawn_by_party").prefetch_related(
        "places", "corridors", "parties", "responses__party", "responses__by")
    if status:
        qs = qs.filter(status=status)
    if at is not None:
        qs = qs.filter(starts_at__lte=at, ends_at__gt=at)
    return qs.order_by("starts_at", "id")


def view_for(principal) -> str:
    """Which view of pauses a principal gets: the public's, a party's (liaison) or staff's (every other role)."""
    if principal.is_anonymous or principal.role == Role.PUBLIC:
        return PUBLIC
    return PARTY if principal.role == Role.PARTY_LIAISON else STAFF


def visible_pauses(principal, *, status: str | None = None, at: datetime | None = None,
                   moment: datetime | None = None) -> QuerySet[Pause]:
    """Pauses the principal may read: the public those in force (or withdrawn until their window ends),
    a liaison those sent to their party, staff all."""
    qs = pauses(status=status, at=at)
    view = view_for(principal)
    if view == PUBLIC:
        qs = qs.filter(Q(status__in=IN_FORCE) | Q(status=PauseStatus.WITHDRAWN, ends_at__gt=moment or now()))
    elif view == PARTY:
        qs = qs.filter(parties=principal.party_id) if principal.party_id else qs.none()
    return qs


def response_read(r: PauseResponse) -> dict:
    """One party's response line, as its liaison and staff read it."""
    return {"party_id": r.party_id, "party": r.party.short_name, "state": r.state, "at": r.at,
            "by": r.by.username if r.by else None, "note": r.note}


def pause_read(p: Pause, principal, moment: datetime | None = None) -> dict:
    """The pause as this principal may read it; fields another role may not read are left out, not nulled."""
    moment = moment or now()
    view = view_for(principal)
    out = {
        "id": p.pk, "title": p.title, "title_ar": p.title_ar, "starts_at": p.starts_at, "ends_at": p.ends_at,
        "status": p.status, "in_force_now": p.status in IN_FORCE and p.starts_at <= moment < p.ends_at,
        "place_ids": sorted(x.pk for x in p.places.all()),
        "corridor_ids": sorted(x.pk for x in p.corridors.all()),
        "revision": p.revision, "previous_id": p.previous_id, "withdrawn_at": p.withdrawn_at,
    }
    if view == PUBLIC:
        return out
    responses = sorted(p.responses.all(), key=lambda r: r.party.short_name)
    if view == PARTY:
        responses = [r for r in responses if r.party_id == principal.party_id]
    out.update(
        responses=[response_read(r) for r in responses],
        withdrawn_by_party_id=p.withdrawn_by_party_id,
        withdrawn_by_party=p.withdrawn_by_party.short_name if p.withdrawn_by_party else None,
    )
    if view == STAFF:
        out.update(withdrawal_reason=p.withdrawal_reason, notes=p.notes, version=p.version)
    return out


def pause_page(principal, *, status: str | None, at: datetime | None, offset: int, limit: int) -> dict:
    """A page of the pauses this principal may read, each in their view."""
    moment = now()
    qs = visible_pauses(principal, status=status, at=at, moment=moment)
    return {"items": [pause_read(p, principal, moment) for p in qs[offset: offset + limit]], "count": qs.count()}


def pause_detail(principal, pause_id: int) -> dict:
    """One pause in this principal's view; 404 when it does not exist or is not theirs to read."""
    moment = now()
    p = visible_pauses(principal, moment=moment).filter(pk=pause_id).first()
    if p is None:
        raise NotFound("no such pause (or not one you may read)", field="pause_id")
    return pause_read(p, principal, moment)


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
    from safepassage.incidents.hazard_reads import corridor_warnings

    open_corridors = []
    candidates = list(Corridor.objects.filter(status=CorridorStatus.OPEN).order_by("name"))
    warnings = corridor_warnings(candidates, at)
    for c in candidates:
        until = corridor_selectors.open_until(c, at)
        if until is None:
            continue
        pause = pause_by_corridor.get(c.pk)
        open_corridors.append({
            "id": c.pk, "name": c.name, "name_ar": c.name_ar, "direction": c.direction,
            "eligible_groups": c.eligible_groups, "open_until": until,
            "pause_id": pause.pk if pause else None,
            "pause_ends_at": pause.ends_at if pause else None,
            "hazards": warnings.get(c.pk, []),
        })
    return {
        "at": at,
        "corridors": open_corridors,
        "pauses": [{"id": p.pk, "title": p.title, "title_ar": p.title_ar, "status": p.status,
                    "starts_at": p.starts_at, "ends_at": p.ends_at} for p in live_pauses],
    }
