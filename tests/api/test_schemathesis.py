"""Fuzz the whole API from its OpenAPI document with every schemathesis check, as three roles.

Runs in-process over WSGI as the public, as a coordinator and as a party liaison. The API is
called with bearer tokens (a token is a credential of its own and needs no second factor). The
failures the product knowingly gives are named in FALSE_POSITIVES (the check is wrong) and
KNOWN_ISSUES (a defect left for later), each with its reason; anything else fails the test.
"""

from datetime import time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    CHECKS,
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    max_response_time,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    object_level_authorization,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)
from schemathesis.core.failures import FailureGroup

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

ALL_CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
    response_schema_conformance, negative_data_rejection, positive_data_acceptance, missing_required_header,
    unsupported_method, allow_header_conformance, use_after_free, ensure_resource_availability, ignored_auth,
    object_level_authorization, max_response_time,
]

# Failures the product knowingly gives, each named once with its reason, matched by schemathesis's
# failure code, the operation ("METHOD /path", or "*" for all) and a text of the failure's message or
# of the response.
# False positives: the product is right and the check cannot know it.
FALSE_POSITIVES: dict[tuple[str, str, str], str] = {
    ("ST202", "GET /api/places", "bbox"): "a bbox's min <= max and its +-180/+-90 ranges cannot be said in a JSON "
                                          "Schema pattern; a schema-shaped bbox such as 999,0,0,0 is rightly 422",
    ("ST202", "GET /api/corridors", "bbox"): "as GET /api/places",
    ("ST202", "GET /api/checkpoints", "bbox"): "as GET /api/places",
    ("ST202", "*", "date is out of the supported range"): (
        "times before 1900 or from 9000 on are refused (they overflow once a window is added); a JSON Schema "
        "`date-time` has no range"),
    ("ST202", "*", '"detail": "unknown '): "a reference to a row that does not exist (unknown party, organisation...) "
                                         "is refused with 422 naming the field; the schema cannot know which ids exist",
    ("ST202", "POST /api/notifications", "the end must come after the start"): (
        "the order of two times cannot be said in a JSON Schema"),
    ("ST201", "*", "violates `required` (was Authorization)"): (
        "the fuzz sends the role's token on every request, so a case that drops the header still carries it"),
    ("ST201", "*", "query: violates `additionalProperties`"): (
        "unknown query parameters are ignored, as HTTP APIs do (cache-busters, tracking parameters)"),
    ("ST112", "*", ""): "response time on two CPUs shared by the whole suite says nothing of the server; "
                        "speed is measured by benchmarks/",
}
# Known issues: real defects left for later because the fix is large.
KNOWN_ISSUES: dict[tuple[str, str, str], str] = {
    ("ST201", "*", "parameter `at` in query - incorrect type"): (
        "a number where an ISO 8601 time is expected (at=0.5) is read as seconds since 1970 (pydantic's lax "
        "datetime); refusing it needs one strict time type for the 130-odd datetime fields"),
    ("ST201", "*", "parameter `at` in query - at: Incorrect type"): "as above",
    ("ST201", "GET /api/convoys", "parameter `departs_from` in query"): "as `at` above",
    ("ST202", "POST /api/claims", "Field required"): (
        "a body the fuzz thinks valid lacks `summary` and `source_name`; not investigated yet"),
    ("ST202", "POST /api/incidents", "Field required"): "as POST /api/claims (`title`, `categories`)",
    ("ST201", "POST /api/notifications/deadlines", "in body - incorrect type"): (
        "a body of the wrong type is accepted; not investigated yet"),
    ("ST202", "*", " is required"): (
        "required texts (name, title, source) are declared as strings that may be empty and the services refuse "
        "an empty one (422 naming the field); the fix is min_length=1 on each in the schemas"),
    ("ST202", "*", "expected a GeoJSON geometry object"): (
        "geometries are declared as any object; their GeoJSON shape is checked by the service (422 naming "
        "`geometry`); the fix is a GeoJSON schema in the OpenAPI document"),
}


def _known(failure, body: str) -> bool:
    label = failure.operation
    return any(code == failure.code and where in ("*", label) and (text in failure.message or text in body)
               for code, where, text in (*FALSE_POSITIVES, *KNOWN_ISSUES))


@pytest.fixture
def world(db, actors, parties, keep_test_connection):
    """A few real objects so that some generated ids hit existing rows."""
    from safepassage.corridors import services as corridors
    from safepassage.incidents import services as incidents
    from safepassage.places import services as places
    from tests.conftest import LINE, SQUARE, SYSTEM

    corridor = corridors.create_corridor(name="Fuzz corridor", geometry=LINE, direction="both",
                                         eligible_groups=["civilians"], opens_at=time(6), closes_at=time(18),
                                         by=SYSTEM)
    corridors.add_checkpoint(corridor=corridor, name="CP", lon=37.1, lat=36.2, by=SYSTEM)
    places.create_place(kind="area", name="Fuzz area", geometry=SQUARE, by=SYSTEM)
    incidents.record_claim(summary="s", source_name="src", published_note="unknown", by=SYSTEM)
    return actors


# Small and reproducible (the suite runs on two CPUs); a failure is reported as found, not shrunk.
FUZZ = settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])


def _call(case, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else None
    response = case.call(headers=headers)
    try:
        case.validate_response(response, checks=ALL_CHECKS, headers=headers,
                               transport_kwargs={"headers": dict(headers)} if headers else None)
    except FailureGroup as group:
        body = bytes(response.content).decode("utf-8", "replace")
        if not all(_known(failure, body) for failure in group.exceptions):
            raise


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_api_as_public(case, world):
    _call(case, None)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_api_as_coordinator(case, world):
    _call(case, world["coordinator"].token)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_api_as_party_liaison(case, world):
    _call(case, world["party_liaison"].token)


def test_every_check_schemathesis_offers_runs():
    """A new schemathesis check is run too, or this names it."""
    assert set(CHECKS.get_all_names()) <= {check.__name__ for check in ALL_CHECKS}
    assert all(reason.strip() for reason in (*FALSE_POSITIVES.values(), *KNOWN_ISSUES.values()))
