"""Places routes: thin; services write, selectors read."""


from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op
from safepassage.core.geometry import parse_bbox
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, require_aware
from safepassage.places import selectors, services
from safepassage.places.models import Place
from safepassage.places.schemas import (
    ControlCreate,
    ControlRead,
    PlaceCreate,
    PlaceFilters,
    PlaceRead,
    PlaceUpdate,
)

router = Router(tags=["places"])


@op(router.get, "/places", perm=Perm.PLACES_VIEW, response=Page(PlaceRead))
def list_places(request, filters: PlaceFilters = Query(...), paging: PageParams = Query(...)):
    """List areas and sites; filter by kind, site type, bounding box or name."""
    bbox = parse_bbox(filters.bbox) if filters.bbox else None
    qs = selectors.places(kind=filters.kind, site_type=filters.site_type, bbox=bbox, q=filters.q)
    items = list(qs[paging.offset: paging.offset + paging.limit])
    control = {}
    if request.auth.can(Perm.CONTROL_VIEW):
        at = require_aware(filters.at, "at") if filters.at else now()
        control = selectors.control_at(at, [p.pk for p in items])
    return {"items": [selectors.place_read(p, control.get(p.pk)) for p in items], "count": qs.count()}


@op(router.post, "/places", perm=Perm.PLACES_EDIT, response={201: PlaceRead})
def create_place(request, body: PlaceCreate):
    """Create an area or a site from a GeoJSON geometry."""
    place = services.create_place(**body.dict(), by=request.auth)
    return Status(201, selectors.place_read(place))


@op(router.get, "/places/{place_id}", perm=Perm.PLACES_VIEW, response=PlaceRead)
def get_place(request, place_id: DbId = Path(...)):
    place = get_object_or_404(Place, pk=place_id)
    control = None
    if request.auth.can(Perm.CONTROL_VIEW):
        control = selectors.control_at(now(), [place.pk]).get(place.pk)
    return selectors.place_read(place, control)


@op(router.patch, "/places/{place_id}", perm=Perm.PLACES_EDIT, response=PlaceRead)
def update_place(request, body: PlaceUpdate, place_id: DbId = Path(...)):
    """Update a place; send the version you read (409 if someone changed it since)."""
    get_object_or_404(Place, pk=place_id)
    changes = body.dict(exclude={"version"}, exclude_unset=True)
    return selectors.place_read(services.update_place(place_id=place_id, expected_version=body.version, changes=changes,
                                            by=request.auth))


@op(router.get, "/places/{place_id}/control", perm=Perm.CONTROL_VIEW, response=list[ControlRead])
def control_history(request, place_id: DbId = Path(...)):
    """Every control observation of an area, newest first, with its source."""
    place = get_object_or_404(Place, pk=place_id)
    return [selectors.control_read(o) for o in selectors.control_history(place)]


@op(router.post, "/places/{place_id}/control", perm=Perm.CONTROL_EDIT, response={201: ControlRead})
def observe_control(request, body: ControlCreate, place_id: DbId = Path(...)):
    """Record who controls an area from a time on, according to a source."""
    place = get_object_or_404(Place, pk=place_id)
    party = selectors.party_or_refuse(body.party_id)
    obs = services.observe_control(place=place, party=party, observed_from=body.observed_from,
                                   source=body.source, status=body.status, note=body.note, by=request.auth)
    return Status(201, selectors.control_read(obs))
