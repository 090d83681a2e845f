"""The /agreements/ page: public, the tally at a chosen moment beside the claims, histories, translated."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from safepassage.agreements import services
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(make_community, sign, parties):
    a = sign(make_community("Qudsaya"), "2016-10-13", name="Qudsaya settlement", parties=[(parties["A"], "party")])
    services.set_agreement_status(agreement_id=a.pk, status="in_force", valid_from="2016-10-14", source="monitor",
                                  by=SYSTEM)
    sign(make_community("Al-Hamah"), datetime(2016, 10, 20, 6, 0, tzinfo=UTC), name="Al-Hamah truce")
    services.record_claimed_tally(party=parties["A"], claimed=783, as_of="2016-10-20", source="briefing",
                                  quote="783 populated areas", by=SYSTEM)


def test_public_page_shows_tally_at_the_moment_beside_claims(registry):
    r = Client().get("/agreements/", {"at": "2016-10-20T12:00"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="signed-total">2<' in html and 'data-testid="signed-24h">1<' in html
    assert 'data-testid="in-force">1<' in html
    assert "<td>783</td><td>1</td>" in html.replace("\n", "").replace("  ", "")  # claimed beside recorded
    assert "Qudsaya settlement" in html and "2016-10-13 00:00" in html  # signed at 00:00 Damascus time
    assert "Population: 1000 (test census)" in html.replace("\n", " ").replace("         ", " ")
    earlier = Client().get("/agreements/", {"at": "2016-10-13T12:00"}).content.decode()
    assert 'data-testid="signed-total">1<' in earlier and "No claimed figures up to this moment." in earlier
    assert "Al-Hamah truce" not in earlier  # the registry as it stood: later agreements are not listed


def test_page_in_arabic_and_bad_moment(registry):
    c = Client()
    c.cookies["django_language"] = "ar"
    html = c.get("/agreements/").content.decode()
    assert 'dir="rtl"' in html and "الاتفاقات المحلية" in html
    bad = Client().get("/agreements/", {"at": "tomorrow"})
    assert bad.status_code == 200 and "Unreadable date and time" in bad.content.decode()
