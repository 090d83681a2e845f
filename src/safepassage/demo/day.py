"""The illustrative operation of 20 October 2016 (Asia/Damascus), recorded through the apps' services.

Convoys at each stage of their lifecycle, crossing counts, service points, medical evacuations, incidents
and a hazard: so that every page and the bulletin of that day show content. Every record is illustrative.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from safepassage.accounts.models import Organisation, Party, User
from safepassage.convoys import services as convoys
from safepassage.convoys.models import Convoy
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal
from safepassage.corridors.models import Corridor
from safepassage.crossings import services as crossings
from safepassage.deconfliction import services as notices
from safepassage.deconfliction.selectors import current_for_convoy
from safepassage.incidents import services as incidents
from safepassage.incidents.models import Incident
from safepassage.places.models import Place, PlaceKind
from safepassage.servicepoints import services as points
from safepassage.servicepoints.models import ServicePoint

DAY = "2016-10-20"
TZ = ZoneInfo("Asia/Damascus")
NOTE = "Illustrative record of the demo scenario (20 October 2016), not an observation."
CARGO_ROUTE = "Sheikh Sa'eed cargo route"
UUIDS = uuid.UUID("5afe9a55-2016-1020-0000-000000000000")  # namespace of the day's client UUIDs


def at(hour: int, minute: int = 0) -> datetime:
    """A time on 20 October 2016, Asia/Damascus."""
    return datetime(2016, 10, 20, hour, minute, tzinfo=TZ)


def client_uuid(name: str) -> uuid.UUID:
    """A stable client UUID, so that loading again is a duplicate, never a second count."""
    return uuid.uuid5(UUIDS, name)


def acting(username: str, role: str, party: Party | None = None) -> Principal:
    """The demo account acting (its actions are audited as done via the demo loader)."""
    return Principal(user=User.objects.get(username=username), role=role, party_id=party.pk if party else None,
                     via="demo-loader")


def load_day(parties: dict[str, Party], by, log=print) -> None:
    """Record the operation of 20 October 2016; each part skips itself when already loaded."""
    if _cargo_route() is None:
        log("20 October 2016: the cargo route is not open in the pause of the day; no convoys loaded")
    else:
        _convoys(parties, by)
    _crossings(by)
    _service_points(by)
    _medevac(by)
    _incidents(by)
    log(f"20 October 2016 (illustrative): {Convoy.objects.filter(title__endswith='(illustrative)').count()} "
        f"convoys, crossings, service points, medical evacuations, incidents")


def _cargo_route() -> Corridor | None:
    """The scenario's cargo route, if it is open for the pause of the 20th (a scenario loaded before it was)."""
    return Corridor.objects.filter(name=CARGO_ROUTE, status="open", pauses__starts_at=at(8)).first()


# ---------------------------------------------------------------- convoys

MANIFEST = [
    {"item": "Wheat flour", "category": "food", "quantity": "400", "unit": "bag", "weight_kg": "20000"},
    {"item": "Trauma kits", "category": "medical", "quantity": "30", "unit": "kit", "weight_kg": "900"},
    {"item": "Blankets", "category": "shelter", "quantity": "1000", "unit": "piece", "weight_kg": "1500"},
]
# (title, last stage, departure hour, arrival hour)
CONVOYS = [
    ("Flour and medicines, convoy 1 (illustrative)", "delivered", 8, 11),
    ("Winter items, convoy 2 (illustrative)", "departed", 13, 16),
    ("Medical supplies, convoy 3 (illustrative)", "cleared", 15, 17),
    ("Food parcels, convoy 4 (illustrative)", "refused", 16, 17),
    ("Water and hygiene kits, convoy 5 (illustrative)", "planned", 16, 18),
]
STAGES = ["planned", "notified", "cleared", "departed", "delivered"]


def _ends(parties: dict[str, Party]) -> tuple[Place, Place]:
    """Origin (an area of party A) and destination (an area of party B in the pause) of the day's convoys."""
    def area(key: str) -> Place:
        return (Place.objects.filter(kind=PlaceKind.AREA, control_observations__party=parties[key])
                .order_by("name", "id").first())
    return area("A"), area("B")


