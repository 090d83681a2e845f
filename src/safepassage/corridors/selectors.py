"""Reads of corridors: status at a time, and whether one is open at a given instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from safepassage.corridors.models import Checkpoint, Corridor, CorridorStatus, CorridorStatusChange


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


def is_open_at(corridor: Corridor, at: datetime, status: str | None = None) -> bool:
    status = status if status is not None else corridor.status
    return status == CorridorStatus.OPEN and within_hours(corridor, at)
