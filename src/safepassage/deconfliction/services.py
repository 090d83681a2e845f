"""Writers for notifications to the parties and their acknowledgements; each call is one audited transaction."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from safepassage.accounts.models import Party
from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, NotFound, PermissionDenied, StateConflict
from safepassage.core.geometry import LINE_TYPES, validate_geometry
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal
from safepassage.core.timeutil import now, require_aware
from safepassage.deconfliction.models import (
    Acknowledgement,
    AckState,
    Kind,
    Notification,
    NotificationState,
)

# The clock that records "no answer by the deadline": not a person.
DEADLINE_CLOCK = Principal(user=None, role=Role.ADMIN, via="deadline")
SITE_TYPES = {"Point", "Polygon", "MultiPolygon"}


NOTIFICATION_STATE = ["kind", "series", "revision", "convoy", "site", "title", "who", "geometry", "starts_at",
                      "ends_at", "sent_at", "deadline", "state", "parties", "version"]  # the keys of `_state`


def _state(n: Notification) -> dict:
    return {
        "kind": n.kind, "series": str(n.series), "revision": n.revision, "convoy": n.convoy_id, "site": n.site_id,
        "title": n.title, "who": n.who, "geometry": n.geometry, "starts_at": n.starts_at, "ends_at": n.ends_at,
        "sent_at": n.sent_at, "deadline": n.deadline, "state": n.state,
        "parties": sorted(n.acknowledgements.values_list("party_id", flat=True)), "version": n.version,
    }


def _parties(party_ids: list[int]) -> list[Party]:
    if not party_ids:
        raise InvalidInput("name every party that must be notified", field="party_ids")
    ids = sorted(set(party_ids))
    found = list(Party.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {p.pk for p in found})
    if missing:
        raise InvalidInput(f"unknown party id(s): {', '.join(map(str, missing))}", field="party_ids")
    return found


def _check_times(*, kind: str, starts_at: datetime, ends_at: datetime | None, deadline: datetime,
                 sent_at: datetime) -> tuple[datetime, datetime | None, datetime]:
    starts_at = require_aware(starts_at, "starts_at")
    ends_at = require_aware(ends_at, "ends_at") if ends_at is not None else None
    deadline = require_aware(deadline, "deadline")
    if kind != Kind.STATIC_SITE and ends_at is None:
        raise InvalidInput("a movement needs an end time", field="ends_at")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("the end must come after the start", field="ends_at")
    if deadline <= sent_at:
        raise InvalidInput(f"the deadline must be after the notification is sent ({sent_at.isoformat()})",
                           field="deadline")
    if kind != Kind.STATIC_SITE and deadline > starts_at:
        raise InvalidInput("parties must answer before the movement starts: the deadline is after the start",
                           field="deadline")
    return starts_at, ends_at, deadline


def _geometry(kind: str, geometry: dict) -> dict:
    allowed = SITE_TYPES if kind == Kind.STATIC_SITE else LINE_TYPES
    return validate_geometry(geometry, field="geometry", allowed=allowed)


def _create(*, kind: str, title: str, geometry: dict, starts_at: datetime, ends_at: datetime | None,
            deadline: datetime, parties: list[Party], who: str, description: str, title_ar: str, convoy, site,
            by, sent_at: datetime, previous: Notification | None = None) -> Notification:
    if not title.strip():
        raise InvalidInput("say what is notified", field="title")
    if not who.strip():
        raise InvalidInput("say who moves or works there (organisations, teams)", field="who")
    n = Notification(kind=kind, title=title.strip(), title_ar=title_ar.strip(), description=description,
                     who=who.strip(), starts_at=starts_at, ends_at=ends_at, deadline=deadline, sent_at=sent_at,
                     convoy=convoy, site=site, sent_by=getattr(by, "user", by))
    if previous is not None:
        n.series, n.revision, n.supersedes = previous.series, previous.revision + 1, previous
    n.set_geometry(_geometry(kind, geometry))
    n.save()
    Acknowledgement.objects.bulk_create([Acknowledgement(notification=n, party=p) for p in parties])
    record(actor=by, action="notification.sent", obj=n, after=_state(n))
    return n


@transaction.atomic
def notify(*, kind: str, title: str, geometry: dict, starts_at: datetime, ends_at: datetime | None,
           deadline: datetime, party_ids: list[int], who: str, description: str = "", title_ar: str = "",
           convoy=None, site=None, by, at: datetime | None = None) -> Notification:
    """Send a first notification to every required party; each answers before the deadline."""
    if kind not in Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Kind.values)}", field="kind")
    if kind == Kind.CONVOY and convoy is None:
        raise InvalidInput("a convoy notification names its convoy", field="convoy_id")
    if kind == Kind.STATIC_SITE and site is None:
        raise InvalidInput("a static-site notification names its site", field="site_id")
    sent_at = require_aware(at, "at") if at is not None else now()
    starts_at, ends_at, deadline = _check_times(kind=kind, starts_at=starts_at, ends_at=ends_at,
                                                deadline=deadline, sent_at=sent_at)
    if convoy is not None and Notification.objects.filter(convoy=convoy, state=NotificationState.ACTIVE).exists():
        raise StateConflict("this convoy already has an active notification: re-notify it instead",
                            field="convoy_id")
    return _create(kind=kind, title=title, geometry=geometry, starts_at=starts_at, ends_at=ends_at,
                   deadline=deadline, parties=_parties(party_ids), who=who, description=description,
                   title_ar=title_ar, convoy=convoy, site=site, by=by, sent_at=sent_at)


@transaction.atomic
def renotify(*, notification_id: int, changes: dict, deadline: datetime, reason: str,
             party_ids: list[int] | None = None, by, at: datetime | None = None) -> Notification:
    """Send a new revision after a change of route, time or scope; older acknowledgements no longer count."""
    if not reason or not reason.strip():
        raise InvalidInput("say what changed; the parties see it", field="reason")
    sent_at = require_aware(at, "at") if at is not None else now()
    old = Notification.objects.select_for_update().get(pk=notification_id)
    if old.state != NotificationState.ACTIVE:
        raise StateConflict(f"notification #{old.pk} is {old.state}; re-notify its current revision",
                            field="state")
    kind = old.kind
    starts_at = changes.get("starts_at") or old.starts_at
    ends_at = changes["ends_at"] if changes.get("ends_at") is not None else old.ends_at
    starts_at, ends_at, deadline = _check_times(kind=kind, starts_at=starts_at, ends_at=ends_at,
                                                deadline=deadline, sent_at=sent_at)
    parties = (_parties(party_ids) if party_ids is not None
               else list(Party.objects.filter(acknowledgements__notification=old)))
    before = _state(old)
    old.state, old.state_reason = NotificationState.SUPERSEDED, reason.strip()
    old.version += 1
    old.save(update_fields=["state", "state_reason", "version", "updated_at"])
    record(actor=by, action="notification.superseded", obj=old, before=before,
           after={"state": old.state, "reason": old.state_reason, "version": old.version})
    return _create(kind=kind, title=changes.get("title") or old.title,
                   geometry=changes.get("geometry") or old.geometry, starts_at=starts_at, ends_at=ends_at,
                   deadline=deadline, parties=parties, who=changes.get("who") or old.who,
                   description=changes["description"] if changes.get("description") is not None
                   else old.description,
                   title_ar=changes["title_ar"] if changes.get("title_ar") is not None else old.title_ar,
                   convoy=old.convoy, site=old.site, by=by, sent_at=sent_at, previous=old)


@transaction.atomic
def withdraw(*, notification_id: int, reason: str, by) -> Notification:
    """Withdraw a notification (movement cancelled, site closed)."""
    if not reason or not reason.strip():
        raise InvalidInput("give the reason for the withdrawal", field="reason")
    n = Notification.objects.select_for_update().get(pk=notification_id)
    if n.state != NotificationState.ACTIVE:
        raise StateConflict(f"notification #{n.pk} is already {n.state}", field="state")
    before = {"state": n.state, "version": n.version}
    n.state, n.state_reason = NotificationState.WITHDRAWN, reason.strip()
    n.version += 1
    n.save(update_fields=["state", "state_reason", "version", "updated_at"])
    record(actor=by, action="notification.withdrawn", obj=n, before=before,
           after={"state": n.state, "reason": n.state_reason, "version": n.version})
    return n


@transaction.atomic
def record_no_answers(*, notification_id: int | None = None, at: datetime | None = None,
                      by=DEADLINE_CLOCK) -> int:
    """Record 'no answer' for every party still pending once the deadline has passed; returns how many."""
    at = require_aware(at, "at") if at is not None else now()
    qs = (Acknowledgement.objects.select_for_update()
          .filter(state=AckState.PENDING, notification__state=NotificationState.ACTIVE,
                  notification__deadline__lte=at))
    if notification_id is not None:
        qs = qs.filter(notification_id=notification_id)
    count = 0
    for ack in qs.select_related("notification").order_by("notification_id", "party_id"):
        ack.state, ack.at = AckState.NO_ANSWER, ack.notification.deadline
        ack.save(update_fields=["state", "at"])
        record(actor=by, action="notification.no_answer", obj=ack.notification,
               before={"party": ack.party_id, "state": AckState.PENDING},
               after={"party": ack.party_id, "state": AckState.NO_ANSWER, "deadline": ack.notification.deadline})
        count += 1
    return count


@transaction.atomic
def respond(*, notification_id: int, state: str, reason: str = "", party_id: int | None = None,
            revision: int | None = None, by, at: datetime | None = None, conditions: str = "") -> Acknowledgement:
    """A party's liaison acknowledges or refuses (with a reason), from their own account.

    Concurrent answers are serialised on the notification row: the first one stands, an identical
    repeat is a no-op, a different one is refused; an answer to a superseded revision is refused.
    """
    if state not in (AckState.ACKNOWLEDGED, AckState.REFUSED):
        raise InvalidInput("state must be acknowledged or refused", field="state")
    if getattr(by, "role", None) != Role.PARTY_LIAISON or getattr(by, "party_id", None) is None:
        raise PermissionDenied("a party answers from its own liaison account; others cannot answer for it",
                               field="party_id")
    party_id = party_id if party_id is not None else by.party_id
    if party_id != by.party_id:
        raise PermissionDenied("a liaison answers for their own party only", field="party_id")
    if state == AckState.REFUSED and not reason.strip():
        raise InvalidInput("a refusal needs a reason", field="reason")
    conditions = (conditions or "").strip()
    if conditions and state != AckState.ACKNOWLEDGED:
        raise InvalidInput("conditions go with an acknowledgement; a refusal gives its reason", field="conditions")
    at = require_aware(at, "at") if at is not None else now()
    n = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if n is None or not n.acknowledgements.filter(party_id=party_id).exists():
        raise NotFound("your party is not notified of this", field="notification_id")
    if n.state == NotificationState.SUPERSEDED:
        newer = Notification.objects.filter(series=n.series).order_by("-revision").first()
        raise StateConflict(
            f"revision {n.revision} was superseded by revision {newer.revision} (notification #{newer.pk}): "
            f"{n.state_reason}. Your answer was not recorded; answer the current revision", field="revision")
    if n.state == NotificationState.WITHDRAWN:
        raise StateConflict(f"this notification was withdrawn: {n.state_reason}", field="state")
    if revision is not None and revision != n.revision:
        raise StateConflict(f"you answered revision {revision}; the current one is {n.revision}", field="revision")
    ack = n.acknowledgements.select_for_update().get(party_id=party_id)
    if ack.state == state and ack.conditions == conditions and (state == AckState.ACKNOWLEDGED
                                                                or ack.reason == reason.strip()):
        return ack  # a retry of the same answer: nothing new to record
    if ack.state in (AckState.ACKNOWLEDGED, AckState.REFUSED):
        raise StateConflict(
            f"{ack.party.short_name} already {ack.state} revision {n.revision} at {ack.at.isoformat()}; "
            "a different answer needs a re-notification", field="state")
    if ack.state == AckState.NO_ANSWER or at >= n.deadline:
        raise StateConflict(
            f"the deadline passed at {n.deadline.isoformat()}: recorded as no answer; ask for a re-notification",
            field="state")
    before = {"party": party_id, "state": ack.state}
    ack.state, ack.reason, ack.conditions, ack.at, ack.by = state, reason.strip(), conditions, at, by.user
    ack.save(update_fields=["state", "reason", "conditions", "at", "by"])
    action = "notification.acknowledged" if state == AckState.ACKNOWLEDGED else "notification.refused"
    record(actor=by, action=action, obj=n, before=before,
           after={"party": party_id, "state": state, "reason": ack.reason, "conditions": conditions, "at": at,
                  "revision": n.revision})
    return ack
