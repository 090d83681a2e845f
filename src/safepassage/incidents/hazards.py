"""Writers of the hazard registry: hazards from incidents, their status history, movements to notify again.

Nothing here suspends a corridor by itself: a coordinator does, from the warning, on record.
"""

from __future__ import annotations

import re

from django.db import transaction

from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, NotFound, StateConflict
from safepassage.core.geometry import AREA_TYPES, LINE_TYPES, POINT_TYPES, validate_geometry
from safepassage.core.timeutil import now
from safepassage.corridors import services as corridor_services
from safepassage.corridors.models import Corridor
from safepassage.incidents.hazard_reads import PUBLIC_NOUN, buffer_m, in_force_statuses, near, warning
from safepassage.incidents.models import (
    Category,
    ContaminationEvidence,
    Hazard,
    HazardClassification,
    HazardKind,
    HazardStatus,
    HazardStatusChange,
    Incident,
)

_SHELLING = re.compile(r"shell|artiller|mortar|rocket|bombard|قصف", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------------------
# writes


def _check(kind: str, evidence: str, classification: str, geometry: dict) -> dict:
    if kind not in HazardKind.values:
        raise InvalidInput(f"one of {', '.join(HazardKind.values)}", field="kind")
    if evidence not in ContaminationEvidence.values:
        raise InvalidInput(f"one of {', '.join(ContaminationEvidence.values)}", field="evidence")
    if classification not in HazardClassification.values:
        raise InvalidInput(f"one of {', '.join(HazardClassification.values)}", field="classification")
    if classification == HazardClassification.CONFIRMED and evidence != ContaminationEvidence.DIRECT:
        raise InvalidInput("a confirmed hazardous area rests on direct evidence", field="classification")
    return validate_geometry(geometry, field="geometry", allowed=POINT_TYPES | LINE_TYPES | AREA_TYPES)


def _flag_movements(h: Hazard, by) -> list[int]:
    """Mark the active notifications of movements on the corridors this hazard warns, for re-notification."""
    from safepassage.deconfliction.models import Kind, Notification, NotificationState

    if h.status not in in_force_statuses():
        return []
    corridors = [c for c in Corridor.objects.all() if near(h, c)]
    corridor_ids = {c.pk for c in corridors}
    flagged = []
    reason = (f"hazard #{h.pk} ({PUBLIC_NOUN[h.kind]} {h.status.replace('_', ' ')}) within {buffer_m():.0f} m "
              f"of the route; notify the parties again")
    for n in (Notification.objects.filter(state=NotificationState.ACTIVE,
                                          kind__in=(Kind.CONVOY, Kind.EVACUATION))
              .select_related("convoy").order_by("id")):
        on_corridor = n.convoy is not None and n.convoy.corridor_id in corridor_ids
        if not on_corridor and not near(h, n):
            continue
        if n.renotify_reason == reason:
            continue
        n.renotify_reason, n.renotify_flagged_at = reason, now()
        n.save(update_fields=["renotify_reason", "renotify_flagged_at"])
        record(actor=by, action="notification.renotify_flagged", obj=n,
               after={"hazard_id": h.pk, "reason": reason})
        flagged.append(n.pk)
    return flagged


@transaction.atomic
def record_hazard(*, kind: str, geometry: dict, description: str = "",
                  evidence: str = ContaminationEvidence.INDIRECT,
                  classification: str = HazardClassification.SUSPECTED, incident_ids=(), reason: str = "", by) -> Hazard:
    """Put a hazard on the registry as reported; movements notified near it are marked for re-notification."""
    geometry = _check(kind, evidence, classification, geometry)
    incidents = list(Incident.objects.filter(pk__in=list(incident_ids)))
    if len(incidents) != len(set(incident_ids)):
        raise InvalidInput("unknown id in incident_ids", field="incident_ids")
    at = now()
    h = Hazard(kind=kind, description=description, evidence=evidence, classification=classification,
               status=HazardStatus.REPORTED, status_since=at, recorded_by=getattr(by, "user", by), recorded_at=at)
    h.set_geometry(geometry)
    h.save()
    h.incidents.set(incidents)
    HazardStatusChange.objects.create(hazard=h, status=h.status, reason=reason.strip() or "reported",
                                      changed_by=getattr(by, "user", by), at=at)
    record(actor=by, action="hazard.created", obj=h,
           after={"kind": kind, "geometry": geometry, "evidence": evidence, "classification": classification,
                  "status": h.status, "incident_ids": sorted(i.pk for i in incidents)})
    _flag_movements(h, by)
    return h


@transaction.atomic
def set_hazard_status(*, hazard_id: int, status: str, reason: str, by, classification: str | None = None,
                      evidence: str | None = None) -> Hazard:
    """Confirm, clear or cancel a hazard with the reason on record (who, when, why)."""
    if status not in HazardStatus.values:
        raise InvalidInput(f"one of {', '.join(HazardStatus.values)}", field="status")
    if not (reason or "").strip():
        raise InvalidInput("give the reason for the change (e.g. the survey or the evidence)", field="reason")
    h = Hazard.objects.select_for_update().filter(pk=hazard_id).first()
    if h is None:
        raise NotFound("no such hazard", field="hazard_id")
    if h.status == status and classification in (None, h.classification) and evidence in (None, h.evidence):
        raise StateConflict(f"the hazard is already {status}", field="status")
    before = {"status": h.status, "classification": h.classification, "evidence": h.evidence}
    _check(h.kind, evidence or h.evidence, classification or h.classification, h.geometry)
    at = now()
    h.status, h.status_since = status, at
    h.classification = classification or h.classification
    h.evidence = evidence or h.evidence
    h.save(update_fields=["status", "status_since", "classification", "evidence"])
    HazardStatusChange.objects.create(hazard=h, status=status, reason=reason.strip(),
                                      changed_by=getattr(by, "user", by), at=at)
    record(actor=by, action="hazard.status_changed", obj=h, before=before,
           after={"status": status, "classification": h.classification, "evidence": h.evidence,
                  "reason": reason.strip()})
    _flag_movements(h, by)
    return h


def hazard_kind_of(incident: Incident) -> str | None:
    """The kind of hazard an incident reports, if any: mines/IED/UXO, or shelling in hostilities."""
    if Category.MINES_IED_UXO in incident.categories:
        return HazardKind.MINES_UXO_IED
    if Category.HOSTILITIES in incident.categories and _SHELLING.search(f"{incident.title} {incident.description}"):
        return HazardKind.SHELLING_ZONE
    return None


def sync_from_incident(incident: Incident, *, by) -> Hazard | None:
    """Create or update the hazard an incident reports, in the caller's transaction."""
    kind = hazard_kind_of(incident)
    if kind is None or not incident.geometry:
        return None
    h = incident.hazards.filter(kind=kind).order_by("id").first()
    if h is None:
        return record_hazard(kind=kind, geometry=incident.geometry, description=incident.title,
                             incident_ids=[incident.pk], reason=f"reported by incident #{incident.pk}", by=by)
    if h.geometry != incident.geometry:
        before = {"geometry": h.geometry}
        h.set_geometry(incident.geometry)
        h.save(update_fields=["geometry", "min_lon", "min_lat", "max_lon", "max_lat"])
        record(actor=by, action="hazard.updated", obj=h, before=before,
               after={"geometry": h.geometry, "incident_id": incident.pk})
        _flag_movements(h, by)
    return h


@transaction.atomic
def suspend_corridor(*, hazard_id: int, corridor_id: int, by) -> Corridor:
    """Suspend a corridor from a hazard's warning in one step; the reason names the hazard."""
    h = Hazard.objects.filter(pk=hazard_id).first()
    if h is None:
        raise NotFound("no such hazard", field="hazard_id")
    corridor = Corridor.objects.filter(pk=corridor_id).first()
    if corridor is None:
        raise NotFound("no such corridor", field="corridor_id")
    if h.status not in in_force_statuses():
        raise StateConflict(f"the hazard is {h.status}, not in force", field="hazard_id")
    if not near(h, corridor):
        raise StateConflict(f"the hazard is not within {buffer_m():.0f} m of this corridor", field="corridor_id")
    w = warning(h)
    corridor = corridor_services.set_corridor_status(
        corridor_id=corridor.pk, status="suspended", by=by,
        reason=f"Suspended for hazard #{h.pk}: {w['text']}.")
    record(actor=by, action="hazard.corridor_suspended", obj=h, after={"corridor_id": corridor.pk, "text": w["text"]})
    return corridor
