"""Convoy routes: plan, manifest (JSON or CSV/XLSX upload), notify, inspect, move, deliver, board."""


from ninja import File, Path, Query, Router, Status
from ninja.files import UploadedFile

from safepassage.accounts.models import Organisation
from safepassage.convoys import selectors, services
from safepassage.convoys.schemas import (
    Board,
    ConvoyCreate,
    ConvoyDetail,
    ConvoyFilters,
    ConvoyIncidentCreate,
    ConvoyRead,
    ConvoyUpdate,
    DeliveryCreate,
    InspectionCreate,
    ManifestPreview,
    ManifestSet,
    NotifyConvoy,
    PositionCreate,
    SealCheck,
    SealCheckResult,
    StatusSet,
    VehiclesSet,
)
from safepassage.convoys.validation import preview_manifest_file, read_manifest_file
from safepassage.core.api import DbId, Page, PageParams, op
from safepassage.core.errors import InvalidInput
from safepassage.core.models import get_or_refuse
from safepassage.core.numbers import NumberFormat
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, require_aware
from safepassage.corridors.models import Corridor
from safepassage.places.models import Place
from safepassage.servicepoints.models import ServicePoint

router = Router(tags=["convoys"])
MAX_UPLOAD = 2 * 1024 * 1024


def _detail(request, convoy_id: int) -> dict:
    """The convoy as the answer to a change: driver names are shown (and their read audited) only by GET."""
    return selectors.convoy_read(selectors.visible(request.auth, convoy_id), request.auth, detail=True)


@op(router.get, "/convoys", perm=Perm.CONVOYS_VIEW, response=Page(ConvoyRead))
def list_convoys(request, filters: ConvoyFilters = Query(...), paging: PageParams = Query(...)):
    """Convoys by planned departure; a party liaison sees only convoys their party was notified of."""
    qs = selectors.convoys(request.auth, status=filters.status,
                           departs_from=require_aware(filters.departs_from, "departs_from")
                           if filters.departs_from else None,
                           departs_before=require_aware(filters.departs_before, "departs_before")
                           if filters.departs_before else None)
    items = [selectors.convoy_read(c, request.auth)
             for c in selectors.with_related(qs)[paging.offset: paging.offset + paging.limit]]
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
    ref = get_or_refuse
    convoy = services.create_convoy(
        title=data["title"], organisation=ref(Organisation, data["organisation_id"], "organisation_id"),
        origin=ref(Place, data["origin_id"], "origin_id"),
        destination=ref(Place, data["destination_id"], "destination_id"),
        corridor=ref(Corridor, data["corridor_id"], "corridor_id"), route=data["route"],
        direction=data["direction"], planned_departure=data["planned_departure"],
        planned_arrival=data["planned_arrival"], destination_note=data["destination_note"], notes=data["notes"],
        vehicles=data["vehicles"], manifest=data["manifest"], by=request.auth,
        destination_service_point=ref(ServicePoint, data["destination_service_point_id"],
                                      "destination_service_point_id"))
    return Status(201, _detail(request, convoy.pk))


@op(router.get, "/convoys/{convoy_id}", perm=Perm.CONVOYS_VIEW, response=ConvoyDetail)
def get_convoy(request, convoy_id: DbId = Path(...)):
    """One convoy; planners see the driver names, and each such read is on record."""
    c = selectors.visible(request.auth, convoy_id)
    names = services.read_driver_names(convoy=c, by=request.auth, purpose="convoy detail")
    return selectors.convoy_read(c, request.auth, detail=True, driver_names=names)


@op(router.patch, "/convoys/{convoy_id}", perm=Perm.CONVOYS_EDIT, response=ConvoyDetail)
def update_convoy(request, body: ConvoyUpdate, convoy_id: DbId = Path(...)):
    """Change a convoy before departure; a new route or time re-notifies every party (send the deadline)."""
    selectors.visible(request.auth, convoy_id)
    changes = body.dict(exclude={"version", "notification_deadline", "corridor_id"}, exclude_unset=True)
    if body.corridor_id is not None:
        changes["corridor"] = get_or_refuse(Corridor, body.corridor_id, "corridor_id")
    services.update_convoy(convoy_id=convoy_id, expected_version=body.version, changes=changes,
                           notification_deadline=body.notification_deadline, by=request.auth)
    return _detail(request, convoy_id)


@op(router.put, "/convoys/{convoy_id}/manifest", perm=Perm.CONVOYS_EDIT, response=ConvoyDetail)
def set_manifest(request, body: ManifestSet, convoy_id: DbId = Path(...)):
    """Replace the manifest; every line is validated before anything is stored."""
    selectors.visible(request.auth, convoy_id)
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
    selectors.visible(request.auth, convoy_id)
    if file.size is not None and file.size > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 2 MB", field="file")
    rows = read_manifest_file(file.name or "", file.read(MAX_UPLOAD + 1))
    services.set_manifest(convoy_id=convoy_id, expected_version=version, lines=rows, by=request.auth,
                          prefix="rows", start=2, number_format=number_format)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/manifest/preview", perm=Perm.CONVOYS_EDIT, response=ManifestPreview)
