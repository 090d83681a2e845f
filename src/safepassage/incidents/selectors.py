"""Reads of incidents, filtered by who asks: the public sees verified and published incidents only,
protected locations coarsened, and nothing of the sources. No read returns a source's identity."""

from __future__ import annotations

import math
from datetime import datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from shapely.geometry import shape

from safepassage.audit.models import AuditEntry
from safepassage.core.errors import NotFound
from safepassage.core.permissions import Perm
from safepassage.incidents.models import (
    Claim,
    EvidenceLink,
    Incident,
    Source,
    Verification,
    VerificationDecision,
)

_METRES_PER_DEGREE = 111_320.0


def sees_all(principal) -> bool:
    return principal.can(Perm.INCIDENTS_VIEW_ALL)


def visible_incidents(principal) -> QuerySet[Incident]:
    qs = Incident.objects.all()
    if not sees_all(principal):
        qs = qs.filter(verification=Verification.VERIFIED, published=True)
    return qs


def began_between(qs: QuerySet[Incident], start: datetime | None, end: datetime | None) -> QuerySet[Incident]:
    """Incidents whose beginning (earliest time, else when recorded) falls in [start, end)."""
    qs = qs.annotate(began=Coalesce("time_earliest", "recorded_at"))
    if start is not None:
        qs = qs.filter(began__gte=start)
    return qs.filter(began__lt=end) if end is not None else qs


def list_incidents(principal, *, verification: str | None = None, category: str | None = None,
                   corridor_id: int | None = None, published: bool | None = None,
                   began_from: datetime | None = None, began_to: datetime | None = None,
                   as_of: datetime | None = None) -> QuerySet[Incident]:
    """Visible incidents with the filters asked; `as_of`: those recorded by then (the bulletin pins its links)."""
    qs = visible_incidents(principal).prefetch_related("places", "corridors", "convoys", "pauses")
    if began_from is not None or began_to is not None:
        qs = began_between(qs, began_from, began_to)
    if as_of is not None:
        qs = qs.filter(recorded_at__lte=as_of)
    if verification:
        qs = qs.filter(verification=verification)
    if category:
        qs = qs.filter(categories__icontains=f'"{category}"')  # a JSON list of known codes: exact enough
    if corridor_id:
        qs = qs.filter(corridors=corridor_id)
    if published is not None:
        qs = qs.filter(published=published)
    return qs.order_by("-recorded_at", "-id")


def get_incident(principal, incident_id: int) -> Incident:
    incident = visible_incidents(principal).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("no such incident")
    return incident


def coarsen(geometry: dict | None, precision_m: int) -> dict | None:
    """The centre of the geometry snapped to a grid of the given size: the public location of a protected one."""
    if not geometry:
        return None
    centre = shape(geometry).centroid
    step_lat = precision_m / _METRES_PER_DEGREE
    lat = (math.floor(centre.y / step_lat) + 0.5) * step_lat
    # the longitude step from the cell's latitude, not the point's: nothing of the exact place leaks through
    step_lon = precision_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    lon = (math.floor(centre.x / step_lon) + 0.5) * step_lon
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def _location(i: Incident, full: bool) -> dict:
    if full or not i.protected:
        return {"geometry": i.geometry, "location_precision_m": i.location_precision_m, "coarsened": False}
    return {"geometry": coarsen(i.geometry, i.public_precision_m),
            "location_precision_m": max(i.public_precision_m, i.location_precision_m or 0), "coarsened": True}


def incident_summary(i: Incident, principal) -> dict:
    full = sees_all(principal)
    out = {"id": i.pk, "title": i.title, "description": i.description, **_location(i, full),
           "protected": i.protected, "time_earliest": i.time_earliest, "time_latest": i.time_latest,
           "time_precision": i.time_precision, "categories": list(i.categories),
           "people_affected": dict(i.people_affected), "verification": i.verification, "published": i.published,
           "place_ids": sorted(p.pk for p in i.places.all()),
           "corridor_ids": sorted(c.pk for c in i.corridors.all()),
           "convoy_ids": sorted(c.pk for c in i.convoys.all()) if full else [],
           "pause_ids": sorted(p.pk for p in i.pauses.all())}
    return out


def source_read(s: Source) -> dict:
    """A source as shown on an incident: never the identity, only whether one is held."""
    return {"id": s.pk, "kind": s.kind, "name": s.name, "statement": s.statement, "obtained_at": s.obtained_at,
            "obtained_where": s.obtained_where, "connection": s.connection, "reliability": s.reliability,
            "credibility": s.credibility, "has_identity": bool(s.identity_enc), "claim_id": s.claim_id}


def custody(file_id: int) -> list[dict]:
    """The file's chain of custody from the audit log: received, viewed, exported, transferred, mismatches."""
    entries = AuditEntry.objects.filter(object_type="incidents.evidencefile", object_id=str(file_id),
                                        action__startswith="evidence.").order_by("seq")
    return [{"event": e.action.removeprefix("evidence."), "at": e.at, "actor": e.actor_label,
             "why": (e.after or {}).get("why", ""), "to": (e.after or {}).get("to", "")} for e in entries]


