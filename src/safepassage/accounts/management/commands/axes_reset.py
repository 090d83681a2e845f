from safepassage.accounts.management.commands._unlock import UnlockCommand


class Command(UnlockCommand):
    help = "Clear all failed sign-ins and lockouts (audited as login.unlocked)"

    def handle(self, *args, **options):
        self.report(self.unlock())
