from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class PlansConfig(AppConfig):
    name = "safepassage.plans"
    label = "plans"

    def ready(self) -> None:
        register({"plan.run_recorded": Meta(after=["kind", "status", "network", "hazards_version"])})
