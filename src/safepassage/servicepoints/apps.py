from django.apps import AppConfig

from safepassage.audit.actions import Meta, register


class ServicepointsConfig(AppConfig):
    name = "safepassage.servicepoints"
    label = "servicepoints"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The service points' audit codes and the metadata each records."""
    from safepassage.servicepoints.services import FIELDS

    return {
        "servicepoint.created": Meta(after=FIELDS),
        "servicepoint.updated": Meta(before=FIELDS, after=FIELDS),
        "stock.recorded": Meta(before=["balance"],
                               after=["service_point", "item", "kind", "delta", "balance", "reason", "at"]),
        "people_served.recorded": Meta(before=["people", "version"],
                                       after=["service_point", "hour_start", "people", "version"]),
    }
