"""Humanitarian pause routes, and 'what is open right now, until when'."""


from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, PageParams, op
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, require_aware
from safepassage.pauses import selectors, services
from safepassage.pauses.schemas import (
    OpenNow,
    OpenNowParams,
    PauseCreate,
    PauseFilters,
    PausePage,
    PauseRead,
    PauseRepropose,
    PauseStatusSet,
    PauseUpdate,
    PauseView,
    ResponseCreate,
    ResponseRead,
)

router = Router(tags=["pauses"])


@op(router.get, "/pauses", perm=Perm.PAUSES_VIEW, response=PausePage)
def list_pauses(request, filters: PauseFilters = Query(...), paging: PageParams = Query(...)):
    """List pauses; `at` keeps those whose window contains that time.

    The public reads agreed and active pauses (and withdrawn ones until their window ends), terms only;
    a party liaison reads the pauses sent to their party, with their own party's response; staff read all.
    """
    at = require_aware(filters.at, "at") if filters.at else None
    return selectors.pause_page(request.auth, status=filters.status, at=at, offset=paging.offset,
                                limit=paging.limit)


@op(router.post, "/pauses", perm=Perm.PAUSES_EDIT, response={201: PauseRead})
def create_pause(request, body: PauseCreate):
    """Propose a pause; overlapping or inverted windows are refused."""
    pause = services.create_pause(**body.dict(), by=request.auth)
    return Status(201, selectors.pause_detail(request.auth, pause.pk))


@op(router.get, "/pauses/{pause_id}", perm=Perm.PAUSES_VIEW, response=PauseView)
def get_pause(request, pause_id: DbId = Path(...)):
    """One pause, in the reader's view (404 when it is not one they may read)."""
    return selectors.pause_detail(request.auth, pause_id)


@op(router.patch, "/pauses/{pause_id}", perm=Perm.PAUSES_EDIT, response=PauseRead)
def update_pause(request, body: PauseUpdate, pause_id: DbId = Path(...)):
    """Change window or scope (409 on a stale version); agreed terms that change go back to proposed."""
    selectors.pause_detail(request.auth, pause_id)
    changes = body.dict(exclude={"version"}, exclude_unset=True)
    services.update_pause(pause_id=pause_id, expected_version=body.version, changes=changes, by=request.auth)
    return selectors.pause_detail(request.auth, pause_id)


@op(router.post, "/pauses/{pause_id}/responses", perm=Perm.PAUSES_RESPOND, response=ResponseRead)
def respond(request, body: ResponseCreate, pause_id: DbId = Path(...)):
    """A party accepts or refuses (its liaison, or a coordinator recording it with a note).

    A refusal of an agreed or active pause withdraws it: it is out of force at once.
    """
    selectors.pause_detail(request.auth, pause_id)
    r = services.respond_to_pause(pause_id=pause_id, party_id=body.party_id, state=body.state, note=body.note,
                                  by=request.auth)
    return selectors.response_read(r)


@op(router.post, "/pauses/{pause_id}/status", perm=Perm.PAUSES_EDIT, response=PauseRead)
def set_status(request, body: PauseStatusSet, pause_id: DbId = Path(...)):
    """Move a pause along proposed → agreed → active → ended, or to violated."""
    selectors.pause_detail(request.auth, pause_id)
    services.set_pause_status(pause_id=pause_id, status=body.status, reason=body.reason,
                              expected_version=body.version, by=request.auth)
    return selectors.pause_detail(request.auth, pause_id)


@op(router.post, "/pauses/{pause_id}/repropose", perm=Perm.PAUSES_EDIT, response={201: PauseRead})
def repropose(request, body: PauseRepropose, pause_id: DbId = Path(...)):
    """Propose a withdrawn pause again as its next revision (same scope and parties, answers pending)."""
    selectors.pause_detail(request.auth, pause_id)
    pause = services.repropose_pause(pause_id=pause_id, by=request.auth, **body.dict())
    return Status(201, selectors.pause_detail(request.auth, pause.pk))


@op(router.get, "/open-now", perm=Perm.PAUSES_VIEW, response=OpenNow)
def open_now(request, params: OpenNowParams = Query(...)):
    """What is open right now, and until when: open corridors within their hours, and pauses in force."""
    at = require_aware(params.at, "at") if params.at else now()
    return selectors.open_now(at)
