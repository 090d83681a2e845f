"""`safepassage purge_driver_names [--days N]`: the drivers' names retention purge, run daily."""

from django.core.management.base import BaseCommand, CommandError

from safepassage.convoys import services
from safepassage.core.errors import DomainError
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal

RETENTION = Principal(user=None, role=Role.ADMIN, via="retention")


class Command(BaseCommand):
    help = "Erase drivers' names of convoys whose journey ended longer ago than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="retention in days (default: SAFEPASSAGE_DRIVER_RETENTION_DAYS, else 30)")

    def handle(self, *args, days=None, **options):
        try:
            purged = services.purge_driver_names(older_than_days=days, by=RETENTION)
        except DomainError as exc:
            raise CommandError(exc.reason) from exc
        self.stdout.write(f"erased drivers' names of {len(purged)} convoy(s)")
        for reference in purged:
            self.stdout.write(f"  {reference}")
