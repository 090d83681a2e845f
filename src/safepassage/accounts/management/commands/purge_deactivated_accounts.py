"""`safepassage purge_deactivated_accounts [--days N]`: a retention purge, run daily by the worker's schedules."""

from django.core.management.base import BaseCommand, CommandError

from safepassage.accounts import services
from safepassage.core.errors import DomainError
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal

RETENTION = Principal(user=None, role=Role.ADMIN, via="retention")


class Command(BaseCommand):
    help = "Erase names and e-mail of deactivated accounts unused for longer than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="retention in days (default: SAFEPASSAGE_ACCOUNT_RETENTION_DAYS, else 365)")

    def handle(self, *args, days=None, **options):
        try:
            purged = services.purge_deactivated_accounts(older_than_days=days, by=RETENTION)
        except DomainError as exc:
            raise CommandError(exc.reason) from exc
        self.stdout.write(f"purged {len(purged)} account(s)")
