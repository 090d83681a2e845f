"""Every API route × every role: allowed or denied exactly as the route's declared permission says.

Generated from the OpenAPI document, so a new route without an `x-permission` fails here.
"""

import re

import pytest

from safepassage.api import api
from safepassage.core.permissions import Perm, Role, role_has

pytestmark = pytest.mark.django_db


def _operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op


OPERATIONS = list(_operations())


def test_route_list_is_not_empty_and_every_route_declares_a_known_permission():
    assert len(OPERATIONS) >= 25
    missing = [f"{m.upper()} {p}" for p, m, op in OPERATIONS if "x-permission" not in op]
    assert not missing, f"routes without a permission rule: {missing}"
    unknown = [op["x-permission"] for _, _, op in OPERATIONS if op["x-permission"] not in Perm._value2member_map_]
    assert not unknown


@pytest.mark.parametrize("role", [*[r.value for r in Role if r != Role.PUBLIC], "public"])
def test_every_route_for_role(actors, role):
    client = actors[role]
    wrong = []
    for path, method, op in OPERATIONS:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = client.call(method.upper(), url, {} if method in ("post", "patch", "put") else None)
        allowed = role_has(role, Perm(op["x-permission"]))
        denied_status = 401 if role == "public" else 403
        if allowed and response.status_code in (401, 403):
            wrong.append(f"{method.upper()} {path}: expected allowed, got {response.status_code}")
        if not allowed and response.status_code != denied_status:
            wrong.append(f"{method.upper()} {path}: expected {denied_status}, got {response.status_code}")
        if response.status_code >= 500:
            wrong.append(f"{method.upper()} {path}: server error {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_public_may_read_only_what_civilians_act_on():
    public_ops = sorted({op["x-permission"] for _, _, op in OPERATIONS if role_has("public", Perm(op["x-permission"]))})
    # incidents.view: the public's selectors return verified and published incidents only (tests/incidents)
    # reports.view: the public version of the bulletin and its records (tests/reports)
    assert public_ops == sorted({Perm.PLACES_VIEW, Perm.CORRIDORS_VIEW, Perm.PAUSES_VIEW, Perm.AGREEMENTS_VIEW,
                                 Perm.INCIDENTS_VIEW, Perm.REPORTS_VIEW} & set(public_ops))
    writes = [f"{m} {p}" for p, m, op in OPERATIONS if m != "get" and role_has("public", Perm(op["x-permission"]))]
    assert writes == []


def test_invalid_token_is_401_not_public(db):
    from tests.conftest import Api

    r = Api("sp_not-a-real-token").get("/api/corridors")
    assert r.status_code == 401 and "token" in r.json()["detail"]


def test_session_writes_need_csrf(client, actors):
    from django.test import Client

    from safepassage.accounts.models import User

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="u_coordinator"))
    r = strict.post("/api/corridors", data="{}", content_type="application/json")
    assert r.status_code == 401 and "CSRF" in r.json()["detail"]
    assert strict.get("/api/corridors").status_code == 200
