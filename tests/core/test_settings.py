"""Database settings derived from the environment."""

import pytest

from safepassage import settings


@pytest.mark.parametrize("env, threshold", [(None, 5), ("off", None), ("on", 5)])
def test_postgresql_prepares_statements_unless_told_not_to(monkeypatch, env, threshold):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example:5432/ops")
    if env is None:
        monkeypatch.delenv("SAFEPASSAGE_PG_PREPARE", raising=False)
    else:
        monkeypatch.setenv("SAFEPASSAGE_PG_PREPARE", env)
    options = settings._database_config()["OPTIONS"]
    assert options["prepare_threshold"] == threshold
    assert options["server_side_binding"] is True
