"""Controls of docs/security.md that no other test proves: headers, cookies, sessions, hashing, CORS."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.sessions.models import Session
from django.test import Client

import safepassage.settings as product_settings
from safepassage.accounts import services
from safepassage.core.permissions import Role
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def partner():
    return services.create_user(username="pat", role=Role.PARTNER, password=PASSWORD, by=SYSTEM)


def _sign_in(client):
    return client.post("/login/", {"username": "pat", "password": PASSWORD, "next": "/"}, REMOTE_ADDR="10.0.0.2")


def test_pages_and_api_send_nosniff_no_framing_and_a_referrer_policy():
    for path in ("/login/", "/api/pauses"):
        response = Client().get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert "Server" not in response.headers and "X-Powered-By" not in response.headers, path


def test_sign_in_renews_the_session_id_and_the_cookie_is_httponly_and_samesite(partner):
    client = Client()
    before = client.session.session_key  # an anonymous session, as a fixation attack would plant
    assert before
    response = _sign_in(client)
    assert response.status_code == 302
    cookie = client.cookies["sessionid"]
    assert cookie.value != before
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_signing_out_ends_the_session_on_the_server(partner):
    client = Client()
    _sign_in(client)
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    client.post("/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/audit/").status_code == 302  # back to sign-in


def test_a_token_in_the_query_string_is_not_a_credential(actors):
    token = actors["coordinator"].token
    for name in ("token", "access_token", "api_key"):
        assert Client().get(f"/api/audit?{name}={token}").status_code == 401
    assert actors["coordinator"].get("/api/audit").status_code == 200


def test_no_cross_origin_reads_are_allowed():
    response = Client().get("/api/pauses", HTTP_ORIGIN="https://attacker.example")
    assert response.status_code == 200
    assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_passwords_are_stored_with_djangos_salted_pbkdf2_at_600_000_iterations():
    assert not hasattr(product_settings, "PASSWORD_HASHERS")  # Django's default list: PBKDF2-SHA256 first
    assert PBKDF2PasswordHasher.iterations >= 600_000
    encoded = PBKDF2PasswordHasher().encode("a password", PBKDF2PasswordHasher().salt())
    algorithm, iterations, salt, _ = encoded.split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 600_000 and len(salt) >= 16


def test_sign_in_never_redirects_to_another_site(partner):
    client = Client()
    response = client.post("/login/", {"username": "pat", "password": PASSWORD, "next": "https://attacker.example/"},
                           REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
