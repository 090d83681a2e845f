"""Crossing counts through the API: idempotency, flags, corrections, review, totals, audit."""

from __future__ import annotations

import uuid

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.crossings.models import CrossingCount

pytestmark = pytest.mark.django_db


def payload(checkpoint, **over):
    body = {"client_uuid": str(uuid.uuid4()), "checkpoint_id": checkpoint.pk, "direction": "out",
            "bucket_start": "2016-10-20T09:00:00Z", "bucket_minutes": 60, "women": 40, "men": 12, "children": 55,
            "older_people": 7, "persons_with_disabilities": 3, "wounded": 2, "sick": 1}
    body.update(over)
    return body


def test_submit_stores_once_and_is_audited(actors, checkpoint):
    field = actors["field_officer"]
    body = payload(checkpoint)
    r = field.post("/api/crossings/counts", body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["total_persons"] == 40 + 12 + 55 + 7 + 2 + 1  # disabilities are "of whom", not added
    assert out["flags"] == [] and out["review_status"] == "not_needed" and out["duplicate"] is False
    assert out["version"] == 1 and out["is_current"] and out["submitted_by"] == "u_field_officer"
    entry = AuditEntry.objects.get(action="crossing_count.submitted", object_id=str(out["id"]))
    assert entry.after["women"] == 40 and entry.actor.username == "u_field_officer" and entry.actor_label == f"field_officer#{entry.actor_id}"


def test_retry_with_same_payload_is_a_duplicate_not_a_second_count(actors, checkpoint):
    field = actors["field_officer"]
    body = payload(checkpoint)
    first = field.post("/api/crossings/counts", body)
    for _ in range(3):
        again = field.post("/api/crossings/counts", body)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert again.json()["id"] == first.json()["id"]
    # the same instant written in another offset is the same payload
    shifted = field.post("/api/crossings/counts", {**body, "bucket_start": "2016-10-20T12:00:00+03:00"})
    assert shifted.status_code == 200 and shifted.json()["duplicate"] is True
    assert CrossingCount.objects.count() == 1
    assert AuditEntry.objects.filter(action="crossing_count.submitted").count() == 1


def test_same_uuid_with_different_payload_is_409_naming_the_field(actors, checkpoint):
    field = actors["field_officer"]
    body = payload(checkpoint)
    assert field.post("/api/crossings/counts", body).status_code == 201
    r = field.post("/api/crossings/counts", {**body, "children": 56})
    assert r.status_code == 409, r.content
    assert r.json()["errors"][0]["field"] == "children"
    assert "supersedes_uuid" in r.json()["detail"]
    assert CrossingCount.objects.get().children == 55


@pytest.mark.parametrize(
    ("over", "codes"),
    [
        ({"bucket_start": "2016-10-20T05:00:00Z"}, ["outside_hours"]),
        ({"bucket_start": "2016-10-20T16:30:00Z"}, ["outside_hours"]),  # ends after closing
        ({"direction": "in"}, ["direction_not_allowed"]),
        ({"leaving_armed_groups_unarmed": 4}, ["group_not_eligible"]),
        ({"leaving_armed_groups_armed": 2, "weapons_handed_over": 2}, ["group_not_eligible"]),
        ({"bucket_start": "2016-09-30T09:00:00Z"}, ["corridor_not_open"]),
    ],
)
def test_count_breaking_a_corridor_rule_is_stored_and_flagged(actors, checkpoint, over, codes):
    r = actors["field_officer"].post("/api/crossings/counts", payload(checkpoint, **over))
    assert r.status_code == 201, r.content
    body = r.json()
    assert [f["code"] for f in body["flags"]] == codes and all(f["reason"] for f in body["flags"])
    assert body["review_status"] == "pending"
    listed = actors["coordinator"].get("/api/crossings/counts", review_status="pending").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_count_during_a_suspension_is_flagged(actors, checkpoint, open_corridor):
    from datetime import UTC, datetime

    from safepassage.corridors import services
    from tests.conftest import SYSTEM

    services.set_corridor_status(corridor_id=open_corridor.pk, status="suspended", reason="shelling", by=SYSTEM,
                                 at=datetime(2016, 10, 20, 9, 30, tzinfo=UTC))
    r = actors["field_officer"].post("/api/crossings/counts", payload(checkpoint))
    assert [f["code"] for f in r.json()["flags"]] == ["corridor_not_open"]
    assert "suspended" in r.json()["flags"][0]["reason"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"women": -1}, "women"),
        ({"men": 2_000_000}, "men"),
        ({"persons_with_disabilities": 500}, "persons_with_disabilities"),
        ({"weapons_handed_over": 3}, "weapons_handed_over"),
        ({"checkpoint_id": 999_999}, "checkpoint_id"),
        ({"bucket_minutes": 7}, "bucket_minutes"),
        ({"bucket_start": "2016-10-20T09:00:00"}, "bucket_start"),
        ({"bucket_start": "2099-10-20T09:00:00Z"}, "bucket_start"),
        ({"direction": "both"}, "direction"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"note": "a\x00b"}, "note"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_stored(actors, checkpoint, over, field):
    r = actors["field_officer"].post("/api/crossings/counts", payload(checkpoint, **over))
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert CrossingCount.objects.count() == 0


