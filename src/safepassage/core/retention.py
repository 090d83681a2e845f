"""Retention periods from the environment: one reading, one error naming the variable."""

import os

from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal

# Who the audit chain names for the scheduled purges.
RETENTION = Principal(user=None, role=Role.ADMIN, via="retention")


def retention_days(variable: str, default: int) -> int:
    """Days to keep a kind of personal data: the environment variable's whole number, else the default."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidInput(f"{variable} must be a whole number of days, 0 or more", field="days")
    return int(raw)
