"""Reads of corridors: status at a time, and whether one is open at a given instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from safepassage.core.errors import FieldError
from safepassage.core.models import get_or_refuse
from safepassage.core.timeutil import now
from safepassage.corridors.models import Checkpoint, Corridor, CorridorStatus, CorridorStatusChange
from safepassage.places.models import Place


def corridors(*, status: str | None = None, bbox=None) -> QuerySet[Corridor]:
    qs = Corridor.objects.all()
    if status:
        qs = qs.filter(status=status)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(max_lon__gte=min_lon, min_lon__lte=max_lon, max_lat__gte=min_lat, min_lat__lte=max_lat)
    return qs.order_by("name", "id")


def checkpoints(*, corridor_id: int | None = None, bbox=None) -> QuerySet[Checkpoint]:
    qs = Checkpoint.objects.select_related("corridor")
    if corridor_id:
        qs = qs.filter(corridor_id=corridor_id)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
    return qs.order_by("corridor_id", "name", "id")


def statuses_at(at: datetime, corridor_ids: list[int] | None = None) -> dict[int, CorridorStatusChange]:
    """The last status change per corridor at or before `at`."""
    qs = CorridorStatusChange.objects.filter(at__lte=at)
    if corridor_ids is not None:
        qs = qs.filter(corridor_id__in=corridor_ids)
    latest: dict[int, CorridorStatusChange] = {}
    for change in qs.order_by("corridor_id", "at", "id"):
        latest[change.corridor_id] = change
    return latest


def within_hours(corridor: Corridor, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(corridor.timezone)).time()
    if corridor.opens_at < corridor.closes_at:
        return corridor.opens_at <= local < corridor.closes_at
    return local >= corridor.opens_at or local < corridor.closes_at  # window crosses midnight


def open_until(corridor: Corridor, at: datetime) -> datetime | None:
    """When today's operating window closes, if the corridor is within its hours at `at`."""
    if not within_hours(corridor, at):
        return None
    tz = ZoneInfo(corridor.timezone)
    local = at.astimezone(tz)
    close = local.replace(hour=corridor.closes_at.hour, minute=corridor.closes_at.minute, second=0,
                          microsecond=0)
    if close <= local:
        close += timedelta(days=1)
    return close.astimezone(at.tzinfo)


def fmt_time(dt: datetime, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def movement_problems(corridor: Corridor, at: datetime) -> list[FieldError]:
    """Why a movement through the corridor at `at` falls outside its status or its hours (empty when it fits)."""
    tz = corridor.timezone
    change = statuses_at(at, [corridor.pk]).get(corridor.pk)
    status = change.status if change else "not yet open"
    if status != CorridorStatus.OPEN:
        why = f" ({change.reason})" if change and change.reason else ""
        return [FieldError("corridor", f"corridor '{corridor.name}' was {status} at {fmt_time(at, tz)}{why}")]
    if not within_hours(corridor, at):
        return [FieldError("corridor", f"{fmt_time(at, tz)} is outside corridor '{corridor.name}' hours "
                                       f"{corridor.opens_at:%H:%M}-{corridor.closes_at:%H:%M} {tz}")]
    return []


def is_open_at(corridor: Corridor, at: datetime, status: str | None = None) -> bool:
    status = status if status is not None else corridor.status
    return status == CorridorStatus.OPEN and within_hours(corridor, at)


def checkpoint_inline(cp: Checkpoint) -> dict:
    return {"id": cp.pk, "name": cp.name, "name_ar": cp.name_ar, "lon": cp.lon, "lat": cp.lat,
            "inspects_cargo": cp.inspects_cargo, "capacity_per_minute": cp.capacity_per_minute,
            "version": cp.version}


def checkpoint_read(cp: Checkpoint) -> dict:
    return {**checkpoint_inline(cp), "corridor_id": cp.corridor_id, "corridor": cp.corridor.name}


def corridor_read(c: Corridor, *, at=None, status_at: str | None = None, history: bool = False,
                  warnings: dict[int, list[dict]] | None = None) -> dict:
    from safepassage.incidents.hazard_reads import (
        corridor_warnings,  # the hazard registry reads corridors too
    )

    moment = at or now()
    if warnings is None:
        warnings = corridor_warnings([c], at)
    status = status_at if status_at is not None else c.status
    out = {
        "id": c.pk, "name": c.name, "name_ar": c.name_ar, "geometry": c.geometry, "direction": c.direction,
        "eligible_groups": c.eligible_groups, "opens_at": c.opens_at.strftime("%H:%M"),
        "closes_at": c.closes_at.strftime("%H:%M"),
        "timezone": c.timezone, "status": c.status, "status_at": status_at,
        "open_now": is_open_at(c, moment, status),
        "open_until": open_until(c, moment) if status == "open" else None,
        "origin_id": c.origin_id, "destination_id": c.destination_id, "notes": c.notes, "version": c.version,
        "checkpoints": [checkpoint_inline(cp) for cp in c.checkpoints.all()],
        "hazards": warnings.get(c.pk, []),
    }
    if history:
        out["status_history"] = [
            {"status": h.status, "reason": h.reason, "at": h.at,
             "changed_by": h.changed_by.username if h.changed_by else None}
            for h in c.status_history.select_related("changed_by")
        ]
    return out


def status_changes(*, corridor_id: int | None = None, since: datetime | None = None,
                   until: datetime | None = None, as_of: datetime | None = None) -> QuerySet[CorridorStatusChange]:
    """Corridor openings, suspensions and closures, latest first (the bulletin's corridor figure links here)."""
    qs = CorridorStatusChange.objects.select_related("corridor")
    for name, value in (("corridor_id", corridor_id), ("at__gte", since), ("at__lt", until), ("at__lte", as_of)):
        if value is not None:
            qs = qs.filter(**{name: value})
    return qs.order_by("-at", "-id")


def status_change_read(h: CorridorStatusChange) -> dict:
    return {"id": h.pk, "corridor_id": h.corridor_id, "corridor": h.corridor.name, "status": h.status,
            "reason": h.reason, "at": h.at}


def place_or_refuse(place_id: int | None, field: str) -> Place | None:
    return get_or_refuse(Place, place_id, field)

def corridor_or_refuse(corridor_id: int) -> Corridor:
    return get_or_refuse(Corridor, corridor_id, "corridor_id")
