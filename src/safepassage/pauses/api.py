"""Humanitarian pause routes, and 'what is open right now, until when'."""


from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, require_aware
from safepassage.pauses import selectors, services
from safepassage.pauses.models import Pause, PauseStatus
from safepassage.pauses.schemas import (
    OpenNow,
    OpenNowParams,
    PauseCreate,
    PauseFilters,
    PauseRead,
    PauseStatusSet,
    PauseUpdate,
    ResponseCreate,
    ResponseRead,
)

router = Router(tags=["pauses"])


def pause_read(p: Pause) -> dict:
    moment = now()
    return {
        "id": p.pk, "title": p.title, "title_ar": p.title_ar, "starts_at": p.starts_at, "ends_at": p.ends_at,
        "status": p.status,
        "in_force_now": p.status in (PauseStatus.AGREED, PauseStatus.ACTIVE) and p.starts_at <= moment < p.ends_at,
        "place_ids": sorted(x.pk for x in p.places.all()),
        "corridor_ids": sorted(x.pk for x in p.corridors.all()),
        "responses": [
            {"party_id": r.party_id, "party": r.party.short_name, "state": r.state, "at": r.at,
             "by": r.by.username if r.by else None, "note": r.note}
            for r in sorted(p.responses.all(), key=lambda r: r.party.short_name)
        ],
        "notes": p.notes, "version": p.version,
    }


def _fresh(pause_id: int) -> Pause:
    return selectors.pauses().get(pk=pause_id)


@op(router.get, "/pauses", perm=Perm.PAUSES_VIEW, response=Page(PauseRead))
def list_pauses(request, filters: PauseFilters = Query(...), paging: PageParams = Query(...)):
    """List pauses; `at` keeps those whose window contains that time."""
    at = require_aware(filters.at, "at") if filters.at else None
    qs = selectors.pauses(status=filters.status, at=at).prefetch_related("responses__by")
    return page(qs, paging, pause_read)


@op(router.post, "/pauses", perm=Perm.PAUSES_EDIT, response={201: PauseRead})
def create_pause(request, body: PauseCreate):
    """Propose a pause; overlapping or inverted windows are refused."""
    pause = services.create_pause(**body.dict(), by=request.auth)
    return Status(201, pause_read(_fresh(pause.pk)))


@op(router.get, "/pauses/{pause_id}", perm=Perm.PAUSES_VIEW, response=PauseRead)
def get_pause(request, pause_id: DbId = Path(...)):
    get_object_or_404(Pause, pk=pause_id)
    return pause_read(_fresh(pause_id))


@op(router.patch, "/pauses/{pause_id}", perm=Perm.PAUSES_EDIT, response=PauseRead)
def update_pause(request, body: PauseUpdate, pause_id: DbId = Path(...)):
    """Change window or scope (409 on a stale version); agreed terms that change go back to proposed."""
    get_object_or_404(Pause, pk=pause_id)
    changes = body.dict(exclude={"version"}, exclude_unset=True)
    services.update_pause(pause_id=pause_id, expected_version=body.version, changes=changes, by=request.auth)
    return pause_read(_fresh(pause_id))


@op(router.post, "/pauses/{pause_id}/responses", perm=Perm.PAUSES_RESPOND, response=ResponseRead)
def respond(request, body: ResponseCreate, pause_id: DbId = Path(...)):
    """A party accepts or refuses (its liaison, or a coordinator recording it with a note)."""
    get_object_or_404(Pause, pk=pause_id)
    r = services.respond_to_pause(pause_id=pause_id, party_id=body.party_id, state=body.state, note=body.note,
                                  by=request.auth)
    return {"party_id": r.party_id, "party": r.party.short_name, "state": r.state, "at": r.at,
            "by": r.by.username if r.by else None, "note": r.note}


@op(router.post, "/pauses/{pause_id}/status", perm=Perm.PAUSES_EDIT, response=PauseRead)
def set_status(request, body: PauseStatusSet, pause_id: DbId = Path(...)):
    """Move a pause along proposed → agreed → active → ended, or to violated."""
    get_object_or_404(Pause, pk=pause_id)
    services.set_pause_status(pause_id=pause_id, status=body.status, reason=body.reason,
                              expected_version=body.version, by=request.auth)
    return pause_read(_fresh(pause_id))


@op(router.get, "/open-now", perm=Perm.PAUSES_VIEW, response=OpenNow)
def open_now(request, params: OpenNowParams = Query(...)):
    """What is open right now, and until when: open corridors within their hours, and pauses in force."""
    at = require_aware(params.at, "at") if params.at else now()
    return selectors.open_now(at)
