"""A party withdrawing from an agreed or active pause takes it out of force at once; it can be proposed again."""

from datetime import UTC, datetime, timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.convoys import services as convoy_services
from safepassage.corridors import services as corridor_services
from safepassage.pauses.models import Pause
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
T0 = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)
DURING = (T0 + timedelta(hours=2)).isoformat()


def _agreed(coordinator, corridor, parties, start=T0) -> dict:
    corridor_services.set_corridor_status(corridor_id=corridor.pk, status="open", reason="agreed", by=SYSTEM)
    body = {"title": "Pause", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=10)).isoformat(),
            "corridor_ids": [corridor.pk], "party_ids": [parties["A"].pk, parties["B"].pk], "notes": "internal"}
    pause = coordinator.post("/api/pauses", body).json()
    for key in ("A", "B"):
        r = coordinator.post(f"/api/pauses/{pause['id']}/responses",
                             {"party_id": parties[key].pk, "state": "accepted", "note": "by phone"})
        assert r.status_code == 200, r.content
    agreed = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "agreed"})
    assert agreed.status_code == 200 and agreed.json()["status"] == "agreed"
    return agreed.json()


def test_refusal_after_agreement_takes_the_pause_out_of_force(actors, coordinator, corridor, parties):
    pause = _agreed(coordinator, corridor, parties)
    before = actors["public"].get("/api/open-now", at=DURING).json()
    assert [p["id"] for p in before["pauses"]] == [pause["id"]]

    r = actors["liaison_b"].post(f"/api/pauses/{pause['id']}/responses",
                                 {"party_id": parties["B"].pk, "state": "refused", "note": "shelling resumed"})
    assert r.status_code == 200 and r.json()["state"] == "refused"

    # Every reader of "in force" says so the same minute: open now, the map, the corridors' pause.
    now_body = actors["public"].get("/api/open-now", at=DURING).json()
    assert now_body["pauses"] == []
    assert [c["pause_id"] for c in now_body["corridors"]] == [None]
    layers = actors["public"].get("/api/map/layers", at=DURING).json()
    assert layers["pauses"] == []
    staff = coordinator.get(f"/api/pauses/{pause['id']}").json()
    assert staff["status"] == "withdrawn" and staff["in_force_now"] is False
    assert staff["withdrawn_by_party_id"] == parties["B"].pk and staff["withdrawn_by_party"] == "Party B"
    assert staff["withdrawal_reason"] == "shelling resumed" and staff["withdrawn_at"]
    assert staff["version"] == pause["version"] + 1

    stored = Pause.objects.get(pk=pause["id"])
    assert stored.withdrawn_by_party_id == parties["B"].pk and stored.withdrawal_reason == "shelling resumed"
    assert stored.status_history.last().status == "withdrawn"
    entry = AuditEntry.objects.get(action="pause.withdrawn")
    assert entry.after["party"] == parties["B"].pk and entry.after["reason"] == "shelling resumed"
    # The other party sees who withdrew and when, not the reason (that is Party B's own line).
    seen_by_a = actors["party_liaison"].get(f"/api/pauses/{pause['id']}").json()
    assert seen_by_a["status"] == "withdrawn" and seen_by_a["withdrawn_by_party"] == "Party B"
    assert "withdrawal_reason" not in seen_by_a
    assert [x["party"] for x in seen_by_a["responses"]] == ["Party A"]


def test_the_public_sees_a_withdrawn_pause_until_its_window_ends(actors, coordinator, corridor, parties):
    future = datetime.now(UTC) + timedelta(hours=1)
    pause = _agreed(coordinator, corridor, parties, start=future)
    actors["liaison_b"].post(f"/api/pauses/{pause['id']}/responses",
                             {"party_id": parties["B"].pk, "state": "refused", "note": "no guarantees"})
    items = actors["public"].get("/api/pauses").json()["items"]
    assert [(p["id"], p["status"]) for p in items] == [(pause["id"], "withdrawn")]
    assert items[0]["withdrawn_at"] and items[0]["in_force_now"] is False
    assert "withdrawn_by_party" not in items[0] and "withdrawal_reason" not in items[0]
    # Once its window is over, a withdrawn pause is no longer published.
    Pause.objects.filter(pk=pause["id"]).update(ends_at=datetime.now(UTC) - timedelta(minutes=1),
                                                starts_at=datetime.now(UTC) - timedelta(hours=2))
    assert actors["public"].get("/api/pauses").json()["items"] == []
    assert actors["public"].get(f"/api/pauses/{pause['id']}").status_code == 404


