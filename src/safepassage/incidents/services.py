"""Writers for claims and incidents. A status is never upgraded by the system itself: a verifier does it, on record."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.core.files.storage import default_storage
from django.db import transaction

from safepassage.accounts.models import Party
from safepassage.audit.actions import Action
from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, NotFound, PermissionDenied, StateConflict
from safepassage.core.geometry import AREA_TYPES, LINE_TYPES, POINT_TYPES, validate_geometry
from safepassage.core.permissions import Perm
from safepassage.core.retention import retention_days
from safepassage.core.timeutil import now, require_aware
from safepassage.corridors.models import Corridor
from safepassage.crossings.crypto import decrypt, encrypt
from safepassage.incidents import evidence, hazards
from safepassage.incidents.models import (
    Attribution,
    Category,
    Claim,
    Connection,
    EvidenceFile,
    EvidenceLink,
    Incident,
    Reliability,
    Source,
    SourceKind,
    TimePrecision,
    Verification,
    VerificationDecision,
)
from safepassage.places.models import Place


@transaction.atomic
def record_claim(*, summary: str, source_name: str, quote: str = "", speaker: str = "", source_url: str = "",
                 published_on: date | None = None, published_note: str = "", category: str = "",
                 place_ids: list[int] = (), corridor_ids: list[int] = (), by, at: datetime | None = None) -> Claim:
    """Store a statement attributed to its source; it starts unverified. `at`: when it was recorded, now by
    default (the demo replays a past day); never in the future."""
    recorded_at = require_aware(at, "at") if at is not None else now()
    if recorded_at > now():
        raise InvalidInput("the time it was recorded cannot be in the future", field="at")
    if not summary.strip():
        raise InvalidInput("summary is required", field="summary")
    if not source_name.strip():
        raise InvalidInput("a claim without a source cannot be recorded", field="source_name")
    if published_on is None and not published_note.strip():
        raise InvalidInput("give the publication date, or say why it is unknown", field="published_on")
    claim = Claim.objects.create(summary=summary.strip(), quote=quote, source_name=source_name.strip(),
                                 speaker=speaker, source_url=source_url, published_on=published_on,
                                 published_note=published_note, category=category,
                                 verification=Verification.UNVERIFIED,
                                 recorded_by=getattr(by, "user", by), recorded_at=recorded_at)
    places = list(Place.objects.filter(pk__in=place_ids))
    corridors = list(Corridor.objects.filter(pk__in=corridor_ids))
    if len(places) != len(set(place_ids)):
        raise InvalidInput("unknown place id", field="place_ids")
    if len(corridors) != len(set(corridor_ids)):
        raise InvalidInput("unknown corridor id", field="corridor_ids")
    claim.places.set(places)
    claim.corridors.set(corridors)
    record(actor=by, action=Action.CLAIM_CREATED, obj=claim,
           after={"summary": claim.summary, "source_name": claim.source_name, "published_on": published_on,
                  "verification": claim.verification})
    return claim


@transaction.atomic
def set_claim_verification(*, claim_id: int, verification: str, note: str, by) -> Claim:
    if verification not in Verification.values:
        raise InvalidInput(f"one of {', '.join(Verification.values)}", field="verification")
    if not note.strip():
        raise InvalidInput("say on what evidence the status rests", field="note")
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    before = {"verification": claim.verification}
    claim.verification, claim.verification_note = verification, note.strip()
    claim.save(update_fields=["verification", "verification_note"])
    record(actor=by, action=Action.CLAIM_VERIFICATION_CHANGED, obj=claim, before=before,
           after={"verification": verification, "note": note.strip()})
    return claim


# ---------------------------------------------------------------------------------------------------------------
# Incidents, sources, attributions, evidence, verification (issue 18)

_GROUPS = ("civilians", "children", "women", "men", "elderly", "persons_with_disabilities", "wounded",
           "aid_workers", "medical_staff", "unknown")


def _user(by):
    return getattr(by, "user", by)


def _check_incident_fields(*, title: str, categories: list[str], geometry: dict | None,
                           time_earliest: datetime | None, time_latest: datetime | None, time_precision: str,
                           people_affected: dict, location_precision_m: int | None,
                           public_precision_m: int) -> dict:
    if not title.strip():
        raise InvalidInput("title is required", field="title")
    if not categories:
        raise InvalidInput("give at least one category (use 'other' when none fits)", field="categories")
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        raise InvalidInput(f"unknown category {unknown[0]!r}; one of {', '.join(Category.values)}", field="categories")
    if geometry is not None:
        geometry = validate_geometry(geometry, field="geometry", allowed=POINT_TYPES | LINE_TYPES | AREA_TYPES)
    if time_precision not in TimePrecision.values:
        raise InvalidInput(f"one of {', '.join(TimePrecision.values)}", field="time_precision")
    if time_earliest is not None:
        time_earliest = require_aware(time_earliest, "time_earliest")
    if time_latest is not None:
        time_latest = require_aware(time_latest, "time_latest")
    if time_earliest and time_latest and time_earliest > time_latest:
        raise InvalidInput("the earliest time is after the latest", field="time_latest")
    if time_precision != TimePrecision.UNKNOWN and time_earliest is None and time_latest is None:
        raise InvalidInput("give the earliest and/or latest time, or precision 'unknown'", field="time_precision")
    if time_precision == TimePrecision.UNKNOWN and (time_earliest or time_latest):
        raise InvalidInput("say how precise the time interval is", field="time_precision")
    for group, count in people_affected.items():
        if group not in _GROUPS:
            raise InvalidInput(f"people are counted by group, one of {', '.join(_GROUPS)}; never by name",
                               field=f"people_affected.{group}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise InvalidInput("a count is a whole number ≥ 0", field=f"people_affected.{group}")
    if location_precision_m is not None and location_precision_m < 0:
        raise InvalidInput("a precision is a distance in metres ≥ 0", field="location_precision_m")
    if public_precision_m < 100:
        raise InvalidInput("the public location is coarsened to 100 m or more", field="public_precision_m")
    return {"title": title.strip(), "categories": sorted(set(categories)), "geometry": geometry,
            "time_earliest": time_earliest, "time_latest": time_latest, "time_precision": time_precision,
            "people_affected": dict(people_affected), "location_precision_m": location_precision_m,
            "public_precision_m": public_precision_m}


def _linked(model, ids, field: str) -> list:
    ids = list(ids or ())
    objs = list(model.objects.filter(pk__in=ids))
    if len(objs) != len(set(ids)):
        raise InvalidInput(f"unknown id in {field}", field=field)
    return objs


def _set_links(incident: Incident, *, place_ids=None, corridor_ids=None, convoy_ids=None, pause_ids=None) -> None:
    from safepassage.convoys.models import Convoy
    from safepassage.pauses.models import Pause

    for ids, model, name, manager in ((place_ids, Place, "place_ids", incident.places),
                                      (corridor_ids, Corridor, "corridor_ids", incident.corridors),
                                      (convoy_ids, Convoy, "convoy_ids", incident.convoys),
                                      (pause_ids, Pause, "pause_ids", incident.pauses)):
        if ids is not None:
            manager.set(_linked(model, ids, name))


INCIDENT_SNAPSHOT = ["title", "categories", "geometry", "time_earliest", "time_latest", "time_precision",
                     "people_affected", "protected", "location_precision_m", "public_precision_m", "place_ids",
                     "corridor_ids", "convoy_ids", "pause_ids"]  # the keys of `_snapshot`


def _snapshot(i: Incident) -> dict:
    return {"title": i.title, "categories": i.categories, "geometry": i.geometry,
            "time_earliest": i.time_earliest, "time_latest": i.time_latest, "time_precision": i.time_precision,
            "people_affected": i.people_affected, "protected": i.protected,
            "location_precision_m": i.location_precision_m, "public_precision_m": i.public_precision_m,
            "place_ids": sorted(i.places.values_list("pk", flat=True)),
            "corridor_ids": sorted(i.corridors.values_list("pk", flat=True)),
            "convoy_ids": sorted(i.convoys.values_list("pk", flat=True)),
            "pause_ids": sorted(i.pauses.values_list("pk", flat=True))}


@transaction.atomic
def record_incident(*, title: str, categories: list[str], description: str = "", geometry: dict | None = None,
                    location_precision_m: int | None = None, protected: bool = False,
                    public_precision_m: int = 1000, time_earliest: datetime | None = None,
                    time_latest: datetime | None = None, time_precision: str = TimePrecision.UNKNOWN,
                    people_affected: dict | None = None, place_ids=(), corridor_ids=(), convoy_ids=(),
                    pause_ids=(), client_uuid: uuid.UUID | None = None, by) -> Incident:
    """Record what happened, where and when as far as known; it starts unverified and unpublished.

    `client_uuid` names the filled form: a second incident with it is refused (the database's unique key).
    """
    fields = _check_incident_fields(title=title, categories=categories, geometry=geometry,
                                    time_earliest=time_earliest, time_latest=time_latest,
                                    time_precision=time_precision, people_affected=people_affected or {},
                                    location_precision_m=location_precision_m,
                                    public_precision_m=public_precision_m)
    incident = Incident.objects.create(**fields, description=description, protected=protected,
                                       verification=Verification.UNVERIFIED, published=False,
                                       client_uuid=client_uuid, recorded_by=_user(by), recorded_at=now())
    _set_links(incident, place_ids=place_ids, corridor_ids=corridor_ids, convoy_ids=convoy_ids,
               pause_ids=pause_ids)
    record(actor=by, action="incident.created", obj=incident, after=_snapshot(incident))
    hazards.sync_from_incident(incident, by=by)
    return incident


def submitted_incident(*, client_uuid: uuid.UUID, by) -> Incident | None:
    """The incident a form with this identifier already recorded, if this person posted it; else None."""
    incident = Incident.objects.filter(client_uuid=client_uuid).first()
    if incident is not None and incident.recorded_by_id != getattr(_user(by), "pk", None):
        raise StateConflict("this form was already submitted by someone else; open a new form", field="client_uuid")
    return incident


@transaction.atomic
def update_incident(*, incident_id: int, by, **changes) -> Incident:
    """Change the description of what happened; the verification status is not touched here."""
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    before = _snapshot(incident)
    links = {k: changes.pop(k) for k in ("place_ids", "corridor_ids", "convoy_ids", "pause_ids") if k in changes}
    current = {k: getattr(incident, k) for k in ("title", "categories", "geometry", "time_earliest", "time_latest",
                                                 "time_precision", "people_affected", "location_precision_m",
                                                 "public_precision_m")}
    extra = {k: changes.pop(k) for k in ("description", "protected") if k in changes}
    nullable = {"geometry", "location_precision_m", "time_earliest", "time_latest"}
    for k, v in {**changes, **extra, **links}.items():
        if v is None and k not in nullable:
            raise InvalidInput("this field cannot be emptied", field=k)
    unknown = set(changes) - set(current)
    if unknown:
        raise InvalidInput("this field cannot be changed here", field=sorted(unknown)[0])
    fields = _check_incident_fields(**{**current, **changes})
    for k, v in {**fields, **extra}.items():
        setattr(incident, k, v)
    incident.save()
    _set_links(incident, **links)
    record(actor=by, action="incident.updated", obj=incident, before=before, after=_snapshot(incident))
    hazards.sync_from_incident(incident, by=by)
    return incident


@transaction.atomic
def set_publication(*, incident_id: int, published: bool, by) -> Incident:
    """Publish or withdraw; the public still sees only verified incidents."""
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    before = {"published": incident.published}
    incident.published = published
    incident.save(update_fields=["published"])
    record(actor=by, action="incident.publication_changed", obj=incident, before=before,
           after={"published": published, "verification": incident.verification})
    return incident


@transaction.atomic
def add_source(*, incident_id: int, kind: str, name: str, statement: str, connection: str,
               obtained_at: datetime | None = None, obtained_where: str = "", reliability: str = "F",
               credibility: int = 6, identity: str = "", claim_id: int | None = None, by) -> Source:
    """Add a source to an incident; a person's identity is stored only encrypted, never without a key."""
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if kind not in SourceKind.values:
        raise InvalidInput(f"one of {', '.join(SourceKind.values)}", field="kind")
    if connection not in Connection.values:
        raise InvalidInput(f"one of {', '.join(Connection.values)}", field="connection")
    if reliability not in Reliability.values:
        raise InvalidInput("reliability is graded A (completely reliable) to F (cannot be judged)",
                           field="reliability")
    if not 1 <= credibility <= 6:
        raise InvalidInput("credibility is graded 1 (confirmed) to 6 (cannot be judged)", field="credibility")
    if not name.strip():
        raise InvalidInput("name the source (a public name, or a label such as 'witness 2')", field="name")
    if not statement.strip():
        raise InvalidInput("the statement is required", field="statement")
    if obtained_at is not None:
        obtained_at = require_aware(obtained_at, "obtained_at")
    claim = None
    if claim_id is not None:
        if kind != SourceKind.PARTY_STATEMENT:
            raise InvalidInput("only a party statement comes from a recorded claim", field="claim_id")
        claim = Claim.objects.filter(pk=claim_id).first()
        if claim is None:
            raise InvalidInput("unknown claim id", field="claim_id")
    source = Source.objects.create(incident=incident, kind=kind, name=name.strip(), statement=statement.strip(),
                                   obtained_at=obtained_at, obtained_where=obtained_where, connection=connection,
                                   reliability=reliability, credibility=credibility,
                                   identity_enc=encrypt(identity.strip()), claim=claim, recorded_by=_user(by),
                                   recorded_at=now())
    record(actor=by, action="source.added", obj=source,
           after={"incident_id": incident.pk, "kind": kind, "name": source.name, "connection": connection,
                  "reliability": reliability, "credibility": credibility, "claim_id": claim_id,
                  "has_identity": bool(source.identity_enc)})
    return source


@transaction.atomic
def read_source_identity(*, source_id: int, principal, purpose: str) -> dict:
    """Decrypt a source's identity for a verifier or coordinator; the read is written to the audit log."""
    principal.require(Perm.SOURCES_IDENTITY_VIEW)
    if not (purpose or "").strip():
        raise InvalidInput("state the purpose of this read; it is kept in the audit log", field="purpose")
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        raise NotFound("no such source")
    identity = decrypt(source.identity_enc)
    record(actor=principal, action="personal_data.read", obj=source,
           after={"data": "source_identity", "fields": ["identity"], "purpose": purpose.strip(),
                  "incident_id": source.incident_id})
    return {"source_id": source.pk, "identity": identity}


@transaction.atomic
def add_attribution(*, incident_id: int, party_id: int | None, source_id: int, by) -> Attribution:
    """Record who did it according to one named source of the incident (party None: unknown)."""
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    source = Source.objects.filter(pk=source_id, incident=incident).first()
    if source is None:
        raise InvalidInput("the source must be one of this incident's sources", field="source_id")
    party = None
    if party_id is not None:
        party = Party.objects.filter(pk=party_id).first()
        if party is None:
            raise InvalidInput("unknown party id", field="party_id")
    attribution = Attribution.objects.create(incident=incident, party=party, source=source,
                                             verification=Verification.UNVERIFIED, recorded_by=_user(by),
                                             recorded_at=now())
    record(actor=by, action="attribution.added", obj=attribution,
           after={"incident_id": incident.pk, "party_id": party_id, "source_id": source.pk})
    return attribution


def receive_evidence(*, incident_id: int, upload, note: str = "", why: str, by) -> EvidenceLink:
    """Store an uploaded file by its SHA-256 (once, whatever the number of uploads) and link it to the incident."""
    if not (why or "").strip():
        raise InvalidInput("say why and from whom the file was received; it is the first custody entry",
                           field="why")
    if not Incident.objects.filter(pk=incident_id).exists():
        raise NotFound("no such incident")
    sha = getattr(upload, "sha256", None)
    if sha is None:  # parsed before our handler could hash it (e.g. a session request's CSRF check)
        upload.seek(0)
        sha, size = evidence.sha256_of(upload)
    else:
        size = upload.size
    if size > evidence.max_bytes():
        raise evidence.too_large(size)
    name = evidence.store(upload, sha)  # outside the transaction: a long write holds no lock
    return _link_evidence(incident_id=incident_id, sha=sha, size=size, name=name,
                          content_type=getattr(upload, "content_type", "") or "",
                          original_name=(getattr(upload, "name", "") or "")[:255], note=note, why=why.strip(),
                          by=by)


@transaction.atomic
def _link_evidence(*, incident_id: int, sha: str, size: int, name: str, content_type: str, original_name: str,
                   note: str, why: str, by, derived_from: EvidenceFile | None = None) -> EvidenceLink:
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    file, created = EvidenceFile.objects.get_or_create(
        sha256=sha, defaults={"size": size, "content_type": content_type[:100], "storage_name": name,
                              "received_at": now(), "derived_from": derived_from})
    link = EvidenceLink.objects.create(incident=incident, file=file, original_name=original_name, note=note,
                                       added_by=_user(by), added_at=now())
    record(actor=by, action="evidence.received", obj=file,
           after={"sha256": sha, "size": size, "incident_id": incident.pk, "link_id": link.pk, "why": why,
                  "new_file": created, "original_name": original_name})
    return link


@transaction.atomic
def _record_integrity_failure(*, file_id: int, found: str, by) -> None:
    file = EvidenceFile.objects.select_for_update().get(pk=file_id)
    file.integrity_failed_at = now()
    file.integrity_note = f"stored bytes hash to {found}, expected {file.sha256}"
    file.save(update_fields=["integrity_failed_at", "integrity_note"])
    record(actor=by, action="evidence.integrity_failed", obj=file,
           after={"expected": file.sha256, "found": found, "storage_name": file.storage_name})


def check_integrity(*, file: EvidenceFile, by) -> None:
    """Re-hash the stored bytes; on a mismatch record it (committed) and refuse loudly."""
    try:
        found = evidence.stored_hash(file.storage_name)
    except FileNotFoundError:
        found = "missing"
    if found != file.sha256:
        _record_integrity_failure(file_id=file.pk, found=found, by=by)
        raise evidence.EvidenceIntegrityError(
            f"evidence file {file.pk} does not match its SHA-256 ({file.sha256}): the stored bytes were altered "
            "or lost. It was not served; the mismatch is recorded", field="file")


def open_evidence(*, file_id: int, purpose: str, why: str, principal) -> EvidenceFile:
    """Check the file's hash, then write the custody entry (viewed or exported) with who and why."""
    principal.require(Perm.EVIDENCE_VIEW)
    if purpose not in ("view", "export"):
        raise InvalidInput("view or export", field="purpose")
    if not (why or "").strip():
        raise InvalidInput("say why the file is opened; it is kept in the chain of custody", field="why")
    file = EvidenceFile.objects.filter(pk=file_id).first()
    if file is None:
        raise NotFound("no such evidence file")
    check_integrity(file=file, by=principal)
    with transaction.atomic():
        record(actor=principal, action="evidence.viewed" if purpose == "view" else "evidence.exported", obj=file,
               after={"sha256": file.sha256, "why": why.strip()})
    return file


@transaction.atomic
def transfer_evidence(*, file_id: int, to: str, why: str, by) -> EvidenceFile:
    """Record that the file (or a copy) was handed to someone else, to whom and why."""
    file = EvidenceFile.objects.filter(pk=file_id).first()
    if file is None:
        raise NotFound("no such evidence file")
    if not to.strip():
        raise InvalidInput("name the recipient", field="to")
    if not why.strip():
        raise InvalidInput("say why the file is transferred", field="why")
    record(actor=by, action="evidence.transferred", obj=file,
           after={"sha256": file.sha256, "to": to.strip(), "why": why.strip()})
    return file


def publish_image_copy(*, incident_id: int, link_id: int, by) -> EvidenceLink:
    """Make the public copy of an image: pixels only, EXIF/GPS and every other metadata left out."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    link = EvidenceLink.objects.select_related("file").filter(pk=link_id, incident_id=incident_id).first()
    if link is None:
        raise NotFound("no such evidence link on this incident")
    check_integrity(file=link.file, by=by)
    with default_storage.open(link.file.storage_name, "rb") as f:
        try:
            with Image.open(f) as img:
                img = ImageOps.exif_transpose(img)
                clean = Image.frombytes(img.mode, img.size, img.tobytes())
                fmt = "PNG" if img.mode not in ("RGB", "L") else "JPEG"
        except (UnidentifiedImageError, OSError) as exc:
            raise InvalidInput("only images get a public copy", field="link_id") from exc
    buf = io.BytesIO()
    clean.save(buf, format=fmt, quality=90) if fmt == "JPEG" else clean.save(buf, format=fmt)
    buf.seek(0)
    sha, size = evidence.sha256_of(buf)
    name = evidence.store(buf, sha)
    with transaction.atomic():
        copy, _ = EvidenceFile.objects.get_or_create(
            sha256=sha, defaults={"size": size, "content_type": f"image/{fmt.lower()}", "storage_name": name,
                                  "received_at": now(), "derived_from": link.file})
        EvidenceLink.objects.filter(pk=link.pk).update(published_copy=copy)
        record(actor=by, action="evidence.published_copy", obj=copy,
               after={"original_sha256": link.file.sha256, "sha256": sha, "incident_id": incident_id,
                      "link_id": link.pk, "metadata": "removed"})
    link.refresh_from_db()
    return link


# Verification: a queue with assignment, decisions with what they rest on, four eyes for grave violations.

def _holder(incident: Incident) -> str:
    return incident.assigned_to.username if incident.assigned_to_id else ""


@transaction.atomic
def take_for_review(*, incident_id: int, takeover: bool = False, by) -> Incident:
    """Take an incident from the queue; taking one another verifier holds needs an explicit takeover."""
    user = _user(by)
    if user is None:
        raise PermissionDenied("a signed-in verifier takes items from the queue")
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    previous = incident.assigned_to_id
    if previous == user.pk:
        return incident
    if previous is not None and not takeover:
        raise StateConflict(f"taken by {_holder(incident)} since {incident.assigned_at.isoformat()}; "
                            "send takeover=true to take it over (they will see it in the history)",
                            field="takeover")
    incident.assigned_to, incident.assigned_at = user, now()
    incident.save(update_fields=["assigned_to", "assigned_at"])
    record(actor=by, action="incident.review_taken_over" if previous else "incident.review_taken", obj=incident,
           before={"assigned_to_id": previous}, after={"assigned_to_id": user.pk})
    return incident


@transaction.atomic
def release_review(*, incident_id: int, by) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    user = _user(by)
    if incident.assigned_to_id is None:
        return incident
    if user is None or incident.assigned_to_id != user.pk:
        raise StateConflict(f"taken by {_holder(incident)}: only they release it", field="incident_id")
    incident.assigned_to, incident.assigned_at = None, None
    incident.save(update_fields=["assigned_to", "assigned_at"])
    record(actor=by, action="incident.review_released", obj=incident, before={"assigned_to_id": user.pk},
           after={"assigned_to_id": None})
    return incident


def _require_holder(incident: Incident, user) -> None:
    if incident.assigned_to_id is None:
        raise StateConflict("take the item from the review queue first", field="incident_id")
    if user is None or incident.assigned_to_id != user.pk:
        raise StateConflict(f"taken by {_holder(incident)}; take it over explicitly before deciding",
                            field="incident_id")


@transaction.atomic
def decide(*, incident_id: int, status: str, note: str, evidence_ids=(), source_ids=(),
           attribution_id: int | None = None, by) -> VerificationDecision:
    """Record a verifier's decision on the incident (or one attribution) and what it rests on.

    'verified' of a grave violation waits, as pending verification, for a second verifier's confirmation.
    """
    if status not in Verification.values:
        raise InvalidInput(f"one of {', '.join(Verification.values)}", field="status")
    if not (note or "").strip():
        raise InvalidInput("say on what the decision rests", field="note")
    user = _user(by)
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    _require_holder(incident, user)
    files = list(EvidenceFile.objects.filter(pk__in=evidence_ids, links__incident=incident).distinct())
    if len(files) != len(set(evidence_ids)):
        raise InvalidInput("every evidence id must be a file linked to this incident", field="evidence_ids")
    sources = list(Source.objects.filter(pk__in=source_ids, incident=incident))
    if len(sources) != len(set(source_ids)):
        raise InvalidInput("every source id must be a source of this incident", field="source_ids")
    if status == Verification.VERIFIED and not files and not sources:
        raise InvalidInput("a verification names the evidence or sources it rests on", field="evidence_ids")
    attribution = None
    if attribution_id is not None:
        attribution = Attribution.objects.select_for_update().filter(pk=attribution_id, incident=incident).first()
        if attribution is None:
            raise InvalidInput("the attribution must be one of this incident's", field="attribution_id")
    four_eyes = attribution is None and status == Verification.VERIFIED and incident.is_grave_violation
    decision = VerificationDecision.objects.create(incident=incident, attribution=attribution, status=status,
                                                   note=note.strip(), decided_by=user, decided_at=now(),
                                                   needs_confirmation=four_eyes)
    decision.evidence.set(files)
    decision.sources.set(sources)
    if attribution is not None:
        before = {"attribution_id": attribution.pk, "verification": attribution.verification}
        attribution.verification = status
        attribution.save(update_fields=["verification"])
    else:
        before = {"verification": incident.verification}
        incident.verification = Verification.PENDING if four_eyes else status
    incident.assigned_to, incident.assigned_at = None, None  # decided: back to the queue or out of it
    incident.save(update_fields=["verification", "assigned_to", "assigned_at"])
    record(actor=by, action="verification.decided", obj=incident, before=before,
           after={"decision_id": decision.pk, "status": status, "attribution_id": attribution_id,
                  "incident_verification": incident.verification, "needs_confirmation": four_eyes,
                  "evidence_sha256": sorted(f.sha256 for f in files), "source_ids": sorted(s.pk for s in sources),
                  "note": decision.note})
    return decision


@transaction.atomic
def confirm_decision(*, decision_id: int, note: str, by) -> VerificationDecision:
    """A second, different verifier confirms a grave violation's 'verified': only then is it verified."""
    if not (note or "").strip():
        raise InvalidInput("say on what the confirmation rests", field="note")
    user = _user(by)
    decision = VerificationDecision.objects.filter(pk=decision_id).first()
    if decision is None:
        raise NotFound("no such decision")
    incident = Incident.objects.select_for_update().get(pk=decision.incident_id)
    decision = VerificationDecision.objects.select_for_update().get(pk=decision_id)
    if not decision.needs_confirmation or decision.confirmed_by_id is not None:
        raise StateConflict("this decision does not await a confirmation", field="decision_id")
    latest = incident.decisions.filter(attribution__isnull=True).order_by("-decided_at", "-id").first()
    if latest is None or latest.pk != decision.pk or incident.verification != Verification.PENDING:
        raise StateConflict("a later decision replaced this one", field="decision_id")
    if user is None or user.pk == decision.decided_by_id:
        raise StateConflict("a second, different verifier must confirm (four eyes)", field="decision_id")
    _require_holder(incident, user)
    decision.confirmed_by, decision.confirmed_at, decision.confirmation_note = user, now(), note.strip()
    decision.save(update_fields=["confirmed_by", "confirmed_at", "confirmation_note"])
    incident.verification = Verification.VERIFIED
    incident.assigned_to, incident.assigned_at = None, None
    incident.save(update_fields=["verification", "assigned_to", "assigned_at"])
    record(actor=by, action="verification.confirmed", obj=incident, before={"verification": Verification.PENDING},
           after={"decision_id": decision.pk, "verification": Verification.VERIFIED, "note": decision.confirmation_note,
                  "first_verifier_id": decision.decided_by_id})
    return decision


def _claim_time(claim: Claim) -> dict:
    """A claim's publication day is the latest the events can have happened; earlier is unknown."""
    if claim.published_on is None:
        return {"time_earliest": None, "time_latest": None, "time_precision": TimePrecision.UNKNOWN}
    end = datetime.combine(claim.published_on, time(23, 59, 59), tzinfo=UTC)
    return {"time_earliest": None, "time_latest": end, "time_precision": TimePrecision.DAY}


@transaction.atomic
def incident_from_claim(*, claim_id: int, by) -> Incident:
    """Make a recorded claim the party-statement source of a new incident; the claim and its history stay."""
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("no such claim")
    existing = Source.objects.filter(claim=claim).select_related("incident").first()
    if existing is not None:
        raise StateConflict(f"this claim is already a source of incident {existing.incident_id}", field="claim_id")
    category = claim.category if claim.category in Category.values else Category.OTHER
    incident = record_incident(title=claim.summary[:200], description=claim.summary, categories=[category],
                               place_ids=list(claim.places.values_list("pk", flat=True)),
                               corridor_ids=list(claim.corridors.values_list("pk", flat=True)),
                               **_claim_time(claim), by=by)
    add_source(incident_id=incident.pk, kind=SourceKind.PARTY_STATEMENT,
               name=(claim.speaker or claim.source_name)[:200], statement=claim.quote or claim.summary,
               connection=Connection.PARTY, obtained_where=(claim.source_url or claim.source_name)[:200],
               claim_id=claim.pk, by=by)
    return incident


SOURCE_RETENTION_ENV = "SAFEPASSAGE_SOURCE_RETENTION_DAYS"


@transaction.atomic
def purge_source_identities(*, older_than_days: int | None = None, at: datetime | None = None, by) -> list[int]:
    """Erase the identities of sources recorded more than N days ago (default 180); return their ids."""
    days = retention_days(SOURCE_RETENTION_ENV, 180) if older_than_days is None else older_than_days
    if days < 0:
        raise InvalidInput("must be 0 or more", field="days")
    cutoff = (require_aware(at, "at") if at is not None else now()) - timedelta(days=days)
    ids = sorted(Source.objects.select_for_update().filter(recorded_at__lt=cutoff).exclude(identity_enc="")
                 .values_list("pk", flat=True))
    if ids:
        Source.objects.filter(pk__in=ids).update(identity_enc="")
        record(actor=by, action="source.identity_purged", object_type="incidents.source",
               object_id=f"retention:{cutoff.date().isoformat()}",
               after={"retention_days": days, "cutoff": cutoff, "source_ids": ids})
    return ids
