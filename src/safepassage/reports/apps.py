from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "safepassage.reports"
    label = "reports"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register("bulletin.published")
