"""Convoy routes: plan, manifest (JSON or CSV/XLSX upload), notify, inspect, move, deliver, board."""


from ninja import File, Path, Query, Router, Status
from ninja.files import UploadedFile

from safepassage.accounts.models import Organisation
from safepassage.convoys import lifecycle, selectors, services
from safepassage.convoys.models import Convoy, DeliveryReceipt
from safepassage.convoys.schemas import (
    Board,
    ConvoyCreate,
    ConvoyDetail,
    ConvoyFilters,
    ConvoyRead,
    ConvoyUpdate,
    DeliveryCreate,
    IncidentCreate,
    InspectionCreate,
    ManifestSet,
    NotifyConvoy,
    PositionCreate,
    SealCheck,
    SealCheckResult,
    StatusSet,
    VehiclesSet,
)
from safepassage.convoys.validation import read_manifest_file
from safepassage.core.api import DbId, Page, PageParams, op
from safepassage.core.errors import InvalidInput, NotFound
from safepassage.core.numbers import NumberFormat
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, require_aware
from safepassage.corridors.models import Corridor
from safepassage.deconfliction import selectors as notice_selectors
from safepassage.places.models import Place
from safepassage.servicepoints.models import ServicePoint

router = Router(tags=["convoys"])
MAX_UPLOAD = 2 * 1024 * 1024


def _inspection(i, current_version: int) -> dict:
    return {"id": i.pk, "inspector": i.inspector_label, "at": i.at, "checkpoint_id": i.checkpoint_id,
            "place_id": i.place_id, "result": i.result, "remarks": i.remarks,
            "no_weapons_attested": i.no_weapons_attested, "items_checked": i.items_checked,
            "manifest_version": i.manifest_version, "current": i.manifest_version == current_version,
            "seals": [{"number": s.number, "state": s.state} for s in i.seals.all()],
            "discrepancies": [{"item": d.item, "expected": d.expected, "found": d.found}
                              for d in i.discrepancies.all()]}


def convoy_read(c: Convoy, principal, *, detail: bool = False) -> dict:
    moment = now()
    drivers = detail and selectors.may_see_drivers(principal)
    if drivers and c.vehicles.exists():
        selectors.log_driver_read(principal, c, "convoy detail")
    n = notice_selectors.current_for_convoy(c.pk)
    liaison = notice_selectors.is_liaison(principal)
    notification = None
    if n is not None:
        answers = notice_selectors.answers(n, principal, moment)
        notification = {"id": n.pk, "revision": n.revision, "deadline": n.deadline, "answers": answers,
                        "missing": ([a["party"] for a in answers if a["state"] != "acknowledged"] if liaison
                                    else notice_selectors.missing_parties(n, moment))}
    # other parties' answers are not a liaison's business: they see their own line only
    problems = ([] if c.status != lifecycle.NOTIFIED or liaison else
                [p.reason for p in services.clearance_problems(c, moment)])
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
                      "driver_names": v.driver_names if drivers else None} for v in c.vehicles.all()],
        "inspection_state": selectors.inspection_state(c)["state"],
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
        out["positions"] = [{"at": p.at, "lon": p.lon, "lat": p.lat, "checkpoint_id": p.checkpoint_id,
                             "note": p.note} for p in c.positions.all()]
        out["incidents"] = [{"id": x.pk, "kind": x.kind, "at": x.at, "description": x.description, "lon": x.lon,
                             "lat": x.lat} for x in c.incidents.all()]
        receipt = DeliveryReceipt.objects.filter(convoy=c).first()
        out["receipt"] = None
        if receipt is not None:
            lines = []
            for rl in receipt.lines.select_related("manifest_line"):
                m = rl.manifest_line
                diff = rl.quantity_received - m.quantity
                lines.append({"line_no": m.line_no, "item": m.item, "unit": m.unit, "expected": m.quantity,
                              "received": rl.quantity_received, "difference": diff, "discrepancy": diff != 0,
                              "note": rl.note})
            out["receipt"] = {"received_at": receipt.received_at, "received_by": receipt.received_by,
                              "remarks": receipt.remarks, "lines": lines,
                              "has_discrepancies": any(x["discrepancy"] for x in lines)}
    return out


def _visible(request, convoy_id: int) -> Convoy:
    c = selectors.convoys(request.auth).filter(pk=convoy_id).first()
    if c is None:
        raise NotFound("no such convoy (or your party was not notified of it)")
    return c


def _detail(request, convoy_id: int) -> dict:
    return convoy_read(_visible(request, convoy_id), request.auth, detail=True)


