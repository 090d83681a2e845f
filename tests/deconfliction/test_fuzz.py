"""Fuzz the convoy and notification routes from the OpenAPI document: no input may cause a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from safepassage.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    tag_regex="^(convoys|deconfliction)$")


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_route_answers_500(case, actors, convoy, keep_test_connection):
    for who in ("admin", "party_liaison"):
        case.call_and_validate(headers={"Authorization": f"Bearer {actors[who].token}"},
                               checks=[not_a_server_error])
