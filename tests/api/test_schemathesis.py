"""Fuzz the whole API from its OpenAPI document: no 5xx, and every response matches the schema.

Runs as an authenticated coordinator and as the public, in-process over WSGI.
"""

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

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def world(db, actors, parties, keep_test_connection):
    """A few real objects so that some generated ids hit existing rows."""
    from safepassage.corridors import services as corridors
    from safepassage.incidents import services as incidents
    from tests.conftest import LINE, SQUARE, SYSTEM

    corridor = corridors.create_corridor(name="Fuzz corridor", geometry=LINE, direction="both",
                                         eligible_groups=["civilians"], opens_at=time(6), closes_at=time(18),
                                         by=SYSTEM)
    corridors.add_checkpoint(corridor=corridor, name="CP", lon=37.1, lat=36.2, by=SYSTEM)
    from safepassage.places import services as places

    places.create_place(kind="area", name="Fuzz area", geometry=SQUARE, by=SYSTEM)
    incidents.record_claim(summary="s", source_name="src", published_note="unknown", by=SYSTEM)
    return actors


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_as_coordinator(case, world):
    case.call_and_validate(headers={"Authorization": f"Bearer {world['coordinator'].token}"}, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_as_public(case, world):
    case.call_and_validate(checks=CHECKS)
