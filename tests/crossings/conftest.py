"""A corridor open since 1 Oct 2016, 08:00-17:00 UTC, outward, for civilians and the wounded and sick."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from tests.conftest import LINE, SYSTEM

OPENED = datetime(2016, 10, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def open_corridor(db):
    from safepassage.corridors import services

    corridor = services.create_corridor(name="Castello road", geometry=LINE, direction="out",
                                        eligible_groups=["civilians", "wounded_sick"], opens_at=time(8, 0),
                                        closes_at=time(17, 0), timezone="UTC", by=SYSTEM,
                                        at=datetime(2016, 9, 30, tzinfo=UTC))
    services.set_corridor_status(corridor_id=corridor.pk, status="open", reason="agreed", by=SYSTEM, at=OPENED)
    corridor.refresh_from_db()
    return corridor


@pytest.fixture
def checkpoint(open_corridor):
    from safepassage.corridors import services

    return services.add_checkpoint(corridor=open_corridor, name="Castello CP", lon=37.17, lat=36.25, by=SYSTEM)
