"""The convoy lifecycle: one transition table, no Django (tested with hypothesis)."""

from __future__ import annotations

PLANNED = "planned"
NOTIFIED = "notified"
CLEARED = "cleared"
DEPARTED = "departed"
ARRIVED = "arrived"
DELIVERED = "delivered"
ABORTED = "aborted"
RETURNED = "returned"

STATUSES: tuple[str, ...] = (PLANNED, NOTIFIED, CLEARED, DEPARTED, ARRIVED, DELIVERED, ABORTED, RETURNED)
FINAL: frozenset[str] = frozenset({DELIVERED, ABORTED, RETURNED})
NEEDS_REASON: frozenset[str] = frozenset({ABORTED, RETURNED})
BEFORE_DEPARTURE: frozenset[str] = frozenset({PLANNED, NOTIFIED, CLEARED})

TRANSITIONS: dict[str, frozenset[str]] = {
    PLANNED: frozenset({NOTIFIED, ABORTED}),
    # A re-notification or a refused inspection sends a cleared convoy back to notified.
    NOTIFIED: frozenset({CLEARED, ABORTED}),
    CLEARED: frozenset({NOTIFIED, DEPARTED, ABORTED}),
    DEPARTED: frozenset({ARRIVED, RETURNED, ABORTED}),
    ARRIVED: frozenset({DELIVERED, RETURNED}),
    DELIVERED: frozenset(),
    ABORTED: frozenset(),
    RETURNED: frozenset(),
}


class IllegalTransition(ValueError):
    """A move the table does not allow; carries the allowed next states."""

    def __init__(self, current: str, target: str):
        self.current, self.target = current, target
        self.allowed = sorted(TRANSITIONS.get(current, frozenset()))
        nxt = ", ".join(self.allowed) or "none (final state)"
        super().__init__(f"a {current} convoy cannot become {target}; allowed next: {nxt}")


def allowed_next(current: str) -> list[str]:
    return sorted(TRANSITIONS[current])


def check(current: str, target: str) -> str:
    """Return the target if the table allows current → target, else raise IllegalTransition."""
    if target not in STATUSES or target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(current, target)
    return target
