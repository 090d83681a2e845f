from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safepassage.accounts"
    label = "accounts"

    def ready(self) -> None:
        from safepassage.accounts.services import user_for_token
        from safepassage.audit.actions import register
        from safepassage.core.api import set_token_lookup

        set_token_lookup(user_for_token)
        register("mfa.enrolled", "mfa.reset", "login.unlocked", "user.updated", "organisation.updated",
                 "party.updated", "user.personal_data_purged")
