"""Reads of convoys, filtered for the acting principal (a liaison sees only what concerns their party)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import get_language, gettext

from safepassage.accounts.models import Organisation, Party
from safepassage.convoys import lifecycle
from safepassage.convoys.models import (
    CargoDirection,
    Convoy,
    DeliveryReceipt,
    Inspection,
    MovementOverride,
    PositionUpdate,
    SealState,
)
from safepassage.core.errors import FieldError, NotFound
from safepassage.core.i18n import localized_name
from safepassage.core.permissions import Perm, Role
from safepassage.core.timeutil import now, operation_zone
from safepassage.corridors import selectors as corridor_selectors
from safepassage.corridors.models import Corridor, CorridorStatus, Direction, Group
from safepassage.corridors.selectors import fmt_time
from safepassage.deconfliction import selectors as notice_selectors
from safepassage.deconfliction.models import Acknowledgement, Notification, NotificationState
from safepassage.incidents.models import Incident, Verification, convoy_kind
from safepassage.incidents.selectors import visible_incidents
from safepassage.pauses.models import Pause, PauseStatus
from safepassage.places.models import Place, PlaceKind

IN_FORCE = [PauseStatus.AGREED, PauseStatus.ACTIVE]


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


def with_related(qs: QuerySet[Convoy]) -> QuerySet[Convoy]:
    """Fetch what `convoy_read` and `board` show in a fixed number of queries, whatever the length."""
    return qs.prefetch_related(
        "manifest", "vehicles", "inspections__seals", "inspections__discrepancies",
        Prefetch("overrides", queryset=MovementOverride.objects.select_related("by")),
        Prefetch("corridor__pauses", to_attr="pause_list"),
        Prefetch("corridor__status_history", to_attr="history_list"),
        Prefetch("notifications", to_attr="active_notifications",
                 queryset=Notification.objects.filter(state=NotificationState.ACTIVE).prefetch_related(
                     Prefetch("acknowledgements",
                              queryset=Acknowledgement.objects.select_related("party", "by")))))


def visible(principal, convoy_id: int) -> Convoy:
    """The convoy if the principal may see it (a liaison: only if their party was notified)."""
    c = with_related(convoys(principal).filter(pk=convoy_id)).first()
    if c is None:
        raise NotFound("no such convoy (or your party was not notified of it)")
    return c


def may_see_drivers(principal) -> bool:
    """Driver names are restricted personal data: planners only, never party liaisons."""
    return principal.can(Perm.CONVOYS_EDIT) and getattr(principal, "role", None) != Role.PARTY_LIAISON


def current_notification(convoy: Convoy) -> Notification | None:
    """The convoy's active notification, from the prefetched rows when there are some."""
    prefetched = getattr(convoy, "active_notifications", None)
    if prefetched is None:
        return notice_selectors.current_for_convoy(convoy.pk)
    return min(prefetched, key=lambda n: (-n.sent_at.timestamp(), -n.pk), default=None)


def _last_inspection(convoy: Convoy) -> Inspection | None:
    return max(convoy.inspections.all(), key=lambda i: (i.at, i.pk), default=None)


def inspection_state(convoy: Convoy) -> dict:
    last = _last_inspection(convoy)
    if last is None:
        return {"state": "not_inspected", "inspection_id": None, "at": None}
    if last.manifest_version != convoy.manifest_version:
        return {"state": "outdated", "inspection_id": last.pk, "at": last.at}
    return {"state": last.result, "inspection_id": last.pk, "at": last.at}


def overrides(convoy: Convoy) -> list[dict]:
    """Movements recorded outside the agreement, each with why and the coordinator's written reason."""
    return [{"event": o.event, "at": o.at, "problems": o.problems, "reason": o.reason,
             "by": o.by.username if o.by else None, "recorded_at": o.recorded_at}
            for o in convoy.overrides.all()]


