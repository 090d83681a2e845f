"""Record 'no answer' for every party still silent after its notification's deadline (run from cron)."""

from django.core.management.base import BaseCommand

from safepassage.deconfliction.services import record_no_answers


class Command(BaseCommand):
    help = "Record 'no answer' for every party still silent after its notification's deadline."

    def handle(self, *args, **options):
        count = record_no_answers()
        self.stdout.write(f"{count} missing answer(s) recorded as no answer")
