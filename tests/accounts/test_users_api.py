"""Accounts API: every role of the one Role enum can be given through the API, and only those."""

from __future__ import annotations

import pytest

from safepassage.accounts.models import User

pytestmark = pytest.mark.django_db


def test_admin_creates_a_medical_officer(actors):
    r = actors["admin"].post("/api/users", {"username": "dr_amal", "role": "medical_officer",
                                            "password": "long enough secret"})
    assert r.status_code == 201, r.content
    assert r.json()["role"] == "medical_officer"
    assert User.objects.get(username="dr_amal").role == "medical_officer"


@pytest.mark.parametrize("role", ["surgeon", "public"])
def test_an_unknown_role_is_refused_naming_the_field(actors, role):
    r = actors["admin"].post("/api/users", {"username": "someone", "role": role})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["role"], r.json()
    assert not User.objects.filter(username="someone").exists()


def test_an_unknown_organisation_is_refused_naming_the_field(actors):
    r = actors["admin"].post("/api/users", {"username": "someone", "role": "monitor", "organisation_id": 999})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisation_id"
