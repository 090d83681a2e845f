"""`safepassage token issue`: only the token on stdout, exit 2 for unknown or inactive users, audited."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from safepassage.accounts import services
from safepassage.accounts.models import ApiToken, User
from safepassage.audit.models import AuditEntry
from safepassage.cli import main
from safepassage.core.permissions import Role
from safepassage.core.timeutil import now
from tests.conftest import SYSTEM, Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def field_user():
    return services.create_user(username="fieldy", role=Role.FIELD_OFFICER, password=None, by=SYSTEM)


def _token(*args):
    """Run `safepassage token ...` in this process (the CLI's fallback runs the same Django command)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_cli_reaches_the_command(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["token", "issue", "--help"])
    assert exited.value.code == 0
    assert "--expires-days" in capsys.readouterr().out


def test_issue_prints_only_the_token_and_it_works(field_user):
    out, err = _token("issue", "fieldy", "--name", "kobo phone 3")
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sp_") and out == lines[0] + "\n"
    assert "kobo phone 3" in err and "expires" in err and lines[0] not in err
    token = ApiToken.objects.get(user=field_user)
    assert token.name == "kobo phone 3"
    assert abs(token.expires_at - (now() + timedelta(days=90))) < timedelta(minutes=1)
    assert Api(lines[0]).get("/api/crossings/counts").status_code == 200
    entry = AuditEntry.objects.filter(action="token.issued").latest("seq")
    assert entry.after["name"] == "kobo phone 3" and entry.object_id == str(field_user.pk)


def test_issue_with_a_lifetime(field_user):
    _token("issue", "fieldy", "--expires-days", "7")
    token = ApiToken.objects.get(user=field_user)
    assert token.name == "default"
    assert abs(token.expires_at - (now() + timedelta(days=7))) < timedelta(minutes=1)


@pytest.mark.parametrize(("args", "reason"), [(["nobody"], "no active user"),
                                              (["fieldy", "--expires-days", "0"], "between 1 and 3660 days")])
def test_unknown_user_or_bad_lifetime_exit_2_and_issue_nothing(field_user, args, reason):
    with pytest.raises(CommandError, match=reason) as refused:
        _token("issue", *args)
    assert refused.value.returncode == 2  # the exit status of `safepassage token issue`
    assert not ApiToken.objects.exists()


def test_inactive_user_exits_2(field_user):
    User.objects.filter(pk=field_user.pk).update(is_active=False)
    with pytest.raises(CommandError, match="no active user") as refused:
        _token("issue", "fieldy")
    assert refused.value.returncode == 2
    assert not ApiToken.objects.exists()
