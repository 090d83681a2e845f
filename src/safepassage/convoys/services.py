"""Writers for convoys: plan, manifest, notify, inspect, move through the lifecycle, deliver.

Each public function is one audited transaction; the lifecycle is the single table in `lifecycle.py`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import transaction

from safepassage.audit.actions import Action
from safepassage.audit.services import record
from safepassage.convoys import lifecycle, selectors
from safepassage.convoys.models import (
    CargoDirection,
    Convoy,
    ConvoyStatusChange,
    DeliveryReceipt,
    Discrepancy,
    Inspection,
    InspectionResult,
    ManifestLine,
    MovementOverride,
    PositionUpdate,
    ReceiptLine,
    Seal,
    SealState,
    Vehicle,
)
from safepassage.convoys.selectors import (
    clearance_problems,
    fmt_time,
    latest_clearing_inspection,
    movement_problems,
    schedule_problems,
)
from safepassage.convoys.validation import clean_manifest, clean_vehicles, parse_decimal
from safepassage.core.errors import FieldError, InvalidInput, PermissionDenied, StateConflict
from safepassage.core.geometry import LINE_TYPES, validate_geometry
from safepassage.core.models import snapshot
from safepassage.core.numbers import NumberFormat
from safepassage.core.permissions import Perm
from safepassage.core.retention import retention_days
from safepassage.core.timeutil import event_time, now, require_aware
from safepassage.corridors.models import Checkpoint, Corridor
from safepassage.deconfliction import selectors as notice_selectors
from safepassage.deconfliction import services as notices
from safepassage.deconfliction.models import Kind
from safepassage.incidents import services as incidents
from safepassage.incidents.models import CONVOY_KIND_CATEGORIES, Incident, TimePrecision
from safepassage.pauses.models import Pause

CONVOY_FIELDS = ["reference", "title", "organisation", "origin", "destination", "destination_service_point",
                 "destination_note", "corridor",
                 "route", "direction", "planned_departure", "planned_arrival", "pause", "status", "notes",
                 "manifest_version", "version"]
MOVEMENT_TERMS = {"route", "planned_departure", "planned_arrival", "corridor"}


# ---------------------------------------------------------------- schedule


def check_schedule(*, corridor: Corridor, direction: str, departure: datetime, arrival: datetime) -> Pause:
    pause, problems = schedule_problems(corridor=corridor, direction=direction, departure=departure,
                                        arrival=arrival)
    if problems or pause is None:
        raise InvalidInput("the schedule does not fit a pause and the corridor: "
                           + "; ".join(p.reason for p in problems), errors=problems)
    return pause


# ---------------------------------------------------------------- movement against the agreement

def _check_movement(convoy: Convoy, event: str, at: datetime, *, override_reason: str | None, by) -> None:
    """Refuse a movement outside the agreement unless a coordinator overrides it with a written reason."""
    problems = movement_problems(convoy, at)
    reason = (override_reason or "").strip()
    if override_reason is not None and not reason:
        raise InvalidInput("write the reason for recording this movement outside the agreement",
                           field="override_reason")
    if not problems:
        return
    if not reason:
        raise StateConflict(f"{event} at {fmt_time(at, convoy.corridor.timezone)} is outside the agreement: "
                            + "; ".join(p.reason for p in problems)
                            + ". A coordinator can record it with a written reason (override_reason).",
                            errors=problems)
    if not getattr(by, "can", lambda perm: False)(Perm.CONVOYS_OVERRIDE):
        raise PermissionDenied("only a coordinator may record a movement outside the agreement",
                               field="override_reason")
    user = getattr(by, "user", by)
    override = MovementOverride.objects.create(
        convoy=convoy, event=event, at=at, problems=[p.reason for p in problems], reason=reason,
        by=user if getattr(user, "pk", None) else None, recorded_at=now())
    record(actor=by, action="convoy.movement_overridden", obj=convoy,
           after={"override": override.pk, "event": event, "at": at, "problems": override.problems,
                  "reason": reason})


# ---------------------------------------------------------------- helpers


def _lock(convoy_id: int) -> Convoy:
    return Convoy.objects.select_for_update().get(pk=convoy_id)


def _require_before_departure(convoy: Convoy, what: str) -> None:
    if convoy.status not in lifecycle.BEFORE_DEPARTURE:
        raise StateConflict(f"a {convoy.status} convoy's {what} can no longer be changed", field="status")


def _move(convoy: Convoy, to: str, *, reason: str, by, at: datetime) -> None:
    """The one place a convoy changes status: checked against the table, kept in history, audited."""
    try:
        lifecycle.check(convoy.status, to)
    except lifecycle.IllegalTransition as exc:
        raise StateConflict(str(exc), field="status") from exc
    before = {"status": convoy.status, "version": convoy.version}
    ConvoyStatusChange.objects.create(convoy=convoy, from_status=convoy.status, status=to, reason=reason,
                                      changed_by=getattr(by, "user", by), at=at)
    convoy.status, convoy.status_reason = to, reason
    convoy.version += 1
    convoy.save(update_fields=["status", "status_reason", "version", "updated_at"])
    record(actor=by, action="convoy.status_changed", obj=convoy, before=before,
           after={"status": to, "reason": reason, "at": at, "version": convoy.version})


def _replace_manifest(convoy: Convoy, lines: list[dict]) -> None:
    convoy.manifest.all().delete()
    ManifestLine.objects.bulk_create([ManifestLine(convoy=convoy, line_no=i + 1, **line)
                                      for i, line in enumerate(lines)])


def _replace_vehicles(convoy: Convoy, vehicles: list[dict]) -> None:
    convoy.vehicles.all().delete()
    Vehicle.objects.bulk_create([Vehicle(convoy=convoy, **v) for v in vehicles])


def _manifest_state(convoy: Convoy) -> list[dict]:
    return [{"line": m.line_no, "item": m.item, "category": m.category, "quantity": m.quantity, "unit": m.unit,
             "weight_kg": m.weight_kg} for m in convoy.manifest.all()]


def _route(route: dict | None) -> dict | None:
    return validate_geometry(route, field="route", allowed=LINE_TYPES) if route is not None else None


def _movement_text(convoy: Convoy) -> tuple[str, str]:
    vehicles = "; ".join(f"{v.vehicle_type} {v.plate}" + (f" ({v.markings})" if v.markings else "")
                         for v in convoy.vehicles.all())
    totals: dict[str, int] = {}
    for m in convoy.manifest.all():
        totals[m.category] = totals.get(m.category, 0) + 1
    cargo = ", ".join(f"{k} ({n} line{'s' if n > 1 else ''})" for k, n in sorted(totals.items()))
    description = (f"From {convoy.origin.name} to {convoy.destination.name}"
                   f"{' (' + convoy.destination_note + ')' if convoy.destination_note else ''} through corridor "
                   f"'{convoy.corridor.name}'. Vehicles: {vehicles or 'to be confirmed'}. Cargo: {cargo or 'none'}.")
    who = convoy.organisation.name
    return who, description


# ---------------------------------------------------------------- plan


@transaction.atomic
def create_convoy(*, title: str, organisation, origin, destination, corridor: Corridor,
                  planned_departure: datetime, planned_arrival: datetime, direction: str = CargoDirection.IN,
                  route: dict | None = None, destination_note: str = "", notes: str = "",
                  vehicles: list[dict] | None = None, manifest: list[dict] | None = None,
                  destination_service_point=None, by, at: datetime | None = None) -> Convoy:
    """Plan a convoy (at: when it was planned, now by default); it must fit an agreed pause and the corridor."""
    if not title.strip():
        raise InvalidInput("title is required", field="title")
    if destination_service_point is not None and destination_service_point.place_id != destination.pk:
        raise InvalidInput(f"the service point {destination_service_point.name!r} is at another place than the "
                           f"destination", field="destination_service_point_id")
    if direction not in CargoDirection.values:
        raise InvalidInput(f"direction must be one of {', '.join(CargoDirection.values)}", field="direction")
    departure = require_aware(planned_departure, "planned_departure")
    arrival = require_aware(planned_arrival, "planned_arrival")
    route = _route(route)
    lines = clean_manifest(manifest or [])
    cars = clean_vehicles(vehicles or [])
    pause = check_schedule(corridor=corridor, direction=direction, departure=departure, arrival=arrival)
    planned_at = event_time(at, "at")
    convoy = Convoy.objects.create(
        reference=f"CV-{departure:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}", title=title.strip(),
        organisation=organisation, origin=origin, destination=destination, destination_note=destination_note,
        destination_service_point=destination_service_point, corridor=corridor, route=route, direction=direction, planned_departure=departure,
        planned_arrival=arrival, pause=pause, notes=notes)
    _replace_manifest(convoy, lines)
    _replace_vehicles(convoy, cars)
    ConvoyStatusChange.objects.create(convoy=convoy, status=lifecycle.PLANNED, reason="planned",
                                      changed_by=getattr(by, "user", by), at=planned_at)
    record(actor=by, action="convoy.created", obj=convoy,
           after={**snapshot(convoy, CONVOY_FIELDS), "manifest": _manifest_state(convoy),
                  "vehicles": [{"plate": v["plate"], "vehicle_type": v["vehicle_type"]} for v in cars]})
    return convoy


@transaction.atomic
def update_convoy(*, convoy_id: int, expected_version: int, changes: dict, by,
                  notification_deadline: datetime | None = None) -> Convoy:
    """Change a convoy before departure; a new route or time is re-checked and re-notified to every party."""
    convoy = _lock(convoy_id)
    convoy.check_version(expected_version)
    _require_before_departure(convoy, "plan")
    before = snapshot(convoy, CONVOY_FIELDS)
    if changes.get("title") is not None:
        if not changes["title"].strip():
            raise InvalidInput("title is required", field="title")
        convoy.title = changes["title"].strip()
    for key in ("destination_note", "notes"):
        if changes.get(key) is not None:
            setattr(convoy, key, changes[key])
    if "route" in changes:
        convoy.route = _route(changes["route"])
    if changes.get("corridor") is not None:
        convoy.corridor = changes["corridor"]
    if changes.get("planned_departure") is not None:
        convoy.planned_departure = require_aware(changes["planned_departure"], "planned_departure")
    if changes.get("planned_arrival") is not None:
        convoy.planned_arrival = require_aware(changes["planned_arrival"], "planned_arrival")
    terms_changed = any(before[k] != snapshot(convoy, [k])[k] for k in MOVEMENT_TERMS)
    if terms_changed:
        convoy.pause = check_schedule(corridor=convoy.corridor, direction=convoy.direction,
                                      departure=convoy.planned_departure, arrival=convoy.planned_arrival)
    convoy.version += 1
    convoy.save()
    record(actor=by, action="convoy.updated", obj=convoy, before=before, after=snapshot(convoy, CONVOY_FIELDS))
    current = notice_selectors.current_for_convoy(convoy.pk)
    if terms_changed and current is not None:
        if notification_deadline is None:
            raise InvalidInput("the route or time changed: give the deadline for the parties to answer the "
                               "re-notification", field="notification_deadline")
        _send_notification(convoy, party_ids=None,
                           deadline=require_aware(notification_deadline, "notification_deadline"),
                           reason="route or time changed", by=by)
    return convoy


@transaction.atomic
def set_manifest(*, convoy_id: int, expected_version: int, lines: list[dict], by, prefix: str = "manifest",
                 start: int = 0, number_format: NumberFormat = NumberFormat.DOT) -> Convoy:
    """Replace the whole manifest after validating every line; an earlier inspection no longer counts."""
    convoy = _lock(convoy_id)
    convoy.check_version(expected_version)
    _require_before_departure(convoy, "manifest")
    clean = clean_manifest(lines, prefix=prefix, start=start, number_format=number_format)
    if not clean:
        raise InvalidInput("a manifest needs at least one line", field=prefix)
    before = {"manifest": _manifest_state(convoy), "manifest_version": convoy.manifest_version}
    _replace_manifest(convoy, clean)
    convoy.manifest_version += 1
    convoy.version += 1
    convoy.save(update_fields=["manifest_version", "version", "updated_at"])
    record(actor=by, action="convoy.manifest_set", obj=convoy, before=before,
           after={"manifest": _manifest_state(convoy), "manifest_version": convoy.manifest_version})
    if convoy.status == lifecycle.CLEARED:
        _move(convoy, lifecycle.NOTIFIED, reason="manifest changed: the cargo must be inspected again", by=by,
              at=now())
    return convoy


@transaction.atomic
def set_vehicles(*, convoy_id: int, expected_version: int, vehicles: list[dict], by,
                 notification_deadline: datetime | None = None) -> Convoy:
    """Replace the vehicles; parties identify vehicles by plate and markings, so a change is re-notified."""
    convoy = _lock(convoy_id)
    convoy.check_version(expected_version)
    _require_before_departure(convoy, "vehicles")
    cars = clean_vehicles(vehicles)
    seen = sorted(convoy.vehicles.values_list("plate", "vehicle_type", "markings"))
    changed = seen != sorted((c["plate"], c["vehicle_type"], c["markings"]) for c in cars)
    current = notice_selectors.current_for_convoy(convoy.pk)
    if changed and current is not None and notification_deadline is None:
        raise InvalidInput("the parties were told which vehicles move: give the deadline for the "
                           "re-notification", field="notification_deadline")
    before = {"vehicles": [v[0] for v in seen]}
    _replace_vehicles(convoy, cars)
    convoy.version += 1
    convoy.save(update_fields=["version", "updated_at"])
    # driver names are personal data: they stay out of the audit trail
    record(actor=by, action="convoy.vehicles_set", obj=convoy, before=before,
           after={"vehicles": [c["plate"] for c in cars]})
    if changed and current is not None:
        _send_notification(convoy, party_ids=None, deadline=require_aware(notification_deadline,
                                                                          "notification_deadline"),
                           reason="vehicles changed", by=by)
    return convoy


# ---------------------------------------------------------------- notify


def _send_notification(convoy: Convoy, *, party_ids: list[int] | None, deadline: datetime, reason: str, by,
                       at: datetime | None = None):
    who, description = _movement_text(convoy)
    geometry = convoy.route or convoy.corridor.geometry
    title = f"{convoy.reference}: {convoy.title}"
    current = notice_selectors.current_for_convoy(convoy.pk)
    if current is None:
        if not party_ids:
            raise InvalidInput("name every party that must be notified", field="party_ids")
        n = notices.notify(kind=Kind.CONVOY, convoy=convoy, title=title, geometry=geometry,
                           starts_at=convoy.planned_departure, ends_at=convoy.planned_arrival, deadline=deadline,
                           party_ids=party_ids, who=who, description=description, by=by, at=at)
    else:
        n = notices.renotify(notification_id=current.pk, reason=reason, deadline=deadline, party_ids=party_ids,
                             changes={"title": title, "geometry": geometry, "starts_at": convoy.planned_departure,
                                      "ends_at": convoy.planned_arrival, "who": who, "description": description},
                             by=by, at=at)
    record(actor=by, action="convoy.notified", obj=convoy,
           after={"notification": n.pk, "revision": n.revision, "deadline": n.deadline})
    if convoy.status == lifecycle.PLANNED:
        _move(convoy, lifecycle.NOTIFIED, reason="parties notified", by=by, at=n.sent_at)
    elif convoy.status == lifecycle.CLEARED:
        _move(convoy, lifecycle.NOTIFIED, reason=f"re-notified ({reason}); acknowledgements needed again", by=by,
              at=n.sent_at)
    return n


@transaction.atomic
def notify_convoy(*, convoy_id: int, deadline: datetime, party_ids: list[int] | None = None,
                  reason: str = "re-notified", by, at: datetime | None = None):
    """Notify every required party of the convoy (at: when sent, now by default; older acknowledgements lapse)."""
    sent_at = event_time(at, "at")
    convoy = _lock(convoy_id)
    _require_before_departure(convoy, "notification")
    return _send_notification(convoy, party_ids=party_ids, deadline=require_aware(deadline, "deadline"),
                              reason=reason, by=by, at=sent_at)


# ---------------------------------------------------------------- lifecycle


@transaction.atomic
def set_status(*, convoy_id: int, status: str, reason: str = "", by, at: datetime | None = None,
               expected_version: int | None = None, override_reason: str | None = None) -> Convoy:
    """Move a convoy along its lifecycle; illegal moves are refused with the allowed next states.

    Departure and arrival at `at` (the time they happened) are checked against the agreed pause and
    the corridor's status and hours.
    """
    if status not in lifecycle.STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(lifecycle.STATUSES)}", field="status")
    at = event_time(at, "at")
    convoy = _lock(convoy_id)
    if expected_version is not None:
        convoy.check_version(expected_version)
    try:
        lifecycle.check(convoy.status, status)
    except lifecycle.IllegalTransition as exc:
        raise StateConflict(str(exc), errors=[FieldError("status", str(exc))]
                            + [FieldError("allowed_next", s) for s in exc.allowed]) from exc
    last = convoy.status_history.order_by("-id").first()
    if last is not None and at < last.at:
        raise InvalidInput(f"the change cannot predate the last recorded change ({last.at.isoformat()})",
                           field="at")
    reason = (reason or "").strip()
    if status in lifecycle.NEEDS_REASON and not reason:
        raise InvalidInput(f"say why the convoy is {status}", field="reason")
    if status == lifecycle.NOTIFIED and convoy.status == lifecycle.PLANNED:
        raise StateConflict("send the notification to the parties (POST /api/convoys/{id}/notify)", field="status")
    if status == lifecycle.CLEARED:
        problems = clearance_problems(convoy, at)
        if problems:
            raise StateConflict("not cleared to move: " + "; ".join(p.reason for p in problems), errors=problems)
    if status == lifecycle.DELIVERED:
        raise StateConflict("record the delivery receipt (POST /api/convoys/{id}/delivery)", field="status")
    if status in (lifecycle.DEPARTED, lifecycle.ARRIVED):
        _check_movement(convoy, status, at, override_reason=override_reason, by=by)
    _move(convoy, status, reason=reason or status, by=by, at=at)
    if status == lifecycle.ABORTED:
        current = notice_selectors.current_for_convoy(convoy.pk)
        if current is not None:
            notices.withdraw(notification_id=current.pk, reason=f"convoy aborted: {reason}", by=by)
    return convoy


# ---------------------------------------------------------------- inspection and seals


@transaction.atomic
def record_inspection(*, convoy_id: int, result: str, no_weapons_attested: bool, items_checked: list[int],
                      seals: list[str], at: datetime | None = None, checkpoint_id: int | None = None,
                      place=None, remarks: str = "", discrepancies: list[dict] | None = None, by) -> Inspection:
    """Record the checklist; only a clearing inspection with the no-weapons attestation lets a convoy move."""
    at = event_time(at, "at")
    if result not in InspectionResult.values:
        raise InvalidInput(f"result must be one of {', '.join(InspectionResult.values)}", field="result")
    convoy = _lock(convoy_id)
    _require_before_departure(convoy, "inspection")
    discrepancies = discrepancies or []
    errors: list[FieldError] = []
    checkpoint = None
    if checkpoint_id is not None:
        checkpoint = Checkpoint.objects.filter(pk=checkpoint_id).first()
        if checkpoint is None:
            errors.append(FieldError("checkpoint_id", "unknown checkpoint"))
    if checkpoint_id is None and place is None:
        errors.append(FieldError("checkpoint_id", "say where the inspection took place (checkpoint or place)"))
    line_nos = set(convoy.manifest.values_list("line_no", flat=True))
    unknown = sorted(set(items_checked) - line_nos)
    if unknown:
        errors.append(FieldError("items_checked", f"no manifest line {', '.join(map(str, unknown))}"))
    clears = result != InspectionResult.REFUSED
    if clears:
        if not no_weapons_attested:
            errors.append(FieldError("no_weapons_attested", "clearing needs the inspector's attestation that no "
                                                            "weapons, ammunition or military equipment were found"))
        unchecked = sorted(line_nos - set(items_checked))
        if unchecked:
            errors.append(FieldError("items_checked", f"manifest line(s) {', '.join(map(str, unchecked))} "
                                                      "not checked"))
        if not line_nos:
            errors.append(FieldError("items_checked", "the manifest is empty: nothing to clear"))
        if not seals:
            errors.append(FieldError("seals", "clearing needs the numbers of the seals applied"))
    if result == InspectionResult.CLEARED and discrepancies:
        errors.append(FieldError("result", "discrepancies were found: record cleared_with_remarks or refused"))
    if result != InspectionResult.CLEARED and not remarks.strip():
        errors.append(FieldError("remarks", f"a result of {result} needs remarks"))
    seen: set[str] = set()
    for i, number in enumerate(seals):
        key = number.strip().upper()
        if not key:
            errors.append(FieldError(f"seals.{i}", "empty seal number"))
        elif key in seen:
            errors.append(FieldError(f"seals.{i}", f"seal {number} is listed twice"))
        seen.add(key)
    for i, d in enumerate(discrepancies):
        for key in ("item", "expected", "found"):
            if not str(d.get(key, "")).strip():
                errors.append(FieldError(f"discrepancies.{i}.{key}", f"{key} is required"))
    if errors:
        raise InvalidInput("the inspection record is incomplete: " + "; ".join(e.reason for e in errors),
                           errors=errors)
    user = getattr(by, "user", by)
    inspection = Inspection.objects.create(
        convoy=convoy, inspector=user, inspector_label=getattr(user, "username", "system"), checkpoint=checkpoint,
        place=place, at=at, result=result, remarks=remarks.strip(), no_weapons_attested=no_weapons_attested,
        items_checked=sorted(set(items_checked)), manifest_version=convoy.manifest_version)
    Discrepancy.objects.bulk_create([Discrepancy(inspection=inspection, item=str(d["item"]).strip(),
                                                 expected=str(d["expected"]).strip(), found=str(d["found"]).strip())
                                     for d in discrepancies])
    Seal.objects.bulk_create([Seal(convoy=convoy, inspection=inspection, number=s.strip()) for s in seals])
    record(actor=by, action="convoy.inspected", obj=convoy,
           after={"inspection": inspection.pk, "result": result, "no_weapons_attested": no_weapons_attested,
                  "seals": [s.strip() for s in seals], "discrepancies": discrepancies, "at": at,
                  "manifest_version": convoy.manifest_version})
    if not clears and convoy.status == lifecycle.CLEARED:
        _move(convoy, lifecycle.NOTIFIED, reason="inspection refused the cargo", by=by, at=now())
    return inspection


@transaction.atomic
def check_seals(*, convoy_id: int, found: list[dict], by, at: datetime | None = None) -> dict:
    """Re-check the seals on arrival; a broken, missing or changed seal raises the convoy's seal alert."""
    at = event_time(at, "at")
    convoy = _lock(convoy_id)
    if convoy.status != lifecycle.ARRIVED:
        raise StateConflict(f"seals are checked on arrival; the convoy is {convoy.status}", field="status")
    inspection = latest_clearing_inspection(convoy)
    applied = list(inspection.seals.all()) if inspection else []
    reported: dict[str, bool] = {}
    for i, f in enumerate(found):
        key = f["number"].strip().upper()
        if not key:
            raise InvalidInput("empty seal number", field=f"found.{i}.number")
        if key in reported:
            raise InvalidInput(f"seal {f['number']} is listed twice", field=f"found.{i}.number")
        reported[key] = bool(f["intact"])
    applied_keys = {s.number.strip().upper() for s in applied}
    unexpected = sorted(k for k in reported if k not in applied_keys)
    results = []
    for seal in applied:
        key = seal.number.strip().upper()
        if key in reported:
            seal.state = SealState.INTACT if reported[key] else SealState.BROKEN
        else:
            seal.state = SealState.CHANGED if unexpected else SealState.MISSING
        seal.checked_at = at
        seal.save(update_fields=["state", "checked_at"])
        results.append({"number": seal.number, "state": seal.state})
    alert = bool(unexpected) or any(r["state"] != SealState.INTACT for r in results)
    convoy.seal_alert = alert
    convoy.version += 1
    convoy.save(update_fields=["seal_alert", "version", "updated_at"])
    record(actor=by, action="convoy.seals_checked", obj=convoy,
           after={"seals": results, "unexpected": unexpected, "alert": alert, "at": at})
    return {"seals": results, "unexpected": unexpected, "alert": alert}


