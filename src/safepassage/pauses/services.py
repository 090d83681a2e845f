"""Writers for humanitarian pauses: window, scope, parties' responses, withdrawal, lifecycle, revisions."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from safepassage.accounts.models import Party
from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, NotFound, PermissionDenied, StateConflict
from safepassage.core.permissions import Role
from safepassage.core.timeutil import now, require_aware
from safepassage.corridors.models import Corridor
from safepassage.pauses.models import (
    IN_FORCE,
    Pause,
    PauseResponse,
    PauseStatus,
    PauseStatusChange,
    ResponseState,
)
from safepassage.places.models import Place

LIVE = [PauseStatus.PROPOSED, PauseStatus.AGREED, PauseStatus.ACTIVE]
TRANSITIONS: dict[str, set[str]] = {
    PauseStatus.PROPOSED: {PauseStatus.AGREED},
    PauseStatus.AGREED: {PauseStatus.ACTIVE, PauseStatus.VIOLATED, PauseStatus.PROPOSED},
    PauseStatus.ACTIVE: {PauseStatus.ENDED, PauseStatus.VIOLATED},
    PauseStatus.ENDED: set(),
    PauseStatus.VIOLATED: set(),
    PauseStatus.WITHDRAWN: set(),  # proposed again as a new revision, never revived
}
# A party may answer while the pause is proposed or agreed, and withdraw (refuse) while it is active.
ANSWERABLE = [PauseStatus.PROPOSED, PauseStatus.AGREED, PauseStatus.ACTIVE]


PAUSE_STATE = ["title", "starts_at", "ends_at", "status", "places", "corridors", "parties", "version", "revision",
               "previous"]  # the keys of `_pause_state`


def _pause_state(pause: Pause) -> dict:
    return {
        "title": pause.title, "starts_at": pause.starts_at, "ends_at": pause.ends_at, "status": pause.status,
        "places": sorted(pause.places.values_list("id", flat=True)),
        "corridors": sorted(pause.corridors.values_list("id", flat=True)),
        "parties": sorted(pause.parties.values_list("id", flat=True)), "version": pause.version,
        "revision": pause.revision, "previous": pause.previous_id,
    }


def _check_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    starts_at = require_aware(starts_at, "starts_at")
    ends_at = require_aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput("the pause must end after it starts", field="ends_at")
    return starts_at, ends_at


def _resolve(model, ids: list[int], field: str) -> list:
    ids = sorted(set(ids))
    found = list(model.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {o.pk for o in found})
    if missing:
        raise InvalidInput(f"unknown id(s): {', '.join(map(str, missing))}", field=field)
    return found


def _check_overlap(*, starts_at, ends_at, place_ids, corridor_ids, exclude_id=None) -> None:
    """Two live pauses over the same place or corridor must not overlap in time."""
    scope = Q(places__in=place_ids) | Q(corridors__in=corridor_ids)
    clash = (Pause.objects.filter(status__in=LIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
             .filter(scope).exclude(pk=exclude_id).distinct().first())
    if clash is not None:
        raise StateConflict(
            f"overlaps pause #{clash.pk} '{clash.title}' ({clash.starts_at.isoformat()} to "
            f"{clash.ends_at.isoformat()}, {clash.status}) over the same places or corridors",
            field="starts_at",
        )


@transaction.atomic
def create_pause(*, title: str, starts_at: datetime, ends_at: datetime, place_ids: list[int],
                 corridor_ids: list[int], party_ids: list[int], title_ar: str = "", notes: str = "",
                 by, at: datetime | None = None) -> Pause:
    """Propose a pause; `at`: when it was proposed, now by default."""
    pause = _create(title=title, starts_at=starts_at, ends_at=ends_at, place_ids=place_ids,
                    corridor_ids=corridor_ids, party_ids=party_ids, title_ar=title_ar, notes=notes, by=by,
                    at=_happened(at))
    record(actor=by, action="pause.created", obj=pause, after=_pause_state(pause))
    return pause


def _create(*, title: str, starts_at: datetime, ends_at: datetime, place_ids: list[int], corridor_ids: list[int],
            party_ids: list[int], title_ar: str, notes: str, by, previous: Pause | None = None,
            at: datetime | None = None) -> Pause:
    if not title.strip():
        raise InvalidInput("title is required", field="title")
    starts_at, ends_at = _check_window(starts_at, ends_at)
    if not place_ids and not corridor_ids:
        raise InvalidInput("a pause needs a scope: at least one place or corridor", field="corridor_ids")
    places = _resolve(Place, place_ids, "place_ids")
    corridors = _resolve(Corridor, corridor_ids, "corridor_ids")
    parties = _resolve(Party, party_ids, "party_ids")
    if not parties:
        raise InvalidInput("name the parties whose acceptance is needed", field="party_ids")
    _check_overlap(starts_at=starts_at, ends_at=ends_at, place_ids=[p.pk for p in places],
                   corridor_ids=[c.pk for c in corridors])
    pause = Pause.objects.create(title=title.strip(), title_ar=title_ar, starts_at=starts_at, ends_at=ends_at,
                                 notes=notes, previous=previous,
                                 revision=previous.revision + 1 if previous is not None else 1)
    pause.places.set(places)
    pause.corridors.set(corridors)
    pause.parties.set(parties)
    PauseResponse.objects.bulk_create([PauseResponse(pause=pause, party=p) for p in parties])
    reason = f"proposed again after #{previous.pk} was withdrawn" if previous is not None else "proposed"
    PauseStatusChange.objects.create(pause=pause, status=PauseStatus.PROPOSED, reason=reason,
                                     changed_by=getattr(by, "user", by), at=at or now())
    return pause


@transaction.atomic
def repropose_pause(*, pause_id: int, by, title: str | None = None, title_ar: str | None = None,
                    starts_at: datetime | None = None, ends_at: datetime | None = None,
                    notes: str | None = None) -> Pause:
    """Propose a withdrawn pause again as its next revision: same scope and parties, every answer pending."""
    old = Pause.objects.select_for_update().get(pk=pause_id)
    if old.status != PauseStatus.WITHDRAWN:
        raise StateConflict(f"only a withdrawn pause is proposed again; this one is {old.status}", field="status")
    newer = old.next_revisions.first()
    if newer is not None:
        raise StateConflict(f"already proposed again as pause #{newer.pk} (revision {newer.revision})",
                            field="pause_id")
    pause = _create(
        title=title if title is not None else old.title,
        title_ar=title_ar if title_ar is not None else old.title_ar,
        starts_at=starts_at or old.starts_at, ends_at=ends_at or old.ends_at,
        place_ids=list(old.places.values_list("id", flat=True)),
        corridor_ids=list(old.corridors.values_list("id", flat=True)),
        party_ids=list(old.parties.values_list("id", flat=True)),
        notes=notes if notes is not None else old.notes, by=by, previous=old)
    record(actor=by, action="pause.reproposed", obj=pause, after=_pause_state(pause))
    return pause


@transaction.atomic
def update_pause(*, pause_id: int, expected_version: int, changes: dict, by) -> Pause:
    """Change window or scope; an agreed pause goes back to proposed and its acceptances lapse."""
    pause = Pause.objects.select_for_update().get(pk=pause_id)
    pause.check_version(expected_version)
    if pause.status not in (PauseStatus.PROPOSED, PauseStatus.AGREED):
        raise StateConflict(f"a pause that is {pause.status} can no longer be changed", field="status")
    before = _pause_state(pause)
    starts_at, ends_at = _check_window(changes.get("starts_at") or pause.starts_at,
                                       changes.get("ends_at") or pause.ends_at)
    place_ids = changes["place_ids"] if changes.get("place_ids") is not None else before["places"]
    corridor_ids = changes["corridor_ids"] if changes.get("corridor_ids") is not None else before["corridors"]
    if not place_ids and not corridor_ids:
        raise InvalidInput("a pause needs a scope: at least one place or corridor", field="corridor_ids")
    places = _resolve(Place, place_ids, "place_ids")
    corridors = _resolve(Corridor, corridor_ids, "corridor_ids")
    _check_overlap(starts_at=starts_at, ends_at=ends_at, place_ids=place_ids, corridor_ids=corridor_ids,
                   exclude_id=pause.pk)
    if changes.get("title") is not None:
        if not changes["title"].strip():
            raise InvalidInput("title is required", field="title")
        pause.title = changes["title"].strip()
    for key in ("title_ar", "notes"):
        if changes.get(key) is not None:
            setattr(pause, key, changes[key])
    terms_changed = (starts_at, ends_at) != (pause.starts_at, pause.ends_at) or \
        sorted(place_ids) != before["places"] or sorted(corridor_ids) != before["corridors"]
    pause.starts_at, pause.ends_at = starts_at, ends_at
    pause.places.set(places)
    pause.corridors.set(corridors)
    if terms_changed and pause.status == PauseStatus.AGREED:
        # Parties agreed to other terms: their acceptance does not carry over.
        pause.status = PauseStatus.PROPOSED
        PauseStatusChange.objects.create(pause=pause, status=PauseStatus.PROPOSED,
                                         reason="terms changed; acceptances lapsed",
                                         changed_by=getattr(by, "user", by), at=now())
    if terms_changed:
        pause.responses.update(state=ResponseState.PENDING, at=None, by=None, note="")
    pause.version += 1
    pause.save()
    record(actor=by, action="pause.updated", obj=pause, before=before, after=_pause_state(pause))
    return pause


def _happened(at: datetime | None) -> datetime:
    """When something happened: now by default, never in the future."""
    if at is None:
        return now()
    at = require_aware(at, "at")
    if at > now():
        raise InvalidInput("the time it happened cannot be in the future", field="at")
    return at


@transaction.atomic
def respond_to_pause(*, pause_id: int, party_id: int, state: str, note: str = "", by,
                     at: datetime | None = None) -> PauseResponse:
    """Record a party's acceptance or refusal (its liaison, or a coordinator with a note); `at`: when it was
    given, now by default (the demo replays a past day).

    A refusal of a pause that is agreed or active is the party's withdrawal: the pause leaves force at once.
    """
    if state not in (ResponseState.ACCEPTED, ResponseState.REFUSED):
        raise InvalidInput("state must be accepted or refused", field="state")
    pause = Pause.objects.select_for_update().get(pk=pause_id)
    try:
        response = pause.responses.select_for_update().get(party_id=party_id)
    except PauseResponse.DoesNotExist as exc:
        raise NotFound("this party is not asked to accept this pause", field="party_id") from exc
    if pause.status not in ANSWERABLE:
        raise StateConflict(f"the pause is {pause.status}; responses are closed", field="state")
    if pause.status == PauseStatus.ACTIVE and state == ResponseState.ACCEPTED:
        raise StateConflict("the pause is active; a party can only withdraw from it (refuse, with a reason)",
                            field="state")
    role = getattr(by, "role", None)
    if role == Role.PARTY_LIAISON and getattr(by, "party_id", None) != party_id:
        raise PermissionDenied("a liaison responds for their own party only", field="party_id")
    if role != Role.PARTY_LIAISON and not note.strip():
        raise InvalidInput("when recording a party's response on its behalf, say how it was received",
                           field="note")
    if state == ResponseState.REFUSED and not note.strip():
        raise InvalidInput("a refusal needs a reason", field="note")
    before = {"state": response.state, "at": response.at}
    response.state, response.note, response.at = state, note.strip(), _happened(at)
    response.by = getattr(by, "user", by)
    response.save()
    record(actor=by, action="pause.response_recorded", obj=pause, before=before,
           after={"party": party_id, "state": state, "note": response.note, "at": response.at})
    if state == ResponseState.REFUSED and pause.status in IN_FORCE:
        _withdraw(pause, response, by)
    return response


def _withdraw(pause: Pause, response: PauseResponse, by) -> None:
    """Take the pause out of force: the refusing party, its time and its reason go on record."""
    before = {"status": pause.status, "version": pause.version}
    pause.status = PauseStatus.WITHDRAWN
    pause.withdrawn_by_party_id, pause.withdrawn_at, pause.withdrawal_reason = \
        response.party_id, response.at, response.note
    pause.version += 1
    pause.save(update_fields=["status", "withdrawn_by_party", "withdrawn_at", "withdrawal_reason", "version",
                              "updated_at"])
    PauseStatusChange.objects.create(pause=pause, status=PauseStatus.WITHDRAWN,
                                     reason=f"withdrawn by {response.party.short_name}: {response.note}",
                                     changed_by=getattr(by, "user", by), at=response.at)
    record(actor=by, action="pause.withdrawn", obj=pause, before=before,
           after={"status": pause.status, "party": response.party_id, "at": response.at,
                  "reason": response.note, "version": pause.version})


@transaction.atomic
def set_pause_status(*, pause_id: int, status: str, reason: str = "", by,
                     expected_version: int | None = None, at: datetime | None = None) -> Pause:
    """Move a pause through its lifecycle; `at`: when the change took effect, now by default."""
    when = _happened(at)
    if status not in PauseStatus.values:
        raise InvalidInput(f"status must be one of {', '.join(PauseStatus.values)}", field="status")
    if status == PauseStatus.WITHDRAWN:
        raise InvalidInput("a pause is withdrawn by a party's refusal: record it with "
                           "POST /api/pauses/{id}/responses", field="status")
    pause = Pause.objects.select_for_update().get(pk=pause_id)
    if expected_version is not None:
        pause.check_version(expected_version)
    allowed = TRANSITIONS[pause.status]
    if status not in allowed:
        nxt = ", ".join(sorted(allowed)) or "none (final state)"
        raise StateConflict(f"a {pause.status} pause cannot become {status}; allowed next: {nxt}",
                            field="status")
    if status == PauseStatus.AGREED:
        waiting = [r.party.short_name for r in pause.responses.select_related("party")
                   if r.state != ResponseState.ACCEPTED]
        if waiting:
            raise StateConflict(f"not every party has accepted; waiting for: {', '.join(sorted(waiting))}",
                                field="status")
    if status == PauseStatus.VIOLATED and not reason.strip():
        raise InvalidInput("describe the violation (and record the incident)", field="reason")
    before = {"status": pause.status, "version": pause.version}
    pause.status = status
    pause.version += 1
    pause.save(update_fields=["status", "version", "updated_at"])
    PauseStatusChange.objects.create(pause=pause, status=status, reason=reason.strip(),
                                     changed_by=getattr(by, "user", by), at=when)
    record(actor=by, action="pause.status_changed", obj=pause, before=before,
           after={"status": status, "reason": reason.strip(), "version": pause.version})
    return pause
