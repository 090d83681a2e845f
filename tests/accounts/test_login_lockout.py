"""Password sign-ins are limited per account and per address (django-axes); an admin unlocks, audited."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from safepassage.accounts import services
from safepassage.audit.models import AuditEntry
from safepassage.core.permissions import Role
from tests.conftest import SYSTEM, Api

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def partner():
    user = services.create_user(username="pat", role=Role.PARTNER, password=PASSWORD, by=SYSTEM)
    return user, services.issue_token(user=user, by=SYSTEM)


def _sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(partner):
    client = Client()
    for _ in range(40):
        response = _sign_in(client, "pat", "wrong password!")
        assert response.status_code in (200, 429)
    response = _sign_in(client, "pat", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)
    assert "Too many failed sign-in attempts" in response.content.decode()
    # The account is locked from another address too, ...
    assert _sign_in(Client(), "pat", PASSWORD, address="10.0.0.2").status_code == 429
    # ... while its API token (not a password sign-in) still works.
    assert Api(partner[1]).get("/api/crossings/counts").status_code == 200


def test_the_lockout_message_is_translated(partner):
    client = Client()
    for _ in range(6):
        _sign_in(client, "pat", "wrong password!")
    client.cookies["django_language"] = "fr"
    response = _sign_in(client, "pat", PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()


def test_an_address_is_locked_across_accounts(partner):
    services.create_user(username="other", role=Role.PARTNER, password=PASSWORD, by=SYSTEM)
    client = Client()
    for i in range(6):
        _sign_in(client, f"guess{i}", "wrong password!", address="10.9.9.9")
    assert _sign_in(client, "other", PASSWORD, address="10.9.9.9").status_code == 429
    assert _sign_in(Client(), "other", PASSWORD, address="10.1.1.1").status_code == 302


def test_a_few_mistakes_still_let_the_owner_in(partner):
    client = Client()
    for _ in range(3):
        assert _sign_in(client, "pat", "wrong password!").status_code == 200
    assert _sign_in(client, "pat", PASSWORD).status_code == 302
    assert _signed_in(client)


def test_the_unlock_command_unlocks_and_is_audited(partner):
    for _ in range(6):
        _sign_in(Client(), "pat", "wrong password!")
    assert _sign_in(Client(), "pat", PASSWORD).status_code == 429
    out = io.StringIO()
    call_command("axes_reset_username", "pat", stdout=out)
    assert "attempts removed" in out.getvalue()
    client = Client()
    assert _sign_in(client, "pat", PASSWORD).status_code == 302 and _signed_in(client)
    entry = AuditEntry.objects.filter(action="login.unlocked").get()
    assert entry.after["username"] == "pat" and entry.after["attempts_removed"] >= 1
    assert entry.actor_label == "system"  # the command line, run by whoever administers the server


def test_an_admin_unlocks_in_the_django_admin_and_it_is_audited(partner, actors):
    from axes.models import AccessAttempt

    from safepassage.accounts.models import User

    for _ in range(6):
        _sign_in(Client(), "pat", "wrong password!")
    attempt = AccessAttempt.objects.get(username="pat")
    admin = Client()
    admin.force_login(User.objects.get(username="u_admin"))
    page = admin.get(f"/admin/axes/accessattempt/{attempt.pk}/delete/")
    assert page.status_code == 200
    assert admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(username="pat").exists()
    assert _sign_in(Client(), "pat", PASSWORD).status_code == 302
    entry = AuditEntry.objects.filter(action="login.unlocked").get()
    assert entry.actor.username == "u_admin" and entry.actor_label == f"admin#{entry.actor_id}" and entry.after["username"] == "pat"


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(partner, settings):
    settings.SAFEPASSAGE_PROXY_COUNT = 1
    client = Client()
    for i in range(6):  # a client that forges X-Forwarded-For still gets its real address locked
        client.post("/login/", {"username": f"guess{i}", "password": "wrong password!"}, REMOTE_ADDR="10.0.0.254",
                    HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7")
    assert client.post("/login/", {"username": "pat", "password": PASSWORD}, REMOTE_ADDR="10.0.0.254",
                       HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert Client().post("/login/", {"username": "pat", "password": PASSWORD}, REMOTE_ADDR="10.0.0.254",
                         HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