# ---------------------------------------------------------------- movement, delivery, incidents


@transaction.atomic
def record_position(*, convoy_id: int, lon: float, lat: float, at: datetime | None = None,
                    checkpoint_id: int | None = None, note: str = "", override_reason: str | None = None,
                    by) -> PositionUpdate:
    """A position report at the time it was taken, checked against the agreed pause and the corridor."""
    at = event_time(at, "at")
    validate_geometry({"type": "Point", "coordinates": [lon, lat]}, field="lon", allowed={"Point"})
    convoy = _lock(convoy_id)
    if convoy.status != lifecycle.DEPARTED:
        raise StateConflict(f"positions are reported while the convoy moves; it is {convoy.status}",
                            field="status")
    checkpoint = None
    if checkpoint_id is not None:
        checkpoint = Checkpoint.objects.filter(pk=checkpoint_id, corridor_id=convoy.corridor_id).first()
        if checkpoint is None:
            raise InvalidInput("no such checkpoint on the convoy's corridor", field="checkpoint_id")
    _check_movement(convoy, "position", at, override_reason=override_reason, by=by)
    pos = PositionUpdate.objects.create(convoy=convoy, at=at, lon=lon, lat=lat, checkpoint=checkpoint,
                                        note=note.strip(), recorded_by=getattr(by, "user", by))
    if convoy.last_position_at is None or at >= convoy.last_position_at:
        convoy.last_lon, convoy.last_lat, convoy.last_position_at = lon, lat, at
        convoy.save(update_fields=["last_lon", "last_lat", "last_position_at", "updated_at"])
    record(actor=by, action="convoy.position_recorded", obj=convoy,
           after={"lon": lon, "lat": lat, "at": at, "checkpoint": checkpoint_id, "note": pos.note})
    return pos


