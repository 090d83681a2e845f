"""Drivers' names are erased after the retention period; the convoy and its vehicles stay."""

from datetime import timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.cli import main
from safepassage.convoys import services
from safepassage.convoys.models import ConvoyStatusChange, Vehicle
from safepassage.core.errors import InvalidInput
from safepassage.core.timeutil import now
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def _abort(coordinator, convoy, *, days_ago: int):
    r = coordinator.post(f"/api/convoys/{convoy['id']}/status",
                         {"status": "aborted", "reason": "the pause collapsed", "version": convoy["version"]})
    assert r.status_code == 200, r.content
    ConvoyStatusChange.objects.filter(convoy_id=convoy["id"], status="aborted").update(
        at=now() - timedelta(days=days_ago))


def test_names_of_ended_journeys_are_erased_after_the_retention_period(coordinator, convoy, capsys):
    _abort(coordinator, convoy, days_ago=31)
    assert main(["jobs", "run", "driver_names_purge"]) == 0
    assert '"purged": 1' in capsys.readouterr().out
    vehicles = Vehicle.objects.filter(convoy_id=convoy["id"])
    assert vehicles.count() == 2 and all(v.driver_names == [] for v in vehicles)
    entry = AuditEntry.objects.get(action="convoy.driver_names_purged")
    assert entry.after["references"] == [convoy["reference"]] and entry.after["retention_days"] == 30
    assert "Driver One" not in str(entry.after)
    assert services.purge_driver_names(by=SYSTEM) == []  # nothing left: no second entry
    assert AuditEntry.objects.filter(action="convoy.driver_names_purged").count() == 1


def test_recent_and_ongoing_journeys_keep_their_drivers(coordinator, convoy, monkeypatch):
    assert services.purge_driver_names(older_than_days=0, by=SYSTEM) == []  # still planned: no journey ended
    _abort(coordinator, convoy, days_ago=5)
    assert services.purge_driver_names(by=SYSTEM) == []
    monkeypatch.setenv("SAFEPASSAGE_DRIVER_RETENTION_DAYS", "3")
    assert services.purge_driver_names(by=SYSTEM) == [convoy["reference"]]


def test_a_bad_retention_setting_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("SAFEPASSAGE_DRIVER_RETENTION_DAYS", "thirty")
    with pytest.raises(InvalidInput, match="SAFEPASSAGE_DRIVER_RETENTION_DAYS"):
        services.purge_driver_names(by=SYSTEM)
    with pytest.raises(InvalidInput):
        services.purge_driver_names(older_than_days=-1, by=SYSTEM)
