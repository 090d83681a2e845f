"""Hazard registry routes: list and record hazards, change their status, suspend a corridor from a warning."""

from typing import Any, Literal

from ninja import Field, Path, Router, Schema, Status

from safepassage.core.api import DbId, Text, op
from safepassage.core.errors import NotFound
from safepassage.core.permissions import Perm
from safepassage.corridors.schemas import CorridorDetail, HazardWarning
from safepassage.corridors.selectors import corridor_read
from safepassage.incidents import hazard_reads, hazards
from safepassage.incidents.models import Hazard

router = Router(tags=["hazards"])

KindT = Literal["mines_uxo_ied", "shelling_zone", "front_line", "blocked_road"]
EvidenceT = Literal["direct", "indirect", "none"]
ClassT = Literal["suspected", "confirmed"]
StatusT = Literal["reported", "confirmed", "being_cleared", "cleared", "cancelled"]


class HazardCreate(Schema):
    kind: KindT
    geometry: dict[str, Any] = Field(..., description="GeoJSON Point, LineString or Polygon (the footprint)")
    description: Text = ""
    evidence: EvidenceT = "indirect"
    classification: ClassT = "suspected"
    incident_ids: list[DbId] = Field([], max_length=100)
    reason: Text = ""


class HazardStatusSet(Schema):
    status: StatusT
    reason: Text = Field(..., min_length=1, max_length=2000)
    classification: ClassT | None = None
    evidence: EvidenceT | None = None


class HazardHistoryRead(Schema):
    status: str
    reason: str
    at: Any
    changed_by: str | None


class HazardRead(Schema):
    id: int
    kind: str
    geometry: dict[str, Any]
    evidence: str
    classification: str
    status: str
    status_since: Any
    description: str
    in_force: bool
    warning: HazardWarning
    incident_ids: list[int] | None = Field(None, description="all its incidents (staff only)")
    history: list[HazardHistoryRead] | None = None
    corridor_ids: list[int] | None = Field(None, description="corridors it warns (staff only)")


def _visible(request, hazard_id: int) -> Hazard:
    h = Hazard.objects.filter(pk=hazard_id).first()
    staff = request.auth.can(Perm.INCIDENTS_VIEW_ALL)
    if h is None or not (staff or h.status in hazard_reads.in_force_statuses()):
        raise NotFound("no such hazard", field="hazard_id")
    return h


@op(router.get, "/hazards", perm=Perm.INCIDENTS_VIEW, response=list[HazardRead])
def list_hazards(request):
    """The hazard registry: the public sees the warnings in force, staff every hazard with its history."""
    staff = request.auth.can(Perm.INCIDENTS_VIEW_ALL)
    qs = Hazard.objects.prefetch_related("incidents") if staff else hazard_reads.hazards_in_force()
    return [hazard_reads.hazard_read(h, full=staff) for h in qs.order_by("id")[:1000]]


@op(router.post, "/hazards", perm=Perm.INCIDENTS_EDIT, response={201: HazardRead})
def create_hazard(request, body: HazardCreate):
    """Put a hazard on the registry as reported; nothing is suspended automatically."""
    h = hazards.record_hazard(**body.dict(), by=request.auth)
    return Status(201, hazard_reads.hazard_read(h, full=True))


@op(router.get, "/hazards/{hazard_id}", perm=Perm.INCIDENTS_VIEW, response=HazardRead)
def get_hazard(request, hazard_id: DbId = Path(...)):
    return hazard_reads.hazard_read(_visible(request, hazard_id), full=request.auth.can(Perm.INCIDENTS_VIEW_ALL))


@op(router.post, "/hazards/{hazard_id}/status", perm=Perm.INCIDENTS_EDIT, response=HazardRead)
def set_status(request, body: HazardStatusSet, hazard_id: DbId = Path(...)):
    """Confirm, clear or cancel a hazard, with the reason on record."""
    h = hazards.set_hazard_status(hazard_id=hazard_id, by=request.auth, **body.dict())
    return hazard_reads.hazard_read(h, full=True)


@op(router.post, "/hazards/{hazard_id}/suspend-corridor/{corridor_id}", perm=Perm.CORRIDORS_SET_STATUS,
    response=CorridorDetail)
def suspend_corridor(request, hazard_id: DbId = Path(...), corridor_id: DbId = Path(...)):
    """Suspend the corridor a hazard warns, in one step; the reason names the hazard."""
    corridor = hazards.suspend_corridor(hazard_id=hazard_id, corridor_id=corridor_id, by=request.auth)
    return corridor_read(corridor, history=True)
