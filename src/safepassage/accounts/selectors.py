"""Reads of parties, organisations and users."""

from __future__ import annotations

from django.db.models import QuerySet

from safepassage.accounts.models import ApiToken, Organisation, Party
from safepassage.core.models import get_or_refuse
from safepassage.core.permissions import Perm


def tokens_for(principal) -> QuerySet[ApiToken]:
    """The principal's own API tokens; everyone's for those who manage users."""
    qs = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if principal.can(Perm.USERS_MANAGE):
        return qs
    if principal.user is None:
        return qs.none()
    return qs.filter(user=principal.user)


def token_read(t: ApiToken) -> dict:
    return {"id": t.pk, "username": t.user.username, "name": t.name, "prefix": t.prefix,
            "created_at": t.created_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at}


def own_tokens(user) -> QuerySet[ApiToken]:
    """A person's own API tokens, newest first (an admin's page shows their own too)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def parties() -> QuerySet[Party]:
    return Party.objects.order_by("short_name", "id")


def party_label(p: Party) -> str:
    """The one name a party goes by on the map, the board, pauses and letters: its short name."""
    return p.short_name


def party_read(p: Party) -> dict:
    return {"id": p.pk, "name": p.name, "short_name": p.short_name, "name_ar": p.name_ar, "color": p.color}


def user_read(user) -> dict:
    return {"id": user.pk, "username": user.username, "role": user.role, "party_id": user.party_id,
            "organisation_id": user.organisation_id}


def organisation_or_refuse(organisation_id: int | None) -> Organisation | None:
    return get_or_refuse(Organisation, organisation_id, "organisation_id")

def party_or_refuse(party_id: int | None) -> Party | None:
    return get_or_refuse(Party, party_id, "party_id")
