from django.apps import AppConfig

from safepassage.audit.actions import Action, Meta, register


class PlacesConfig(AppConfig):
    name = "safepassage.places"
    label = "places"

    def ready(self) -> None:
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The places' audit codes and the metadata each records."""
    from safepassage.places.services import PLACE_FIELDS

    return {
        Action.PLACE_CREATED: Meta(after=PLACE_FIELDS),
        Action.PLACE_UPDATED: Meta(before=PLACE_FIELDS, after=PLACE_FIELDS),
        Action.PLACE_IMPORT_COMPLETED: Meta(after=["source", "created", "updated", "unchanged"]),
        Action.CONTROL_OBSERVED: Meta(after=["place", "party", "status", "observed_from", "source"]),
        "population.recorded": Meta(after=["place_id", "people", "source", "as_of", "illustrative"]),
    }
