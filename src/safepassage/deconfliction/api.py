"""Notification (deconfliction) routes: send, re-notify, answer, export as CAP 1.2 and as a PDF letter."""


from django.http import HttpResponse
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Perm
from safepassage.deconfliction import cap, letter, selectors, services
from safepassage.deconfliction.schemas import (
    AnswerCreate,
    AnswerRead,
    DeadlineSweep,
    DeadlineSweepResult,
    NotificationCreate,
    NotificationFilters,
    NotificationRead,
    Renotify,
    Withdraw,
)

router = Router(tags=["deconfliction"])
_ERROR_BODY = {"application/json": {"schema": {
    "type": "object", "required": ["detail"],
    "properties": {"detail": {"type": "string"}, "errors": {"type": "array", "items": {
        "type": "object", "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}}}}}}
_ERROR_RESPONSES = {code: {"description": "error", "content": _ERROR_BODY} for code in (400, 401, 403, 404, 409, 422)}


def _file_responses(media_type: str, description: str, fmt: str | None = None) -> dict:
    """OpenAPI for a route that returns a file: the file on 200, the standard error body otherwise."""
    schema = {"type": "string", **({"format": fmt} if fmt else {})}
    return {"responses": {200: {"description": description, "content": {media_type: {"schema": schema}}},
                          **_ERROR_RESPONSES}}


@op(router.get, "/notifications", perm=Perm.NOTIFICATIONS_VIEW, response=Page(NotificationRead))
def list_notifications(request, filters: NotificationFilters = Query(...), paging: PageParams = Query(...)):
    """Notifications, newest first; a party liaison sees only those sent to their party."""
    qs = selectors.notifications(request.auth, kind=filters.kind, state=filters.state, convoy_id=filters.convoy_id)
    return page(qs, paging, lambda n: selectors.notification_read(n, request.auth))


@op(router.post, "/notifications", perm=Perm.NOTIFICATIONS_SEND, response={201: NotificationRead})
def create_notification(request, body: NotificationCreate):
    """Notify the parties of an evacuation movement or a static site (a hospital, a meal station)."""
    site = selectors.site_or_refuse(body.site_id)
    geometry = body.geometry
    if geometry is None:
        if site is None:
            raise InvalidInput("give the route (GeoJSON line) or the site", field="geometry")
        geometry = site.geometry
    n = services.notify(kind=body.kind, site=site, title=body.title, title_ar=body.title_ar,
                        description=body.description, who=body.who, geometry=geometry, starts_at=body.starts_at,
                        ends_at=body.ends_at, deadline=body.deadline, party_ids=body.party_ids, by=request.auth)
    return Status(201, selectors.notification_read(n, request.auth))


@op(router.post, "/notifications/deadlines", perm=Perm.NOTIFICATIONS_SEND, response=DeadlineSweepResult)
def record_deadlines(request, body: DeadlineSweep):
    """Record 'no answer' for every party still silent after its deadline."""
    return {"recorded": services.record_no_answers(notification_id=body.notification_id)}


@op(router.get, "/notifications/{notification_id}", perm=Perm.NOTIFICATIONS_VIEW, response=NotificationRead)
def get_notification(request, notification_id: DbId = Path(...)):
    return selectors.notification_read(selectors.visible(request.auth, notification_id), request.auth)


@op(router.post, "/notifications/{notification_id}/renotify", perm=Perm.NOTIFICATIONS_SEND,
    response={201: NotificationRead})
def renotify(request, body: Renotify, notification_id: DbId = Path(...)):
    """Send a new revision (route, time or scope changed); earlier acknowledgements no longer count."""
    n = selectors.visible(request.auth, notification_id)
    if n.convoy_id is not None:
        raise InvalidInput("change the convoy (PATCH /api/convoys/{id}); it re-notifies the parties",
                           field="notification_id")
    changes = body.dict(exclude={"reason", "deadline", "party_ids"}, exclude_unset=True)
    new = services.renotify(notification_id=n.pk, changes=changes, deadline=body.deadline, reason=body.reason,
                            party_ids=body.party_ids, by=request.auth)
    return Status(201, selectors.notification_read(new, request.auth))


@op(router.post, "/notifications/{notification_id}/withdraw", perm=Perm.NOTIFICATIONS_SEND,
    response=NotificationRead)
def withdraw(request, body: Withdraw, notification_id: DbId = Path(...)):
    n = selectors.visible(request.auth, notification_id)
    if n.convoy_id is not None:
        raise InvalidInput("abort the convoy instead; it withdraws its notification", field="notification_id")
    return selectors.notification_read(services.withdraw(notification_id=n.pk, reason=body.reason, by=request.auth),
                             request.auth)


@op(router.post, "/notifications/{notification_id}/answer", perm=Perm.NOTIFICATIONS_RESPOND, response=AnswerRead)
def answer(request, body: AnswerCreate, notification_id: DbId = Path(...)):
    """A party's liaison acknowledges, or refuses with a reason, from their own account."""
    selectors.visible(request.auth, notification_id)
    services.record_no_answers(notification_id=notification_id)
    ack = services.respond(notification_id=notification_id, state=body.state, reason=body.reason,
                           party_id=body.party_id, revision=body.revision, conditions=body.conditions,
                           by=request.auth)
    return selectors.answer_read(ack)


@op(router.get, "/notifications/{notification_id}/cap", perm=Perm.NOTIFICATIONS_VIEW,
    openapi_extra=_file_responses("application/xml", "CAP 1.2 XML"))
def export_cap(request, notification_id: DbId = Path(...)):
    """The notification as a CAP 1.2 message, scope Restricted."""
    n = selectors.visible(request.auth, notification_id)
    resp = HttpResponse(cap.to_cap(n), content_type="application/xml; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="notification-{n.pk}-r{n.revision}.cap.xml"'
    return resp


@op(router.get, "/notifications/{notification_id}/letter", perm=Perm.NOTIFICATIONS_VIEW,
    openapi_extra=_file_responses("application/pdf", "PDF letter, English and Arabic", "binary"))
def export_letter(request, notification_id: DbId = Path(...)):
    """The notification as a printable letter (PDF), in English and Arabic."""
    n = selectors.visible(request.auth, notification_id)
    resp = HttpResponse(letter.render_pdf(n), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="notification-{n.pk}-r{n.revision}.pdf"'
    return resp
