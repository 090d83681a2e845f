from django.apps import AppConfig


class CrossingsConfig(AppConfig):
    name = "safepassage.crossings"
    label = "crossings"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register(
            "crossing_count.submitted",
            "crossing_count.reviewed",
            "medevac.created",
            "medevac.updated",
            "medevac.status_changed",
            "medevac.identifying_purged",
        )
