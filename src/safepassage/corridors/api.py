"""Corridor and checkpoint routes."""


from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.geometry import parse_bbox
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import require_aware
from safepassage.corridors import selectors, services
from safepassage.corridors.models import Checkpoint, Corridor
from safepassage.corridors.schemas import (
    CheckpointCreate,
    CheckpointFilters,
    CheckpointRead,
    CheckpointUpdate,
    CorridorCreate,
    CorridorDetail,
    CorridorFilters,
    CorridorRead,
    CorridorStatusSet,
    CorridorUpdate,
    StatusChangeFilters,
    StatusChangeItem,
)

router = Router(tags=["corridors"])


@op(router.get, "/corridors", perm=Perm.CORRIDORS_VIEW, response=Page(CorridorRead))
def list_corridors(request, filters: CorridorFilters = Query(...), paging: PageParams = Query(...)):
    """List corridors with their status, hours and checkpoints; `at` gives the status at a past time."""
    bbox = parse_bbox(filters.bbox) if filters.bbox else None
    qs = selectors.corridors(status=filters.status, bbox=bbox).prefetch_related("checkpoints")
    if filters.at is None:
        return page(qs, paging, selectors.corridor_read)
    at = require_aware(filters.at, "at")
    items = list(qs[paging.offset: paging.offset + paging.limit])
    statuses = selectors.statuses_at(at, [c.pk for c in items])
    return {"items": [selectors.corridor_read(c, at=at, status_at=statuses[c.pk].status if c.pk in statuses
                                    else "not_yet_created") for c in items],
            "count": qs.count()}


@op(router.post, "/corridors", perm=Perm.CORRIDORS_EDIT, response={201: CorridorDetail})
def create_corridor(request, body: CorridorCreate):
    """Create a corridor from a GeoJSON LineString; it starts closed."""
    data = body.dict()
    origin = selectors.place_or_refuse(data.pop("origin_id"), "origin_id")
    destination = selectors.place_or_refuse(data.pop("destination_id"), "destination_id")
    corridor = services.create_corridor(**data, origin=origin, destination=destination, by=request.auth)
    return Status(201, selectors.corridor_read(corridor, history=True))


@op(router.get, "/corridors/status-changes", perm=Perm.CORRIDORS_VIEW, response=Page(StatusChangeItem))
def list_status_changes(request, filters: StatusChangeFilters = Query(...), paging: PageParams = Query(...)):
    """Openings, suspensions and closures of every corridor, latest first, with their reasons."""
    bounds = {n: require_aware(getattr(filters, n), n) if getattr(filters, n) else None
              for n in ("since", "until", "as_of")}
    return page(selectors.status_changes(corridor_id=filters.corridor_id, **bounds), paging,
                selectors.status_change_read)


@op(router.get, "/corridors/{corridor_id}", perm=Perm.CORRIDORS_VIEW, response=CorridorDetail)
def get_corridor(request, corridor_id: DbId = Path(...)):
    return selectors.corridor_read(get_object_or_404(Corridor, pk=corridor_id), history=True)


@op(router.patch, "/corridors/{corridor_id}", perm=Perm.CORRIDORS_EDIT, response=CorridorDetail)
def update_corridor(request, body: CorridorUpdate, corridor_id: DbId = Path(...)):
    """Change a corridor's description; send the version you read (409 if it changed since)."""
    get_object_or_404(Corridor, pk=corridor_id)
    changes = body.dict(exclude={"version"}, exclude_unset=True)
    corridor = services.update_corridor(corridor_id=corridor_id, expected_version=body.version,
                                        changes=changes, by=request.auth)
    return selectors.corridor_read(corridor, history=True)


@op(router.post, "/corridors/{corridor_id}/status", perm=Perm.CORRIDORS_SET_STATUS, response=CorridorDetail)
def set_status(request, body: CorridorStatusSet, corridor_id: DbId = Path(...)):
    """Open, suspend or close a corridor with the reason on record."""
    get_object_or_404(Corridor, pk=corridor_id)
    corridor = services.set_corridor_status(corridor_id=corridor_id, status=body.status, reason=body.reason,
                                            expected_version=body.version, by=request.auth)
    return selectors.corridor_read(corridor, history=True)


@op(router.get, "/checkpoints", perm=Perm.CORRIDORS_VIEW, response=Page(CheckpointRead))
def list_checkpoints(request, filters: CheckpointFilters = Query(...), paging: PageParams = Query(...)):
    bbox = parse_bbox(filters.bbox) if filters.bbox else None
    return page(selectors.checkpoints(corridor_id=filters.corridor_id, bbox=bbox), paging, selectors.checkpoint_read)


@op(router.post, "/checkpoints", perm=Perm.CORRIDORS_EDIT, response={201: CheckpointRead})
def create_checkpoint(request, body: CheckpointCreate):
    corridor = selectors.corridor_or_refuse(body.corridor_id)
    data = body.dict(exclude={"corridor_id"})
    return Status(201, selectors.checkpoint_read(services.add_checkpoint(corridor=corridor, **data, by=request.auth)))


@op(router.get, "/checkpoints/{checkpoint_id}", perm=Perm.CORRIDORS_VIEW, response=CheckpointRead)
def get_checkpoint(request, checkpoint_id: DbId = Path(...)):
    return selectors.checkpoint_read(get_object_or_404(Checkpoint.objects.select_related("corridor"), pk=checkpoint_id))


@op(router.patch, "/checkpoints/{checkpoint_id}", perm=Perm.CORRIDORS_EDIT, response=CheckpointRead)
def update_checkpoint(request, body: CheckpointUpdate, checkpoint_id: DbId = Path(...)):
    get_object_or_404(Checkpoint, pk=checkpoint_id)
    changes = body.dict(exclude={"version"}, exclude_unset=True)
    return selectors.checkpoint_read(services.update_checkpoint(checkpoint_id=checkpoint_id, expected_version=body.version,
                                                      changes=changes, by=request.auth))
