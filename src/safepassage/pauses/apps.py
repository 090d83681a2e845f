from django.apps import AppConfig


class PausesConfig(AppConfig):
    name = "safepassage.pauses"
    label = "pauses"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register("pause.withdrawn", "pause.reproposed")
