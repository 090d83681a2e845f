"""Humanitarian pauses: windows, scope, parties' responses, lifecycle, and 'what is open now'."""

from datetime import UTC, datetime, timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.corridors import services as corridor_services
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
T0 = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)


def _body(corridor, parties, start=T0, hours=10, **extra):
    return {"title": "Pause", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=hours)).isoformat(),
            "corridor_ids": [corridor.pk], "party_ids": [parties["A"].pk, parties["B"].pk], **extra}


def test_propose_accept_agree_activate_end(coordinator, actors, corridor, parties):
    r = coordinator.post("/api/pauses", _body(corridor, parties))
    assert r.status_code == 201, r.content
    pause = r.json()
    assert pause["status"] == "proposed" and {x["state"] for x in pause["responses"]} == {"pending"}

    early = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "agreed"})
    assert early.status_code == 409 and "Party A" in early.json()["detail"] and "Party B" in early.json()["detail"]

    a = actors["party_liaison"].post(f"/api/pauses/{pause['id']}/responses",
                                     {"party_id": parties["A"].pk, "state": "accepted"})
    assert a.status_code == 200 and a.json()["by"] == "u_party_liaison"
    # A liaison answers for their own party only.
    other = actors["party_liaison"].post(f"/api/pauses/{pause['id']}/responses",
                                         {"party_id": parties["B"].pk, "state": "accepted"})
    assert other.status_code == 403
    refuse = actors["liaison_b"].post(f"/api/pauses/{pause['id']}/responses",
                                      {"party_id": parties["B"].pk, "state": "refused"})
    assert refuse.status_code == 422 and refuse.json()["errors"][0]["field"] == "note"
    b = actors["liaison_b"].post(f"/api/pauses/{pause['id']}/responses",
                                 {"party_id": parties["B"].pk, "state": "accepted"})
    assert b.status_code == 200

    for status in ("agreed", "active", "ended"):
        r = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": status})
        assert r.status_code == 200 and r.json()["status"] == status
    final = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "active"})
    assert final.status_code == 409 and "final state" in final.json()["detail"]
    assert AuditEntry.objects.filter(action="pause.response_recorded").count() == 2
    assert AuditEntry.objects.filter(action="pause.status_changed").count() == 3


def test_illegal_transition_names_allowed_next_states(coordinator, corridor, parties):
    pause = coordinator.post("/api/pauses", _body(corridor, parties)).json()
    r = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "ended"})
    assert r.status_code == 409 and "allowed next: agreed" in r.json()["detail"]


def test_inverted_naive_and_overlapping_windows_are_refused(coordinator, corridor, parties):
    inverted = coordinator.post("/api/pauses", _body(corridor, parties, hours=-1))
    assert inverted.status_code == 422 and inverted.json()["errors"][0]["field"] == "ends_at"
    naive = _body(corridor, parties)
    naive["starts_at"] = "2030-05-01T08:00:00"
    r = coordinator.post("/api/pauses", naive)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "starts_at"
    first = coordinator.post("/api/pauses", _body(corridor, parties)).json()
    clash = coordinator.post("/api/pauses", _body(corridor, parties, start=T0 + timedelta(hours=9)))
    assert clash.status_code == 409 and f"#{first['id']}" in clash.json()["detail"]
    # back to back is fine
    assert coordinator.post("/api/pauses", _body(corridor, parties, start=T0 + timedelta(hours=10))).status_code == 201


def test_changing_agreed_terms_lapses_acceptances(coordinator, corridor, parties):
    pause = coordinator.post("/api/pauses", _body(corridor, parties)).json()
    for key in ("A", "B"):
        coordinator.post(f"/api/pauses/{pause['id']}/responses",
                         {"party_id": parties[key].pk, "state": "accepted", "note": "by phone"})
    agreed = coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "agreed"}).json()
    moved = coordinator.patch(f"/api/pauses/{pause['id']}", {"version": agreed["version"],
                                                              "ends_at": (T0 + timedelta(hours=12)).isoformat()})
    assert moved.status_code == 200
    assert moved.json()["status"] == "proposed"
    assert {x["state"] for x in moved.json()["responses"]} == {"pending"}
    stale = coordinator.patch(f"/api/pauses/{pause['id']}", {"version": agreed["version"], "title": "x"})
    assert stale.status_code == 409


