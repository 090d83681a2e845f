from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safepassage.accounts"
    label = "accounts"

    def ready(self) -> None:
        from safepassage.audit.actions import register

        register("mfa.enrolled", "login.unlocked")