def evidence_read(link: EvidenceLink, *, with_custody: bool = False) -> dict:
    f = link.file
    return {"link_id": link.pk, "file_id": f.pk, "sha256": f.sha256, "size": f.size,
            "content_type": f.content_type, "original_name": link.original_name, "note": link.note,
            "added_at": link.added_at, "integrity_failed_at": f.integrity_failed_at,
            "published_copy_sha256": link.published_copy.sha256 if link.published_copy_id else None,
            "custody": custody(f.pk) if with_custody else []}


def decision_read(d: VerificationDecision) -> dict:
    return {"id": d.pk, "attribution_id": d.attribution_id, "status": d.status, "note": d.note,
            "evidence_sha256": sorted(f.sha256 for f in d.evidence.all()),
            "source_ids": sorted(s.pk for s in d.sources.all()),
            "decided_by": d.decided_by.username, "decided_at": d.decided_at,
            "needs_confirmation": d.needs_confirmation,
            "confirmed_by": d.confirmed_by.username if d.confirmed_by_id else None,
            "confirmed_at": d.confirmed_at, "confirmation_note": d.confirmation_note}


def incident_detail(i: Incident, principal) -> dict:
    out = incident_summary(i, principal)
    if not sees_all(principal):
        public_images = i.evidence_links.filter(published_copy__isnull=False).order_by("id")
        return {**out, "sources": [], "attributions": [], "evidence": [], "decisions": [],
                "public_image_ids": [link.pk for link in public_images], "assigned_to": None}
    return {**out,
            "sources": [source_read(s) for s in i.sources.order_by("id")],
            "attributions": [{"id": a.pk, "party_id": a.party_id,
                              "party": a.party.short_name if a.party_id else "unknown",
                              "source_id": a.source_id, "source_name": a.source.name,
                              "verification": a.verification}
                             for a in i.attributions.select_related("party", "source").order_by("id")],
            "evidence": [evidence_read(link, with_custody=True) for link in
                         i.evidence_links.select_related("file", "published_copy").order_by("id")],
            "decisions": [decision_read(d) for d in i.decisions.select_related("decided_by", "confirmed_by")
                          .prefetch_related("evidence", "sources").order_by("decided_at", "id")],
            "public_image_ids": [link.pk for link in i.evidence_links.filter(published_copy__isnull=False)],
            "assigned_to": i.assigned_to.username if i.assigned_to_id else None}


def review_queue(*, mine_of=None) -> QuerySet[Incident]:
    """Incidents that await a decision or a second verifier's confirmation, with who holds each."""
    qs = Incident.objects.filter(Q(verification=Verification.UNVERIFIED) | Q(verification=Verification.PENDING))
    if mine_of is not None:
        qs = qs.filter(assigned_to=mine_of)
    return qs.select_related("assigned_to").order_by("recorded_at", "id")


def queue_item(i: Incident) -> dict:
    waiting = i.decisions.filter(needs_confirmation=True, confirmed_by__isnull=True,
                                 attribution__isnull=True).order_by("-decided_at", "-id").first()
    return {"id": i.pk, "title": i.title, "categories": list(i.categories), "verification": i.verification,
            "assigned_to": i.assigned_to.username if i.assigned_to_id else None, "assigned_at": i.assigned_at,
            "awaiting_confirmation_of": waiting.pk if waiting and i.verification == Verification.PENDING else None,
            "first_verifier": waiting.decided_by.username if waiting and i.verification == Verification.PENDING
            else None}


def public_image(principal, incident_id: int, link_id: int) -> EvidenceLink:
    """The metadata-free copy of an image of an incident the principal may see."""
    incident = get_incident(principal, incident_id)
    link = EvidenceLink.objects.select_related("published_copy").filter(
        pk=link_id, incident=incident, published_copy__isnull=False).first()
    if link is None:
        raise NotFound("no published image with this id on this incident")
    return link


# --- claims ------------------------------------------------------------------------------------

def claims(*, verification: str | None = None, corridor_id: int | None = None) -> QuerySet[Claim]:
    """Claims, newest publication first, with their places and corridors."""
    qs = Claim.objects.prefetch_related("places", "corridors").order_by("-published_on", "id")
    if verification:
        qs = qs.filter(verification=verification)
    if corridor_id:
        qs = qs.filter(corridors=corridor_id)
    return qs


def claim_or_404(claim_id: int) -> Claim:
    return get_object_or_404(claims(), pk=claim_id)


def claim_read(c: Claim) -> dict:
    return {
        "id": c.pk, "summary": c.summary, "quote": c.quote, "source_name": c.source_name, "speaker": c.speaker,
        "source_url": c.source_url, "published_on": c.published_on, "published_note": c.published_note,
        "category": c.category, "verification": c.verification, "verification_note": c.verification_note,
        "place_ids": sorted(p.pk for p in c.places.all()),
        "corridor_ids": sorted(x.pk for x in c.corridors.all()),
    }
