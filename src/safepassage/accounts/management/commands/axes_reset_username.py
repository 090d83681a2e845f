from safepassage.accounts.management.commands._unlock import UnlockCommand


class Command(UnlockCommand):
    help = "Clear the failed sign-ins and lockout of the given accounts (audited as login.unlocked)"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="+", type=str)

    def handle(self, *args, **options):
        self.report(sum(self.unlock(username=u) for u in options["username"]))
