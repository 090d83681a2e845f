"""Writers for corridors and checkpoints; each call is one audited transaction.

Corridors and checkpoints are locked FOR NO KEY UPDATE: crossing counts that refer to them check
their foreign keys (FOR KEY SHARE) while holding the audit chain's lock, which these writers take next.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, StateConflict
from safepassage.core.geometry import LINE_TYPES, validate_geometry
from safepassage.core.models import snapshot
from safepassage.core.timeutil import now, operation_zone_name, require_aware
from safepassage.corridors.models import (
    Checkpoint,
    Corridor,
    CorridorStatus,
    CorridorStatusChange,
    Direction,
    Group,
)

CORRIDOR_FIELDS = ["name", "name_ar", "direction", "eligible_groups", "opens_at", "closes_at", "timezone",
                   "status", "origin", "destination", "notes", "geometry", "version"]
CHECKPOINT_FIELDS = ["corridor", "name", "name_ar", "lon", "lat", "inspects_cargo", "capacity_per_minute", "version"]


def _check_direction(direction: str) -> None:
    if direction not in Direction.values:
        raise InvalidInput(f"direction must be one of {', '.join(Direction.values)}", field="direction")


def _check_groups(groups: list[str]) -> list[str]:
    if not groups:
        raise InvalidInput("name at least one eligible group", field="eligible_groups")
    unknown = [g for g in groups if g not in Group.values]
    if unknown:
        raise InvalidInput(f"unknown group(s) {', '.join(unknown)}; allowed: {', '.join(Group.values)}",
                           field="eligible_groups")
    return sorted(set(groups), key=Group.values.index)


def _check_timezone(tz: str) -> None:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown timezone {tz!r}", field="timezone") from exc


def _as_time(value: time | str, field: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("expected a local time HH:MM", field=field) from exc


def _check_hours(opens_at: time, closes_at: time) -> None:
    if opens_at == closes_at:
        raise InvalidInput("opening and closing times are equal; use 00:00-23:59 for all day",
                           field="closes_at")


@transaction.atomic
def create_corridor(*, name: str, geometry: dict, direction: str, eligible_groups: list[str], opens_at: time,
                    closes_at: time, timezone: str | None = None, name_ar: str = "", origin=None,
                    destination=None, notes: str = "", by, at: datetime | None = None) -> Corridor:
    """Create a corridor; it starts closed until someone opens it with a reason."""
    at = require_aware(at, "at") if at is not None else now()
    if not name.strip():
        raise InvalidInput("name is required", field="name")
    if Corridor.objects.filter(name=name.strip()).exists():
        raise InvalidInput("a corridor with this name exists", field="name")
    _check_direction(direction)
    groups = _check_groups(eligible_groups)
    timezone = timezone or operation_zone_name()
    _check_timezone(timezone)
    opens_at, closes_at = _as_time(opens_at, "opens_at"), _as_time(closes_at, "closes_at")
    _check_hours(opens_at, closes_at)
    corridor = Corridor(name=name.strip(), name_ar=name_ar, direction=direction, eligible_groups=groups,
                        opens_at=opens_at, closes_at=closes_at, timezone=timezone, origin=origin,
                        destination=destination, notes=notes, status=CorridorStatus.CLOSED)
    corridor.set_geometry(validate_geometry(geometry, field="geometry", allowed=LINE_TYPES))
    corridor.save()
    CorridorStatusChange.objects.create(corridor=corridor, status=CorridorStatus.CLOSED, reason="created",
                                        changed_by=getattr(by, "user", by), at=at)
    record(actor=by, action="corridor.created", obj=corridor, after=snapshot(corridor, CORRIDOR_FIELDS))
    return corridor


@transaction.atomic
def update_corridor(*, corridor_id: int, expected_version: int, changes: dict, by) -> Corridor:
    """Apply changes to a corridor's description (not its status); refuses stale versions."""
    corridor = Corridor.objects.select_for_update(no_key=True).get(pk=corridor_id)
    corridor.check_version(expected_version)
    before = snapshot(corridor, CORRIDOR_FIELDS)
    if changes.get("name") is not None:
        name = changes["name"].strip()
        if not name:
            raise InvalidInput("name is required", field="name")
        if Corridor.objects.filter(name=name).exclude(pk=corridor.pk).exists():
            raise InvalidInput("a corridor with this name exists", field="name")
        corridor.name = name
    if changes.get("direction") is not None:
        _check_direction(changes["direction"])
        corridor.direction = changes["direction"]
    if changes.get("eligible_groups") is not None:
        corridor.eligible_groups = _check_groups(changes["eligible_groups"])
    if changes.get("timezone") is not None:
        _check_timezone(changes["timezone"])
        corridor.timezone = changes["timezone"]
    for key in ("name_ar", "notes"):
        if changes.get(key) is not None:
            setattr(corridor, key, changes[key])
    for key in ("opens_at", "closes_at"):
        if changes.get(key) is not None:
            setattr(corridor, key, _as_time(changes[key], key))
    _check_hours(corridor.opens_at, corridor.closes_at)
    if changes.get("geometry") is not None:
        corridor.set_geometry(validate_geometry(changes["geometry"], field="geometry", allowed=LINE_TYPES))
    corridor.version += 1
    corridor.save()
    record(actor=by, action="corridor.updated", obj=corridor, before=before,
           after=snapshot(corridor, CORRIDOR_FIELDS))
    return corridor


