from django.apps import AppConfig


class DeconflictionConfig(AppConfig):
    name = "safepassage.deconfliction"
    label = "deconfliction"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register(
            "notification.sent",
            "notification.superseded",
            "notification.withdrawn",
            "notification.acknowledged",
            "notification.refused",
            "notification.no_answer",
        )