def test_correction_is_a_new_version_and_replaces_the_old_in_totals(actors, checkpoint):
    field = actors["field_officer"]
    original = field.post("/api/crossings/counts", payload(checkpoint)).json()
    fix = payload(checkpoint, women=45, supersedes_uuid=original["client_uuid"])
    r = field.post("/api/crossings/counts", fix)
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 2 and r.json()["is_current"]
    old = CrossingCount.objects.get(pk=original["id"])
    assert not old.is_current and old.women == 40  # kept, never overwritten
    detail = actors["partner"].get(f"/api/crossings/counts/{original['id']}").json()
    assert [h["women"] for h in detail["history"]] == [40, 45]
    summary = actors["partner"].get("/api/crossings/summary", day="2016-10-20", tz="UTC").json()
    assert summary["overall"]["women"] == 45 and summary["overall"]["records"] == 1
    # a second correction of the same version is a conflict: correct the latest one
    fork = field.post("/api/crossings/counts", payload(checkpoint, supersedes_uuid=original["client_uuid"]))
    assert fork.status_code == 409 and fork.json()["errors"][0]["field"] == "supersedes_uuid"
    # listing all versions shows both
    assert field.get("/api/crossings/counts", current_only=False).json()["count"] == 2


def test_correction_arriving_before_its_original_still_wins(actors, checkpoint):
    field = actors["field_officer"]
    original = payload(checkpoint)
    fix = payload(checkpoint, women=1, supersedes_uuid=original["client_uuid"])
    assert field.post("/api/crossings/counts", fix).json()["version"] == 2
    late = field.post("/api/crossings/counts", original).json()
    assert late["is_current"] is False and late["version"] == 1
    assert CrossingCount.objects.get(client_uuid=fix["client_uuid"]).is_current


