"""The bulletin's figures are traceable: each `records` link lists records whose count or sum is the figure."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.reports.conftest import DAY, T0, TZ

pytestmark = pytest.mark.django_db


def _bulletin(api, **params):
    r = api.get(f"/api/bulletins/{DAY}", tz=TZ, **params)
    assert r.status_code == 200, r.content
    return r.json()


def _figures(b):
    return {f["key"]: f for s in b["sections"] for f in s["figures"]}


def _follow(api, link):
    items, offset = [], 0
    while True:
        r = api.client.get(f"{link}&limit=1000&offset={offset}")
        assert r.status_code == 200, (link, r.content)
        page = r.json()
        items += page["items"]
        if len(items) >= page["count"]:
            return page, items
        offset += 1000


@pytest.mark.parametrize("role", ["coordinator", "public", "party_liaison"])
def test_every_figure_link_lists_records_that_add_up_to_it(actors, day_of_records, role):
    api = actors[role]
    b = _bulletin(api)
    built = b["built_at"]
    assert [s["key"] for s in b["sections"]][:3] == ["corridors", "pauses", "crossings"]
    followed, apps = 0, set()
    for f in _figures(b).values():
        if f["records"] is None:
            assert f["note"] == "from restricted records"
            continue
        assert f"as_of={quote(built.replace('Z', '+00:00'), safe='')}" in f["records"]
        page, items = _follow(api, f["records"])
        assert page["count"] == len(items)
        if f["sum_of"]:
            assert page["sum"] == f["value"], f["key"]
            assert sum(i[f["sum_of"]] for i in items) == f["value"], f["key"]
        else:
            assert page["count"] == f["value"], f["key"]
        # records without versions (incidents) count as version 1
        digest = hashlib.sha256("\n".join(sorted(f"{i['id']}:{i.get('version', 1)}" for i in items)).encode())
        assert digest.hexdigest() == f["records_sha256"], f["key"]
        assert page.get("records_sha256", f["records_sha256"]) == f["records_sha256"], f["key"]
        followed += 1
        apps.add(f["records"].split("?")[0].split("/")[2])
    assert followed >= 10
    # the figures link to the apps' own list routes; the bulletin's records route serves the rest
    assert {"crossings", "incidents", "agreements", "servicepoints", "corridors"} <= apps


def test_figures_are_counted_from_the_day_with_corrections(actors, day_of_records):
    figs = _figures(_bulletin(actors["coordinator"]))
    cid = day_of_records["corridor"].id
    assert figs["crossings.total_persons"]["value"] == 10 + 5 + 7 + 3 + 4 + 3
    assert figs[f"crossings.{cid}.out.men"]["value"] == 3  # the correction, not the replaced count
    assert figs[f"crossings.{cid}.out.women"]["value"] == 21
    assert figs[f"crossings.{cid}.out.women"]["previous"] == 6
    assert figs[f"crossings.{cid}.out.women"]["difference"] == 15
    assert figs["servicepoints.people_served"]["value"] == 65
    assert figs["agreements.signed_total"]["value"] == 1
    assert figs["agreements.signed_last_24h"]["value"] == 1
    assert figs["corridors.status_changes"]["value"] == 1
    assert figs["incidents.total"]["value"] == 2
    assert figs["incidents.category.access_hostilities"]["value"] == 2
    assert figs["incidents.verification.unverified"]["value"] == 1
    assert figs["medevac.moved"]["value"] == 1
    # the coordinator may list the pseudonymous case events; nothing identifying comes with them
    page = actors["coordinator"].client.get(figs["medevac.moved"]["records"]).json()
    assert page["count"] == 1 and "Secret" not in str(page) and "18-59" not in str(page)


def test_a_bulletin_built_earlier_does_not_see_later_records(actors, day_of_records):
    from safepassage.crossings import services
    from tests.conftest import SYSTEM

    before = _bulletin(actors["coordinator"])
    services.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=day_of_records["checkpoint"].id,
                                   direction="out", bucket_start=T0 + timedelta(hours=20), bucket_minutes=60,
                                   counts={"women": 100}, by=SYSTEM)
    again = _figures(_bulletin(actors["coordinator"], as_of=before["built_at"]))
    now = _figures(_bulletin(actors["coordinator"]))
    assert again["crossings.total_persons"]["value"] == 32
    assert again["crossings.total_persons"]["records_sha256"] == _figures(before)["crossings.total_persons"][
        "records_sha256"]
    assert now["crossings.total_persons"]["value"] == 132
    assert _figures(_bulletin(actors["coordinator"], as_of="2016-10-10T00:00:00+00:00"))[
        "agreements.signed_total"]["value"] == 0


def test_the_public_version_hides_unpublished_incidents_and_medical_records(actors, day_of_records):
    b = _bulletin(actors["public"])
    assert b["audience"] == "public"
    figs = _figures(b)
    assert figs["incidents.total"]["value"] == 1
    assert "incidents.verification.unverified" not in figs and "incidents.claims" not in figs
    assert figs["medevac.moved"]["value"] == 1 and figs["medevac.moved"]["records"] is None
    assert "convoys.planned" not in figs
    titles = str(_follow(actors["public"], figs["incidents.total"]["records"])[1])
    assert "Unverified" not in titles
    # an internal figure's records are not listed to the public, nor restricted ones
    link = _figures(_bulletin(actors["coordinator"]))["incidents.verification.unverified"]["records"]
    assert link.startswith("/api/incidents?") and actors["coordinator"].client.get(link).json()["count"] == 1
    assert actors["public"].client.get(link).json()["count"] == 0
    link = _figures(_bulletin(actors["coordinator"]))["incidents.claims"]["records"]
    assert actors["public"].client.get(link).status_code == 404
    med = _figures(_bulletin(actors["coordinator"]))["medevac.moved"]["records"]
    assert actors["public"].client.get(med).status_code in (401, 403)
    assert actors["partner"].client.get(med).status_code == 403
    # liaisons read the public version; staff may ask for it
    assert _bulletin(actors["party_liaison"])["audience"] == "public"
    assert _bulletin(actors["coordinator"], audience="public")["audience"] == "public"


def test_audit_head_at_built_at(actors, day_of_records):
    from safepassage.audit.models import AuditEntry

    b = _bulletin(actors["coordinator"], as_of="2100-01-01T00:00:00+00:00")
    last = AuditEntry.objects.order_by("-seq").first()
    assert b["audit_head"] == {"seq": last.seq, "hash": last.hash}


@pytest.mark.parametrize("path, field", [
    ("/api/bulletins/2016-13-01", "day"), ("/api/bulletins/20161020", "day"),
    ("/api/bulletins/2016-10-20?tz=Mars/Base", "tz"), ("/api/bulletins/2016-10-20?as_of=2016-10-20T00:00", "as_of"),
    ("/api/bulletins/2016-10-20/records/nope.x?as_of=2016-10-20T00:00:00Z", "key"),
    ("/api/bulletins/2016-10-20/records/crossings.total_persons", "as_of"),
])
def test_bad_input_is_refused_naming_the_field(actors, path, field):
    r = actors["coordinator"].client.get(path)
    assert r.status_code in (404, 422), r.content
    assert r.json()["errors"][0]["field"] == field


def test_corridor_status_changes_list_with_the_day_and_pin(actors, day_of_records):
    day = {"since": T0.isoformat(), "until": (T0 + timedelta(days=1)).isoformat()}
    r = actors["public"].get("/api/corridors/status-changes", **day)
    assert r.status_code == 200, r.content
    [change] = r.json()["items"]
    assert change["status"] == "suspended" and change["reason"] == "shelling reported" and "changed_by" not in change
    early = actors["public"].get("/api/corridors/status-changes", **day, as_of=(T0 + timedelta(hours=1)).isoformat())
    assert early.json()["count"] == 0
    bad = actors["public"].get("/api/corridors/status-changes", since="2016-10-20T00:00:00")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"
