"""Shared by the audited replacements of django-axes' reset commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from safepassage.core.permissions import Role
from safepassage.core.principal import Principal

COMMAND_LINE = Principal(user=None, role=Role.ADMIN, via="command line")


class UnlockCommand(BaseCommand):
    """Clear failed sign-ins through `accounts.services.unlock_logins`, so every unlock is audited."""

    def unlock(self, **which) -> int:
        from safepassage.accounts.services import unlock_logins

        return unlock_logins(by=COMMAND_LINE, **which)

    def report(self, count: int) -> None:
        self.stdout.write(f"{count} attempts removed." if count else "No attempts found.")