def board(principal, *, at: datetime | None = None) -> list[dict]:
    """Today's and upcoming convoys (the operation's day), plus any still on the road, with what is missing."""
    at = at or now()
    start = at.astimezone(operation_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    items = list(with_related(convoys(principal, departs_from=start)))
    seen = {c.pk for c in items}
    moving = with_related(convoys(principal).filter(status__in=[lifecycle.DEPARTED, lifecycle.ARRIVED])
                          .exclude(pk__in=seen))
    items = sorted(list(moving) + items, key=lambda c: (c.planned_departure, c.pk))
    out = []
    liaison = getattr(principal, "role", None) == Role.PARTY_LIAISON
    for c in items:
        n = current_notification(c)
        answers = notice_selectors.answers(n, principal, at) if n else []
        missing = ([a["party"] for a in answers if a["state"] != "acknowledged"] if liaison
                   else notice_selectors.missing_parties(n, at))
        out.append({
            "id": c.pk, "reference": c.reference, "title": c.title, "status": c.status,
            "planned_departure": c.planned_departure, "planned_arrival": c.planned_arrival,
            "today": c.planned_departure < start + timedelta(days=1),
            "corridor": c.corridor.name, "origin": c.origin.name, "destination": c.destination.name,
            "notification_id": n.pk if n else None, "notification_revision": n.revision if n else None,
            "renotify_reason": n.renotify_reason if n else "",
            "missing_acknowledgements": missing, "answers": answers,
            "inspection": inspection_state(c)["state"], "seal_alert": c.seal_alert,
            "lon": c.last_lon, "lat": c.last_lat, "position_at": c.last_position_at,
            "overrides": overrides(c),
        })
    return out


def _inspection(i: Inspection, current_version: int) -> dict:
    return {"id": i.pk, "inspector": i.inspector_label, "at": i.at, "checkpoint_id": i.checkpoint_id,
            "place_id": i.place_id, "result": i.result, "remarks": i.remarks,
            "no_weapons_attested": i.no_weapons_attested, "items_checked": i.items_checked,
            "manifest_version": i.manifest_version, "current": i.manifest_version == current_version,
            "seals": [{"number": s.number, "state": s.state} for s in i.seals.all()],
            "discrepancies": [{"item": d.item, "expected": d.expected, "found": d.found}
                              for d in i.discrepancies.all()]}


def convoy_read(c: Convoy, principal, *, detail: bool = False,
                driver_names: dict[int, list[str]] | None = None) -> dict:
    """A convoy as the principal may see it; driver names only when given (read through the audited service)."""
    moment = now()
    n = current_notification(c)
    liaison = notice_selectors.is_liaison(principal)
    notification = None
    if n is not None:
        answers = notice_selectors.answers(n, principal, moment)
        notification = {"id": n.pk, "revision": n.revision, "deadline": n.deadline, "answers": answers,
                        "missing": ([a["party"] for a in answers if a["state"] != "acknowledged"] if liaison
                                    else notice_selectors.missing_parties(n, moment))}
    # other parties' answers are not a liaison's business: they see their own line only
    problems = ([] if c.status != lifecycle.NOTIFIED or liaison else
                [p.reason for p in clearance_problems(c, moment)])
    out = {
        "id": c.pk, "reference": c.reference, "title": c.title, "organisation_id": c.organisation_id,
        "organisation": c.organisation.name, "origin_id": c.origin_id, "destination_id": c.destination_id,
        "destination_service_point_id": c.destination_service_point_id,
        "destination_note": c.destination_note, "corridor_id": c.corridor_id, "corridor": c.corridor.name,
        "route": c.route or c.corridor.geometry, "direction": c.direction, "planned_departure": c.planned_departure,
        "planned_arrival": c.planned_arrival, "pause_id": c.pause_id, "status": c.status,
        "status_reason": c.status_reason, "allowed_next": lifecycle.allowed_next(c.status),
        "cleared_to_move": c.status == lifecycle.CLEARED, "clearance_problems": problems,
        "manifest_version": c.manifest_version,
        "manifest": [{"line_no": m.line_no, "item": m.item, "category": m.category, "quantity": m.quantity,
                      "unit": m.unit, "weight_kg": m.weight_kg} for m in c.manifest.all()],
        "vehicles": [{"plate": v.plate, "vehicle_type": v.vehicle_type, "markings": v.markings,
                      "driver_names": driver_names.get(v.pk) if driver_names is not None else None}
                     for v in c.vehicles.all()],
        "inspection_state": inspection_state(c)["state"],
        "inspections": [_inspection(i, c.manifest_version) for i in c.inspections.all()],
        "notification": notification, "seal_alert": c.seal_alert,
        "position": ({"at": c.last_position_at, "lon": c.last_lon, "lat": c.last_lat, "checkpoint_id": None,
                      "note": ""} if c.last_position_at else None),
        "notes": c.notes, "version": c.version,
    }
    if detail:
        out["status_history"] = [{"from_status": h.from_status, "status": h.status, "reason": h.reason, "at": h.at,
                                  "by": h.changed_by.username if h.changed_by else None}
                                 for h in c.status_history.select_related("changed_by")]
        out["overrides"] = overrides(c)
        out["positions"] = [{"at": p.at, "lon": p.lon, "lat": p.lat, "checkpoint_id": p.checkpoint_id,
                             "note": p.note} for p in c.positions.all()]
        out["incidents"] = [incident_brief(i) for i in convoy_incidents(principal, [c.pk])]
        receipt = receipt_read(c)
        out["receipt"] = None if receipt is None else {
            "received_at": receipt["received_at"], "received_by": receipt["received_by"],
            "remarks": receipt["remarks"], "lines": receipt["lines"],
            "has_discrepancies": bool(receipt["discrepancies"])}
    return out


def convoy_incidents(principal, convoy_ids: list[int]) -> QuerySet[Incident]:
    """The incidents linked to these convoys that the principal may see, in the order they happened."""
    return (visible_incidents(principal).filter(convoys__in=convoy_ids).distinct()
            .prefetch_related("convoys").order_by(F("time_earliest").asc(nulls_last=True), "recorded_at", "id"))


def incident_brief(i: Incident) -> dict:
    """An incident as a convoy's page lists it: the route's kind, the event's time, a point if it has one."""
    point = i.geometry if i.geometry and i.geometry.get("type") == "Point" else None
    return {"id": i.pk, "kind": convoy_kind(i.categories), "categories": i.categories, "title": i.title,
            "at": i.time_earliest or i.time_latest or i.recorded_at, "description": i.description,
            "lon": point["coordinates"][0] if point else None, "lat": point["coordinates"][1] if point else None,
            "verification": i.verification, "published": i.published}


def receipt_read(convoy: Convoy) -> dict | None:
    """The delivery receipt line by line, with the differences from the manifest."""
    receipt = DeliveryReceipt.objects.filter(convoy=convoy).first()
    if receipt is None:
        return None
    lines = []
    for rl in receipt.lines.select_related("manifest_line").order_by("manifest_line__line_no"):
        m = rl.manifest_line
        diff = rl.quantity_received - m.quantity
        lines.append({"line_no": m.line_no, "item": m.item, "unit": m.unit, "expected": m.quantity,
                      "received": rl.quantity_received, "difference": diff, "discrepancy": diff != 0,
                      "note": rl.note})
    return {"received_by": receipt.received_by, "received_at": receipt.received_at, "remarks": receipt.remarks,
            "lines": lines, "discrepancies": [x for x in lines if x["discrepancy"]]}


def board_map(items: list[dict]) -> dict:
    """Convoy routes and last reported positions as GeoJSON, drawn over the areas by Leaflet."""
    convoys_by_id = {c.pk: c for c in Convoy.objects.filter(pk__in=[i["id"] for i in items])
                     .select_related("corridor")}
    features = []
    for item in items:
        c = convoys_by_id[item["id"]]
        props = {"ref": item["reference"], "status": item["status"], "title": c.title}
        features.append({"type": "Feature", "geometry": c.route or c.corridor.geometry,
                         "properties": {**props, "kind": "route"}})
        if item["lon"] is not None:
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
                             "properties": {**props, "kind": "position",
                                            "at": item["position_at"].isoformat() if item["position_at"] else None}})
    return {"type": "FeatureCollection", "features": features}