def test_refusal_of_an_active_pause_withdraws_it_and_convoys_no_longer_fit(actors, coordinator, corridor, parties):
    pause = _agreed(coordinator, corridor, parties)
    assert coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "active"}).status_code == 200
    corridor.refresh_from_db()
    fits, problems = convoy_services.schedule_problems(corridor=corridor, direction="out", departure=T0,
                                                       arrival=T0 + timedelta(hours=1))
    assert fits is not None and fits.pk == pause["id"]
    accept = actors["party_liaison"].post(f"/api/pauses/{pause['id']}/responses",
                                          {"party_id": parties["A"].pk, "state": "accepted"})
    assert accept.status_code == 409 and "withdraw" in accept.json()["detail"]
    no_reason = actors["party_liaison"].post(f"/api/pauses/{pause['id']}/responses",
                                             {"party_id": parties["A"].pk, "state": "refused"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "note"
    r = actors["party_liaison"].post(f"/api/pauses/{pause['id']}/responses",
                                     {"party_id": parties["A"].pk, "state": "refused", "note": "withdrawn"})
    assert r.status_code == 200
    assert coordinator.get(f"/api/pauses/{pause['id']}").json()["status"] == "withdrawn"
    fits, problems = convoy_services.schedule_problems(corridor=corridor, direction="out", departure=T0,
                                                       arrival=T0 + timedelta(hours=1))
    assert fits is None and any("is withdrawn" in p.reason for p in problems)
    # Withdrawn is final for this revision: no more answers, no status change, no edit.
    again = actors["liaison_b"].post(f"/api/pauses/{pause['id']}/responses",
                                     {"party_id": parties["B"].pk, "state": "refused", "note": "too"})
    assert again.status_code == 409
    revive = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "active"})
    assert revive.status_code == 409 and "final state" in revive.json()["detail"]


def test_refusal_while_proposed_keeps_it_proposed(actors, coordinator, corridor, parties):
    body = {"title": "P", "starts_at": T0.isoformat(), "ends_at": (T0 + timedelta(hours=2)).isoformat(),
            "corridor_ids": [corridor.pk], "party_ids": [parties["A"].pk, parties["B"].pk]}
    pause = coordinator.post("/api/pauses", body).json()
    actors["liaison_b"].post(f"/api/pauses/{pause['id']}/responses",
                             {"party_id": parties["B"].pk, "state": "refused", "note": "not yet"})
    assert coordinator.get(f"/api/pauses/{pause['id']}").json()["status"] == "proposed"
    assert not AuditEntry.objects.filter(action="pause.withdrawn").exists()


def test_status_withdrawn_is_not_set_by_hand(coordinator, corridor, parties):
    pause = _agreed(coordinator, corridor, parties)
    r = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "withdrawn"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    assert "responses" in r.json()["detail"]


def test_a_withdrawn_pause_is_proposed_again_as_a_new_revision(actors, coordinator, corridor, parties):
    pause = _agreed(coordinator, corridor, parties)
    not_yet = coordinator.post(f"/api/pauses/{pause['id']}/repropose", {})
    assert not_yet.status_code == 409 and "agreed" in not_yet.json()["detail"]
    actors["liaison_b"].post(f"/api/pauses/{pause['id']}/responses",
                             {"party_id": parties["B"].pk, "state": "refused", "note": "shelling resumed"})
    later = T0 + timedelta(days=1)
    denied = actors["party_liaison"].post(f"/api/pauses/{pause['id']}/repropose", {})
    assert denied.status_code == 403
    naive = coordinator.post(f"/api/pauses/{pause['id']}/repropose", {"starts_at": "2030-05-02T08:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "starts_at"
    r = coordinator.post(f"/api/pauses/{pause['id']}/repropose",
                         {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=6)).isoformat()})
    assert r.status_code == 201, r.content
    new = r.json()
    assert new["id"] != pause["id"] and new["status"] == "proposed"
    assert new["revision"] == 2 and new["previous_id"] == pause["id"]
    assert new["corridor_ids"] == [corridor.pk] and new["notes"] == "internal"
    assert {x["party"]: x["state"] for x in new["responses"]} == {"Party A": "pending", "Party B": "pending"}
    assert new["starts_at"].startswith("2030-05-02T08:00")
    old = coordinator.get(f"/api/pauses/{pause['id']}").json()
    assert old["status"] == "withdrawn"
    twice = coordinator.post(f"/api/pauses/{pause['id']}/repropose", {})
    assert twice.status_code == 409 and f"#{new['id']}" in twice.json()["detail"]
    assert AuditEntry.objects.filter(action="pause.reproposed").count() == 1
    # The same window as the withdrawn one is free again: withdrawn pauses do not block proposals.
    third = coordinator.post(f"/api/pauses/{new['id']}/repropose", {})
    assert third.status_code == 409
    same = {"title": "Again", "starts_at": T0.isoformat(), "ends_at": (T0 + timedelta(hours=10)).isoformat(),
            "corridor_ids": [corridor.pk], "party_ids": [parties["A"].pk]}
    assert coordinator.post("/api/pauses", same).status_code == 201
