"""The count intake checks bearer tokens with the group commit's reads (`TokenClaim`), not per request.

What must not change: a caller whose token is unknown, revoked or of an inactive user gets 401, and a
role without the permission 403, before anything is said about the input (never 422, 409 or 201);
nothing of theirs is stored or audited. What must: the tokens of a whole batch are read in one query.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safepassage.accounts.models import ApiToken, User
from safepassage.audit.models import AuditEntry
from safepassage.core.errors import NotAuthenticated, PermissionDenied
from safepassage.core.permissions import Perm
from safepassage.core.principal import TokenClaim
from safepassage.core.timeutil import now
from safepassage.crossings import services
from safepassage.crossings.models import CrossingCount
from tests.conftest import Api
from tests.crossings.test_crossings_api import payload

pytestmark = pytest.mark.django_db


def revoke(api: Api) -> None:
    from safepassage.accounts.services import token_digest

    ApiToken.objects.filter(digest=token_digest(api.token)).update(revoked_at=now())


def deactivate(api: Api) -> None:
    User.objects.filter(pk=api.principal.user.pk).update(is_active=False)


def nothing_stored() -> bool:
    return not CrossingCount.objects.exists() and not AuditEntry.objects.filter(
        action="crossing_count.submitted").exists()


@pytest.mark.parametrize("spoil", [revoke, deactivate])
@pytest.mark.parametrize("valid_body", [True, False])
def test_a_refused_token_is_401_whatever_the_body(actors, checkpoint, spoil, valid_body):
    field = actors["field_officer"]
    spoil(field)
    body = payload(checkpoint) if valid_body else payload(checkpoint, women=-1, direction="sideways")
    r = field.post("/api/crossings/counts", body)
    assert r.status_code == 401, r.content
    assert r.json()["detail"] == "the API token is unknown or revoked"
    assert nothing_stored()


@pytest.mark.parametrize("body", ["valid", "invalid", "not json", "unknown checkpoint"])
def test_an_unknown_token_is_401_and_a_role_without_the_permission_403(actors, checkpoint, body):
    sent = {"valid": payload(checkpoint), "invalid": payload(checkpoint, bucket_minutes=7),
            "unknown checkpoint": payload(checkpoint, checkpoint_id=checkpoint.pk + 1000)}.get(body)
    for api, status in ((Api("sp_not-a-token"), 401), (actors["monitor"], 403), (actors["partner"], 403)):
        if sent is None:
            r = api.client.post("/api/crossings/counts", data="{not json", content_type="application/json")
        else:
            r = api.post("/api/crossings/counts", sent)
        assert r.status_code == status, (api.token, r.content)
    assert nothing_stored()


def test_a_duplicate_is_not_revealed_to_a_revoked_token(actors, checkpoint):
    medical, field = actors["medical_officer"], actors["field_officer"]
    body = payload(checkpoint)
    assert field.post("/api/crossings/counts", body).status_code == 201
    revoke(field)
    for api in (field, Api("sp_not-a-token")):
        assert api.post("/api/crossings/counts", body).status_code == 401  # not 200 "duplicate"
        assert api.post("/api/crossings/counts", {**body, "women": 1}).status_code == 401  # not 409
    assert medical.post("/api/crossings/counts", body).status_code == 200  # a duplicate, for a valid token


def test_a_valid_token_still_stores_and_names_its_submitter(actors, checkpoint):
    r = actors["medical_officer"].post("/api/crossings/counts", payload(checkpoint))
    assert r.status_code == 201, r.content
    assert r.json()["submitted_by"] == "u_medical_officer"
    assert AuditEntry.objects.get(action="crossing_count.submitted").actor_label == "u_medical_officer"


def item(checkpoint_id: int, minute: int) -> dict:
    return {"client_uuid": uuid.uuid4(), "checkpoint_id": checkpoint_id, "direction": "out",
            "bucket_start": datetime(2016, 10, 20, 9, minute, tzinfo=UTC), "bucket_minutes": 5,
            "counts": {"women": minute + 1}}


def test_one_batch_settles_every_claim_with_one_read_and_keeps_each_submitter(actors, checkpoint):
    field, medical, monitor = actors["field_officer"], actors["medical_officer"], actors["monitor"]
    revoked = Api(actors["coordinator"].token)
    revoke(revoked)
    senders = [field, medical, field, monitor, revoked, Api("sp_unknown")]
    claims = [TokenClaim(api.token, Perm.CROSSINGS_SUBMIT) for api in senders]
    entries = [(services._parse(item(checkpoint.pk, 5 * i)), "api", claim) for i, claim in enumerate(claims)]
    with CaptureQueriesContext(connection) as queries:
        results = services._submit_together(entries)
    token_reads = [q["sql"] for q in queries.captured_queries if "apitoken" in q["sql"].lower()]
    # One statement for every token of the batch (sent with its other reads); none per request. Its
    # digest column and its conditions are on the same row of the token table (one join).
    assert len(token_reads) == 1 and " IN (" in token_reads[0], token_reads
    assert token_reads[0].upper().count(" JOIN ") == 1, token_reads
    assert [r.status for r in results] == ["stored", "stored", "stored", "refused", "refused", "refused"]
    assert [type(r.error) for r in results[3:]] == [PermissionDenied, NotAuthenticated, NotAuthenticated]
    stored = {e.object_id: e.actor_label for e in AuditEntry.objects.filter(action="crossing_count.submitted")}
    assert sorted(stored.values()) == ["u_field_officer", "u_field_officer", "u_medical_officer"]
    for result, api in zip(results[:3], senders[:3], strict=True):
        assert result.count.submitted_by_id == api.principal.user.pk
        assert stored[str(result.count.pk)] == api.principal.user.username
    assert CrossingCount.objects.count() == 3
    # Settled once: answering the request asks the database nothing more.
    with CaptureQueriesContext(connection) as later:
        assert claims[0].settle().user.pk == field.principal.user.pk
        with pytest.raises(NotAuthenticated):
            claims[4].settle()
    assert not later.captured_queries


def test_a_claim_settles_on_its_own_when_nothing_else_did(actors):
    claim = TokenClaim(actors["field_officer"].token, Perm.CROSSINGS_SUBMIT)
    assert not claim.settled
    assert claim.settle().role == "field_officer" and claim.settled
    with pytest.raises(PermissionDenied):
        TokenClaim(actors["monitor"].token, Perm.CROSSINGS_SUBMIT).settle()


def test_deferral_needs_the_permission_it_is_settled_against():
    from safepassage.core.api import PrincipalAuth

    with pytest.raises(TypeError, match="permission"):
        PrincipalAuth(defer=True)


def test_other_authorisation_headers_are_checked_at_once(actors, checkpoint):
    from django.test import Client

    for header in ("Basic dTpw", "Bearer ", "Token abc"):
        r = Client(HTTP_AUTHORIZATION=header).post("/api/crossings/counts", data="{}",
                                                    content_type="application/json")
        assert r.status_code == 401, (header, r.content)
    assert nothing_stored()


def test_a_refused_token_comes_before_a_refused_item(actors, checkpoint):
    revoked = Api(actors["coordinator"].token)
    revoke(revoked)
    bad = {"client_uuid": "not-a-uuid", "checkpoint_id": checkpoint.pk, "direction": "sideways"}
    claims = [TokenClaim(revoked.token, Perm.CROSSINGS_SUBMIT), TokenClaim("sp_unknown", Perm.CROSSINGS_SUBMIT),
              TokenClaim(actors["field_officer"].token, Perm.CROSSINGS_SUBMIT)]
    results = services._store_counts([(bad, "api", claim) for claim in claims])
    assert [type(r.error) for r in results] == [NotAuthenticated, NotAuthenticated, type(results[2].error)]
    assert results[2].error.status == 422  # a valid token learns what is wrong with its item
    assert [r.client_uuid for r in results] == ["not-a-uuid"] * 3
    assert nothing_stored()


def test_a_batch_run_again_reads_its_tokens_again(actors, checkpoint):
    """After a failed commit the group commit runs each item again: a claim settled in the transaction
    that was rolled back is read anew (here: its token revoked in between, so 401, nothing stored)."""
    field = actors["field_officer"]
    claim = TokenClaim(field.token, Perm.CROSSINGS_SUBMIT)
    entries = [(services._parse(item(checkpoint.pk, 5)), "api", claim)]
    assert claim.settle().user.pk == field.principal.user.pk  # settled by a first run
    revoke(field)
    [result] = services._submit_together(entries)
    assert result.status == "refused" and isinstance(result.error, NotAuthenticated)
    with pytest.raises(NotAuthenticated):
        claim.settle()
    assert not CrossingCount.objects.exists()
