from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class CrossingsConfig(AppConfig):
    name = "safepassage.crossings"
    label = "crossings"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The crossings' audit codes and the metadata each records."""
    from safepassage.crossings.services import AUDIT_FIELDS, MEDEVAC_FIELDS

    case = [*MEDEVAC_FIELDS, "identifying"]  # services._medevac_audit
    review = ["review_status", "review_note"]
    return {
        "crossing_count.submitted": Meta(after=AUDIT_FIELDS),
        "crossing_count.reviewed": Meta(before=review, after=review),
        "medevac.created": Meta(after=case),
        "medevac.updated": Meta(before=case, after=case),
        "medevac.status_changed": Meta(before=["status", "status_at", "version"],
                                       after=["status", "status_at", "version", "outside_agreement",
                                              "override_reason"]),
        "medevac.identifying_purged": Meta(after=["retention_days", "cutoff", "case_numbers"]),
    }