@transaction.atomic
def set_corridor_status(*, corridor_id: int, status: str, reason: str, by, at: datetime | None = None,
                        expected_version: int | None = None) -> Corridor:
    """Open, suspend or close a corridor, with the reason on record."""
    if status not in CorridorStatus.values:
        raise InvalidInput(f"status must be one of {', '.join(CorridorStatus.values)}", field="status")
    if not reason or not reason.strip():
        raise InvalidInput("give the reason for the change; it is published with the status", field="reason")
    at = require_aware(at, "at") if at is not None else now()
    corridor = Corridor.objects.select_for_update(no_key=True).get(pk=corridor_id)
    if expected_version is not None:
        corridor.check_version(expected_version)
    if corridor.status == status:
        raise StateConflict(f"the corridor is already {status}", field="status")
    last = corridor.status_history.order_by("-at", "-id").first()
    if last is not None and at < last.at:
        raise InvalidInput(f"the change cannot predate the last recorded change ({last.at.isoformat()})",
                           field="at")
    before = {"status": corridor.status, "version": corridor.version}
    corridor.status = status
    corridor.version += 1
    corridor.save(update_fields=["status", "version", "updated_at"])
    CorridorStatusChange.objects.create(corridor=corridor, status=status, reason=reason.strip(),
                                        changed_by=getattr(by, "user", by), at=at)
    record(actor=by, action="corridor.status_changed", obj=corridor, before=before,
           after={"status": status, "reason": reason.strip(), "at": at, "version": corridor.version})
    return corridor


@transaction.atomic
def add_checkpoint(*, corridor: Corridor, name: str, lon: float, lat: float, name_ar: str = "",
                   inspects_cargo: bool = False, capacity_per_minute: float = 0, by) -> Checkpoint:
    if not name.strip():
        raise InvalidInput("name is required", field="name")
    validate_geometry({"type": "Point", "coordinates": [lon, lat]}, field="lon", allowed={"Point"})
    if corridor.checkpoints.filter(name=name.strip()).exists():
        raise InvalidInput("this corridor already has a checkpoint with this name", field="name")
    cp = Checkpoint.objects.create(corridor=corridor, name=name.strip(), name_ar=name_ar, lon=lon, lat=lat,
                                   inspects_cargo=inspects_cargo, capacity_per_minute=capacity_per_minute)
    record(actor=by, action="checkpoint.created", obj=cp, after=snapshot(cp, CHECKPOINT_FIELDS))
    return cp


@transaction.atomic
def update_checkpoint(*, checkpoint_id: int, expected_version: int, changes: dict, by) -> Checkpoint:
    cp = Checkpoint.objects.select_for_update(no_key=True).get(pk=checkpoint_id)
    cp.check_version(expected_version)
    before = snapshot(cp, CHECKPOINT_FIELDS)
    for key in ("name", "name_ar", "lon", "lat", "inspects_cargo", "capacity_per_minute"):
        if changes.get(key) is not None:
            setattr(cp, key, changes[key].strip() if key == "name" else changes[key])
    if not cp.name:
        raise InvalidInput("name is required", field="name")
    validate_geometry({"type": "Point", "coordinates": [cp.lon, cp.lat]}, field="lon", allowed={"Point"})
    cp.version += 1
    cp.save()
    record(actor=by, action="checkpoint.updated", obj=cp, before=before, after=snapshot(cp, CHECKPOINT_FIELDS))
    return cp
