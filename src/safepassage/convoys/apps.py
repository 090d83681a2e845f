from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class ConvoysConfig(AppConfig):
    name = "safepassage.convoys"
    label = "convoys"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The convoys' audit codes and the metadata each records."""
    from safepassage.convoys.services import CONVOY_FIELDS

    return {
        "convoy.created": Meta(after=[*CONVOY_FIELDS, "manifest", "vehicles"]),
        "convoy.updated": Meta(before=CONVOY_FIELDS, after=CONVOY_FIELDS),
        "convoy.manifest_set": Meta(before=["manifest", "manifest_version"], after=["manifest", "manifest_version"]),
        "convoy.vehicles_set": Meta(before=["vehicles"], after=["vehicles"]),
        "convoy.notified": Meta(after=["notification", "revision", "deadline"]),
        "convoy.status_changed": Meta(before=["status", "version"], after=["status", "reason", "at", "version"]),
        "convoy.inspected": Meta(after=["inspection", "result", "no_weapons_attested", "seals", "discrepancies", "at",
                                        "manifest_version"]),
        "convoy.seals_checked": Meta(after=["seals", "unexpected", "alert", "at"]),
        "convoy.position_recorded": Meta(after=["lon", "lat", "at", "checkpoint", "note"]),
        "convoy.delivered": Meta(after=["receipt", "received_by", "received_at", "discrepancies"]),
        "convoy.incident_recorded": Meta(after=["incident", "kind", "at", "lon", "lat", "description"]),
        # a ConvoyIncident row copied into the incidents app (migration 0004): its old and new ids
        "convoy.incident_moved": Meta(after=["convoy_incident", "incident"]),
        "convoy.driver_names_purged": Meta(after=["retention_days", "cutoff", "references"]),
        "convoy.movement_overridden": Meta(after=["override", "event", "at", "problems", "reason"]),
    }