def _convoys(parties: dict[str, Party], by) -> None:
    route = Corridor.objects.get(name=CARGO_ROUTE)
    origin, destination = _ends(parties)
    org = Organisation.objects.order_by("id").first()
    for i, (title, stage, dep, arr) in enumerate(CONVOYS):
        if not Convoy.objects.filter(title=title).exists():
            _convoy(i, title, stage, dep, arr, route=route, origin=origin, destination=destination, org=org,
                    parties=parties, by=by)


@transaction.atomic
def _convoy(i: int, title: str, stage: str, dep: int, arr: int, *, route, origin, destination, org, parties,
            by) -> None:
    """One convoy taken from its plan to its stage of the day."""
    convoy = convoys.create_convoy(
        title=title, organisation=org, origin=origin, destination=destination, corridor=route, notes=NOTE,
        planned_departure=at(dep), planned_arrival=at(arr), manifest=MANIFEST, by=by, at=at(5, 10 * i),
        vehicles=[{"plate": f"DEMO-{i + 1}{n}", "vehicle_type": "truck"} for n in range(3)])
    if stage == "planned":
        return
    convoys.notify_convoy(convoy_id=convoy.pk, deadline=at(dep - 1), party_ids=[parties["A"].pk, parties["B"].pk],
                          by=by, at=at(5, 30 + i))
    _answer(convoy, parties, refuse=stage == "refused", when=at(6, 10 * i))
    if stage == "refused":
        return
    _clear(convoy, route, discrepancy=stage == "delivered", when=at(dep - 1, 20))
    if stage == "cleared":
        return
    _move(convoy, route, dep, arr, deliver=stage == "delivered", by=by)


def _answer(convoy: Convoy, parties: dict[str, Party], *, refuse: bool, when: datetime) -> None:
    """Party A acknowledges; party B acknowledges too, or refuses with its reason."""
    n = current_for_convoy(convoy.pk)
    notices.respond(notification_id=n.pk, state="acknowledged", at=when,
                    by=acting("liaison_a", Role.PARTY_LIAISON, parties["A"]))
    liaison_b = acting("liaison_b", Role.PARTY_LIAISON, parties["B"])
    if refuse:
        notices.respond(notification_id=n.pk, state="refused", at=when + timedelta(minutes=5), by=liaison_b,
                        reason="Fighting reported on the route this afternoon; asks for another day (illustrative)")
    else:
        notices.respond(notification_id=n.pk, state="acknowledged", at=when + timedelta(minutes=5), by=liaison_b,
                        conditions="Through the Ramouseh inspection point only (illustrative)")


def _clear(convoy: Convoy, route: Corridor, *, discrepancy: bool, when: datetime) -> None:
    """Inspect the cargo at the route's checkpoint (no weapons), seal it and clear the convoy."""
    by = acting("field", Role.FIELD_OFFICER)
    lines = list(convoy.manifest.values_list("line_no", flat=True))
    found = [{"item": "Blankets", "expected": "1000 pieces", "found": "980 pieces"}] if discrepancy else []
    convoys.record_inspection(
        convoy_id=convoy.pk, result="cleared_with_remarks" if found else "cleared", no_weapons_attested=True,
        items_checked=lines, seals=[f"{convoy.reference}-S{n}" for n in range(1, 4)], at=when,
        checkpoint_id=route.checkpoints.order_by("id").first().pk, discrepancies=found,
        remarks="20 blankets short of the manifest (illustrative)" if found else "", by=by)
    convoys.set_status(convoy_id=convoy.pk, status="cleared", at=when + timedelta(minutes=10), by=by)


