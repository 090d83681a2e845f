"""Database settings derived from the environment."""

from safepassage import settings


def test_database_url_selects_postgresql_with_a_test_database_per_checkout(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example:5432/ops")
    config = settings._database_config()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"]) == ("db.example", "ops")
    assert config["TEST"]["NAME"].startswith("test_safepassage_")


def test_without_database_url_sqlite_runs_in_wal_mode(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = settings._database_config()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
