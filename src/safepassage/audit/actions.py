"""Stable audit action codes. A code never changes meaning once released."""

from enum import StrEnum


class Action(StrEnum):
    """The platform's own codes; domain apps add theirs with `register`."""

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


ACTIONS: frozenset[str] = frozenset(Action)


def register(*codes: str) -> None:
    """Let a domain app add its own codes at import time (AppConfig.ready)."""
    global ACTIONS
    ACTIONS = ACTIONS | frozenset(codes)