@transaction.atomic
def record_delivery(*, convoy_id: int, received_by: str, lines: list[dict], remarks: str = "",
                    received_at: datetime | None = None, override_reason: str | None = None,
                    by) -> DeliveryReceipt:
    """Sign the receipt with the quantity received per manifest line; the convoy becomes delivered."""
    received_at = event_time(received_at, "received_at")
    if not received_by.strip():
        raise InvalidInput("who received the cargo?", field="received_by")
    convoy = _lock(convoy_id)
    if convoy.status != lifecycle.ARRIVED:
        raise StateConflict(f"a delivery receipt follows arrival; the convoy is {convoy.status}", field="status")
    inspection = latest_clearing_inspection(convoy)
    if inspection is not None and inspection.seals.filter(state=SealState.APPLIED).exists():
        raise StateConflict("check the seals before signing the receipt (POST /api/convoys/{id}/seal-check)",
                            field="seals")
    manifest = {m.line_no: m for m in convoy.manifest.all()}
    errors: list[FieldError] = []
    given: dict[int, tuple] = {}
    for i, line in enumerate(lines):
        no = line.get("line_no")
        if no not in manifest:
            errors.append(FieldError(f"lines.{i}.line_no", f"no manifest line {no}"))
            continue
        if no in given:
            errors.append(FieldError(f"lines.{i}.line_no", f"line {no} is listed twice"))
            continue
        qty, why = parse_decimal(line.get("quantity_received"), allow_zero=True)
        if why:
            errors.append(FieldError(f"lines.{i}.quantity_received", f"quantity {why}"))
            continue
        given[no] = (qty, str(line.get("note") or "").strip())
    missing = sorted(set(manifest) - set(given))
    if missing and not errors:
        errors.append(FieldError("lines", f"give the quantity received for line(s) {', '.join(map(str, missing))}"))
    if errors:
        raise InvalidInput("the receipt is incomplete: " + "; ".join(e.reason for e in errors), errors=errors)
    _check_movement(convoy, "delivered", received_at, override_reason=override_reason, by=by)
    receipt = DeliveryReceipt.objects.create(convoy=convoy, received_at=received_at, received_by=received_by.strip(),
                                             remarks=remarks.strip(), recorded_by=getattr(by, "user", by))
    ReceiptLine.objects.bulk_create([ReceiptLine(receipt=receipt, manifest_line=manifest[no], quantity_received=q,
                                                 note=note) for no, (q, note) in sorted(given.items())])
    diffs = [{"line": no, "expected": manifest[no].quantity, "received": q}
             for no, (q, _) in sorted(given.items()) if q != manifest[no].quantity]
    record(actor=by, action="convoy.delivered", obj=convoy,
           after={"receipt": receipt.pk, "received_by": receipt.received_by, "received_at": received_at,
                  "discrepancies": diffs})
    _move(convoy, lifecycle.DELIVERED,
          reason="delivered" + (f" with {len(diffs)} discrepancy(ies)" if diffs else ""), by=by, at=received_at)
    return receipt