def _move(convoy: Convoy, route: Corridor, dep: int, arr: int, *, deliver: bool, by) -> None:
    """Depart, report positions along the route, and (for the first) arrive and deliver with a shortfall."""
    field = acting("field", Role.FIELD_OFFICER)
    convoys.set_status(convoy_id=convoy.pk, status="departed", at=at(dep, 5), by=field)
    coords = route.geometry["coordinates"]
    for k, (lon, lat) in enumerate(coords[:3]):
        convoys.record_position(convoy_id=convoy.pk, lon=lon, lat=lat, at=at(dep, 30 + 10 * k), by=field)
    if not deliver:
        convoys.record_incident(convoy_id=convoy.pk, kind="restriction_of_movement", at=at(dep, 45),
                                description="Held 40 minutes at a roadblock, then let through (illustrative)",
                                lon=coords[1][0], lat=coords[1][1], by=field)
        return
    convoys.set_status(convoy_id=convoy.pk, status="arrived", at=at(arr - 1, 30), by=field)
    convoys.check_seals(convoy_id=convoy.pk, at=at(arr - 1, 40), by=field,
                        found=[{"number": f"{convoy.reference}-S{n}", "intact": True} for n in range(1, 4)])
    received = {1: "400", 2: "30", 3: "980"}
    convoys.record_delivery(
        convoy_id=convoy.pk, received_by="Warehouse keeper of the receiving organisation (illustrative)",
        received_at=at(arr - 1, 50), remarks="20 blankets short, as found at inspection (illustrative)", by=field,
        lines=[{"line_no": n, "quantity_received": q} for n, q in received.items()])


# ---------------------------------------------------------------- crossings, service points, medevac

GROUP_SHARES = {"women": 0.3, "men": 0.2, "children": 0.4, "older_people": 0.1}


def _crossings(by) -> None:
    """Hourly counts at each open corridor's checkpoint, by group, within its open hours of the day."""
    # Not at the Hanano exit: the browser tests count their own arrivals there.
    hours = {"Castello Road corridor": range(8, 19), "Bustan al-Qasr crossing": range(8, 15)}
    for corridor in Corridor.objects.filter(name__in=hours).order_by("name"):
        for cp in corridor.checkpoints.order_by("id"):
            for h in hours[corridor.name]:
                people = 10 + (h * 7 + cp.pk) % 25
                counts = {g: round(people * share) for g, share in GROUP_SHARES.items()}
                counts["wounded"] = h % 3
                crossings.submit_crossing_count(
                    client_uuid=client_uuid(f"crossing {cp.name} {h}"), checkpoint_id=cp.pk, direction="out",
                    bucket_start=at(h), bucket_minutes=60, counts=counts, note=NOTE, by=by)


SERVICE_POINTS = [
    ("Castello Road meal station (illustrative)", "meal_station", "Castello Road corridor", 200),
    ("Hanano first-aid point (illustrative)", "first_aid", "Hanano exit", 40),
    ("Jibreen reception centre (illustrative)", "reception_centre", "Castello Road corridor", 120),
]


def _service_points(by) -> None:
    """Three points at the corridor exits: stock received and issued (one item runs out), people served by hour."""
    for name, kind, corridor_name, per_hour in SERVICE_POINTS:
        if ServicePoint.objects.filter(name=name).exists():
            continue
        _service_point(name, kind, Corridor.objects.get(name=corridor_name), per_hour, by)


@transaction.atomic
def _service_point(name: str, kind: str, corridor: Corridor, per_hour: int, by) -> None:
    place = Place.objects.filter(kind=PlaceKind.AREA, pauses__corridors=corridor).order_by("name", "id").first()
    point = points.create_service_point(name=name, kind=kind, place_id=place.pk, corridor_id=corridor.pk,
                                        capacity_per_hour=per_hour, capacity_per_day=per_hour * 12,
                                        opens_at=time(7, 0), closes_at=time(20, 0), notes=NOTE, by=by)
    item = {"meal_station": "meal", "first_aid": "dressing_pack", "reception_centre": "hygiene_kit"}[kind]
    points.record_stock(service_point_id=point.pk, item=item, kind="received", quantity=per_hour * 6,
                        reason="Delivered the evening before (illustrative)", at=at(6), by=by)
    points.record_stock(service_point_id=point.pk, item="infant_formula", kind="received", quantity=50,
                        reason="Delivered the evening before (illustrative)", at=at(6, 5), by=by)
    for h in range(8, 19):
        people = per_hour // 2 + (h * 13) % (per_hour // 2)
        points.record_people_served(service_point_id=point.pk, hour_start=at(h), people=people, by=by)
        points.record_stock(service_point_id=point.pk, item=item, kind="issued", quantity=people // 2,
                            reason="Issued in the hour (illustrative)", at=at(h, 59), by=by)
    points.record_stock(service_point_id=point.pk, item="infant_formula", kind="issued", quantity=50,
                        reason="All issued by the afternoon; restock requested (illustrative)", at=at(16), by=by)


