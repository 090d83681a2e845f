"""Second factor (TOTP, recovery codes): required for admins, coordinators and medical officers, optional
for others; API tokens need none. Also password rules and the idle session expiry."""

from datetime import timedelta

import pyotp
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepassage.accounts import services
from safepassage.audit.models import AuditEntry
from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Role
from safepassage.core.timeutil import now
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _user(username, role):
    return services.create_user(username=username, role=role, password=PASSWORD, by=SYSTEM)


def _sign_in(client, username, next_url="/"):
    response = client.post("/login/", {"username": username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302, response.content
    return client.get(response["Location"])


def _code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.MEDICAL_OFFICER])
def test_privileged_roles_enrol_before_any_page_and_keep_their_recovery_codes(role):
    user = _user("boss", role)
    token = services.issue_token(user=user, by=SYSTEM)
    client = Client()
    response = _sign_in(client, "boss", next_url="/claims/")
    assert response.status_code == 302 and response["Location"] == "/account/two-factor/?next=%2Fclaims%2F"
    # No factor yet: sent on to enrol, which shows a new secret.
    enrol = client.get(response["Location"], follow=True)
    assert enrol.redirect_chain[-1][0].startswith("/account/two-factor/enrol/")
    secret = enrol.context["secret"]
    # Every page and session API call waits for the second factor; a bearer token does not.
    assert client.get("/audit/")["Location"].startswith("/account/two-factor/")
    refused = client.get("/api/crossings/counts")
    assert refused.status_code == 401 and "second factor" in refused.json()["detail"]
    assert client.get("/api/crossings/counts", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    wrong = client.post("/account/two-factor/enrol/", {"code": "000000", "next": "/claims/"})
    assert wrong.status_code == 400 and wrong.context["secret"] == secret  # same pending secret, try again
    done = client.post("/account/two-factor/enrol/", {"code": _code(secret), "next": "/claims/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/claims/").status_code == 200
    assert client.get("/api/crossings/counts").status_code == 200
    assert AuditEntry.objects.filter(action="mfa.enrolled", object_id=str(user.pk)).count() == 1
    # Next session: password, then a recovery code (once only).
    again = Client()
    assert _sign_in(again, "boss")["Location"] == "/account/two-factor/?next=%2F"
    assert again.post("/account/two-factor/", {"code": codes[0], "next": "/"})["Location"] == "/"
    assert again.get("/audit/").status_code in (200, 403)  # past the second factor; the role decides
    third = Client()
    _sign_in(third, "boss")
    spent = third.post("/account/two-factor/", {"code": codes[0], "next": "/"})
    assert spent.status_code == 400 and "not valid" in spent.content.decode()
    assert third.get("/claims/")["Location"].startswith("/account/two-factor/")


def test_a_coordinator_with_an_authenticator_confirms_a_code_each_session():
    user = _user("coord", Role.COORDINATOR)
    secret = pyotp.random_base32()
    services.enrol_totp_with_secret(user=user, secret=secret, by=SYSTEM)
    client = Client()
    assert _sign_in(client, "coord")["Location"] == "/account/two-factor/?next=%2F"
    page = client.get("/account/two-factor/?next=/claims/")
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    assert client.post("/account/two-factor/", {"code": "123456", "next": "/claims/"}).status_code == 400
    # django-otp throttles after a failure: wait out the delay as a person would.
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    ok = client.post("/account/two-factor/", {"code": _code(secret), "next": "/claims/"})
    assert ok.status_code == 302 and ok["Location"] == "/claims/"
    assert client.get("/claims/").status_code == 200
    # An outside address is never a target.
    TOTPDevice.objects.filter(user=user).update(last_t=-1)
    other = Client()
    _sign_in(other, "coord")
    off = other.post("/account/two-factor/", {"code": _code(secret), "next": "https://evil.example/"})
    assert off["Location"] == "/"


def test_a_wrong_code_is_throttled():
    user = _user("coord", Role.COORDINATOR)
    secret = pyotp.random_base32()
    services.enrol_totp_with_secret(user=user, secret=secret, by=SYSTEM)
    client = Client()
    _sign_in(client, "coord")
    assert client.post("/account/two-factor/", {"code": "000000"}).status_code == 400
    # Right away, even the right code waits for the throttle's delay.
    assert client.post("/account/two-factor/", {"code": _code(secret)}).status_code == 400


def test_other_roles_may_enrol_and_then_need_it_too():
    _user("pat", Role.PARTNER)
    client = Client()
    assert _sign_in(client, "pat").status_code == 200  # no second factor needed
    assert client.get("/claims/").status_code == 200
    page = client.get("/account/two-factor/enrol/")
    assert page.status_code == 200 and not page.context["required"]
    secret = page.context["secret"]
    assert client.post("/account/two-factor/enrol/", {"code": _code(secret)}).status_code == 200
    again = Client()
    assert _sign_in(again, "pat")["Location"] == "/account/two-factor/?next=%2F"


def test_an_unverified_session_cannot_replace_the_factor():
    user = _user("coord", Role.COORDINATOR)
    services.enrol_totp_with_secret(user=user, secret=pyotp.random_base32(), by=SYSTEM)
    client = Client()
    _sign_in(client, "coord")
    assert client.get("/account/two-factor/enrol/")["Location"] == "/account/two-factor/"
    assert client.post("/account/two-factor/enrol/", {"code": "123456"})["Location"] == "/account/two-factor/"
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_passwords_follow_djangos_four_validators():
    for bad, why in (("short", "too short"), ("password123", "too common"), ("8203948572910", "entirely numeric"),
                     ("pat.smith.example", "too similar")):
        with pytest.raises(InvalidInput) as err:
            services.create_user(username="pat.smith.example", role=Role.PARTNER, password=bad, by=SYSTEM)
        assert err.value.errors[0].field == "password" and why in err.value.reason
    assert {v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS} == {
        "UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
        "NumericPasswordValidator"}


def test_an_idle_session_ends():
    _user("pat", Role.PARTNER)
    client = Client()
    _sign_in(client, "pat")
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    session = Session.objects.get()
    assert abs(session.expire_date - (now() + timedelta(minutes=30))) < timedelta(minutes=1)
    Session.objects.update(expire_date=now() - timedelta(seconds=1))  # 30 idle minutes later
    assert client.get("/claims/").status_code == 302


def test_the_demo_enrols_its_privileged_accounts_with_a_secret_per_install(settings, tmp_path):
    from safepassage.accounts.models import Organisation
    from safepassage.demo.loader import ensure_users, totp_secrets

    settings.DATA_DIR = tmp_path
    org = services.create_organisation(name="Demo org", by=SYSTEM)
    parties = {k: services.create_party(name=f"Party {k}", short_name=k, by=SYSTEM) for k in "AB"}
    creds = ensure_users(parties, org)
    secrets = totp_secrets()
    assert set(secrets) == {"admin", "coordinator", "medical"}  # the roles that need a second factor
    assert "coordinator totp: " + secrets["coordinator"] in (tmp_path / "demo-credentials.txt").read_text()
    device = TOTPDevice.objects.get(user__username="coordinator", confirmed=True)
    assert services.totp_secret(device) == secrets["coordinator"]
    assert not TOTPDevice.objects.filter(user__username="field").exists()
    client = Client()
    response = client.post("/login/", {"username": "coordinator", "password": creds["coordinator"], "next": "/"})
    assert response.status_code == 302
    assert client.post("/account/two-factor/", {"code": _code(secrets["coordinator"])})["Location"] == "/"
    # Loading again keeps the secrets.
    ensure_users(parties, Organisation.objects.get())
    assert totp_secrets() == secrets
