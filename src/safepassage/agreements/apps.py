from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class AgreementsConfig(AppConfig):
    name = "safepassage.agreements"
    label = "agreements"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The agreements' audit codes and the metadata each records."""
    from safepassage.agreements.services import AGREEMENT_FIELDS, COMMUNITY_FIELDS

    return {
        "community.registered": Meta(after=COMMUNITY_FIELDS),
        "community.import_completed": Meta(after=["source", "created", "updated", "unchanged"]),
        "agreement.created": Meta(after=[*AGREEMENT_FIELDS, "source", "parties", "areas", "corridors"]),
        "agreement.status_changed": Meta(after=["status", "from", "source", "note", "version"]),
        "claimed_tally.recorded": Meta(after=["party", "metric", "claimed", "as_of", "source"]),
    }
