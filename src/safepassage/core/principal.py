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


class TokenClaim:
    """A bearer token sent with a request and not checked yet (`PrincipalAuth(defer=True)`).

    Checking a token costs a query. The count intake, where thousands of requests a minute each carry
    one, checks the tokens of a whole group-commit batch with the batch's other reads (one round trip,
    in its transaction) instead. Whatever answers the request settles the claim first: the batch
    (`settle_with`), or the API's error handler (`settle`) before any refusal. So an unknown or revoked
    token, or a role without the permission, is still answered 401 or 403 before anything is said about
    the input, exactly as when the token is checked up front.
    """

    __slots__ = ("token", "perm", "_principal", "_refusal")

    def __init__(self, token: str, perm: Perm):
        self.token, self.perm = token, perm
        self._principal: Principal | None = None
        self._refusal: NotAuthenticated | PermissionDenied | None = None

    @property
    def settled(self) -> bool:
        return self._principal is not None or self._refusal is not None

    def settle_with(self, user: Any | None) -> None:
        """Settle with the token's holder as read by the caller (None: unknown, revoked or inactive);
        again when read again (a batch run once more reads its tokens once more)."""
        self._principal = self._refusal = None
        if user is None:
            self._refusal = NotAuthenticated("the API token is unknown or revoked")
            return
        principal = principal_for_user(user, via="token")
        try:
            principal.require(self.perm)
        except PermissionDenied as refusal:
            self._refusal = refusal
            return
        self._principal = principal

    def settle(self) -> Principal:
        """The principal behind the token (looked up now if nobody has yet); raises 401 or 403."""
        if not self.settled:
            from safepassage.accounts.services import user_for_token

            self.settle_with(user_for_token(self.token))
        if self._refusal is not None:
            raise self._refusal
        return self._principal
