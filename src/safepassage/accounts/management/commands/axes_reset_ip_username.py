from safepassage.accounts.management.commands._unlock import UnlockCommand


class Command(UnlockCommand):
    help = "Clear the failed sign-ins of one account from one address (audited as login.unlocked)"

    def add_arguments(self, parser):
        parser.add_argument("ip", type=str)
        parser.add_argument("username", type=str)

    def handle(self, *args, **options):
        self.report(self.unlock(ip_address=options["ip"], username=options["username"]))
