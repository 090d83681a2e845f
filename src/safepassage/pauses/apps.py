from django.apps import AppConfig

from safepassage.audit.actions import Action, Meta, register


class PausesConfig(AppConfig):
    name = "safepassage.pauses"
    label = "pauses"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The pauses' audit codes and the metadata each records."""
    from safepassage.pauses.services import PAUSE_STATE

    return {
        Action.PAUSE_CREATED: Meta(after=PAUSE_STATE),
        "pause.reproposed": Meta(after=PAUSE_STATE),
        Action.PAUSE_UPDATED: Meta(before=PAUSE_STATE, after=PAUSE_STATE),
        Action.PAUSE_RESPONSE_RECORDED: Meta(before=["state", "at"], after=["party", "state", "note", "at"]),
        "pause.withdrawn": Meta(before=["status", "version"], after=["status", "party", "at", "reason", "version"]),
        Action.PAUSE_STATUS_CHANGED: Meta(before=["status", "version"], after=["status", "reason", "version"]),
    }
