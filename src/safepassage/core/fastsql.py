"""Hot-path inserts without the ORM's per-call SQL compilation.

`QuerySet.bulk_create` compiles its INSERT anew on every call, and prepares every value of every
row through several layers; for the count intake (a few rows per transaction, thousands of
transactions per minute) that was most of the time spent, ten times the database's own work.
`insert_rows` builds the statement once per model and row count, converts each value with the
field's own `get_db_prep_save` (so the stored values are exactly those the ORM would store),
and reads the new primary keys back with RETURNING, as `bulk_create` does on SQLite and
PostgreSQL.
"""

import functools
import sqlite3
import uuid
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model


@functools.lru_cache(maxsize=1024)
def _statement(model: type[Model], vendor: str, rows: int) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key or not f.auto_created)
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise TypeError(f"{meta.label}.{f.name}: auto_now fields are not supported by insert_rows")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)} "
           f"RETURNING {quote(meta.pk.column)}")
    return sql, fields


def insert_rows(objs: Sequence[Model]) -> None:
    """Insert new model instances of one model in one statement and set their primary keys.

    Equivalent to `Model.objects.bulk_create(objs)` for models without auto_now fields or
    multi-table inheritance; an IntegrityError leaves nothing inserted, as one statement.
    """
    if not objs:
        return
    model = type(objs[0])
    conn = connections[DEFAULT_DB_ALIAS]  # the thread's connection itself, not the proxy (looked up per use)
    _, fields = _statement(model, conn.vendor, 1)
    simple = _simple_fields(model, conn.vendor)
    size = max(1, conn.ops.bulk_batch_size(fields, objs))  # the database's limit on parameters
    pk = model._meta.pk.attname
    with conn.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start:start + size]
            sql, _ = _statement(model, conn.vendor, len(chunk))
            params = []
            for obj in chunk:
                for f, plain in zip(fields, simple, strict=True):
                    value = getattr(obj, f.attname)
                    # an int into an integer column, a str into a text column, a bool into a boolean
                    # column go to the driver as they are; anything else as the ORM prepares it
                    params.append(value if value is None or type(value) is plain
                                  else f.get_db_prep_save(value, conn))
            _execute(conn, cursor, sql, params)
            keys = cursor.fetchall()
            for obj, (key,) in zip(chunk, keys, strict=True):
                setattr(obj, pk, key)
                obj._state.adding = False
                obj._state.db = conn.alias


@functools.lru_cache(maxsize=2048)
def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")  # our statements hold no other "%"


def _execute(conn, cursor, sql: str, params: list) -> None:
    """Run a statement of this module; on SQLite, skip the backend's per-call placeholder rewrite.

    Django's SQLite cursor rewrites "%s" to "?" with a regular expression on every execute, which
    for a multi-row INSERT cost more than the insert. Errors are still translated to Django's
    (IntegrityError included); when queries are logged (DEBUG) or execute wrappers are installed
    the normal path is used.
    """
    if conn.vendor != "sqlite" or conn.queries_logged or conn.execute_wrappers:
        cursor.execute(sql, params)
        return
    conn.validate_no_broken_transaction()
    with conn.wrap_database_errors:
        sqlite3.Cursor.execute(cursor.cursor, _qmark(sql), params)


_PASS_THROUGH = {"AutoField": int, "BigAutoField": int, "BigIntegerField": int, "BooleanField": bool,
                 "CharField": str, "ForeignKey": int, "IntegerField": int, "PositiveBigIntegerField": int,
                 "PositiveIntegerField": int, "PositiveSmallIntegerField": int, "SmallIntegerField": int,
                 "TextField": str}


@functools.lru_cache(maxsize=64)
def _simple_fields(model: type[Model], vendor: str) -> tuple[type | None, ...]:
    """Per inserted field: the exact type of value the ORM would store unchanged (None: always prepare)."""
    _, fields = _statement(model, vendor, 1)
    return tuple(_PASS_THROUGH.get(f.get_internal_type()) for f in fields)


class CompiledLookup:
    """`Model.objects.filter(<field>__in=values)`, compiled to SQL once per database and list length.

    Returns model instances exactly as the ORM would build them (the same SQL, the same converters),
    without building and compiling the query again on every call.
    """

    def __init__(self, model: type[Model], field: str, *, for_update: bool = False):
        self.model, self.field_name, self.for_update = model, field, for_update
        self.field = model._meta.get_field(field)

    def _sentinel(self, i: int):
        internal = self.field.get_internal_type()
        if internal == "UUIDField":
            return uuid.UUID(int=(0xF00D << 96) + i)
        if internal in ("CharField", "TextField"):
            return f"\x00sentinel-{i}"
        return -(10**15) - i  # integer keys

    @functools.lru_cache(maxsize=256)  # noqa: B019 - a few instances live as long as the process
    def _compiled(self, vendor: str, n: int):
        sentinels = [self._sentinel(i) for i in range(n)]
        qs = self.model.objects.filter(**{f"{self.field_name}__in": sentinels}).order_by()
        if self.for_update:
            qs = qs.select_for_update()
        compiler = qs.query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        adapted = [self.field.get_db_prep_value(s, connection, prepared=False) for s in sentinels]
        positions = [list(params).index(a) for a in adapted]
        columns = [col for col, _, _ in compiler.select]
        converters = compiler.get_converters(columns)
        names = [col.target.attname for col in columns]
        return sql, list(params), positions, compiler, converters, names

    def fetch(self, values) -> list[Model]:
        values = list(dict.fromkeys(v for v in values if v is not None))
        if not values:
            return []
        conn = connections[DEFAULT_DB_ALIAS]
        sql, params, positions, compiler, converters, names = self._compiled(conn.vendor, len(values))
        params = list(params)
        for pos, value in zip(positions, values, strict=True):
            params[pos] = self.field.get_db_prep_value(value, conn, prepared=False)
        with conn.cursor() as cursor:
            _execute(conn, cursor, sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [self.model.from_db(conn.alias, names, tuple(row)) for row in rows]
