"""`safepassage purge_medevac_identifying [--days N] [--enqueue]`: the retention purge.

`safepassage worker` runs it daily (SAFEPASSAGE_SCHEDULES); the command runs it here, or with
--enqueue hands it to the worker as a job.
"""

from django.core.management.base import BaseCommand, CommandError

from safepassage.core.errors import DomainError
from safepassage.crossings import services, tasks
from safepassage.jobs import services as jobs


class Command(BaseCommand):
    help = "Erase names and identifying details of medical evacuation cases older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="retention in days (default: SAFEPASSAGE_MEDEVAC_RETENTION_DAYS, else 30)")
        parser.add_argument("--enqueue", action="store_true", help="run it as a background job of the worker")

    def handle(self, *args, days=None, enqueue=False, **options):
        if enqueue:
            job = jobs.enqueue(kind="medevac_purge", task=tasks.purge_medevac_identifying, days=days)
            self.stdout.write(f"job #{job.pk} queued (safepassage jobs show {job.pk})")
            return
        try:
            purged = services.purge_identifying(older_than_days=days, by=tasks.RETENTION)
        except DomainError as exc:
            raise CommandError(exc.reason) from exc
        self.stdout.write(f"purged identifying details of {len(purged)} case(s)")
        for number in purged:
            self.stdout.write(f"  {number}")
