from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "safepassage.agreements"
    label = "agreements"

    def ready(self) -> None:
        from safepassage.audit import actions

        actions.register(
            "community.registered",
            "community.import_completed",
            "agreement.created",
            "agreement.status_changed",
            "claimed_tally.recorded",
        )
