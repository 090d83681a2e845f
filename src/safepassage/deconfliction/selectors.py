"""Reads of notifications, filtered for the acting principal; effective answers at a given time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet, prefetch_related_objects

from safepassage.core.errors import NotFound
from safepassage.core.models import get_or_refuse
from safepassage.core.permissions import Role
from safepassage.core.timeutil import now
from safepassage.deconfliction.models import Acknowledgement, AckState, Notification, NotificationState
from safepassage.places.models import Place

NOTICE_AHEAD = timedelta(hours=48)  # movements are notified 48 h ahead (24 h in emergencies)


def is_liaison(principal) -> bool:
    return getattr(principal, "role", None) == Role.PARTY_LIAISON


def notifications(principal, *, kind: str | None = None, state: str | None = None,
                  convoy_id: int | None = None) -> QuerySet[Notification]:
    """Notifications the principal may see: a liaison sees only those sent to their party."""
    qs = Notification.objects.select_related("convoy", "site")
    if is_liaison(principal):
        qs = qs.filter(acknowledgements__party_id=principal.party_id)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if convoy_id:
        qs = qs.filter(convoy_id=convoy_id)
    return qs.order_by("-sent_at", "-id")


def effective_state(ack: Acknowledgement, notification: Notification, at: datetime | None = None) -> str:
    """A pending answer past the deadline counts as no answer, recorded or not."""
    at = at or now()
    if ack.state == AckState.PENDING and at >= notification.deadline:
        return AckState.NO_ANSWER
    return ack.state


def _acks(notification: Notification) -> list[Acknowledgement]:
    """The acknowledgements by party name, fetched with their party and author unless already prefetched."""
    prefetch_related_objects([notification], "acknowledgements__party", "acknowledgements__by")
    return sorted(notification.acknowledgements.all(), key=lambda a: a.party.short_name)


def answers(notification: Notification, principal=None, at: datetime | None = None) -> list[dict]:
    """Each required party's answer; a liaison sees only their own party's line."""
    out = []
    for ack in _acks(notification):
        if principal is not None and is_liaison(principal) and ack.party_id != principal.party_id:
            continue
        out.append({"party_id": ack.party_id, "party": ack.party.short_name,
                    "state": effective_state(ack, notification, at), "at": ack.at,
                    "by": ack.by.username if ack.by else None, "reason": ack.reason,
                    "conditions": ack.conditions})
    # refusals first, then the unanswered, then acknowledgements with conditions, then the rest
    order = {AckState.REFUSED: 0, AckState.NO_ANSWER: 1, AckState.PENDING: 2}
    out.sort(key=lambda a: (order.get(a["state"], 3 if a["conditions"] else 4), a["party"]))
    return out


def missing_parties(notification: Notification | None, at: datetime | None = None) -> list[str]:
    """Short names of the required parties that have not acknowledged (refused, pending, no answer)."""
    if notification is None:
        return []
    return [a.party.short_name
            for a in _acks(notification)
            if effective_state(a, notification, at) != AckState.ACKNOWLEDGED]


def current_for_convoy(convoy_id: int) -> Notification | None:
    return Notification.objects.filter(convoy_id=convoy_id, state=NotificationState.ACTIVE).first()


def all_acknowledged(notification: Notification | None, at: datetime | None = None) -> bool:
    if notification is None or notification.state != NotificationState.ACTIVE:
        return False
    acks = list(notification.acknowledgements.all())
    return bool(acks) and all(effective_state(a, notification, at) == AckState.ACKNOWLEDGED for a in acks)


def history(notification: Notification) -> list[Notification]:
    return list(Notification.objects.filter(series=notification.series).order_by("revision"))


def notification_read(n: Notification, principal=None) -> dict:
    """A notification with every party's answer as the principal may see them."""
    moment = now()
    newer = Notification.objects.filter(supersedes_id=n.pk).values_list("id", flat=True).first()
    shown = answers(n, principal, moment)
    return {
        "id": n.pk, "series": str(n.series), "revision": n.revision, "supersedes_id": n.supersedes_id,
        "superseded_by_id": newer, "kind": n.kind, "convoy_id": n.convoy_id, "site_id": n.site_id,
        "title": n.title, "title_ar": n.title_ar, "description": n.description, "who": n.who,
        "geometry": n.geometry, "starts_at": n.starts_at, "ends_at": n.ends_at, "sent_at": n.sent_at,
        "deadline": n.deadline, "state": n.state, "state_reason": n.state_reason,
        "renotify_reason": n.renotify_reason, "renotify_flagged_at": n.renotify_flagged_at,
        "answers": shown,
        # a liaison learns only whether their own party's answer is missing
        "missing": ([a["party"] for a in shown if a["state"] != "acknowledged"] if is_liaison(principal)
                    else missing_parties(n, moment)),
        "cleared": all_acknowledged(n, moment), "version": n.version,
        "notice_hours": round((n.starts_at - n.sent_at).total_seconds() / 3600, 2),
        "short_notice": n.kind != "static_site" and n.starts_at - n.sent_at < NOTICE_AHEAD,
    }


def visible(principal, notification_id: int) -> Notification:
    """The notification if the principal may see it (a liaison: only if sent to their party)."""
    n = notifications(principal).filter(pk=notification_id).first()
    if n is None:
        raise NotFound("no such notification (or not sent to your party)")
    return n


def site_or_refuse(site_id: int | None) -> Place | None:
    return get_or_refuse(Place, site_id, "site_id")

def answer_read(ack: Acknowledgement) -> dict:
    return {"party_id": ack.party_id, "party": ack.party.short_name, "state": ack.state, "at": ack.at,
            "by": ack.by.username if ack.by else None, "reason": ack.reason, "conditions": ack.conditions}
