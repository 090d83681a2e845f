from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class ReportsConfig(AppConfig):
    name = "safepassage.reports"
    label = "reports"

    def ready(self) -> None:
        register({"bulletin.published": Meta(after=["day", "tz", "built_at", "sha256"])})
