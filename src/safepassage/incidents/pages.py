"""Pages that write: record an incident with its first source and a file, and a verifier's take and decision."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safepassage.convoys import selectors as convoy_selectors
from safepassage.core.errors import DomainError, InvalidInput, NotFound, StateConflict
from safepassage.core.numbers import parse_number, parse_whole_number
from safepassage.core.permissions import Perm
from safepassage.incidents import selectors, services, views
from safepassage.incidents.models import Category, Connection, Reliability, SourceKind, TimePrecision
from safepassage.web.pages import event_time, page_requires, script_strings


def group_labels() -> dict[str, str]:
    return {"civilians": _("civilians"), "children": _("children"), "women": _("women"), "men": _("men"),
            "elderly": _("elderly people"), "persons_with_disabilities": _("persons with disabilities"),
            "wounded": _("wounded"), "aid_workers": _("aid workers"), "medical_staff": _("medical staff"),
            "unknown": _("not known")}


def source_kind_labels() -> list[tuple[str, str]]:
    return [(SourceKind.MONITOR, _("monitor")), (SourceKind.WITNESS, _("witness")), (SourceKind.AGENCY, _("agency")),
            (SourceKind.MEDIA, _("media")), (SourceKind.PARTY_STATEMENT, _("party statement")),
            (SourceKind.SATELLITE_IMAGERY, _("satellite imagery"))]


def connection_labels() -> list[tuple[str, str]]:
    return [(Connection.WITNESS, _("witness")), (Connection.VICTIM, _("victim")),
            (Connection.REPORTER, _("reporter")), (Connection.PARTY, _("party"))]


def reliability_labels() -> list[tuple[str, str]]:
    return [(Reliability.A, _("completely reliable")), (Reliability.B, _("usually reliable")),
            (Reliability.C, _("fairly reliable")), (Reliability.D, _("not usually reliable")),
            (Reliability.E, _("unreliable")), (Reliability.F, _("reliability cannot be judged"))]


def precision_labels() -> list[tuple[str, str]]:
    return [(TimePrecision.MINUTE, _("minute")), (TimePrecision.HOUR, _("hour")), (TimePrecision.DAY, _("day")),
            (TimePrecision.MONTH, _("month")), (TimePrecision.YEAR, _("year")),
            (TimePrecision.UNKNOWN, _("unknown"))]


def field_labels() -> dict[str, str]:
    """The form's fields as a person reads them, to name the one an error is about."""
    return {"title": _("Title"), "categories": _("Categories"), "geometry": _("Location"), "lon": _("Longitude"),
            "lat": _("Latitude"), "time_earliest": _("Earliest time"), "time_latest": _("Latest time"),
            "time_precision": _("Time precision"), "location_precision_m": _("Location precision (m)"),
            "public_precision_m": _("Public location grid (m)"), "source_kind": _("Kind of source"),
            "source_name": _("Source name or label"), "source_statement": _("Statement"),
            "source_connection": _("Connection to the events"), "source_reliability": _("Reliability"),
            "source_credibility": _("Credibility"), "file": _("Photo or file"), "why": _("Received from, and why"),
            **{f"people_affected.{g}": label for g, label in group_labels().items()},
            "status": _("Decision"), "note": _("Note"), "evidence_ids": _("Evidence"), "source_ids": _("Sources"),
            "takeover": _("Take over"), "incident_id": _("Incident"), "client_uuid": _("Form"),
            "convoy_id": _("Convoy")}


def error_text(exc: DomainError) -> tuple[str, str]:
    """(field, "Field label: reason") for a refusal; the field is empty when the error names none."""
    field = exc.errors[0].field if exc.errors else ""
    label = field_labels().get(field, field)
    return field, f"{label}: {exc.reason}" if label else exc.reason


def _when(text: str | None, field: str) -> datetime | None:
    return event_time(text, field) if (text or "").strip() else None


def _whole(text: str | None, field: str) -> int | None:
    if not (text or "").strip():
        return None
    try:
        return parse_whole_number(text)
    except ValueError as exc:
        raise InvalidInput(_("give a whole number"), field=field) from exc