MEDEVAC = [  # (age band, sex, triage, waiting at, moved at, then: handed over at)
    ("0-4", "female", "immediate", (9, 10), (10, 0), (11, 15)),
    ("18-59", "male", "urgent", (10, 20), (11, 30), (12, 40)),
    ("60+", "female", "urgent", (12, 5), (13, 0), None),
    ("12-17", "male", "delayed", (14, 30), None, None),
]


def _medevac(by) -> None:
    """Four cases through Castello Road: waiting, moved, handed over (no names: they are not demo data)."""
    corridor = Corridor.objects.get(name="Castello Road corridor")
    for n, (age, sex, triage, waiting, moved, handed) in enumerate(MEDEVAC):
        made = crossings.create_medevac_case(
            client_uuid=client_uuid(f"medevac {n}"), age_band=age, sex=sex, triage=triage,
            corridor_id=corridor.pk, condition_summary="Illustrative case of the demo", at=at(*waiting), by=by)
        if made.duplicate:
            continue
        for status, when in (("moved", moved), ("handed_over", handed)):
            if when:
                crossings.set_medevac_status(case_id=made.case.pk, status=status, at=at(*when), by=by)


# ---------------------------------------------------------------- incidents and a hazard

INCIDENTS = [
    ("Firing reported near the Bustan al-Qasr crossing (illustrative)", ["attack_on_corridor_users"],
     "Bustan al-Qasr crossing", (15, 10)),
    ("Suspected explosive remnants beside the Castello Road (illustrative)", ["access_mines_ied_uxo"],
     "Castello Road corridor", (9, 40)),
    ("Convoy held at a roadblock on the cargo route (illustrative)", ["access_restriction_of_movement"],
     CARGO_ROUTE, (13, 45)),
]


def _incidents(by) -> None:
    """Three incidents of the day; the roadblock one is verified and published, the others stay unverified."""
    for title, categories, corridor_name, when in INCIDENTS:
        if Incident.objects.filter(title=title).exists():
            continue
        corridor = Corridor.objects.get(name=corridor_name)
        lon, lat = corridor.geometry["coordinates"][1]
        incident = incidents.record_incident(
            title=title, categories=categories, description=NOTE, time_earliest=at(*when), time_precision="minute",
            geometry={"type": "Point", "coordinates": [lon, lat]}, location_precision_m=200,
            corridor_ids=[corridor.pk], by=by)
        if corridor_name == CARGO_ROUTE:
            _verify_and_publish(incident)


@transaction.atomic
def _verify_and_publish(incident: Incident) -> None:
    """The demo verifier checks the incident against the convoy's report and publishes it."""
    verifier = acting("verifier", Role.VERIFIER)
    source = incidents.add_source(incident_id=incident.pk, kind="agency", name="Convoy movement report (illustrative)",
                                  statement="The convoy was held 40 minutes at a roadblock (illustrative)",
                                  connection="reporter", by=verifier)
    incidents.take_for_review(incident_id=incident.pk, by=verifier)
    incidents.decide(incident_id=incident.pk, status="verified", source_ids=[source.pk], by=verifier,
                     note="Matches the convoy's position reports and its incident record (illustrative)")
    incidents.set_publication(incident_id=incident.pk, published=True, by=verifier)
