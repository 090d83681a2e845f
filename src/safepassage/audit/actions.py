"""Stable audit action codes, each declared with the keys its metadata may hold. A code never changes meaning."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """The platform's own codes; the app that writes each declares its metadata with `register`."""

    ORGANISATION_CREATED = "organisation.created"
    PARTY_CREATED = "party.created"
    USER_CREATED = "user.created"
    USER_ROLE_CHANGED = "user.role_changed"
    TOKEN_ISSUED = "token.issued"
    TOKEN_REVOKED = "token.revoked"
    PLACE_CREATED = "place.created"
    PLACE_UPDATED = "place.updated"
    PLACE_IMPORT_COMPLETED = "place.import_completed"
    CONTROL_OBSERVED = "control.observed"
    CORRIDOR_CREATED = "corridor.created"
    CORRIDOR_UPDATED = "corridor.updated"
    CORRIDOR_STATUS_CHANGED = "corridor.status_changed"
    CHECKPOINT_CREATED = "checkpoint.created"
    CHECKPOINT_UPDATED = "checkpoint.updated"
    PAUSE_CREATED = "pause.created"
    PAUSE_UPDATED = "pause.updated"
    PAUSE_STATUS_CHANGED = "pause.status_changed"
    PAUSE_RESPONSE_RECORDED = "pause.response_recorded"
    CLAIM_CREATED = "claim.created"
    CLAIM_VERIFICATION_CHANGED = "claim.verification_changed"
    PERSONAL_DATA_READ = "personal_data.read"


def _keys(keys: Iterable[str] | None) -> frozenset[str] | None:
    if isinstance(keys, str):
        raise TypeError(f"give a list of keys, not the string {keys!r}")
    return None if keys is None else frozenset(keys)


@dataclass(frozen=True, init=False)
class Meta:
    """The top-level keys an entry's `before` and `after` may hold; None: that side is always empty."""

    before: frozenset[str] | None
    after: frozenset[str] | None

    def __init__(self, *, before: Iterable[str] | None = None, after: Iterable[str] | None = None) -> None:
        object.__setattr__(self, "before", _keys(before))
        object.__setattr__(self, "after", _keys(after))


ACTIONS: frozenset[str] = frozenset(Action)
SCHEMAS: dict[str, Meta] = {}


def register(schemas: Mapping[str, Meta]) -> None:
    """Declare codes with their metadata, once each, at import time (AppConfig.ready)."""
    global ACTIONS
    clashes = sorted(code for code, meta in schemas.items() if SCHEMAS.get(code, meta) != meta)
    if clashes:
        raise ValueError(f"audit action code(s) declared twice, differently: {', '.join(clashes)}")
    SCHEMAS.update({str(code): meta for code, meta in schemas.items()})
    ACTIONS = ACTIONS | frozenset(SCHEMAS)


register({Action.PERSONAL_DATA_READ: Meta(after=["data", "fields", "purpose", "case_number", "incident_id"])})
