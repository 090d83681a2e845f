from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class DeconflictionConfig(AppConfig):
    name = "safepassage.deconfliction"
    label = "deconfliction"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The notifications' audit codes and the metadata each records."""
    from safepassage.deconfliction.services import NOTIFICATION_STATE

    answer = Meta(before=["party", "state"], after=["party", "state", "reason", "conditions", "at", "revision"])
    return {
        "notification.sent": Meta(after=NOTIFICATION_STATE),
        "notification.superseded": Meta(before=NOTIFICATION_STATE, after=["state", "reason", "version"]),
        "notification.withdrawn": Meta(before=["state", "version"], after=["state", "reason", "version"]),
        "notification.acknowledged": answer,
        "notification.refused": answer,
        "notification.no_answer": Meta(before=["party", "state"], after=["party", "state", "deadline"]),
    }
