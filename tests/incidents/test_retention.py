"""Sources' identities are erased after the retention period; the source and its statement stay."""

from datetime import timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.cli import main
from safepassage.core.timeutil import now
from safepassage.incidents import services
from safepassage.incidents.models import Source
from tests.conftest import SYSTEM
from tests.incidents.test_sources import IDENTITY, _source

pytestmark = pytest.mark.django_db


def test_identities_older_than_the_retention_period_are_erased(actors, make_incident, capsys):
    inc = make_incident()
    old = _source(actors, inc["id"]).json()["id"]
    recent = _source(actors, inc["id"], name="witness 2").json()["id"]
    Source.objects.filter(pk=old).update(recorded_at=now() - timedelta(days=181))
    assert main(["jobs", "run", "source_identity_purge"]) == 0
    assert '"purged": 1' in capsys.readouterr().out
    assert Source.objects.get(pk=old).identity_enc == "" and Source.objects.get(pk=old).statement
    assert Source.objects.get(pk=recent).identity_enc
    entry = AuditEntry.objects.get(action="source.identity_purged")
    assert entry.after["source_ids"] == [old] and IDENTITY not in str(entry.after)
    assert services.purge_source_identities(by=SYSTEM) == []  # nothing left, no second entry
    assert AuditEntry.objects.filter(action="source.identity_purged").count() == 1


def test_the_retention_period_is_a_setting(actors, make_incident, monkeypatch):
    inc = make_incident()
    sid = _source(actors, inc["id"]).json()["id"]
    Source.objects.filter(pk=sid).update(recorded_at=now() - timedelta(days=10))
    assert services.purge_source_identities(by=SYSTEM) == []
    monkeypatch.setenv("SAFEPASSAGE_SOURCE_RETENTION_DAYS", "7")
    assert services.purge_source_identities(by=SYSTEM) == [sid]
    monkeypatch.setenv("SAFEPASSAGE_SOURCE_RETENTION_DAYS", "a week")
    with pytest.raises(Exception, match="SAFEPASSAGE_SOURCE_RETENTION_DAYS"):
        services.purge_source_identities(by=SYSTEM)