def board_details(items: list[dict], perms: dict[str, bool], at: datetime, *, status_by_form: set[str],
                  principal=None) -> None:
    """Add to each board item what its forms need, and only what the principal may see."""
    convoys_by_id = {c.pk: c for c in Convoy.objects.filter(pk__in=[i["id"] for i in items])
                     .select_related("corridor", "pause", "origin", "destination")
                     .prefetch_related("manifest", "pause__parties")}
    staff = not perms["liaison"]
    by_convoy: dict[int, list[dict]] = {}
    if staff and principal is not None:
        for i in convoy_incidents(principal, list(convoys_by_id)):
            for convoy in i.convoys.all():
                by_convoy.setdefault(convoy.pk, []).append(
                    {**incident_brief(i), "verification_label": Verification(i.verification).label})
    party_names = {p.short_name: localized_name(p) for p in Party.objects.all()}
    for item in items:
        c = convoys_by_id[item["id"]]
        _name_in_page_language(item, c, party_names)
        status = c.status
        item["cleared_to_move"] = status == lifecycle.CLEARED
        item["before_departure"] = status in lifecycle.BEFORE_DEPARTURE
        item["final"] = status in lifecycle.FINAL
        item["own_answer"] = item["answers"][0] if perms["liaison"] and item["answers"] else None
        if not staff:
            continue
        item["manifest"] = list(c.manifest.all())
        item["incidents"] = by_convoy.get(c.pk, [])
        item["receipt"] = receipt_read(c) if status == lifecycle.DELIVERED else None
        item["next_statuses"] = [s for s in lifecycle.allowed_next(status) if s not in status_by_form]
        item["reason_needed"] = sorted(lifecycle.NEEDS_REASON & set(item["next_statuses"]))
        # what else keeps a notified convoy from being cleared (the parties' answers are shown apart)
        item["clearance_problems"] = ([in_page_language(p.reason) for p in clearance_problems(c, at)
                                       if p.field != "notification"] if status == lifecycle.NOTIFIED else [])
        item["pause_party_ids"] = {p.pk for p in c.pause.parties.all()} if c.pause else set()
        if perms["inspect"] and item["before_departure"]:
            item["checkpoints"] = list(c.corridor.checkpoints.order_by("name"))
            item["origin_id"] = c.origin_id
        if perms["inspect"] and status == lifecycle.ARRIVED:
            inspection = latest_clearing_inspection(c)
            item["seals_to_check"] = ([s.number for s in inspection.seals.filter(state=SealState.APPLIED)]
                                      if inspection else [])