@transaction.atomic
def record_incident(*, convoy_id: int, kind: str, description: str, at: datetime, lon: float | None = None,
                    lat: float | None = None, by) -> Incident:
    """An attack or obstruction on the way: an unverified Incident linked to the convoy and its corridor.

    Attribution is not asserted here; the incidents app verifies it like any other incident.
    """
    at = require_aware(at, "at")
    category = CONVOY_KIND_CATEGORIES.get(kind)
    if category is None:
        raise InvalidInput(f"kind must be one of {', '.join(CONVOY_KIND_CATEGORIES)}", field="kind")
    if not description.strip():
        raise InvalidInput("describe what happened", field="description")
    if (lon is None) != (lat is None):
        raise InvalidInput("give both longitude and latitude, or neither", field="lon")
    if lon is not None:
        validate_geometry({"type": "Point", "coordinates": [lon, lat]}, field="lon", allowed={"Point"})
    convoy = _lock(convoy_id)
    incident = incidents.record_incident(
        title=f"{convoy.reference}: {category.label}"[:200], description=description.strip(),
        categories=[category.value], geometry=None if lon is None else {"type": "Point", "coordinates": [lon, lat]},
        time_earliest=at, time_latest=at, time_precision=TimePrecision.MINUTE, convoy_ids=[convoy.pk],
        corridor_ids=[convoy.corridor_id], by=by)
    record(actor=by, action="convoy.incident_recorded", obj=convoy,
           after={"incident": incident.pk, "kind": kind, "at": at, "lon": lon, "lat": lat,
                  "description": incident.description})
    return incident


