"""Who reads what of a pause: the public its terms, a liaison their party's pauses and line, staff all."""

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db
T0 = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


def _propose(coordinator, corridor, party_ids, start=T0):
    body = {"title": "Pause", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat(),
            "corridor_ids": [corridor.pk], "party_ids": party_ids, "notes": "internal note"}
    r = coordinator.post("/api/pauses", body)
    assert r.status_code == 201, r.content
    return r.json()


def test_the_public_reads_no_proposed_pause_and_no_notes_or_responses(actors, coordinator, corridor, parties):
    proposed = _propose(coordinator, corridor, [parties["A"].pk])
    public = actors["public"]
    assert public.get("/api/pauses").json() == {"items": [], "count": 0}
    assert public.get("/api/pauses", status="proposed").json()["count"] == 0
    assert public.get(f"/api/pauses/{proposed['id']}").status_code == 404
    coordinator.post(f"/api/pauses/{proposed['id']}/responses",
                     {"party_id": parties["A"].pk, "state": "accepted", "note": "by phone"})
    coordinator.post(f"/api/pauses/{proposed['id']}/status", {"status": "agreed"})
    item = public.get(f"/api/pauses/{proposed['id']}").json()
    assert set(item) == {"id", "title", "title_ar", "starts_at", "ends_at", "status", "in_force_now", "place_ids",
                         "corridor_ids", "revision", "previous_id", "withdrawn_at"}


def test_a_liaison_reads_and_answers_only_their_partys_pauses(actors, coordinator, corridor, parties):
    only_b = _propose(coordinator, corridor, [parties["B"].pk])
    both = _propose(coordinator, corridor, [parties["A"].pk, parties["B"].pk], start=T0 + timedelta(days=1))
    liaison_a = actors["party_liaison"]
    assert [p["id"] for p in liaison_a.get("/api/pauses").json()["items"]] == [both["id"]]
    assert liaison_a.get(f"/api/pauses/{only_b['id']}").status_code == 404
    r = liaison_a.post(f"/api/pauses/{only_b['id']}/responses", {"party_id": parties["A"].pk, "state": "accepted"})
    assert r.status_code == 404
    actors["liaison_b"].post(f"/api/pauses/{both['id']}/responses",
                             {"party_id": parties["B"].pk, "state": "refused", "note": "B's own reason"})
    seen = liaison_a.get(f"/api/pauses/{both['id']}").json()
    assert [x["party"] for x in seen["responses"]] == ["Party A"]
    assert "notes" not in seen and "version" not in seen and "B's own reason" not in str(seen)
    staff = actors["monitor"].get(f"/api/pauses/{both['id']}").json()
    assert [x["note"] for x in staff["responses"]] == ["", "B's own reason"] and staff["notes"] == "internal note"
