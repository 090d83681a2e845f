"""Shared fixtures: parties, one user and API token per role, API clients, sample geometries."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import pytest
from django.test import Client

from safepassage.core.permissions import Role
from safepassage.core.principal import Principal

SYSTEM = Principal(user=None, role=Role.ADMIN, via="tests")
LINE = {"type": "LineString", "coordinates": [[37.19, 36.23], [37.18, 36.24], [37.17, 36.25]]}
SQUARE = {"type": "Polygon", "coordinates": [[[37.1, 36.1], [37.2, 36.1], [37.2, 36.2], [37.1, 36.2], [37.1, 36.1]]]}


@dataclass
class Api:
    """A JSON client acting as one role (or the public when token is None)."""

    token: str | None
    principal: Principal | None = None

    def __post_init__(self):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        self.client = Client(**headers)

    def call(self, method: str, path: str, body=None, **params):
        fn = getattr(self.client, method.lower())
        if method.upper() in ("GET", "DELETE"):
            return fn(path, params)
        return fn(path, data=json.dumps(body if body is not None else {}), content_type="application/json")

    def get(self, path, **params):
        return self.call("GET", path, **params)

    def post(self, path, body=None):
        return self.call("POST", path, body)

    def patch(self, path, body=None):
        return self.call("PATCH", path, body)


@pytest.fixture(scope="session", autouse=True)
def _flush_goes_around_the_audit_triggers():
    """Emptying the test database after a transactional test is the one delete the audit log allows."""
    from django.core.management.commands import flush
    from django.db import connections

    from safepassage.audit import guard

    original = flush.Command.handle

    def handle(self, **options):
        with guard.unguarded(connections[options.get("database") or "default"]):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture
def keep_test_connection():
    """As Django's test client does: an in-process WSGI request (schemathesis) must not close the
    connection that holds the test transaction (PostgreSQL)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def parties(db):
    from safepassage.accounts import services

    return {
        "A": services.create_party(name="Party A full name", short_name="Party A", color="#d6604d", by=SYSTEM),
        "B": services.create_party(name="Party B full name", short_name="Party B", color="#4393c3", by=SYSTEM),
    }


@pytest.fixture
def actors(db, parties):
    """role name -> Api acting as a fresh user of that role; 'public' has no token."""
    from safepassage.accounts import services
    from safepassage.core.principal import principal_for_user

    out = {"public": Api(None)}
    for role in Role:
        if role == Role.PUBLIC:
            continue
        party = parties["A"] if role == Role.PARTY_LIAISON else None
        user = services.create_user(username=f"u_{role.value}", role=role, password="correct horse battery",
                                    party=party, by=SYSTEM)
        out[role.value] = Api(services.issue_token(user=user, by=SYSTEM), principal_for_user(user, via="token"))
    user_b = services.create_user(username="u_liaison_b", role=Role.PARTY_LIAISON, password=None,
                                  party=parties["B"], by=SYSTEM)
    out["liaison_b"] = Api(services.issue_token(user=user_b, by=SYSTEM), principal_for_user(user_b))
    return out


@pytest.fixture
def coordinator(actors):
    return actors["coordinator"]


@pytest.fixture
def corridor(db):
    from safepassage.corridors import services

    return services.create_corridor(name="Test corridor", geometry=LINE, direction="out",
                                    eligible_groups=["civilians"], opens_at=time(0, 0), closes_at=time(23, 59),
                                    by=SYSTEM)


@pytest.fixture
def area(db):
    from safepassage.places import services

    return services.create_place(kind="area", name="Test area", geometry=SQUARE, by=SYSTEM)


@pytest.fixture(autouse=True)
def _second_factor_on_force_login(monkeypatch):
    """Test clients' `force_login` (a test-only shortcut past the password) also passes the second factor.

    For the roles that need one, it enrols a confirmed authenticator if the user has none and marks the session verified, as
    /account/two-factor/ does after a right code; tests/accounts checks the real path.
    """
    from django.conf import settings
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    plain = Client.force_login

    def force_login(self, user, backend=None):
        plain(self, user, backend)
        if user.role not in settings.SAFEPASSAGE_SECOND_FACTOR_ROLES:
            return
        device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
                  or TOTPDevice.objects.create(user=user, name="test", confirmed=True))
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser). One
# session-wide instance for every test folder: two sync_playwright instances cannot share a thread.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    path = os.environ.get("SAFEPASSAGE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (.ci/run does it)")
    return path


def _predicates_without_eval(page_class):
    """Pages forbid eval (Content-Security-Policy), and Playwright evals a wait_for_function given as a bare
    expression in the page: pass such expressions as arrow functions, which it compiles outside the page."""
    original = page_class.wait_for_function

    def wait_for_function(self, expression, *args, **kwargs):
        if not re.match(r"\s*(async\s+)?(function\b|\([^)]*\)\s*=>|\w+\s*=>)", expression):
            expression = f"() => ({expression})"
        return original(self, expression, *args, **kwargs)

    page_class.wait_for_function = wait_for_function
    return original


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM work of the
    # test itself happens before pages load, so Django's async guard can be relaxed.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import Page, sync_playwright

    original = _predicates_without_eval(Page)

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    Page.wait_for_function = original


