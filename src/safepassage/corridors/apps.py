from django.apps import AppConfig

from safepassage.audit.actions import Action, Meta, register


class CorridorsConfig(AppConfig):
    name = "safepassage.corridors"
    label = "corridors"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The corridors' audit codes and the metadata each records."""
    from safepassage.corridors.services import CHECKPOINT_FIELDS, CORRIDOR_FIELDS

    return {
        Action.CORRIDOR_CREATED: Meta(after=CORRIDOR_FIELDS),
        Action.CORRIDOR_UPDATED: Meta(before=CORRIDOR_FIELDS, after=CORRIDOR_FIELDS),
        Action.CORRIDOR_STATUS_CHANGED: Meta(before=["status", "version"],
                                             after=["status", "reason", "at", "version"]),
        Action.CHECKPOINT_CREATED: Meta(after=CHECKPOINT_FIELDS),
        Action.CHECKPOINT_UPDATED: Meta(before=CHECKPOINT_FIELDS, after=CHECKPOINT_FIELDS),
    }
