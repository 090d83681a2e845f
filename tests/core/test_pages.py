"""Server-rendered pages: claims shown as attributed statements, verification by verifiers only."""

import pytest

from safepassage.accounts.models import User
from safepassage.incidents import services
from safepassage.incidents.models import Claim
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(db):
    return services.record_claim(summary="A party alleges X.", quote="X happened", source_name="Agency",
                                 speaker="An official", published_note="date not given", by=SYSTEM)


def test_claims_page_shows_source_and_status(client, actors, claim):
    assert client.get("/claims/").status_code == 302
    client.force_login(User.objects.get(username="u_partner"))
    html = client.get("/claims/").content.decode()
    assert "Agency" in html and "An official" in html and "Unverified" in html.title()
    assert "Set status" not in html


def test_only_verifier_sets_status_with_a_note(client, actors, claim):
    client.force_login(User.objects.get(username="u_monitor"))
    assert client.post(f"/claims/{claim.pk}/verification", {"verification": "verified", "note": "x"}).status_code == 403
    client.force_login(User.objects.get(username="u_verifier"))
    assert client.post(f"/claims/{claim.pk}/verification", {"verification": "verified", "note": ""}).status_code == 400
    r = client.post(f"/claims/{claim.pk}/verification", {"verification": "pending_verification", "note": "asked"})
    assert r.status_code == 302
    assert Claim.objects.get().verification == "pending_verification"
    assert client.post("/claims/999999/verification", {"verification": "verified", "note": "x"}).status_code == 404


def test_new_claims_start_unverified_and_need_a_source(actors):
    r = actors["monitor"].post("/api/claims", {"summary": "s", "source_name": "", "published_note": "n"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "source_name"
    r = actors["monitor"].post("/api/claims", {"summary": "s", "source_name": "src", "published_on": "2016-10-13"})
    assert r.status_code == 201 and r.json()["verification"] == "unverified"
    no_date = actors["monitor"].post("/api/claims", {"summary": "s", "source_name": "src"})
    assert no_date.status_code == 422 and no_date.json()["errors"][0]["field"] == "published_on"
    assert actors["monitor"].post(f"/api/claims/{r.json()['id']}/verification",
                                  {"verification": "verified", "note": "x"}).status_code == 403