def _coordinate(text: str, field: str) -> float:
    try:
        return float(parse_number(text))
    except ValueError as exc:
        raise InvalidInput(_("give a number in decimal degrees, such as 37.16"), field=field) from exc


def _geometry(post) -> dict | None:
    lon, lat = (post.get("lon") or "").strip(), (post.get("lat") or "").strip()
    if not lon and not lat:
        return None
    if not lon or not lat:
        raise InvalidInput(_("give both longitude and latitude, or neither"), field="lat" if lon else "lon")
    return {"type": "Point", "coordinates": [_coordinate(lon, "lon"), _coordinate(lat, "lat")]}


def _people(post) -> dict:
    counts = {g: _whole(post.get(f"people_{g}"), f"people_affected.{g}") for g in group_labels()}
    return {g: n for g, n in counts.items() if n is not None}


def _incident_fields(post) -> dict:
    return {"title": post.get("title", ""), "description": post.get("description", ""),
            "categories": post.getlist("categories"), "geometry": _geometry(post),
            "location_precision_m": _whole(post.get("location_precision_m"), "location_precision_m"),
            "protected": post.get("protected") == "on",
            "time_earliest": _when(post.get("time_earliest"), "time_earliest"),
            "time_latest": _when(post.get("time_latest"), "time_latest"),
            "time_precision": post.get("time_precision", TimePrecision.UNKNOWN), "people_affected": _people(post)}


def _add_source(incident_id: int, post, principal) -> None:
    """The first source; its errors name the form's source_* fields."""
    credibility = _whole(post.get("source_credibility"), "source_credibility")
    try:
        services.add_source(incident_id=incident_id, kind=post.get("source_kind", ""),
                            name=post.get("source_name", ""), statement=post.get("source_statement", ""),
                            connection=post.get("source_connection", ""),
                            reliability=post.get("source_reliability", "F"),
                            credibility=6 if credibility is None else credibility,
                            identity=post.get("source_identity", ""), by=principal)
    except InvalidInput as exc:
        field = exc.errors[0].field if exc.errors else "name"
        raise InvalidInput(exc.reason, field=f"source_{field}") from exc


def _client_uuid(post) -> uuid.UUID:
    try:
        return uuid.UUID(post.get("client_uuid", ""))
    except ValueError as exc:
        raise InvalidInput(_("the form has lost its identifier: open a new form"), field="client_uuid") from exc


def _convoy_links(principal, text: str | None) -> dict:
    """The convoy the incident happened to (and its corridor), when the form was opened from the convoy board."""
    if not (text or "").strip():
        return {}
    if not text.strip().isdigit():
        raise InvalidInput(_("choose the convoy from the board"), field="convoy_id")
    convoy = convoy_selectors.visible(principal, int(text))
    return {"convoy_ids": [convoy.pk], "corridor_ids": [convoy.corridor_id]}


@transaction.atomic
def _record(post, files, principal):
    """Store the incident, its first source and the file whole, or nothing; a form posted again stores nothing."""
    key = _client_uuid(post)
    done = services.submitted_incident(client_uuid=key, by=principal)
    if done is not None:
        return done
    incident = services.record_incident(**_incident_fields(post), **_convoy_links(principal, post.get("convoy_id")),
                                        client_uuid=key, by=principal)
    _add_source(incident.pk, post, principal)
    upload = files.get("file")
    if upload is not None:
        services.receive_evidence(incident_id=incident.pk, upload=upload, note=post.get("file_note", ""),
                                  why=post.get("why", ""), by=principal)
    return incident


def _form_identifier(form) -> str:
    """The refused form's own identifier (nothing was stored under it), or a new one for a new form."""
    try:
        return str(_client_uuid(form)) if form else str(uuid.uuid4())
    except InvalidInput:
        return str(uuid.uuid4())


def _record_context(form=None, error: str = "", error_field: str = "", convoy=None) -> dict:
    labels = dict(Category.choices)
    return {"client_uuid": _form_identifier(form), "convoy": convoy,
            "categories": [(v, labels[v]) for v in Category.values], "precisions": precision_labels(),
            "groups": [(g, label, (form or {}).get(f"people_{g}", "")) for g, label in group_labels().items()], "source_kinds": source_kind_labels(),
            "connections": connection_labels(), "reliabilities": reliability_labels(), "credibilities": range(1, 7),
            "form": form or {}, "chosen": form.getlist("categories") if form else [], "error": error,
            "error_field": error_field,
            "i18n_strings": script_strings({"hashing": _("Computing the SHA-256 of the file…"),
                                            "sha256": _("SHA-256 computed on this device"),
                                            "bytes": _("bytes")})}


