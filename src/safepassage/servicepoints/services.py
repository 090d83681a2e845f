"""Writers for service points, their stock ledger and people served; one audited transaction each."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, NotFound
from safepassage.core.models import snapshot
from safepassage.core.timeutil import now, operation_zone_name, require_aware
from safepassage.corridors.models import Corridor
from safepassage.places.models import Place
from safepassage.servicepoints.models import Kind, PeopleServed, ServicePoint, StockEntry, StockKind

FIELDS = ["name", "name_ar", "kind", "place", "corridor", "arrival_direction", "lon", "lat", "capacity_per_hour",
          "capacity_per_day", "opens_at", "closes_at", "timezone", "units_per_person", "notes", "version"]
ITEM = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_QUANTITY = 10_000_000


def _item(item: str) -> str:
    item = (item or "").strip()
    if not ITEM.match(item):
        raise InvalidInput("stock items are short lower-case codes such as meal, water_litre, first_aid_kit",
                           field="item")
    return item


def _check(sp: ServicePoint) -> None:
    if not sp.name.strip():
        raise InvalidInput("name is required", field="name")
    if sp.kind not in Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Kind.values)}", field="kind")
    if sp.arrival_direction not in ("out", "in"):
        raise InvalidInput("arrival_direction must be out or in", field="arrival_direction")
    if not (-180 <= sp.lon <= 180):
        raise InvalidInput("longitude must be between -180 and 180", field="lon")
    if not (-90 <= sp.lat <= 90):
        raise InvalidInput("latitude must be between -90 and 90", field="lat")
    for f in ("capacity_per_hour", "capacity_per_day"):
        if getattr(sp, f) is None or getattr(sp, f) < 0:
            raise InvalidInput("must be 0 or more", field=f)
    if sp.capacity_per_hour > sp.capacity_per_day:
        raise InvalidInput("the capacity per hour cannot exceed the capacity per day", field="capacity_per_hour")
    if sp.opens_at == sp.closes_at:
        raise InvalidInput("opening and closing times are equal; use 00:00-23:59 for all day", field="closes_at")
    try:
        ZoneInfo(sp.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown timezone {sp.timezone!r}", field="timezone") from exc
    if not isinstance(sp.units_per_person, dict):
        raise InvalidInput("give units per person as {item: number}", field="units_per_person")
    for item, units in sp.units_per_person.items():
        _item(item)
        if isinstance(units, bool) or not isinstance(units, int | float) or units < 0:
            raise InvalidInput(f"units per person for {item} must be a number of 0 or more",
                               field="units_per_person")
    if ServicePoint.objects.filter(name=sp.name).exclude(pk=sp.pk).exists():
        raise InvalidInput("a service point with this name exists", field="name")


@transaction.atomic
def create_service_point(*, name: str, kind: str, place_id: int, corridor_id: int, capacity_per_hour: int,
                         capacity_per_day: int, opens_at: time, closes_at: time, lon: float | None = None,
                         lat: float | None = None, arrival_direction: str = "out", timezone: str | None = None,
                         units_per_person: dict | None = None, name_ar: str = "", notes: str = "",
                         by) -> ServicePoint:
    """Open a service point at a corridor exit; its location defaults to the centre of its place."""
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise InvalidInput("unknown place", field="place_id")
    corridor = Corridor.objects.filter(pk=corridor_id).first()
    if corridor is None:
        raise InvalidInput("unknown corridor", field="corridor_id")
    sp = ServicePoint(
        name=(name or "").strip(), name_ar=name_ar, kind=kind, place=place, corridor=corridor,
        arrival_direction=arrival_direction,
        lon=lon if lon is not None else (place.min_lon + place.max_lon) / 2,
        lat=lat if lat is not None else (place.min_lat + place.max_lat) / 2,
        capacity_per_hour=capacity_per_hour, capacity_per_day=capacity_per_day, opens_at=opens_at,
        closes_at=closes_at, timezone=timezone or operation_zone_name(), units_per_person=units_per_person or {},
        notes=notes)
    _check(sp)
    sp.save()
    record(actor=by, action="servicepoint.created", obj=sp, after=snapshot(sp, FIELDS))
    return sp


@transaction.atomic
def update_service_point(*, service_point_id: int, expected_version: int, changes: dict, by) -> ServicePoint:
    sp = ServicePoint.objects.select_for_update().filter(pk=service_point_id).first()
    if sp is None:
        raise NotFound("no such service point")
    sp.check_version(expected_version)
    before = snapshot(sp, FIELDS)
    for key in ("name", "name_ar", "kind", "arrival_direction", "lon", "lat", "capacity_per_hour",
                "capacity_per_day", "opens_at", "closes_at", "timezone", "units_per_person", "notes"):
        if changes.get(key) is not None:
            setattr(sp, key, changes[key].strip() if key == "name" else changes[key])
    _check(sp)
    sp.version += 1
    sp.save()
    record(actor=by, action="servicepoint.updated", obj=sp, before=before, after=snapshot(sp, FIELDS))
    return sp


def _balance(sp: ServicePoint, item: str) -> int:
    last = StockEntry.objects.filter(service_point=sp, item=item).order_by("-id").values_list(
        "balance_after", flat=True).first()
    return last or 0


@transaction.atomic
def record_stock(*, service_point_id: int, item: str, kind: str, quantity: int, reason: str,
                 at: datetime | None = None, by) -> StockEntry:
    """Add a ledger line: received and issued take a positive quantity, adjusted a signed one.

    The point's row is locked, so concurrent issues queue and the balance can never go below zero.
    """
    item = _item(item)
    if kind not in StockKind.values:
        raise InvalidInput(f"kind must be one of {', '.join(StockKind.values)}", field="kind")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput("must be a whole number", field="quantity")
    if kind in (StockKind.RECEIVED, StockKind.ISSUED) and quantity <= 0:
        raise InvalidInput(f"{kind} quantities are positive; use an adjustment to correct a count",
                           field="quantity")
    if kind == StockKind.ADJUSTED and quantity == 0:
        raise InvalidInput("an adjustment of 0 changes nothing", field="quantity")
    if abs(quantity) > MAX_QUANTITY:
        raise InvalidInput(f"must be at most {MAX_QUANTITY}", field="quantity")
    if not (reason or "").strip():
        raise InvalidInput("give the reason (delivery note, distribution, count, loss...)", field="reason")
    at = require_aware(at, "at") if at is not None else now()
    sp = ServicePoint.objects.select_for_update().filter(pk=service_point_id).first()
    if sp is None:
        raise NotFound("no such service point")
    delta = -quantity if kind == StockKind.ISSUED else quantity
    balance = _balance(sp, item)
    if balance + delta < 0:
        raise InvalidInput(f"only {balance} {item} in stock; this would leave {balance + delta}. Record the "
                           "delivery first, or an adjustment with the reason if the count was wrong",
                           field="quantity")
    user = getattr(by, "user", by)
    entry = StockEntry.objects.create(service_point=sp, item=item, kind=kind, delta=delta,
                                      balance_after=balance + delta, reason=reason.strip(), at=at,
                                      recorded_by=user if getattr(user, "pk", None) else None)
    record(actor=by, action="stock.recorded", obj=entry,
           before={"balance": balance},
           after={"service_point": sp.pk, "item": item, "kind": kind, "delta": delta,
                  "balance": entry.balance_after, "reason": entry.reason, "at": at})
    return entry


@transaction.atomic
def record_people_served(*, service_point_id: int, hour_start: datetime, people: int,
                         expected_version: int | None = None, by) -> PeopleServed:
    """Set the number of people a point served in one clock hour; a change needs the version read."""
    hour_start = require_aware(hour_start, "hour_start")
    if hour_start.minute or hour_start.second or hour_start.microsecond:
        raise InvalidInput("give the start of a clock hour, e.g. 2016-10-20T09:00:00Z", field="hour_start")
    if hour_start > now():
        raise InvalidInput("this hour has not started yet", field="hour_start")
    if isinstance(people, bool) or not isinstance(people, int) or people < 0:
        raise InvalidInput("must be a whole number of 0 or more", field="people")
    sp = ServicePoint.objects.select_for_update().filter(pk=service_point_id).first()
    if sp is None:
        raise NotFound("no such service point")
    user = getattr(by, "user", by)
    user = user if getattr(user, "pk", None) else None
    row = PeopleServed.objects.filter(service_point=sp, hour_start=hour_start).first()
    if row is None:
        row = PeopleServed.objects.create(service_point=sp, hour_start=hour_start, people=people, recorded_by=user)
        before = None
    else:
        if expected_version is None:
            raise InvalidInput(f"this hour is already recorded ({row.people} people, version {row.version}); "
                               "send that version to change it", field="version")
        row.check_version(expected_version)
        before = {"people": row.people, "version": row.version}
        row.people, row.recorded_by = people, user
        row.version += 1
        row.save()
    record(actor=by, action="people_served.recorded", obj=row, before=before,
           after={"service_point": sp.pk, "hour_start": hour_start, "people": people, "version": row.version})
    return row
