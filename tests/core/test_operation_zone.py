"""The operation's time zone is one setting: defaults of corridors, service points and the day's totals follow it."""

from datetime import time

import pytest
from django.test import override_settings

from safepassage.core.timeutil import operation_zone
from tests.conftest import LINE, SYSTEM

pytestmark = pytest.mark.django_db


def test_the_default_is_damascus():
    assert operation_zone().key == "Asia/Damascus"


@override_settings(OPERATION_TIME_ZONE="Africa/Khartoum")
def test_defaults_follow_the_setting(actors):
    from safepassage.corridors import services

    corridor = services.create_corridor(name="C", geometry=LINE, direction="out", eligible_groups=["civilians"],
                                        opens_at=time(6, 0), closes_at=time(18, 0), by=SYSTEM)
    assert corridor.timezone == "Africa/Khartoum"
    r = actors["coordinator"].get("/api/crossings/summary")
    assert r.status_code == 200 and r.json()["tz"] == "Africa/Khartoum"
    r = actors["coordinator"].get("/api/crossings/summary", tz="Asia/Damascus")
    assert r.json()["tz"] == "Asia/Damascus"  # a caller may still ask for another zone
