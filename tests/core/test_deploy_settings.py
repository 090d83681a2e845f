"""Debug off by default, keys generated once, production settings pass `check --deploy`, error pages leak nothing."""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from safepassage import settings as sp_settings

SAFEPASSAGE = str(Path(sys.executable).with_name("safepassage"))


def _fresh_settings(monkeypatch, tmp_path, **env):
    """The settings module as a process with this environment would load it."""
    for name in ("SAFEPASSAGE_DEBUG", "SAFEPASSAGE_SECRET_KEY", "SAFEPASSAGE_FIELD_KEY", "SAFEPASSAGE_HTTPS",
                 "SAFEPASSAGE_HSTS_SECONDS", "SAFEPASSAGE_PROXY_SSL_HEADER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SAFEPASSAGE_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return SimpleNamespace(**vars(importlib.reload(sp_settings)))
    finally:
        monkeypatch.undo()
        importlib.reload(sp_settings)


def test_debug_is_off_unless_asked_for(monkeypatch, tmp_path):
    assert _fresh_settings(monkeypatch, tmp_path).DEBUG is False
    assert _fresh_settings(monkeypatch, tmp_path, SAFEPASSAGE_DEBUG="1").DEBUG is True


def test_https_settings_are_one_switch_each(monkeypatch, tmp_path):
    plain = _fresh_settings(monkeypatch, tmp_path)
    assert not (plain.SESSION_COOKIE_SECURE or plain.CSRF_COOKIE_SECURE or plain.SECURE_SSL_REDIRECT)
    assert plain.SECURE_HSTS_SECONDS == 0 and not hasattr(plain, "SECURE_PROXY_SSL_HEADER")
    https = _fresh_settings(monkeypatch, tmp_path, SAFEPASSAGE_HTTPS="1", SAFEPASSAGE_PROXY_SSL_HEADER="1")
    assert https.SESSION_COOKIE_SECURE and https.CSRF_COOKIE_SECURE and https.SECURE_SSL_REDIRECT
    assert https.SECURE_HSTS_SECONDS == 31536000
    assert https.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert _fresh_settings(monkeypatch, tmp_path, SAFEPASSAGE_HTTPS="1",
                           SAFEPASSAGE_HSTS_SECONDS="0").SECURE_HSTS_SECONDS == 0


def _run(args, env, **kw):
    return subprocess.run([SAFEPASSAGE, *args], env=env, capture_output=True, text=True, timeout=120, **kw)


def _env(tmp_path, **extra):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a "production" process.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SAFEPASSAGE_") and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return {**env, "SAFEPASSAGE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "safepassage.settings", **extra}


def test_init_keys_writes_both_keys_once_owner_only_and_the_settings_read_them(tmp_path):
    first = _run(["init_keys"], _env(tmp_path))
    assert first.returncode == 0, first.stderr
    secret, field = (tmp_path / "secret_key").read_text(), (tmp_path / "field_key").read_text()
    for name in ("secret_key", "field_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    Fernet(field.strip().encode())  # a valid Fernet key
    assert len(secret.strip()) >= 50
    again = _run(["init_keys"], _env(tmp_path))
    assert again.returncode == 0 and "generated" not in again.stderr
    assert (tmp_path / "secret_key").read_text() == secret and (tmp_path / "field_key").read_text() == field
    shown = _run(["shell", "-c", "import os; from django.conf import settings; "
                  "print(settings.SECRET_KEY); print(os.environ['SAFEPASSAGE_FIELD_KEY'])"], _env(tmp_path))
    assert shown.stdout.split()[-2:] == [secret.strip(), field.strip()]
    # The environment wins over the files (production).
    shown = _run(["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                 _env(tmp_path, SAFEPASSAGE_SECRET_KEY="from-the-environment"))
    assert shown.stdout.split()[-1] == "from-the-environment"


PRODUCTION = {"SAFEPASSAGE_SECRET_KEY": "k" * 20 + "Zq8-Lm3_Xv9pR2sT7wY4uB6nC1dF5gH0jK",
              "SAFEPASSAGE_FIELD_KEY": Fernet.generate_key().decode(),
              "SAFEPASSAGE_ALLOWED_HOSTS": "ops.example.org", "SAFEPASSAGE_HTTPS": "1",
              "SAFEPASSAGE_PROXY_SSL_HEADER": "1"}


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], _env(tmp_path, **PRODUCTION))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_the_defaults(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], _env(tmp_path))
    assert result.returncode != 0
    for code in ("security.W009", "security.W012", "security.W004"):  # key, cookies, HSTS
        assert code in result.stderr


@pytest.mark.django_db
def test_unknown_page_is_a_plain_translated_404_that_lists_nothing():
    r = Client().get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert r.status_code == 404 and r["Content-Type"].startswith("text/html")
    body = r.content.decode()
    assert 'data-testid="error-page"' in body and "Page introuvable" in body
    assert "urlpatterns" not in body and "api/" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_unknown_api_address_answers_json_404():
    r = Client().get("/api/no/such/route")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "not found", "errors": []}


@pytest.mark.django_db
def test_wrong_host_is_a_plain_400_without_settings():
    r = Client().get("/", HTTP_HOST="evil.example")
    assert r.status_code == 400
    assert "SECRET_KEY" not in r.content.decode() and "DisallowedHost" not in r.content.decode()
    r = Client().get("/api/corridors", HTTP_HOST="evil.example")
    assert r.status_code == 400 and r.json()["detail"] == "bad request"


@pytest.mark.django_db
def test_a_route_that_fails_answers_json_500_without_internals(monkeypatch):
    from safepassage.corridors import selectors

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals /srv/safepassage")

    monkeypatch.setattr(selectors, "corridors", boom)
    r = Client(raise_request_exception=False).get("/api/corridors")
    assert r.status_code == 500 and r["Content-Type"] == "application/json"
    assert r.json() == {"detail": "server error", "errors": []}


def test_a_failing_page_or_api_route_answers_a_plain_500():
    from django.test import RequestFactory

    from safepassage.api import server_error

    page = server_error(RequestFactory().get("/dashboard/"))
    assert page.status_code == 500 and b'data-testid="error-page"' in page.content
    api = server_error(RequestFactory().get("/api/corridors"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_static_files_are_served_with_debug_off(settings):
    assert settings.DEBUG is False
    r = Client().get("/static/web/app.css")
    assert r.status_code == 200
    r = Client().get("/static/ninja/swagger-ui-bundle.js")
    assert r.status_code == 200


@pytest.mark.django_db
def test_api_docs_load_swagger_from_the_projects_static_files():
    body = Client().get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower() and "https://" not in body


@pytest.mark.django_db
def test_openapi_marks_public_routes_token_optional_and_others_required():
    from safepassage.core.permissions import Role, role_has

    spec = Client().get("/api/openapi.json").json()
    checked = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if "x-permission" not in op:
                continue
            public = role_has(Role.PUBLIC, op["x-permission"])
            assert ({} in op.get("security", [])) is public, (method, path)
            checked += 1
    assert checked > 50
