"""The database itself refuses UPDATE, DELETE and TRUNCATE on audit entries (triggers)."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

TABLE = "audit_auditentry"
MESSAGE = "the audit log is append-only"

_SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"]

_PG_CREATE = [
    f"""CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$""",
    f"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    f"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
]
_PG_DROP = [f"DROP TRIGGER IF EXISTS audit_no_change ON {TABLE}", f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE}"]


def _run(statements: list[str], conn=None) -> None:
    with (conn or connection).cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(conn=None) -> None:
    """Create the triggers (idempotent)."""
    vendor = (conn or connection).vendor
    if vendor == "postgresql":
        _run(_PG_DROP + _PG_CREATE, conn)
    elif vendor == "sqlite":
        _run(_SQLITE_CREATE, conn)


def remove(conn=None) -> None:
    """Drop the triggers."""
    vendor = (conn or connection).vendor
    _run(_PG_DROP if vendor == "postgresql" else _SQLITE_DROP if vendor == "sqlite" else [], conn)


@contextmanager
def unguarded(conn=None):
    """Let the block change audit rows: for wiping a test database, never for the product."""
    remove(conn)
    try:
        yield
    finally:
        install(conn)
