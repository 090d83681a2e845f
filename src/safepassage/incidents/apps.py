from django.apps import AppConfig

from safepassage.audit.actions import Action, Meta, register


class IncidentsConfig(AppConfig):
    name = "safepassage.incidents"
    label = "incidents"

    def ready(self) -> None:
        register(audit_actions())
        register(hazard_audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The incidents' and claims' audit codes and the metadata each records."""
    from safepassage.incidents.importer import REPORT_KEYS
    from safepassage.incidents.services import INCIDENT_SNAPSHOT

    review = Meta(before=["assigned_to_id"], after=["assigned_to_id"])
    read = Meta(after=["sha256", "why"])
    return {
        Action.CLAIM_CREATED: Meta(after=["summary", "source_name", "published_on", "verification"]),
        Action.CLAIM_VERIFICATION_CHANGED: Meta(before=["verification"], after=["verification", "note"]),
        "incident.created": Meta(after=INCIDENT_SNAPSHOT),
        "incident.updated": Meta(before=INCIDENT_SNAPSHOT, after=INCIDENT_SNAPSHOT),
        "incident.publication_changed": Meta(before=["published"], after=["published", "verification"]),
        "incident.import_completed": Meta(after=["source", "file", *REPORT_KEYS]),
        "source.added": Meta(after=["incident_id", "kind", "name", "connection", "reliability", "credibility",
                                    "claim_id", "has_identity"]),
        "source.identity_purged": Meta(after=["retention_days", "cutoff", "source_ids"]),
        "attribution.added": Meta(after=["incident_id", "party_id", "source_id"]),
        "evidence.received": Meta(after=["sha256", "size", "incident_id", "link_id", "why", "new_file",
                                         "original_name"]),
        "evidence.viewed": read,
        "evidence.exported": read,
        "evidence.transferred": Meta(after=["sha256", "to", "why"]),
        "evidence.integrity_failed": Meta(after=["expected", "found", "storage_name"]),
        "evidence.published_copy": Meta(after=["original_sha256", "sha256", "incident_id", "link_id", "metadata"]),
        "incident.review_taken": review,
        "incident.review_taken_over": review,
        "incident.review_released": review,
        "verification.decided": Meta(before=["attribution_id", "verification"],
                                     after=["decision_id", "status", "attribution_id", "incident_verification",
                                            "needs_confirmation", "evidence_sha256", "source_ids", "note"]),
        "verification.confirmed": Meta(before=["verification"],
                                       after=["decision_id", "verification", "note", "first_verifier_id"]),
    }


def hazard_audit_actions() -> dict[str, Meta]:
    """The hazards' audit codes and the metadata each records."""
    status = ["status", "classification", "evidence"]
    return {
        "hazard.created": Meta(after=["kind", "geometry", "evidence", "classification", "status", "incident_ids"]),
        "hazard.updated": Meta(before=["geometry"], after=["geometry", "incident_id"]),
        "hazard.status_changed": Meta(before=status, after=[*status, "reason"]),
        "hazard.corridor_suspended": Meta(after=["corridor_id", "text"]),
        "notification.renotify_flagged": Meta(after=["hazard_id", "reason"]),
    }
