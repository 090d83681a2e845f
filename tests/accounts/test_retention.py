"""Deactivated accounts lose their names and e-mail after the retention period; the chain is untouched."""

from datetime import timedelta

import pytest

from safepassage.accounts import services
from safepassage.accounts.models import ApiToken, User
from safepassage.audit.models import AuditEntry
from safepassage.audit.services import verify_chain
from safepassage.cli import main
from safepassage.core.timeutil import now
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def test_deactivated_unused_accounts_are_anonymised_and_their_entries_still_verify(actors, capsys):
    gone = User.objects.get(username="u_partner")
    User.objects.filter(pk=gone.pk).update(is_active=False, first_name="Pat", last_name="Doe", email="pat@example.org",
                                           last_login=now() - timedelta(days=400))
    active = User.objects.get(username="u_monitor")
    User.objects.filter(pk=active.pk).update(last_login=now() - timedelta(days=400))
    entries_before = AuditEntry.objects.filter(actor=gone).count()
    assert entries_before == 0 or verify_chain().ok
    assert main(["jobs", "run", "account_purge"]) == 0
    assert '"purged": 1' in capsys.readouterr().out
    gone.refresh_from_db()
    assert (gone.username, gone.first_name, gone.last_name, gone.email) == (f"former-{gone.pk}", "", "", "")
    assert not gone.has_usable_password() and not ApiToken.objects.filter(user=gone, revoked_at__isnull=True)
    assert User.objects.get(pk=active.pk).username == "u_monitor"  # still active: kept
    assert AuditEntry.objects.get(action="user.personal_data_purged").after["user_ids"] == [gone.pk]
    assert verify_chain().ok
    assert services.purge_deactivated_accounts(by=SYSTEM) == []


def test_recently_deactivated_accounts_are_kept(actors):
    user = User.objects.get(username="u_partner")
    User.objects.filter(pk=user.pk).update(is_active=False, last_login=now() - timedelta(days=30))
    assert services.purge_deactivated_accounts(by=SYSTEM) == []
    assert services.purge_deactivated_accounts(older_than_days=7, by=SYSTEM) == [user.pk]
