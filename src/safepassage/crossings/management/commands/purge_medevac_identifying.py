"""`safepassage purge_medevac_identifying [--days N]`: the retention purge, for a daily timer (cron, systemd)."""

from django.core.management.base import BaseCommand, CommandError

from safepassage.core.errors import DomainError
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal
from safepassage.crossings import services

RETENTION = Principal(user=None, role=Role.ADMIN, via="retention")


class Command(BaseCommand):
    help = "Erase names and identifying details of medical evacuation cases older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="retention in days (default: SAFEPASSAGE_MEDEVAC_RETENTION_DAYS, else 30)")

    def handle(self, *args, days=None, **options):
        try:
            purged = services.purge_identifying(older_than_days=days, by=RETENTION)
        except DomainError as exc:
            raise CommandError(exc.reason) from exc
        self.stdout.write(f"purged identifying details of {len(purged)} case(s)")
        for number in purged:
            self.stdout.write(f"  {number}")
