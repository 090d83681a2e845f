"""Changes made through the Django admin are audited like any other: role changes, token revocations, 2FA resets."""

import pytest
from django.test import Client

from safepassage.accounts import services
from safepassage.accounts.models import ApiToken, Party, User
from safepassage.audit.models import AuditEntry
from safepassage.audit.services import verify_chain
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(actors):
    client = Client()
    client.force_login(User.objects.get(username="u_admin"))
    return client


def _user_form(user: User, **over) -> dict:
    form = {"username": user.username, "role": user.role, "is_active": "on", "first_name": "", "last_name": "",
            "email": "", "date_joined_0": "2016-10-20", "date_joined_1": "08:00:00",
            "initial-date_joined_0": "2016-10-20", "initial-date_joined_1": "08:00:00"}
    form.update(over)
    return form


def test_a_role_change_in_the_admin_is_audited(admin_client, actors):
    partner = User.objects.get(username="u_partner")
    r = admin_client.post(f"/admin/accounts/user/{partner.pk}/change/", _user_form(partner, role="coordinator"))
    assert r.status_code == 302, r.content[:2000]
    entry = AuditEntry.objects.get(action="user.role_changed", object_id=str(partner.pk))
    assert entry.before["role"] == "partner" and entry.after["role"] == "coordinator"
    assert entry.actor.username == "u_admin" and verify_chain().ok


def test_a_party_edited_in_the_admin_is_audited(admin_client, parties):
    party = parties["A"]
    r = admin_client.post(f"/admin/accounts/party/{party.pk}/change/", {
        "name": party.name, "short_name": party.short_name, "name_ar": "الطرف أ", "color": party.color,
        "description": ""})
    assert r.status_code == 302
    entry = AuditEntry.objects.get(action="party.updated")
    assert entry.after["name_ar"] == "الطرف أ" and Party.objects.get(pk=party.pk).name_ar == "الطرف أ"


def test_tokens_are_revoked_from_the_admin_through_the_service(admin_client, actors):
    token = ApiToken.objects.get(user__username="u_partner")
    r = admin_client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert r.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="token.revoked", after__token_id=token.pk).count() == 1
    edit = admin_client.post(f"/admin/accounts/apitoken/{token.pk}/change/", {"name": "forged", "user": token.user_id})
    assert edit.status_code == 403 and ApiToken.objects.get(pk=token.pk).name != "forged"


def test_nothing_in_accounts_is_deleted_through_the_admin(admin_client, actors):
    partner = User.objects.get(username="u_partner")
    assert admin_client.post(f"/admin/accounts/user/{partner.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=partner.pk).exists()


def test_removing_a_second_factor_in_the_admin_is_audited(admin_client, actors):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(username="u_monitor")
    device = services.enrol_totp_with_secret(user=user, secret="JBSWY3DPEHPK3PXP", by=SYSTEM)
    r = admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEntry.objects.get(action="mfa.reset").object_id == str(user.pk)
