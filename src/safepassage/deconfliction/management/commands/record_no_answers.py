"""Record 'no answer' for every party still silent after its notification's deadline.

`safepassage worker` runs this every few minutes (SAFEPASSAGE_SCHEDULES); the command runs it here,
or with --enqueue hands it to the worker as a job.
"""

from django.core.management.base import BaseCommand

from safepassage.deconfliction import tasks
from safepassage.deconfliction.services import record_no_answers
from safepassage.jobs import services as jobs


class Command(BaseCommand):
    help = "Record 'no answer' for every party still silent after its notification's deadline."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="run it as a background job of the worker")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            job = jobs.enqueue(kind="deadline_sweep", task=tasks.record_no_answers)
            self.stdout.write(f"job #{job.pk} queued (safepassage jobs show {job.pk})")
            return
        count = record_no_answers()
        self.stdout.write(f"{count} missing answer(s) recorded as no answer")