def _get(model, pk: int | None, field: str):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput(f"unknown {model._meta.verbose_name}", field=field)
    return obj


@op(router.get, "/convoys", perm=Perm.CONVOYS_VIEW, response=Page(ConvoyRead))
def list_convoys(request, filters: ConvoyFilters = Query(...), paging: PageParams = Query(...)):
    """Convoys by planned departure; a party liaison sees only convoys their party was notified of."""
    qs = selectors.convoys(request.auth, status=filters.status,
                           departs_from=require_aware(filters.departs_from, "departs_from")
                           if filters.departs_from else None,
                           departs_before=require_aware(filters.departs_before, "departs_before")
                           if filters.departs_before else None)
    items = [convoy_read(c, request.auth) for c in qs[paging.offset: paging.offset + paging.limit]]
    return {"items": items, "count": qs.count()}


@op(router.get, "/convoys/board", perm=Perm.CONVOYS_VIEW, response=Board)
def convoy_board(request):
    """Today's and upcoming convoys: status, missing acknowledgements, inspection, position."""
    at = now()
    return {"at": at, "items": selectors.board(request.auth, at=at)}


@op(router.post, "/convoys", perm=Perm.CONVOYS_EDIT, response={201: ConvoyDetail})
def create_convoy(request, body: ConvoyCreate):
    """Plan a convoy; refused with the exact reason when the schedule does not fit a pause and the corridor."""
    data = body.dict()
    convoy = services.create_convoy(
        title=data["title"], organisation=_get(Organisation, data["organisation_id"], "organisation_id"),
        origin=_get(Place, data["origin_id"], "origin_id"),
        destination=_get(Place, data["destination_id"], "destination_id"),
        corridor=_get(Corridor, data["corridor_id"], "corridor_id"), route=data["route"],
        direction=data["direction"], planned_departure=data["planned_departure"],
        planned_arrival=data["planned_arrival"], destination_note=data["destination_note"], notes=data["notes"],
        vehicles=data["vehicles"], manifest=data["manifest"], by=request.auth,
        destination_service_point=_get(ServicePoint, data["destination_service_point_id"],
                                       "destination_service_point_id")
        if data["destination_service_point_id"] else None)
    return Status(201, _detail(request, convoy.pk))


@op(router.get, "/convoys/{convoy_id}", perm=Perm.CONVOYS_VIEW, response=ConvoyDetail)
def get_convoy(request, convoy_id: DbId = Path(...)):
    return _detail(request, convoy_id)


@op(router.patch, "/convoys/{convoy_id}", perm=Perm.CONVOYS_EDIT, response=ConvoyDetail)
def update_convoy(request, body: ConvoyUpdate, convoy_id: DbId = Path(...)):
    """Change a convoy before departure; a new route or time re-notifies every party (send the deadline)."""
    _visible(request, convoy_id)
    changes = body.dict(exclude={"version", "notification_deadline", "corridor_id"}, exclude_unset=True)
    if body.corridor_id is not None:
        changes["corridor"] = _get(Corridor, body.corridor_id, "corridor_id")
    services.update_convoy(convoy_id=convoy_id, expected_version=body.version, changes=changes,
                           notification_deadline=body.notification_deadline, by=request.auth)
    return _detail(request, convoy_id)


@op(router.put, "/convoys/{convoy_id}/manifest", perm=Perm.CONVOYS_EDIT, response=ConvoyDetail)
def set_manifest(request, body: ManifestSet, convoy_id: DbId = Path(...)):
    """Replace the manifest; every line is validated before anything is stored."""
    _visible(request, convoy_id)
    services.set_manifest(convoy_id=convoy_id, expected_version=body.version,
                          lines=[line.dict() for line in body.lines], by=request.auth)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/manifest/upload", perm=Perm.CONVOYS_EDIT, response=ConvoyDetail)
def upload_manifest(request, convoy_id: DbId = Path(...), version: int = Query(..., ge=1, le=2_147_483_647),
                    number_format: NumberFormat = Query(NumberFormat.DOT), file: UploadedFile = File(...)):
    """Replace the manifest from a CSV or XLSX file (header: item, category, quantity, unit, weight_kg).

    Text numbers are read in `number_format` ("1,500.5" or "1.500,5"; Arabic-Indic digits accepted),
    numeric cells as numbers. The whole file is validated first; errors name the row (`rows.3.quantity`).
    """
    _visible(request, convoy_id)
    if file.size is not None and file.size > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 2 MB", field="file")
    rows = read_manifest_file(file.name or "", file.read(MAX_UPLOAD + 1))
    services.set_manifest(convoy_id=convoy_id, expected_version=version, lines=rows, by=request.auth,
                          prefix="rows", start=2, number_format=number_format)
    return _detail(request, convoy_id)