def preview_manifest(request, convoy_id: DbId = Path(...), number_format: NumberFormat = Query(NumberFormat.DOT),
                     file: UploadedFile = File(...)):
    """Read a CSV or XLSX manifest as the upload would, and answer its lines or its errors; nothing is stored."""
    selectors.visible(request.auth, convoy_id)
    if file.size is not None and file.size > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 2 MB", field="file")
    return preview_manifest_file(file.name or "", file.read(MAX_UPLOAD + 1), number_format=number_format)


@op(router.put, "/convoys/{convoy_id}/vehicles", perm=Perm.CONVOYS_EDIT, response=ConvoyDetail)
def set_vehicles(request, body: VehiclesSet, convoy_id: DbId = Path(...)):
    """Replace the vehicles; for a notified convoy, send the deadline: the parties are re-notified."""
    selectors.visible(request.auth, convoy_id)
    services.set_vehicles(convoy_id=convoy_id, expected_version=body.version,
                          vehicles=[v.dict() for v in body.vehicles],
                          notification_deadline=body.notification_deadline, by=request.auth)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/notify", perm=Perm.NOTIFICATIONS_SEND, response=ConvoyDetail)
def notify(request, body: NotifyConvoy, convoy_id: DbId = Path(...)):
    """Notify every required party of the convoy (again: a new revision; older acknowledgements lapse)."""
    selectors.visible(request.auth, convoy_id)
    services.notify_convoy(convoy_id=convoy_id, deadline=body.deadline, party_ids=body.party_ids,
                           reason=body.reason, by=request.auth)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/status", perm=Perm.CONVOYS_TRACK, response=ConvoyDetail)
def set_status(request, body: StatusSet, convoy_id: DbId = Path(...)):
    """Move the convoy: planned → notified → cleared → departed → arrived → delivered, or aborted/returned."""
    selectors.visible(request.auth, convoy_id)
    services.set_status(convoy_id=convoy_id, status=body.status, reason=body.reason, at=body.at,
                        expected_version=body.version, override_reason=body.override_reason, by=request.auth)
    return _detail(request, convoy_id)


@op(router.post, "/convoys/{convoy_id}/inspections", perm=Perm.CONVOYS_INSPECT, response={201: ConvoyDetail})
def inspect(request, body: InspectionCreate, convoy_id: DbId = Path(...)):
    """Record the inspection checklist, the seals applied and the no-weapons attestation."""
    selectors.visible(request.auth, convoy_id)
    data = body.dict()
    services.record_inspection(
        convoy_id=convoy_id, result=data["result"], no_weapons_attested=data["no_weapons_attested"],
        items_checked=data["items_checked"], seals=data["seals"], discrepancies=data["discrepancies"],
        remarks=data["remarks"], at=data["at"], checkpoint_id=data["checkpoint_id"],
        place=get_or_refuse(Place, data["place_id"], "place_id"), by=request.auth)
    return Status(201, _detail(request, convoy_id))


@op(router.post, "/convoys/{convoy_id}/seal-check", perm=Perm.CONVOYS_INSPECT, response=SealCheckResult)
def seal_check(request, body: SealCheck, convoy_id: DbId = Path(...)):
    """Re-check the seals on arrival; broken, missing or changed seals are flagged."""
    selectors.visible(request.auth, convoy_id)
    return services.check_seals(convoy_id=convoy_id, found=[f.dict() for f in body.found], at=body.at,
                                by=request.auth)


@op(router.post, "/convoys/{convoy_id}/positions", perm=Perm.CONVOYS_TRACK, response={201: ConvoyDetail})
def add_position(request, body: PositionCreate, convoy_id: DbId = Path(...)):
    """A position or checkpoint report from the field."""
    selectors.visible(request.auth, convoy_id)
    services.record_position(convoy_id=convoy_id, lon=body.lon, lat=body.lat, at=body.at,
                             checkpoint_id=body.checkpoint_id, note=body.note, override_reason=body.override_reason,
                             by=request.auth)
    return Status(201, _detail(request, convoy_id))


@op(router.post, "/convoys/{convoy_id}/delivery", perm=Perm.CONVOYS_TRACK, response={201: ConvoyDetail})
def deliver(request, body: DeliveryCreate, convoy_id: DbId = Path(...)):
    """The delivery receipt: quantity received per manifest line; differences are highlighted."""
    selectors.visible(request.auth, convoy_id)
    services.record_delivery(convoy_id=convoy_id, received_by=body.received_by, received_at=body.received_at,
                             lines=[x.dict() for x in body.lines], remarks=body.remarks, override_reason=body.override_reason, by=request.auth)
    return Status(201, _detail(request, convoy_id))


@op(router.post, "/convoys/{convoy_id}/incidents", perm=Perm.CONVOYS_TRACK, response={201: ConvoyDetail})
def add_incident(request, body: ConvoyIncidentCreate, convoy_id: DbId = Path(...)):
    """An attack or obstruction on the way: an unverified incident linked to the convoy and its corridor."""
    selectors.visible(request.auth, convoy_id)
    services.record_incident(convoy_id=convoy_id, kind=body.kind, description=body.description, at=body.at,
                             lon=body.lon, lat=body.lat, by=request.auth)
    return Status(201, _detail(request, convoy_id))
