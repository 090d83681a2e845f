from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "safepassage.incidents"
    label = "incidents"

    def ready(self) -> None:
        from safepassage.audit.actions import register

        register("incident.created", "incident.updated", "incident.publication_changed", "source.added",
                 "attribution.added", "evidence.received", "evidence.viewed", "evidence.exported",
                 "evidence.transferred", "evidence.integrity_failed", "evidence.published_copy",
                 "incident.review_taken", "incident.review_taken_over", "incident.review_released",
                 "verification.decided", "verification.confirmed", "source.identity_purged")