def test_review_confirm_and_reject(actors, checkpoint):
    flagged = actors["field_officer"].post("/api/crossings/counts", payload(checkpoint, direction="in")).json()
    clean = actors["field_officer"].post("/api/crossings/counts", payload(checkpoint)).json()
    url = f"/api/crossings/counts/{flagged['id']}/review"
    assert actors["field_officer"].post(url, {"decision": "confirmed"}).status_code == 403
    no_reason = actors["coordinator"].post(url, {"decision": "rejected"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "note"
    r = actors["coordinator"].post(url, {"decision": "rejected", "note": "test entry by trainee"})
    assert r.status_code == 200 and r.json()["review_status"] == "rejected"
    assert AuditEntry.objects.filter(action="crossing_count.reviewed", object_id=str(flagged["id"])).exists()
    again = actors["coordinator"].post(f"/api/crossings/counts/{clean['id']}/review", {"decision": "confirmed"})
    assert again.status_code == 409
    summary = actors["coordinator"].get("/api/crossings/summary", day="2016-10-20", tz="UTC").json()
    assert summary["overall"]["records"] == 1  # the rejected count is kept but not counted


def test_summary_groups_by_corridor_and_direction(actors, checkpoint):
    field = actors["field_officer"]
    field.post("/api/crossings/counts", payload(checkpoint))
    field.post("/api/crossings/counts", payload(checkpoint, bucket_start="2016-10-20T10:00:00Z", women=10))
    field.post("/api/crossings/counts", payload(checkpoint, direction="in", men=3))
    field.post("/api/crossings/counts", payload(checkpoint, bucket_start="2016-10-21T10:00:00Z"))
    r = actors["partner"].get("/api/crossings/summary", day="2016-10-20", tz="UTC")
    assert r.status_code == 200, r.content
    rows = {row["direction"]: row for row in r.json()["rows"]}
    assert rows["out"]["women"] == 50 and rows["out"]["records"] == 2 and rows["out"]["corridor"] == "Castello road"
    assert rows["in"]["men"] == 3 and rows["in"]["pending_review"] == rows["in"]["total_persons"]
    # Damascus is UTC+3 in October 2016: its 20 October starts at 21:00 UTC on the 19th
    local = actors["partner"].get("/api/crossings/summary", day="2016-10-20", tz="Asia/Damascus").json()
    assert local["since"].startswith("2016-10-19T21:00:00")
    bad = actors["partner"].get("/api/crossings/summary", tz="Mars/Olympus")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "tz"


def test_permissions(actors, checkpoint):
    assert actors["public"].get("/api/crossings/summary").status_code == 401
    assert actors["party_liaison"].get("/api/crossings/summary").status_code == 403
    assert actors["partner"].post("/api/crossings/counts", payload(checkpoint)).status_code == 403
    assert actors["medical_officer"].post("/api/crossings/counts", payload(checkpoint)).status_code == 201


def test_batch_judges_each_item_on_its_own_and_can_be_resent(actors, checkpoint):
    from tests.crossings.test_crossings_api import payload as one

    items = [one(checkpoint), one(checkpoint, direction="in"), one(checkpoint, women=-4), one(checkpoint)]
    items[3]["client_uuid"] = items[0]["client_uuid"]  # the same submission twice in one batch
    r = actors["field_officer"].post("/api/crossings/counts/batch", {"items": items})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [x["status"] for x in body["results"]] == ["stored", "stored", "refused", "duplicate"]
    assert body["results"][1]["flags"][0]["code"] == "direction_not_allowed"
    assert body["results"][2]["errors"][0]["field"] == "women"
    assert (body["stored"], body["duplicates"], body["refused"]) == (2, 1, 1)
    again = actors["field_officer"].post("/api/crossings/counts/batch", {"items": items}).json()
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate", "refused", "duplicate"]
    assert CrossingCount.objects.count() == 2
    assert AuditEntry.objects.filter(action="crossing_count.submitted").count() == 2
    too_many = actors["field_officer"].post("/api/crossings/counts/batch", {"items": [one(checkpoint)] * 501})
    assert too_many.status_code == 422


def test_the_public_reads_the_counted_figures_only_and_as_they_stood(actors, checkpoint):
    """The bulletin links here: anyone reads the counts behind a figure, without notes, flags or sender."""
    field = actors["field_officer"]
    first = field.post("/api/crossings/counts", payload(checkpoint, note="met Ahmad at the gate")).json()
    pinned = CrossingCount.objects.get(pk=first["id"]).received_at.isoformat()  # the answer shows milliseconds
    field.post("/api/crossings/counts", payload(checkpoint, supersedes_uuid=first["client_uuid"], women=41))
    field.post("/api/crossings/counts", payload(checkpoint, direction="in", bucket_start="2016-10-20T10:00:00Z"))
    public = actors["public"].get("/api/crossings/counts", sum_of="women", direction="out")
    assert public.status_code == 200, public.content
    body = public.json()
    assert body["count"] == 1 and body["sum"] == 41 and body["sum_of"] == "women"
    assert "note" not in body["items"][0] and "submitted_by" not in body["items"][0]
    assert "Ahmad" not in public.content.decode()
    # as it stood before the correction arrived: the first version, for everyone
    then = actors["public"].get("/api/crossings/counts", as_of=pinned, sum_of="women").json()
    assert then["sum"] == 40 and [i["id"] for i in then["items"]] == [first["id"]]
    staff = actors["partner"].get("/api/crossings/counts", as_of=pinned).json()
    assert staff["count"] == 1 and staff["items"][0]["note"] == "met Ahmad at the gate"
    bad = actors["public"].get("/api/crossings/counts", as_of="2016-10-20T10:00:00")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "as_of"
    assert actors["public"].get("/api/crossings/counts", sum_of="nobody").status_code == 422