def in_page_language(reason: str) -> dict[str, str]:
    """A reason in the page's language when the catalogue has it; else as written, with its language ("en")."""
    text = gettext(reason)
    english = text == reason and (get_language() or "en").split("-")[0] != "en"
    return {"text": text, "lang": "en" if english else ""}


def _name_in_page_language(item: dict, c: Convoy, party_names: dict[str, str]) -> None:
    """Corridor, places and parties of a board item named in the page's language (Arabic names on Arabic pages)."""
    item.update(corridor=localized_name(c.corridor), origin=localized_name(c.origin),
                destination=localized_name(c.destination))
    item["missing_acknowledgements"] = [party_names.get(p, p) for p in item["missing_acknowledgements"]]
    for a in item["answers"]:
        a["party_label"] = party_names.get(a["party"], a["party"])


def movement_problems(convoy: Convoy, at: datetime) -> list[FieldError]:
    """Why a movement at `at` falls outside the convoy's agreed pause or its corridor's status and hours."""
    problems: list[FieldError] = []
    corridor, tz, pause = convoy.corridor, convoy.corridor.timezone, convoy.pause
    if pause is None:
        problems.append(FieldError("pause", "the convoy has no agreed pause"))
    else:
        pause.refresh_from_db(fields=["status", "starts_at", "ends_at"])
        if pause.status not in IN_FORCE:
            problems.append(FieldError("pause", f"pause #{pause.pk} '{pause.title}' is {pause.status}"))
        elif not pause.starts_at <= at <= pause.ends_at:
            problems.append(FieldError("pause", f"{fmt_time(at, tz)} is outside pause #{pause.pk} '{pause.title}' "
                                                f"({fmt_time(pause.starts_at, tz)} to {fmt_time(pause.ends_at, tz)})"))
    problems += corridor_selectors.movement_problems(corridor, at)
    return problems