def _convoy(principal, text: str | None):
    """The convoy the form was opened for (the board's link), if the principal may see it; else None."""
    try:
        return convoy_selectors.visible(principal, int(text)) if (text or "").isdigit() else None
    except NotFound:
        return None


@page_requires(Perm.INCIDENTS_EDIT)
def record_page(request, principal):
    """Record an incident on a phone: what, when, where, who was affected, the first source and a photo."""
    post = request.POST
    convoy = _convoy(principal, post.get("convoy_id") if request.method == "POST" else request.GET.get("convoy"))
    if request.method != "POST":
        return render(request, "incidents/record.html", _record_context(convoy=convoy))
    try:
        try:
            incident = _record(post, request.FILES, principal)
        except IntegrityError:  # the same form posted twice at once: the other post stored it
            incident = services.submitted_incident(client_uuid=_client_uuid(post), by=principal)
            if incident is None:
                raise
    except DomainError as exc:
        field, text = error_text(exc)
        return render(request, "incidents/record.html", _record_context(post, text, field, convoy), status=400)
    return redirect(f"/incidents/{incident.pk}/?recorded=1")


def _refused(request, principal, incident_id: int, exc: DomainError):
    """The incident page again, saying which field was refused and why."""
    try:
        incident = selectors.get_incident(principal, incident_id)
    except NotFound:
        return render(request, "incidents/detail.html", {"missing": True, "principal": principal}, status=404)
    status = 409 if isinstance(exc, StateConflict) else 400
    return render(request, "incidents/detail.html",
                  views.detail_context(principal, incident, error=error_text(exc)[1]), status=status)


def _ids(post, name: str) -> list[int]:
    try:
        return [int(v) for v in post.getlist(name)]
    except ValueError as exc:
        raise InvalidInput(_("choose from the list"), field=name) from exc


@require_POST
@page_requires(Perm.INCIDENTS_VERIFY)
def take_page(request, principal, incident_id: int):
    """Take an item for review (take over only when asked explicitly), then open it."""
    try:
        selectors.get_incident(principal, incident_id)
        services.take_for_review(incident_id=incident_id, takeover=request.POST.get("takeover") == "1",
                                 by=principal)
    except DomainError as exc:
        return _refused(request, principal, incident_id, exc)
    return redirect("incidents:detail", incident_id=incident_id)


@require_POST
@page_requires(Perm.INCIDENTS_VERIFY)
def release_page(request, principal, incident_id: int):
    try:
        selectors.get_incident(principal, incident_id)
        services.release_review(incident_id=incident_id, by=principal)
    except DomainError as exc:
        return _refused(request, principal, incident_id, exc)
    return redirect("incidents:queue")


@require_POST
@page_requires(Perm.INCIDENTS_VERIFY)
def decide_page(request, principal, incident_id: int):
    """Decide with the evidence and sources the decision rests on, and a note."""
    post = request.POST
    try:
        selectors.get_incident(principal, incident_id)
        services.decide(incident_id=incident_id, status=post.get("status", ""), note=post.get("note", ""),
                        evidence_ids=_ids(post, "evidence_ids"), source_ids=_ids(post, "source_ids"), by=principal)
    except DomainError as exc:
        return _refused(request, principal, incident_id, exc)
    return redirect("incidents:detail", incident_id=incident_id)


@require_POST
@page_requires(Perm.INCIDENTS_VERIFY)
def confirm_page(request, principal, incident_id: int, decision_id: int):
    """A second verifier confirms a grave violation's 'verified'."""
    try:
        selectors.get_incident(principal, incident_id)
        services.confirm_decision(decision_id=decision_id, note=request.POST.get("note", ""), by=principal)
    except DomainError as exc:
        return _refused(request, principal, incident_id, exc)
    return redirect("incidents:detail", incident_id=incident_id)

