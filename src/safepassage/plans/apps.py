from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "safepassage.plans"
    label = "plans"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register("plan.run_recorded")