def schedule_problems(*, corridor: Corridor, direction: str, departure: datetime,
                      arrival: datetime) -> tuple[Pause | None, list[FieldError]]:
    """The pause the schedule fits in, and every reason it does not fit (which window, which corridor state)."""
    problems: list[FieldError] = []
    tz = corridor.timezone
    if arrival <= departure:
        return None, [FieldError("planned_arrival", "the planned arrival must be after the planned departure")]
    if corridor.status != CorridorStatus.OPEN:
        history = getattr(corridor, "history_list", None)  # prefetched by `with_related`
        last = (corridor.status_history.order_by("-at", "-id").first() if history is None
                else max(history, key=lambda h: (h.at, h.pk), default=None))
        since = f" since {last.at.isoformat()} ({last.reason})" if last else ""
        problems.append(FieldError("corridor_id", f"corridor '{corridor.name}' is {corridor.status}{since}"))
    if Group.CARGO not in corridor.eligible_groups:
        problems.append(FieldError("corridor_id", f"corridor '{corridor.name}' is not open to humanitarian cargo "
                                                  f"(eligible: {', '.join(corridor.eligible_groups)})"))
    if corridor.direction not in (direction, Direction.BOTH):
        label = "into" if direction == CargoDirection.IN else "out of"
        problems.append(FieldError("corridor_id", f"corridor '{corridor.name}' runs '{corridor.direction}'; cargo "
                                                  f"{label} the besieged area needs '{direction}' or 'both'"))
    hours = f"{corridor.opens_at:%H:%M}-{corridor.closes_at:%H:%M} {tz}"
    if not corridor_selectors.within_hours(corridor, departure):
        problems.append(FieldError("planned_departure", f"departure at {fmt_time(departure, tz)} is outside corridor "
                                                        f"'{corridor.name}' hours {hours}"))
    else:
        until = corridor_selectors.open_until(corridor, departure)
        if until is not None and arrival > until:
            problems.append(FieldError("planned_arrival", f"arrival at {fmt_time(arrival, tz)} is after corridor "
                                                          f"'{corridor.name}' closes at {fmt_time(until, tz)} "
                                                          f"(hours {hours})"))
    known = getattr(corridor, "pause_list", None)  # prefetched by `with_related`
    if known is None:
        candidates = list(Pause.objects.filter(corridors=corridor, starts_at__lt=arrival, ends_at__gt=departure)
                          .order_by("starts_at", "id"))
    else:
        candidates = sorted((p for p in known if p.starts_at < arrival and p.ends_at > departure),
                            key=lambda p: (p.starts_at, p.pk))
    fitting = [p for p in candidates if p.status in IN_FORCE and p.starts_at <= departure and p.ends_at >= arrival]
    if fitting:
        return fitting[0], problems
    window = f"{fmt_time(departure, tz)} to {fmt_time(arrival, tz)}"
    if not candidates:
        problems.append(FieldError("planned_departure", f"no humanitarian pause on corridor '{corridor.name}' "
                                                        f"covers {window}"))
    for p in candidates:
        why = []
        if p.status not in IN_FORCE:
            why.append(f"is {p.status}, not agreed or active")
        if p.starts_at > departure:
            why.append(f"starts after the planned departure ({fmt_time(p.starts_at, tz)})")
        if p.ends_at < arrival:
            why.append(f"ends before the planned arrival ({fmt_time(p.ends_at, tz)})")
        problems.append(FieldError("planned_departure", f"pause #{p.pk} '{p.title}' "
                                                        f"({fmt_time(p.starts_at, tz)} to {fmt_time(p.ends_at, tz)}) "
                                                        + " and ".join(why)))
    return None, problems


