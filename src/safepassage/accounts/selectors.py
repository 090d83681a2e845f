"""Reads for accounts, filtered by the acting principal."""

from __future__ import annotations

from django.db.models import QuerySet

from safepassage.accounts.models import ApiToken
from safepassage.core.permissions import Perm


def tokens_for(principal) -> QuerySet[ApiToken]:
    """The principal's own API tokens; everyone's for those who manage users."""
    qs = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if principal.can(Perm.USERS_MANAGE):
        return qs
    if principal.user is None:
        return qs.none()
    return qs.filter(user=principal.user)


def own_tokens(user) -> QuerySet[ApiToken]:
    """A person's own API tokens, newest first (an admin's page shows their own too)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
