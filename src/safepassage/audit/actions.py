"""Stable audit action codes. A code never changes meaning once released."""

ACTIONS: frozenset[str] = frozenset(
    {
        "organisation.created",
        "party.created",
        "user.created",
        "user.role_changed",
        "token.issued",
        "token.revoked",
        "place.created",
        "place.updated",
        "place.import_completed",
        "control.observed",
        "corridor.created",
        "corridor.updated",
        "corridor.status_changed",
        "checkpoint.created",
        "checkpoint.updated",
        "pause.created",
        "pause.updated",
        "pause.status_changed",
        "pause.response_recorded",
        "claim.created",
        "claim.verification_changed",
        "personal_data.read",
    }
)


def register(*codes: str) -> None:
    """Let a domain app add its own codes at import time (AppConfig.ready)."""
    global ACTIONS
    ACTIONS = ACTIONS | frozenset(codes)