def latest_clearing_inspection(convoy: Convoy) -> Inspection | None:
    """The last inspection of the current manifest, if it cleared the cargo."""
    last = max((i for i in convoy.inspections.all() if i.manifest_version == convoy.manifest_version),
               key=lambda i: (i.at, i.pk), default=None)
    return last if last is not None and last.clears else None


def clearance_problems(convoy: Convoy, at: datetime | None = None) -> list[FieldError]:
    """Why the convoy may not be cleared to move (empty when it may)."""
    problems: list[FieldError] = []
    if not convoy.vehicles.exists():
        problems.append(FieldError("vehicles", "no vehicle is listed"))
    if not convoy.manifest.exists():
        problems.append(FieldError("manifest", "the manifest is empty"))
    if latest_clearing_inspection(convoy) is None:
        problems.append(FieldError("inspection", "no cleared inspection of the current manifest"))
    n = current_notification(convoy)
    if n is None:
        problems.append(FieldError("notification", "the parties have not been notified"))
    elif not notice_selectors.all_acknowledged(n, at):
        problems.append(FieldError("notification", "not acknowledged by: "
                                                   + ", ".join(notice_selectors.missing_parties(n, at))))
    _, schedule = schedule_problems(corridor=convoy.corridor, direction=convoy.direction,
                                    departure=convoy.planned_departure, arrival=convoy.planned_arrival)
    problems.extend(FieldError("schedule", p.reason) for p in schedule)
    return problems


def notification_page(principal, notification_id: int) -> dict:
    """What a party is asked to guarantee for a convoy: route, window, corridors and areas, vehicles, cargo.

    Never drivers' names: the cargo is summarised by category and the vehicles by plate and markings.
    """
    n = notice_selectors.visible(principal, notification_id)
    if n.convoy_id is None:
        raise NotFound("this notification is not about a convoy")
    c = visible(principal, n.convoy_id)
    cargo: dict[tuple[str, str], dict] = {}
    for m in c.manifest.all():
        line = cargo.setdefault((m.category, m.unit), {"category": m.category, "unit": m.unit, "quantity": 0,
                                                       "weight_kg": 0, "items": []})
        line["quantity"] += m.quantity
        line["weight_kg"] += m.weight_kg or 0
        line["items"].append(m.item)
    pause = c.pause
    read = notice_selectors.notification_read(n, principal)
    party_names = {p.short_name: localized_name(p) for p in Party.objects.all()}
    for a in read["answers"]:
        a["party_label"] = party_names.get(a["party"], a["party"])
    return {
        "notification": read, "convoy": c, "route": c.route or c.corridor.geometry,
        "own_answer": read["answers"][0] if notice_selectors.is_liaison(principal) and read["answers"] else None,
        "corridors": [localized_name(c.corridor)] if pause is None else sorted(
            {localized_name(c.corridor), *(localized_name(x) for x in pause.corridors.all())}),
        "areas": [] if pause is None else sorted(localized_name(p) for p in pause.places.all()),
        "pause": pause, "vehicles": [{"plate": v.plate, "vehicle_type": v.vehicle_type, "markings": v.markings}
                                     for v in c.vehicles.all()],
        "cargo": sorted(cargo.values(), key=lambda x: x["category"]),
    }


def plan_form_choices() -> dict:
    """What the plan-a-convoy form offers: organisations, corridors, sites and areas by name."""
    return {
        "organisations": Organisation.objects.order_by("name"), "corridors": Corridor.objects.order_by("name"),
        "sites": Place.objects.filter(kind=PlaceKind.SITE).order_by("name").only("id", "name", "name_ar"),
        "areas": Place.objects.filter(kind=PlaceKind.AREA).order_by("name").only("id", "name", "name_ar"),
    }


def positions(convoy: Convoy) -> QuerySet[PositionUpdate]:
    """The convoy's position reports, the latest first."""
    return convoy.positions.select_related("checkpoint", "recorded_by").order_by("-at", "-id")
