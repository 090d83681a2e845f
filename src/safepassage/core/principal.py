"""The acting person behind a request or a command: user (or anonymous), role, party."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safepassage.core.errors import NotAuthenticated, PermissionDenied
from safepassage.core.permissions import Perm, Role, role_has


@dataclass(frozen=True)
class Principal:
    user: Any | None  # accounts.User, or None for the public
    role: str
    party_id: int | None = None
    via: str = "session"

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def label(self) -> str:
        return "anonymous" if self.user is None else self.user.username

    def can(self, perm: Perm) -> bool:
        if self.user is not None and not self.user.is_active:
            return False
        return role_has(self.role, perm)

    def require(self, perm: Perm) -> None:
        """Raise unless allowed: 401 for the public, 403 for a signed-in user."""
        if self.can(perm):
            return
        if self.is_anonymous:
            raise NotAuthenticated("Sign in or send an API token: this needs the permission " + perm)
        raise PermissionDenied(f"Your role ({self.role}) does not have the permission {perm}")


PUBLIC = Principal(user=None, role=Role.PUBLIC, via="anonymous")


def principal_for_user(user: Any, via: str = "session") -> Principal:
    if user is None or not getattr(user, "is_authenticated", False):
        return PUBLIC
    return Principal(user=user, role=user.role, party_id=user.party_id, via=via)
