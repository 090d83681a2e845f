"""`safepassage purge_source_identities [--days N]`: a retention purge, run daily by the worker's schedules."""

from django.core.management.base import BaseCommand, CommandError

from safepassage.core.errors import DomainError
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal
from safepassage.incidents import services

RETENTION = Principal(user=None, role=Role.ADMIN, via="retention")


class Command(BaseCommand):
    help = "Erase the identities of sources recorded longer ago than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="retention in days (default: SAFEPASSAGE_SOURCE_RETENTION_DAYS, else 180)")

    def handle(self, *args, days=None, **options):
        try:
            purged = services.purge_source_identities(older_than_days=days, by=RETENTION)
        except DomainError as exc:
            raise CommandError(exc.reason) from exc
        self.stdout.write(f"purged {len(purged)} source identit(y/ies)")
