"""Domain exceptions; turned into HTTP errors only at the API edge (`safepassage.api`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class DomainError(Exception):
    """Base class: a request the domain refuses, with a reason a person can act on."""

    status = 400

    def __init__(self, reason: str, *, field: str | None = None, errors: list[FieldError] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.errors = errors if errors is not None else ([FieldError(field, reason)] if field else [])

    def as_dict(self) -> dict:
        return {
            "detail": self.reason,
            "errors": [{"field": e.field, "reason": e.reason} for e in self.errors],
        }


class InvalidInput(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class VersionConflict(DomainError):
    """An update carried a version older than the stored one: someone else changed it first."""

    status = 409


class StateConflict(DomainError):
    """The object is in a state that does not allow this change (e.g. overlapping pause)."""

    status = 409


class Unavailable(DomainError):
    """A service the request needs (e.g. the background queue) does not answer; try again later."""

    status = 503


class PermissionDenied(DomainError):
    status = 403


class NotAuthenticated(DomainError):
    status = 401
