"""`safepassage token issue USERNAME [--name NAME] [--expires-days N]`: a new API token, audited."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from safepassage.accounts.management.commands._unlock import COMMAND_LINE


class Command(BaseCommand):
    help = "Issue an API token: only the token goes to stdout (one line); its name and expiry to stderr"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a new token for an active user")
        issue.add_argument("username")
        issue.add_argument("--name", default="default", help="what the token is for (default: default)")
        issue.add_argument("--expires-days", type=int, default=None,
                           help="days until it expires (default: SAFEPASSAGE_TOKEN_DAYS, 90)")

    def handle(self, *args, **options):
        from safepassage.accounts import services
        from safepassage.accounts.models import ApiToken, User
        from safepassage.core.errors import DomainError

        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {options['username']!r}", returncode=2)
        try:
            token = services.issue_token(user=user, name=options["name"], expires_days=options["expires_days"],
                                         by=COMMAND_LINE)
        except DomainError as exc:
            raise CommandError(exc.reason, returncode=2) from exc
        expires_at = ApiToken.objects.get(digest=services.token_digest(token)).expires_at
        self.stdout.write(token)
        self.stderr.write(f"token {options['name']!r} for {user.username}, expires {expires_at.isoformat()}")
