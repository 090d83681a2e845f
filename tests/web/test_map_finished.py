"""The map, finished (issue #17 item 8): hours, the shared moment, pause labels, areas in pauses, party names."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from safepassage.corridors import services as corridor_services
from tests.conftest import LINE, SYSTEM

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 12:00 in Damascus
NIGHT = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 22:00 in Damascus


def drawn(actors, at: datetime) -> dict[str, tuple[str, str, bool]]:
    """Corridor name -> (status, drawn_as, open_now) on the map at `at`."""
    body = actors["public"].get("/api/map/layers", at=at.isoformat()).json()
    return {f["properties"]["name"]: (f["properties"]["status"], f["properties"]["drawn_as"],
                                      f["properties"]["open_now"]) for f in body["corridors"]["features"]}


def test_an_open_corridor_outside_its_hours_is_not_drawn_open(actors):
    c = corridor_services.create_corridor(name="Day corridor", geometry=LINE, direction="out",
                                          eligible_groups=["civilians"], opens_at=time(8), closes_at=time(17),
                                          by=SYSTEM, at=datetime(2026, 3, 1, tzinfo=UTC))
    corridor_services.set_corridor_status(corridor_id=c.pk, status="open", reason="agreed", by=SYSTEM,
                                          at=datetime(2026, 3, 1, 1, tzinfo=UTC))
    assert drawn(actors, NOON)["Day corridor"] == ("open", "open", True)
    assert drawn(actors, NIGHT)["Day corridor"] == ("open", "outside_hours", False)
