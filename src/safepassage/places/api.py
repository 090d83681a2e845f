"""Places routes: thin; services write, selectors read."""


from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from safepassage.accounts.models import Party
from safepassage.core.api import DbId, Page, PageParams, op
from safepassage.core.errors import InvalidInput
from safepassage.core.geometry import parse_bbox
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, require_aware
from safepassage.places import selectors, services
from safepassage.places.models import ControlObservation, Place
from safepassage.places.schemas import (
    ControlCreate,
    ControlRead,
    PlaceCreate,
    PlaceFilters,
    PlaceRead,
    PlaceUpdate,
)

router = Router(tags=["places"])


def control_read(obs: ControlObservation | None) -> dict | None:
    if obs is None:
        return None
    return {"party_id": obs.party_id, "party": obs.party.short_name if obs.party else None,
            "status": obs.status, "observed_from": obs.observed_from, "source": obs.source}


def place_read(place: Place, control: ControlObservation | None = None) -> dict:
    return {"id": place.pk, "kind": place.kind, "name": place.name, "name_ar": place.name_ar,
            "pcode": place.pcode, "site_type": place.site_type, "geometry": place.geometry,
            "bbox": [place.min_lon, place.min_lat, place.max_lon, place.max_lat], "version": place.version,
            "control": control_read(control)}


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
    return {"items": [place_read(p, control.get(p.pk)) for p in items], "count": qs.count()}


@op(router.post, "/places", perm=Perm.PLACES_EDIT, response={201: PlaceRead})
def create_place(request, body: PlaceCreate):
    """Create an area or a site from a GeoJSON geometry."""
    place = services.create_place(**body.dict(), by=request.auth)
    return Status(201, place_read(place))


@op(router.get, "/places/{place_id}", perm=Perm.PLACES_VIEW, response=PlaceRead)
def get_place(request, place_id: DbId = Path(...)):
    place = get_object_or_404(Place, pk=place_id)
    control = None
    if request.auth.can(Perm.CONTROL_VIEW):
        control = selectors.control_at(now(), [place.pk]).get(place.pk)
    return place_read(place, control)


@op(router.patch, "/places/{place_id}", perm=Perm.PLACES_EDIT, response=PlaceRead)
def update_place(request, body: PlaceUpdate, place_id: DbId = Path(...)):
    """Update a place; send the version you read (409 if someone changed it since)."""
    get_object_or_404(Place, pk=place_id)
    changes = body.dict(exclude={"version"}, exclude_unset=True)
    return place_read(services.update_place(place_id=place_id, expected_version=body.version, changes=changes,
                                            by=request.auth))


@op(router.get, "/places/{place_id}/control", perm=Perm.CONTROL_VIEW, response=list[ControlRead])
def control_history(request, place_id: DbId = Path(...)):
    """Every control observation of an area, newest first, with its source."""
    place = get_object_or_404(Place, pk=place_id)
    return [control_read(o) for o in place.control_observations.select_related("party")]


@op(router.post, "/places/{place_id}/control", perm=Perm.CONTROL_EDIT, response={201: ControlRead})
def observe_control(request, body: ControlCreate, place_id: DbId = Path(...)):
    """Record who controls an area from a time on, according to a source."""
    place = get_object_or_404(Place, pk=place_id)
    party = None
    if body.party_id is not None:
        party = Party.objects.filter(pk=body.party_id).first()
        if party is None:
            raise InvalidInput("unknown party", field="party_id")
    obs = services.observe_control(place=place, party=party, observed_from=body.observed_from,
                                   source=body.source, status=body.status, note=body.note, by=request.auth)
    return Status(201, control_read(obs))
