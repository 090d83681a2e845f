from django.apps import AppConfig


class ServicepointsConfig(AppConfig):
    name = "safepassage.servicepoints"
    label = "servicepoints"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register("servicepoint.created", "servicepoint.updated", "stock.recorded", "people_served.recorded")