def test_coordinator_recording_for_a_party_must_say_how(coordinator, corridor, parties):
    pause = coordinator.post("/api/pauses", _body(corridor, parties)).json()
    r = coordinator.post(f"/api/pauses/{pause['id']}/responses", {"party_id": parties["A"].pk, "state": "accepted"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"


def test_open_now_answers_what_is_open_and_until_when(actors, corridor, parties, coordinator):
    corridor_services.set_corridor_status(corridor_id=corridor.pk, status="open", reason="agreed", by=SYSTEM,
                                          at=T0 - timedelta(days=1))
    pause = coordinator.post("/api/pauses", _body(corridor, parties)).json()
    for key in ("A", "B"):
        coordinator.post(f"/api/pauses/{pause['id']}/responses",
                         {"party_id": parties[key].pk, "state": "accepted", "note": "written"})
    coordinator.post(f"/api/pauses/{pause['id']}/status", {"status": "agreed"})
    r = actors["public"].get("/api/open-now", at=(T0 + timedelta(hours=2)).isoformat())
    assert r.status_code == 200
    body = r.json()
    assert [c["name"] for c in body["corridors"]] == ["Test corridor"]
    assert body["corridors"][0]["pause_id"] == pause["id"]
    assert body["corridors"][0]["pause_ends_at"].startswith("2030-05-01T18:00")
    assert [p["id"] for p in body["pauses"]] == [pause["id"]]
    later = actors["public"].get("/api/open-now", at=(T0 + timedelta(hours=11)).isoformat()).json()
    assert later["pauses"] == [] and later["corridors"][0]["pause_id"] is None


def test_a_past_day_replayed_carries_its_times_and_the_future_is_refused(corridor, parties):
    """The demo replays 20 October 2016: proposals, answers and status changes take the event time."""
    from safepassage.core.errors import InvalidInput
    from safepassage.incidents import services as incidents
    from safepassage.pauses import services
    from safepassage.pauses.models import PauseStatusChange

    day = datetime(2016, 10, 20, 5, 0, tzinfo=UTC)
    pause = services.create_pause(title="Replayed", starts_at=day + timedelta(hours=3),
                                  ends_at=day + timedelta(hours=12), place_ids=[], corridor_ids=[corridor.pk],
                                  party_ids=[parties["A"].pk], by=SYSTEM, at=day)
    answer = services.respond_to_pause(pause_id=pause.pk, party_id=parties["A"].pk, state="accepted",
                                       note="by phone", by=SYSTEM, at=day + timedelta(minutes=20))
    services.set_pause_status(pause_id=pause.pk, status="agreed", by=SYSTEM, at=day + timedelta(minutes=30))
    assert answer.at == day + timedelta(minutes=20)
    assert list(PauseStatusChange.objects.filter(pause=pause).order_by("at").values_list("status", "at")) == [
        ("proposed", day), ("agreed", day + timedelta(minutes=30))]
    claim = incidents.record_claim(summary="A statement", source_name="A ministry", published_note="undated",
                                   by=SYSTEM, at=day)
    assert claim.recorded_at == day
    future = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        services.set_pause_status(pause_id=pause.pk, status="active", by=SYSTEM, at=future)
    assert refused.value.errors[0].field == "at"
    with pytest.raises(InvalidInput) as refused:
        incidents.record_claim(summary="Later", source_name="A ministry", published_note="undated", by=SYSTEM,
                               at=future)
    assert refused.value.errors[0].field == "at"
