"""Incidents: a field key, evidence stored in a temporary folder, a second verifier, a sample incident."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tests.conftest import Api

POINT = {"type": "Point", "coordinates": [37.1612, 36.2021]}


@pytest.fixture(autouse=True)
def field_key(monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", key)
    return key


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def verifier2(actors):
    from safepassage.accounts import services
    from safepassage.core.principal import principal_for_user
    from tests.conftest import SYSTEM

    user = services.create_user(username="u_verifier_two", role="verifier", password=None, by=SYSTEM)
    return Api(services.issue_token(user=user, by=SYSTEM), principal_for_user(user, via="token"))


def incident_body(**over) -> dict:
    body = {"title": "Shelling near the school", "description": "Reported by two sources.",
            "categories": ["access_hostilities"], "geometry": POINT, "location_precision_m": 50,
            "time_earliest": "2016-10-20T08:00:00Z", "time_latest": "2016-10-20T12:00:00Z",
            "time_precision": "hour", "people_affected": {"children": 2, "civilians": 5}}
    return {**body, **over}


@pytest.fixture
def make_incident(actors):
    def make(**over) -> dict:
        r = actors["monitor"].post("/api/incidents", incident_body(**over))
        assert r.status_code == 201, r.content
        return r.json()
    return make


def upload(api: Api, incident_id: int, content: bytes, name: str = "photo.bin", why: str = "from monitor team"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return api.client.post(f"/api/incidents/{incident_id}/evidence", data={"file": f, "why": why})
