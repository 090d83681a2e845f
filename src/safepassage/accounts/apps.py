from django.apps import AppConfig

from safepassage.audit.actions import Action, Meta, register


class AccountsConfig(AppConfig):
    name = "safepassage.accounts"
    label = "accounts"

    def ready(self) -> None:
        from safepassage.accounts.services import user_for_token
        from safepassage.core.api import set_token_lookup

        set_token_lookup(user_for_token)
        register(audit_actions())


def audit_actions() -> dict[str, Meta]:
    """The accounts' audit codes and the metadata each records."""
    from safepassage.accounts.services import ORGANISATION_FIELDS, PARTY_FIELDS, USER_FIELDS

    return {
        Action.ORGANISATION_CREATED: Meta(after=ORGANISATION_FIELDS),
        "organisation.updated": Meta(before=ORGANISATION_FIELDS, after=ORGANISATION_FIELDS),
        Action.PARTY_CREATED: Meta(after=PARTY_FIELDS),
        "party.updated": Meta(before=PARTY_FIELDS, after=PARTY_FIELDS),
        Action.USER_CREATED: Meta(after=USER_FIELDS),
        "user.updated": Meta(before=USER_FIELDS, after=USER_FIELDS),
        Action.USER_ROLE_CHANGED: Meta(before=USER_FIELDS, after=USER_FIELDS),
        Action.TOKEN_ISSUED: Meta(after=["name", "prefix", "expires_at"]),
        Action.TOKEN_REVOKED: Meta(after=["token_id", "name", "prefix"]),
        "mfa.enrolled": Meta(after=["method", "recovery_codes"]),
        "mfa.reset": Meta(after=["device", "name"]),
        "login.unlocked": Meta(after=["username", "ip_address", "attempts_removed"]),
        "user.personal_data_purged": Meta(after=["retention_days", "cutoff", "user_ids"]),
    }
