"""The intake lane (`crossings.lane`) answers plain single submissions exactly as the framework would.

Each case sends the same request to the deployed WSGI stack (the lane in front of Django) and to Django
alone, and compares status, headers and body. The lane must answer the plain case itself (stored or
duplicate) and leave every other case to Django. Nothing may be stored twice, including when the lane
hands a refused or failed submission to Django, which tries it again.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import OperationalError
from django.test import override_settings

from safepassage.audit.models import AuditEntry
from safepassage.crossings import lane as lane_module
from safepassage.crossings.lane import CountLane, lane_enabled
from safepassage.crossings.models import CrossingCount
from tests.crossings.test_crossings_api import payload
from tests.crossings.test_deferred_token import revoke

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_test_connection")]


class Framework:
    """Django's WSGI handler, counting the requests that reach it."""

    def __init__(self):
        self.django = get_wsgi_application()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


@pytest.fixture
def stacks():
    framework = Framework()
    return CountLane(framework), framework


def send(app, body: bytes | dict, *, token: str | None, method: str = "POST", **environ) -> tuple[int, list, bytes]:
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    env = {"REQUEST_METHOD": method, "PATH_INFO": "/api/crossings/counts", "SCRIPT_NAME": "", "QUERY_STRING": "",
           "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
           "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw)),
           "CONTENT_TYPE": "application/json", "HTTP_HOST": "testserver", "wsgi.errors": io.StringIO(),
           "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}
    if token is not None:
        env["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    env.update(environ)
    env = {k: v for k, v in env.items() if v is not None}  # None: leave the key out
    answered = []
    chunks = app(env, lambda status, headers, exc_info=None: answered.append((status, headers)))
    content = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    status, headers = answered[0]
    return int(status.split()[0]), sorted(headers), content


def count_tries(monkeypatch) -> dict:
    """Count the calls of the intake service (by the lane or by the route)."""
    from safepassage.crossings import services

    tries = {"n": 0}
    real = services.submit_crossing_count

    def counted(**kwargs):
        tries["n"] += 1
        return real(**kwargs)

    monkeypatch.setattr(services, "submit_crossing_count", counted)
    return tries


def without_identity(content: bytes) -> dict:
    """A count's answer without what differs between two submissions of the same payload."""
    data = json.loads(content)
    for key in ("id", "client_uuid", "received_at"):
        data.pop(key)
    return data


def test_a_plain_submission_is_answered_by_the_lane_as_django_answers_it(stacks, actors, checkpoint):
    lane, framework = stacks
    token = actors["field_officer"].token
    body = payload(checkpoint)
    twin = {**body, "client_uuid": str(uuid.uuid4())}

    by_lane = send(lane, body, token=token)
    assert (lane.answered, framework.calls) == (1, 0)
    by_django = send(framework.django, twin, token=token)
    assert by_lane[0] == by_django[0] == 201, (by_lane, by_django)
    assert without_identity(by_lane[2]) == without_identity(by_django[2])
    assert [h for h in by_lane[1] if h[0] != "Content-Length"] == [h for h in by_django[1] if h[0] != "Content-Length"]

    # The retry of the lane's submission: the same stored row, byte for byte, through either path.
    again_by_lane = send(lane, body, token=token)
    again_by_django = send(framework.django, body, token=token)
    assert again_by_lane == again_by_django
    assert again_by_lane[0] == 200 and json.loads(again_by_lane[2])["duplicate"] is True
    assert (lane.answered, framework.calls) == (2, 0)

    assert CrossingCount.objects.count() == 2
    assert AuditEntry.objects.filter(action="crossing_count.submitted").count() == 2
    entry = AuditEntry.objects.get(action="crossing_count.submitted", object_id=str(json.loads(by_lane[2])["id"]))
    assert entry.actor_label == actors["field_officer"].principal.user.username


def _conflict(checkpoint, token, lane):
    body = payload(checkpoint)
    assert send(lane.framework.django, body, token=token)[0] == 201
    return {**body, "women": body["women"] + 1}


# name -> (body maker, token maker, extra environ, expected status)
REFUSED = {
    "invalid input": (lambda cp, *_: payload(cp, women=-1), "field_officer", {}, 422),
    "not of the schema": (lambda cp, *_: payload(cp, direction="sideways"), "field_officer", {}, 422),
    "not json": (lambda cp, *_: b"{not json", "field_officer", {}, None),
    "a json list": (lambda cp, *_: b"[1, 2]", "field_officer", {}, None),
    "unknown checkpoint": (lambda cp, *_: payload(cp, checkpoint_id=99_999), "field_officer", {}, None),
    "future bucket": (lambda cp, *_: payload(cp, bucket_start="2999-01-01T00:00:00Z"), "field_officer", {}, 422),
    "same uuid, other payload": (_conflict, "field_officer", {}, 409),
    "revoked token": (lambda cp, *_: payload(cp), "revoked", {}, 401),
    "role without the permission": (lambda cp, *_: payload(cp), "monitor", {}, 403),
    "unknown token": (lambda cp, *_: payload(cp), "unknown", {}, 401),
    "not a bearer token": (lambda cp, *_: payload(cp), None, {"HTTP_AUTHORIZATION": "Token abc"}, 401),
    "no token": (lambda cp, *_: payload(cp), None, {}, 401),
    "a host not allowed": (lambda cp, *_: payload(cp), "field_officer", {"HTTP_HOST": "evil.example"}, 400),
    "an empty host": (lambda cp, *_: payload(cp), "field_officer", {"HTTP_HOST": ""}, 400),
}


TRIED_BY_THE_LANE = {"invalid input", "unknown checkpoint", "future bucket", "same uuid, other payload", "revoked token",
                     "role without the permission", "unknown token"}


@pytest.mark.parametrize("case", list(REFUSED))
def test_every_refusal_is_django_s_answer(stacks, actors, checkpoint, case, monkeypatch):
    lane, framework = stacks
    make_body, who, environ, expected = REFUSED[case]
    if who == "revoked":
        revoke(actors["coordinator"])
        token = actors["coordinator"].token
    else:
        token = {"unknown": "no-such-token", None: None}.get(who) or (actors[who].token if who else None)
    body = make_body(checkpoint, token, lane)
    before = (CrossingCount.objects.count(), AuditEntry.objects.count())
    tries = count_tries(monkeypatch)

    by_lane = send(lane, body, token=token, **environ)
    tried_by_lane = tries["n"]
    by_django = send(framework.django, body, token=token, **environ)
    assert by_lane == by_django
    assert by_lane[0] >= 400 and (expected is None or by_lane[0] == expected), by_lane
    assert lane.answered == 0
    # the lane tried it once (valid input, a bearer token, an allowed host) and Django did not try again
    assert tried_by_lane == (1 if case in TRIED_BY_THE_LANE else 0)
    assert (CrossingCount.objects.count(), AuditEntry.objects.count()) == before  # nothing stored


# Requests the lane leaves to Django without reading them: Django stores and answers them.
NOT_PLAIN = {
    "a cookie": {"HTTP_COOKIE": "sessionid=abc"},
    "a language asked for": {"HTTP_ACCEPT_LANGUAGE": "ar"},
    "a query string": {"QUERY_STRING": "x=1"},
    "a form body": {"CONTENT_TYPE": "application/x-www-form-urlencoded"},
    "no length": {"CONTENT_LENGTH": ""},
}


@pytest.mark.parametrize("case", list(NOT_PLAIN))
def test_requests_that_are_not_plain_go_to_django(stacks, actors, checkpoint, case):
    lane, framework = stacks
    status, headers, content = send(lane, payload(checkpoint), token=actors["field_officer"].token,
                                    **NOT_PLAIN[case])
    assert (lane.answered, framework.calls) == (0, 1)
    assert CrossingCount.objects.count() == (1 if status == 201 else 0)
    if case == "a language asked for":
        assert status == 201 and ("Content-Language", "ar") in headers


def test_a_body_over_the_upload_limit_goes_to_django(stacks, actors, checkpoint):
    lane, framework = stacks
    body = payload(checkpoint, note="x" * 2000)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        by_lane = send(lane, body, token=actors["field_officer"].token)
    assert (lane.answered, framework.calls) == (0, 1)
    assert by_lane[0] == 413 and not CrossingCount.objects.exists()


def test_other_routes_and_methods_go_to_django(stacks, actors, checkpoint):
    lane, framework = stacks
    token = actors["field_officer"].token
    assert send(lane, b"", token=token, method="GET", CONTENT_LENGTH="")[0] == 200
    assert send(lane, payload(checkpoint), token=token, PATH_INFO="/api/crossings/counts/")[0] == 404
    assert (lane.answered, framework.calls) == (0, 2)


def test_a_submission_that_failed_in_the_lane_is_answered_by_django_without_a_second_try(
        stacks, actors, checkpoint, monkeypatch):
    """The database went away during the lane's try: Django answers that failure (500), and tries nothing."""
    lane, framework = stacks
    tries = count_tries(monkeypatch)
    real_submit = lane._submit

    def submit_failing(body, by):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(lane, "_submit", submit_failing)
    body = payload(checkpoint)
    status, _headers, _content = send(lane, body, token=actors["field_officer"].token)
    assert status == 500 and framework.calls == 1 and tries["n"] == 0
    assert not CrossingCount.objects.exists()

    monkeypatch.setattr(lane, "_submit", real_submit)  # the device retries
    status, _headers, content = send(lane, body, token=actors["field_officer"].token)
    assert status == 201 and json.loads(content)["duplicate"] is False and tries["n"] == 1
    assert CrossingCount.objects.count() == 1
    assert AuditEntry.objects.filter(action="crossing_count.submitted").count() == 1


def test_a_submission_stored_before_the_lane_failed_is_stored_once(stacks, actors, checkpoint, monkeypatch):
    """The lane fails after the commit (say, while rendering): the answer is an error, the retry a duplicate."""
    lane, framework = stacks
    real_submit = lane._submit

    def submit_then_fail(body, by):
        real_submit(body, by)
        raise RuntimeError("failed after the commit")

    monkeypatch.setattr(lane, "_submit", submit_then_fail)
    body = payload(checkpoint)
    assert send(lane, body, token=actors["field_officer"].token)[0] == 500
    monkeypatch.setattr(lane, "_submit", real_submit)
    status, _headers, content = send(lane, body, token=actors["field_officer"].token)
    assert status == 200 and json.loads(content)["duplicate"] is True
    assert CrossingCount.objects.count() == 1
    assert AuditEntry.objects.filter(action="crossing_count.submitted").count() == 1


@pytest.mark.parametrize("change", [
    {"SAFEPASSAGE_INTAKE_LANE": False},
    {"MIDDLEWARE": list(lane_module.EXPECTED_MIDDLEWARE)[:-1]},
    {"SECURE_HSTS_SECONDS": 3600},
    {"SECURE_SSL_REDIRECT": True},
    {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")},
    {"USE_X_FORWARDED_HOST": True},
    {"PREPEND_WWW": True},
])
def test_the_lane_is_off_when_switched_off_or_when_the_middleware_would_answer_otherwise(change):
    assert lane_enabled()
    with override_settings(**change):
        assert not lane_enabled()


def test_the_lane_is_off_with_a_transaction_per_request(monkeypatch):
    from django.conf import settings

    monkeypatch.setitem(settings.DATABASES["default"], "ATOMIC_REQUESTS", True)
    assert not lane_enabled()


@pytest.mark.parametrize("change", [
    {"X_FRAME_OPTIONS": "sameorigin"},
    {"SECURE_REFERRER_POLICY": "same-origin, strict-origin"},
    {"SECURE_REFERRER_POLICY": ["no-referrer", "origin"]},
    {"SECURE_REFERRER_POLICY": None},
    {"SECURE_CONTENT_TYPE_NOSNIFF": False},
    {"SECURE_CROSS_ORIGIN_OPENER_POLICY": None},
    {"LANGUAGE_CODE": "en-us"},
    {"LANGUAGE_CODE": "fr"},
])
def test_the_lane_writes_the_headers_as_the_middleware_does_whatever_the_settings(actors, checkpoint, change):
    with override_settings(**change):
        framework = Framework()
        lane = CountLane(framework)
        token = actors["field_officer"].token
        by_lane = send(lane, payload(checkpoint), token=token)
        by_django = send(framework.django, payload(checkpoint), token=token)
    assert lane.answered == 1 and by_lane[0] == by_django[0] == 201
    assert [h for h in by_lane[1] if h[0] != "Content-Length"] == [h for h in by_django[1] if h[0] != "Content-Length"]


def test_a_request_without_a_host_header_goes_to_django(stacks, actors, checkpoint):
    lane, framework = stacks
    env = {"HTTP_HOST": None}
    status = send(lane, payload(checkpoint), token=actors["field_officer"].token, **env)[0]
    assert (lane.answered, framework.calls) == (0, 1) and status == 201


def test_the_lane_is_off_when_switched_off_and_django_answers(actors, checkpoint):
    with override_settings(SAFEPASSAGE_INTAKE_LANE=False):
        framework = Framework()
        lane = CountLane(framework)
        assert send(lane, payload(checkpoint), token=actors["field_officer"].token)[0] == 201
    assert (lane.answered, framework.calls) == (0, 1)


def test_the_deployed_application_has_the_lane_in_front():
    from safepassage import wsgi

    assert isinstance(wsgi._served, CountLane) and wsgi._served.framework is wsgi._django
