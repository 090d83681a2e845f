"""Fuzz this app's and the service points' routes from the OpenAPI document (no 5xx, responses match schema)."""

from datetime import time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/(crossings|medevac|servicepoints)")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def world(db, actors, area, monkeypatch, keep_test_connection):
    from cryptography.fernet import Fernet

    from safepassage.corridors import services as corridors
    from tests.conftest import LINE, SYSTEM

    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())
    corridor = corridors.create_corridor(name="Fuzz corridor", geometry=LINE, direction="both",
                                         eligible_groups=["civilians"], opens_at=time(6), closes_at=time(18),
                                         by=SYSTEM)
    corridors.add_checkpoint(corridor=corridor, name="CP", lon=37.1, lat=36.2, by=SYSTEM)
    return actors


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("role", ["field_officer", "medical_officer", "coordinator"])
def test_routes(case, world, role):
    case.call_and_validate(headers={"Authorization": f"Bearer {world[role].token}"}, checks=CHECKS)
