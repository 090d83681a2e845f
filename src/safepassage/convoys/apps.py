from django.apps import AppConfig


class ConvoysConfig(AppConfig):
    name = "safepassage.convoys"
    label = "convoys"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register(
            "convoy.created",
            "convoy.updated",
            "convoy.manifest_set",
            "convoy.vehicles_set",
            "convoy.notified",
            "convoy.status_changed",
            "convoy.inspected",
            "convoy.seals_checked",
            "convoy.position_recorded",
            "convoy.delivered",
            "convoy.incident_recorded",
            "convoy.driver_names_purged",
            "convoy.movement_overridden",
        )
