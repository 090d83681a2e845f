"""Shared fixtures for convoys and deconfliction: a cargo corridor, an agreed pause, a planned convoy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from safepassage.core.timeutil import now
from tests.conftest import SYSTEM

DAMASCUS = ZoneInfo("Asia/Damascus")
ROUTE = {"type": "LineString", "coordinates": [[37.12, 36.20], [37.15, 36.21], [37.17, 36.22]]}
MANIFEST = [
    {"item": "Wheat flour", "category": "food", "quantity": 400, "unit": "bag", "weight_kg": 20000},
    {"item": "Trauma kits", "category": "medical", "quantity": 50, "unit": "kit", "weight_kg": 750.5},
    {"item": "Water purification tablets", "category": "wash", "quantity": "12000", "unit": "piece",
     "weight_kg": "120"},
]
VEHICLES = [
    {"plate": "ALP-1001", "vehicle_type": "truck", "markings": "white, blue emblem", "driver_names": ["Driver One"]},
    {"plate": "ALP-1002", "vehicle_type": "truck", "markings": "white, blue emblem", "driver_names": ["Driver Two"]},
]


def local(day: datetime, hh: int, mm: int = 0) -> datetime:
    return day.replace(hour=hh, minute=mm, second=0, microsecond=0)


@dataclass
class Scene:
    day: datetime  # local midnight of the operation day (Damascus), three days ahead
    corridor: object
    origin: object
    destination: object
    organisation: object
    pause: object
    parties: dict

    def at(self, hh: int, mm: int = 0) -> datetime:
        return local(self.day, hh, mm)

    @property
    def deadline(self) -> datetime:
        return self.day - timedelta(hours=4)  # 20:00 the evening before

    def convoy_body(self, **over) -> dict:
        body = {
            "title": "Flour and trauma kits to the eastern districts", "organisation_id": self.organisation.pk,
            "origin_id": self.origin.pk, "destination_id": self.destination.pk,
            "destination_note": "meal station 3", "corridor_id": self.corridor.pk,
            "planned_departure": self.at(8).isoformat(), "planned_arrival": self.at(12).isoformat(),
            "vehicles": VEHICLES, "manifest": MANIFEST,
        }
        body.update(over)
        return body


@pytest.fixture
def scene(db, parties):
    from safepassage.accounts import services as accounts
    from safepassage.corridors import services as corridors
    from safepassage.pauses import services as pauses
    from safepassage.places import services as places

    day = (now().astimezone(DAMASCUS) + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    corridor = corridors.create_corridor(
        name="Cargo corridor", geometry=ROUTE, direction="in", eligible_groups=["humanitarian_cargo", "civilians"],
        opens_at=time(6, 0), closes_at=time(18, 0), by=SYSTEM)
    corridors.set_corridor_status(corridor_id=corridor.pk, status="open", reason="agreed by the parties", by=SYSTEM)
    corridor.refresh_from_db()
    origin = places.create_place(kind="site", name="Warehouse West", geometry={"type": "Point",
                                 "coordinates": [37.12, 36.20]}, by=SYSTEM)
    destination = places.create_place(kind="site", name="Distribution point East", name_ar="نقطة توزيع شرقية",
                                      geometry={"type": "Point", "coordinates": [37.17, 36.22]}, by=SYSTEM)
    org = accounts.create_organisation(name="Humanitarian Logistics Cell", acronym="HLC", by=SYSTEM)
    pause = pauses.create_pause(title="Pause for the convoy", starts_at=local(day, 7), ends_at=local(day, 15),
                                place_ids=[], corridor_ids=[corridor.pk],
                                party_ids=[parties["A"].pk, parties["B"].pk], by=SYSTEM)
    for p in parties.values():
        pauses.respond_to_pause(pause_id=pause.pk, party_id=p.pk, state="accepted", note="by radio", by=SYSTEM)
    pauses.set_pause_status(pause_id=pause.pk, status="agreed", by=SYSTEM)
    return Scene(day=day, corridor=corridor, origin=origin, destination=destination, organisation=org,
                 pause=pause, parties=parties)


def the_day_has_come(scene: Scene) -> None:
    """The operation day arrives: the agreed pause and the corridor's hours now cover the present.

    The scene's pause is three days ahead so that a convoy can be planned and notified in time; a
    movement is checked at the time it happens, so tests that move the convoy "now" first shift the
    pause window and the corridor's hours to contain the present, as the passing days would.
    """
    from django.db.models import F

    from safepassage.corridors.models import Corridor, CorridorStatusChange
    from safepassage.pauses.models import Pause

    start, end = now() - timedelta(hours=1), now() + timedelta(hours=7)
    # the corridor was opened (at the fixture's "now") before the pause began, as it would have been
    CorridorStatusChange.objects.filter(corridor_id=scene.corridor.pk).update(at=F("at") - timedelta(hours=3))
    Pause.objects.filter(pk=scene.pause.pk).update(starts_at=start, ends_at=end)
    tz = ZoneInfo(scene.corridor.timezone)
    hours = {"opens_at": start.astimezone(tz).time().replace(second=0, microsecond=0),
             "closes_at": end.astimezone(tz).time().replace(second=0, microsecond=0)}
    Corridor.objects.filter(pk=scene.corridor.pk).update(**hours)
    scene.pause.refresh_from_db()
    scene.corridor.refresh_from_db()


@pytest.fixture
def convoy(scene, coordinator):
    r = coordinator.post("/api/convoys", scene.convoy_body())
    assert r.status_code == 201, r.content
    return r.json()