@transaction.atomic
def read_driver_names(*, convoy: Convoy, by, purpose: str) -> dict[int, list[str]] | None:
    """Driver names per vehicle for a principal allowed to see them, the read on record; None otherwise."""
    if not selectors.may_see_drivers(by):
        return None
    names = {v.pk: v.driver_names for v in convoy.vehicles.all()}
    if names:
        record(actor=by, action=Action.PERSONAL_DATA_READ, obj=convoy, after={"data": "driver_names", "purpose": purpose})
    return names


DRIVER_RETENTION_ENV = "SAFEPASSAGE_DRIVER_RETENTION_DAYS"
DEFAULT_DRIVER_RETENTION_DAYS = 30


@transaction.atomic
def purge_driver_names(*, older_than_days: int | None = None, at: datetime | None = None, by) -> list[str]:
    """Erase drivers' names of convoys whose journey ended more than N days ago; return their references."""
    days = (retention_days(DRIVER_RETENTION_ENV, DEFAULT_DRIVER_RETENTION_DAYS) if older_than_days is None
            else older_than_days)
    if days < 0:
        raise InvalidInput("must be 0 or more", field="days")
    cutoff = (require_aware(at, "at") if at is not None else now()) - timedelta(days=days)
    ended = (ConvoyStatusChange.objects.filter(status__in=lifecycle.FINAL, at__lt=cutoff)
             .values_list("convoy_id", flat=True))
    vehicles = Vehicle.objects.filter(convoy_id__in=ended).exclude(driver_names=[]).select_for_update()
    convoy_ids = sorted({v.convoy_id for v in vehicles})
    if not convoy_ids:
        return []
    Vehicle.objects.filter(pk__in=[v.pk for v in vehicles]).update(driver_names=[])
    references = list(Convoy.objects.filter(pk__in=convoy_ids).order_by("reference")
                      .values_list("reference", flat=True))
    record(actor=by, action="convoy.driver_names_purged", object_type="convoys.convoy",
           object_id=f"retention:{cutoff.date().isoformat()}",
           after={"retention_days": days, "cutoff": cutoff, "references": references})
    return references
