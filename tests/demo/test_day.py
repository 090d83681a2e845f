"""The demo's 20 October 2016: every bulletin section has content, every figure traces to its records."""

from __future__ import annotations

import pytest

from tests.conftest import Api

pytestmark = pytest.mark.django_db
DAY, TZ = "2016-10-20", "Asia/Damascus"


@pytest.fixture
def demo(db, settings, tmp_path):
    """The demo scenario without its damage points (they are not part of the day)."""
    settings.DATA_DIR = tmp_path
    from safepassage.demo.loader import load_demo

    return load_demo(log=lambda m: None, damage_sample=0)


def _api(username: str | None) -> Api:
    from safepassage.accounts import services
    from safepassage.accounts.models import User
    from safepassage.core.principal import principal_for_user
    from tests.conftest import SYSTEM

    if username is None:
        return Api(None)
    user = User.objects.get(username=username)
    return Api(services.issue_token(user=user, by=SYSTEM), principal_for_user(user, via="token"))


def _follow(api: Api, link: str) -> dict:
    r = api.client.get(f"{link}&limit=1")
    assert r.status_code == 200, (link, r.content)
    return r.json()


def _check_bulletin(api: Api) -> dict:
    r = api.get(f"/api/bulletins/{DAY}", tz=TZ)
    assert r.status_code == 200, r.content
    b = r.json()
    for section in b["sections"]:
        assert any(f["value"] for f in section["figures"]), (b["audience"], section["key"], section["figures"])
        for f in section["figures"]:
            if f["records"] is not None:
                page = _follow(api, f["records"])
                assert (page["sum"] if f["sum_of"] else page["count"]) == f["value"], f["key"]
    return b


def test_each_section_of_the_day_has_figures_that_trace_to_their_records(demo):
    internal = _check_bulletin(_api("coordinator"))
    assert internal["audience"] == "internal"
    assert _check_bulletin(_api(None))["audience"] == "public"
    figures = {f["key"]: f for s in internal["sections"] for f in s["figures"]}
    assert figures["convoys.planned"]["value"] == 5
    assert figures["convoys.delivered"]["value"] == 1
    assert figures["convoys.discrepancies"]["value"] == 1
    monitor = {f["key"]: f for s in _check_bulletin(_api("monitor"))["sections"] for f in s["figures"]}
    assert monitor["medevac.handed_over"]["value"] == 2  # a count for all staff
    assert monitor["medevac.handed_over"]["records"] is None  # the cases: for those who coordinate or treat them
    assert figures["medevac.handed_over"]["records"]

def test_the_day_is_loaded_once(demo):
    from safepassage.convoys.models import Convoy
    from safepassage.crossings.models import CrossingCount, MedevacCase
    from safepassage.deconfliction.models import Acknowledgement
    from safepassage.demo.loader import load_demo
    from safepassage.servicepoints.models import PeopleServed

    models = (Convoy, CrossingCount, MedevacCase, Acknowledgement, PeopleServed)
    before = [m.objects.count() for m in models]
    load_demo(log=lambda m: None, damage_sample=0)
    assert [m.objects.count() for m in models] == before
    refused = Acknowledgement.objects.get(state="refused")
    assert refused.reason and refused.party.short_name == "Party B"


def test_answers_and_claims_carry_the_day_and_appear_in_its_bulletin(demo):
    """Loaded today, the demo's pause answers, pause lifecycle and claims are stamped on 20 October 2016."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from safepassage.incidents.models import Claim
    from safepassage.pauses.models import PauseResponse, PauseStatusChange

    zone, day = ZoneInfo(TZ), date.fromisoformat(DAY)
    answered = PauseResponse.objects.exclude(at=None)
    stamps = [r.at for r in answered] + list(PauseStatusChange.objects.values_list("at", flat=True)) + list(
        Claim.objects.values_list("recorded_at", flat=True))
    assert answered.count() >= 3 and Claim.objects.count() >= 5
    assert {s.astimezone(zone).date() for s in stamps} == {day}
    b = _api("coordinator").get(f"/api/bulletins/{DAY}", tz=TZ).json()
    assert b["illustrative"] is True  # the page, PDF and Markdown say so
    sections = {s["key"]: s for s in b["sections"]}
    claims = next(f for f in sections["incidents"]["figures"] if f["key"] == "incidents.claims")
    assert claims["value"] == Claim.objects.count()
    responses = [r for p in sections["pauses"]["details"] for r in p["responses"] if r["at"]]
    in_day = answered.filter(pause__starts_at__lt=datetime(2016, 10, 21, tzinfo=zone))  # the extension: the 21st
    assert len(responses) == in_day.count() >= 2 and all(r["at"].startswith(DAY) for r in responses)