@op(router.put, "/convoys/{convoy_id}/vehicles", perm=Perm.CONVOYS_EDIT, response=ConvoyDetail)
def set_vehicles(request, body: VehiclesSet, convoy_id: DbId = Path(...)):
    """Replace the vehicles; for a notified convoy, send the deadline: the parties are re-notified."""
    _visible(request, convoy_id)
    services.set_vehicles(convoy_id=convoy_id, expected_version=body.version,
                          vehicles=[v.dict() for v in body.vehicles],
                          notification_deadline=body.notification_deadline, by=request.auth)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/notify", perm=Perm.NOTIFICATIONS_SEND, response=ConvoyDetail)
def notify(request, body: NotifyConvoy, convoy_id: DbId = Path(...)):
    """Notify every required party of the convoy (again: a new revision; older acknowledgements lapse)."""
    _visible(request, convoy_id)
    services.notify_convoy(convoy_id=convoy_id, deadline=body.deadline, party_ids=body.party_ids,
                           reason=body.reason, by=request.auth)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/status", perm=Perm.CONVOYS_TRACK, response=ConvoyDetail)
def set_status(request, body: StatusSet, convoy_id: DbId = Path(...)):
    """Move the convoy: planned → notified → cleared → departed → arrived → delivered, or aborted/returned."""
    _visible(request, convoy_id)
    services.set_status(convoy_id=convoy_id, status=body.status, reason=body.reason, at=body.at,
                        expected_version=body.version, by=request.auth)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/inspections", perm=Perm.CONVOYS_INSPECT, response={201: ConvoyDetail})
def inspect(request, body: InspectionCreate, convoy_id: DbId = Path(...)):
    """Record the inspection checklist, the seals applied and the no-weapons attestation."""
    _visible(request, convoy_id)
    data = body.dict()
    services.record_inspection(
        convoy_id=convoy_id, result=data["result"], no_weapons_attested=data["no_weapons_attested"],
        items_checked=data["items_checked"], seals=data["seals"], discrepancies=data["discrepancies"],
        remarks=data["remarks"], at=data["at"], checkpoint_id=data["checkpoint_id"],
        place=_get(Place, data["place_id"], "place_id"), by=request.auth)
    return Status(201, _detail(request, convoy_id))


@op(router.post, "/convoys/{convoy_id}/seal-check", perm=Perm.CONVOYS_INSPECT, response=SealCheckResult)
def seal_check(request, body: SealCheck, convoy_id: DbId = Path(...)):
    """Re-check the seals on arrival; broken, missing or changed seals are flagged."""
    _visible(request, convoy_id)
    return services.check_seals(convoy_id=convoy_id, found=[f.dict() for f in body.found], at=body.at,
                                by=request.auth)


@op(router.post, "/convoys/{convoy_id}/positions", perm=Perm.CONVOYS_TRACK, response={201: ConvoyDetail})
def add_position(request, body: PositionCreate, convoy_id: DbId = Path(...)):
    """A position or checkpoint report from the field."""
    _visible(request, convoy_id)
    services.record_position(convoy_id=convoy_id, lon=body.lon, lat=body.lat, at=body.at,
                             checkpoint_id=body.checkpoint_id, note=body.note, by=request.auth)
    return Status(201, _detail(request, convoy_id))


@op(router.post, "/convoys/{convoy_id}/delivery", perm=Perm.CONVOYS_TRACK, response={201: ConvoyDetail})
def deliver(request, body: DeliveryCreate, convoy_id: DbId = Path(...)):
    """The delivery receipt: quantity received per manifest line; differences are highlighted."""
    _visible(request, convoy_id)
    services.record_delivery(convoy_id=convoy_id, received_by=body.received_by, received_at=body.received_at,
                             lines=[x.dict() for x in body.lines], remarks=body.remarks, by=request.auth)
    return Status(201, _detail(request, convoy_id))


@op(router.post, "/convoys/{convoy_id}/incidents", perm=Perm.CONVOYS_TRACK, response={201: ConvoyDetail})
def add_incident(request, body: IncidentCreate, convoy_id: DbId = Path(...)):
    """An attack or obstruction on the way, linked to the convoy."""
    _visible(request, convoy_id)
    services.record_incident(convoy_id=convoy_id, kind=body.kind, description=body.description, at=body.at,
                             lon=body.lon, lat=body.lat, by=request.auth)
    return Status(201, _detail(request, convoy_id))
