"""Hot-path statements without the ORM's per-call SQL compilation, and with fewer round trips.

`QuerySet.bulk_create` compiles its INSERT anew on every call, and prepares every value of every
row through several layers; for the count intake (a few rows per transaction, thousands of
transactions per minute) that was most of the time spent, ten times the database's own work.
`insert_rows` builds the statement once per model and row count, converts each value with the
field's own `get_db_prep_save` (so the stored values are exactly those the ORM would store),
and reads the new primary keys back with RETURNING, as `bulk_create` does on SQLite and
PostgreSQL. `CompiledLookup` does the same for `filter(<field>__in=…)`.

Statements that do not depend on each other's results can be sent together (`run_together`): on
PostgreSQL in one round trip (psycopg's pipeline mode). While a transaction holds the database's
write turn, every round trip is time the other writers wait; and each one costs a request thread
a wake-up and a wait for the interpreter lock.
"""

import contextlib
import functools
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router
from django.db.models import Field, Model, Q, signals
from django.db.models.base import ModelState

Statement = tuple[str, Sequence]


@functools.lru_cache(maxsize=1024)
def _statement(model: type[Model], vendor: str, rows: int, key: str | None = None) -> tuple[str, tuple]:
    """The INSERT of `rows` rows; with `key`, rows clashing on any unique constraint are skipped."""
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key or not f.auto_created)
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise TypeError(f"{meta.label}.{f.name}: auto_now fields are not supported by insert_rows")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = quote(meta.pk.column)
    if key is not None:
        returning = f"{returning}, {quote(meta.get_field(key).column)}"
    skip = " ON CONFLICT DO NOTHING" if key is not None else ""
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}{skip} "
           f"RETURNING {returning}")
    return sql, fields


@dataclass
class PlannedInsert:
    """The statements inserting some instances; `apply` reads their results back into the instances."""

    statements: list[Statement]
    chunks: list[Sequence[Model]]
    key: Field | None

    def apply(self, results: Sequence[list[tuple]]) -> list[Model]:
        """Set the primary keys of the inserted instances; return them (with `key`: skipped ones left out)."""
        conn = connections[DEFAULT_DB_ALIAS]
        inserted: list[Model] = []
        for chunk, rows in zip(self.chunks, results, strict=True):
            if not chunk:
                continue
            pk = chunk[0]._meta.pk.attname
            if self.key is None:
                pairs = zip(chunk, rows, strict=True)
            else:  # skipped rows return nothing: match the returned keys (as the database returns them)
                by_key = {row[1]: row for row in rows}
                pairs = ((obj, by_key.get(self.key.get_db_prep_save(getattr(obj, self.key.attname), conn)))
                         for obj in chunk)
            for obj, row in pairs:
                if row is None:
                    continue
                setattr(obj, pk, row[0])
                obj._state.adding = False
                obj._state.db = conn.alias
                inserted.append(obj)
        return inserted


def plan_insert(objs: Sequence[Model], *, key: str | None = None) -> PlannedInsert:
    """The INSERT statements for new instances of one model (see `insert_rows`, `insert_new_rows`)."""
    if not objs:
        return PlannedInsert([], [], None)
    model = type(objs[0])
    conn = connections[DEFAULT_DB_ALIAS]  # the thread's connection itself, not the proxy (looked up per use)
    _, fields = _statement(model, conn.vendor, 1)
    simple = _simple_fields(model, conn.vendor)
    aware = _aware_datetime(conn)
    size = max(1, conn.ops.bulk_batch_size(fields, objs))  # the database's limit on parameters
    planned = PlannedInsert([], [], model._meta.get_field(key) if key is not None else None)
    for start in range(0, len(objs), size):
        chunk = objs[start:start + size]
        sql, _ = _statement(model, conn.vendor, len(chunk), key)
        params = []
        for obj in chunk:
            for f, plain in zip(fields, simple, strict=True):
                value = getattr(obj, f.attname)
                # an int into an integer column, a str into a text column, a bool into a boolean
                # column go to the driver as they are, an aware datetime as the backend adapts it;
                # anything else as the ORM prepares it
                if value is None or type(value) is plain:
                    params.append(value)
                elif plain is _AWARE and type(value) is datetime and value.utcoffset() is not None:
                    params.append(aware(value))
                else:
                    params.append(f.get_db_prep_save(value, conn))
        planned.statements.append((sql, params))
        planned.chunks.append(chunk)
    return planned


def insert_rows(objs: Sequence[Model]) -> None:
    """Insert new model instances of one model in one statement and set their primary keys.

    Equivalent to `Model.objects.bulk_create(objs)` for models without auto_now fields or
    multi-table inheritance; an IntegrityError leaves nothing inserted, as one statement.
    """
    planned = plan_insert(objs)
    planned.apply(run_together(planned.statements))


def insert_new_rows(objs: Sequence[Model], *, key: str) -> list[Model]:
    """Insert the instances that clash with no stored row on any unique constraint; return those inserted.

    `INSERT … ON CONFLICT DO NOTHING`: a clash is skipped instead of failing the statement (and with
    it the transaction), so no savepoint is needed to survive one. `key` names a unique field, by
    which the inserted rows are told apart; skipped instances keep `pk` None. Other errors (a check
    constraint, a NULL) still raise. Instances repeating a `key` within `objs` are refused.
    """
    if len({getattr(o, key) for o in objs}) != len(objs):
        raise ValueError(f"insert_new_rows: {key} repeats within the rows")
    planned = plan_insert(objs, key=key)
    return planned.apply(run_together(planned.statements))


@functools.lru_cache(maxsize=64)
def _constructor(model: type[Model]) -> tuple[tuple[str, str | None, Field], ...]:
    """Per concrete field, in order: its attribute, the name of its relation (if any), the field."""
    return tuple((f.attname, f.name if f.is_relation else None, f) for f in model._meta.concrete_fields)


@functools.lru_cache(maxsize=64)
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(attname for attname, _, _ in _constructor(model))


def new_instance(model: type[Model], **values) -> Model:
    """`model(**values)` for the hot path: the same instance, built without the keyword handling.

    `Model.__init__` with keywords pops, checks and assigns each field through its descriptor; with
    every field given in order it only sets the attributes (5 % fewer instructions per intake batch,
    benchmarks/bench_intake_work.py). Values
    are keyed by field name or attribute name (`checkpoint` or `checkpoint_id`); a related object
    given by name is cached on the instance, as the descriptor would; a missing field takes its default.
    """
    args, related = [], []
    for attname, relation, field in _constructor(model):
        if relation is not None and relation in values:
            obj = values.pop(relation)
            if obj is not None and not isinstance(obj, field.remote_field.model._meta.concrete_model):
                raise ValueError(f"{model.__name__}.{relation} must be a "
                                 f"{field.remote_field.model._meta.object_name} instance, not {obj!r}")
            related.append((field, obj))
            args.append(None if obj is None else getattr(obj, field.target_field.attname))
        elif attname in values:
            args.append(values.pop(attname))
        else:
            args.append(field.get_default())
    if values:
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(sorted(values))}")
    if (model.__init__ is not Model.__init__ or signals.pre_init.has_listeners(model)
            or signals.post_init.has_listeners(model)):
        instance = model(*args)
    else:
        # What `Model.__init__` does with every field given in order, for a model without an __init__
        # of its own and with no pre/post_init listener:
        # a fresh state and each value set (a foreign key's `*_id` descriptor on a fresh instance
        # only stores the value).
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update(zip(_attnames(model), args, strict=True))
    for field, obj in related:
        field.set_cached_value(instance, obj)
        if obj is not None and instance._state.db is None:  # as the descriptor does
            instance._state.db = router.db_for_write(model, instance=obj)
    return instance


def _placeholders(sql: str, mark) -> str:
    """Each `%s` replaced by `mark(n)` (n counted from 1) and each `%%` by `%`, as Django's cursors do."""
    out, n = [], 0
    for part in re.split(r"(%s|%%)", sql):
        if part == "%s":
            n += 1
            out.append(mark(n))
        else:
            out.append("%" if part == "%%" else part)
    return "".join(out)


@functools.lru_cache(maxsize=2048)
def _qmark(sql: str) -> str:
    """For sqlite3: `?` placeholders."""
    return _placeholders(sql, lambda n: "?")


@functools.lru_cache(maxsize=2048)
def _numbered(sql: str) -> str:
    """For psycopg's raw cursor: PostgreSQL's `$1, $2, …` placeholders."""
    return _placeholders(sql, lambda n: f"${n}")


def _plain(conn) -> bool:
    """Whether statements may go to the driver directly (not when Django must see them: DEBUG, wrappers)."""
    return not (conn.queries_logged or conn.execute_wrappers) and conn.vendor in ("sqlite", "postgresql")


def run(sql: str, params: Sequence, conn=None) -> list[tuple]:
    """Execute one statement with `%s` placeholders in the current transaction; its rows, if any.

    For the hot path: the backend's per-call statement rewriting is skipped. Django's SQLite cursor
    rewrites "%s" to "?" with a regular expression on every execute, and psycopg parses every
    statement over 4 kB (a multi-row INSERT) on every execute; both cost more than the database's
    own work. Here each statement is rewritten once (cached) and run by the driver as it is:
    `?` for sqlite3, `$n` through psycopg's raw cursor (same connection, transaction and adapters).
    Errors are still translated to Django's (IntegrityError included) and a broken transaction is
    still refused; when queries are logged (DEBUG) or execute wrappers are installed, Django's own
    cursor is used, so they see every statement.
    """
    return run_together([(sql, params)], conn)[0]


def run_together(statements: Sequence[Statement], conn=None) -> list[list[tuple]]:
    """Execute statements in order, in the current transaction; the rows of each (see `run`).

    On PostgreSQL they are sent in one round trip (pipeline mode); the first error is raised, and
    the transaction is then aborted, as after any failed statement. Only for statements that do not
    need each other's results. Statements held for the commit (`run_at_commit`) go first.
    """
    conn = conn or connections[DEFAULT_DB_ALIAS]
    held = _take_held()
    if held:
        return run_together([*held, *statements], conn)[len(held):]
    if not statements:
        return []
    if not _plain(conn):
        out = []
        with conn.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                out.append(cursor.fetchall() if cursor.description else [])
        return out
    conn.close_if_health_check_failed()  # what Django's cursor() does first (CONN_HEALTH_CHECKS)
    conn.ensure_connection()
    conn.validate_thread_sharing()
    conn.validate_no_broken_transaction()
    with conn.wrap_database_errors:
        if conn.vendor == "sqlite":
            out = []
            for sql, params in statements:
                cursor = sqlite3.Cursor(conn.connection)
                cursor.execute(_qmark(sql), params)
                out.append(cursor.fetchall() if cursor.description else [])
            return out
        pg = conn.connection
        begins = not pg.autocommit and pg.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        if len(statements) == 1 and not begins:  # (a pipeline sends the transaction's BEGIN along)
            return [_rows(_execute(pg, *statements[0]))]
        with pg.pipeline():
            cursors = [_execute(pg, sql, params) for sql, params in statements]
        return [_rows(cursor) for cursor in cursors]


class EachRun(str):
    """A statement PostgreSQL plans for its values on each run: never prepared (see `cached_plans`)."""

    __slots__ = ()


def _execute(pg: psycopg.Connection, sql: str, params: Sequence) -> psycopg.RawCursor:
    cursor = psycopg.RawCursor(pg)
    cursor.execute(_numbered(sql), params, prepare=False if type(sql) is EachRun else None)
    return cursor


# --- plans ------------------------------------------------------------------------------------------------

_CACHED_PLANS = ("SELECT set_config('plan_cache_mode', 'auto', true)", [])  # until the transaction ends


def _custom_plans_by_default(conn) -> bool:
    """Whether the connection plans every run of a prepared statement anew (settings.py's startup option)."""
    return conn.vendor == "postgresql" and "plan_cache_mode=force_custom_plan" in str(
        conn.settings_dict.get("OPTIONS", {}).get("options", ""))


def cached_plans(conn=None) -> None:
    """From the current PostgreSQL transaction's next statement through this module to its end,
    prepared statements may use the plans PostgreSQL caches (`plan_cache_mode=auto`, its default),
    foreign-key checks included (ORM statements sent before that keep planning each run).

    The connection otherwise plans every run of a prepared statement for its values (settings.py): a
    generic plan made while a table was small is kept as it grows. A transaction that calls this must
    send its statements on a table that grows as `EachRun` (`CompiledLookup(plan_each_run=True)`,
    `run(EachRun(sql), …)`); any other statement may get a generic plan. The count intake's write
    turn does (groupcommit.serialised_writes): planning each run was a third of the database's work
    in the turn, the serial section of the server. Inside `with_commit`, the setting goes with the
    transaction's next statement, without a round trip of its own.
    """
    conn = conn or connections[DEFAULT_DB_ALIAS]
    if conn.in_atomic_block and _custom_plans_by_default(conn) and _plain(conn):  # (Django's cursor prepares all)
        run_at_commit([_CACHED_PLANS], conn)


# --- writes sent with the commit ------------------------------------------------------------------------

_tail = threading.local()  # .held: the statements waiting for this thread's commit (None: no tail open)


def _take_held() -> list[Statement]:
    held = getattr(_tail, "held", None)
    if not held:
        return []
    _tail.held = []
    return held


def run_at_commit(statements: Sequence[Statement], conn=None) -> None:
    """Execute writes whose results nobody reads; inside `with_commit`, in the commit's round trip.

    Outside such a block they run now. Inside it they wait: the next statement run through this
    module sends them first (so the transaction still reads its own writes through it), or else the
    commit does. A read through the ORM does not send them: use this only for rows that the rest of
    the transaction reads through this module, if at all (the audit entries and the chain's head).
    """
    held = getattr(_tail, "held", None)
    if held is None or any((conn or connections[DEFAULT_DB_ALIAS]).savepoint_ids):
        run_together(statements, conn)  # (inside a savepoint: its rollback must take them along)
    else:
        held.extend(statements)


@contextlib.contextmanager
def with_commit(conn=None) -> Iterator[None]:
    """Around the body of an outermost PostgreSQL transaction: statements held by `run_at_commit` go
    with its COMMIT, in one round trip, which commits the transaction on leaving the block.

    The write turn (`groupcommit.serialised_writes`) is the server's serial section, and on a busy
    machine each of its round trips costs about a millisecond of waiting for a CPU and for the
    interpreter lock. Django's commit that follows (leaving `atomic`) finds nothing left to commit;
    its on-commit hooks still run after it. On an error, or when the transaction is marked for
    rollback, the held statements are dropped and the transaction rolls back as usual. Elsewhere
    (SQLite, not directly in the outermost `atomic`, inside a savepoint, or when Django must see every
    statement) nothing is held back. A held write that fails fails the commit, and so the whole
    transaction (the group commit then runs each item of the batch again on its own).
    """
    conn = conn or connections[DEFAULT_DB_ALIAS]
    outermost = len(conn.atomic_blocks) == 1 and not any(conn.savepoint_ids)
    if conn.vendor != "postgresql" or getattr(_tail, "held", None) is not None or not outermost:
        yield
        return
    _tail.held = []
    conn.savepoint = functools.partial(_savepoint_after_held, conn, conn.savepoint)  # this block only
    try:
        yield
        held = _take_held()
        _tail.held = None
        if held and not conn.needs_rollback:
            if _plain(conn):
                _send_and_commit(conn, held)
            else:
                run_together(held, conn)
    finally:
        _tail.held = None
        del conn.savepoint  # the class's own again


def _savepoint_after_held(conn, savepoint: Callable[[], str]) -> str:
    """A savepoint starts after the held writes: its rollback must not take them along."""
    held = _take_held()
    if held:
        run_together(held, conn)
    return savepoint()


def _send_and_commit(conn, statements: list[Statement]) -> None:
    conn.validate_no_broken_transaction()
    with conn.wrap_database_errors:
        pg = conn.connection
        with pg.pipeline():
            for sql, params in statements:
                _execute(pg, sql, params)
            pg.commit()  # queued in the pipeline: sent with the statements, answered at its end


def _rows(cursor: psycopg.RawCursor) -> list[tuple]:
    # Asked of the result's status, not of `cursor.description`, which builds a Column per column.
    result = cursor.pgresult
    return cursor.fetchall() if result is not None and result.status == psycopg.pq.ExecStatus.TUPLES_OK else []


_PASS_THROUGH = {"AutoField": int, "BigAutoField": int, "BigIntegerField": int, "BooleanField": bool,
                 "CharField": str, "ForeignKey": int, "IntegerField": int, "PositiveBigIntegerField": int,
                 "PositiveIntegerField": int, "PositiveSmallIntegerField": int, "SmallIntegerField": int,
                 "TextField": str}


@functools.lru_cache(maxsize=64)
def _simple_fields(model: type[Model], vendor: str) -> tuple[type | None, ...]:
    """Per inserted field: the exact type of value the ORM would store unchanged (None: always prepare;
    `_AWARE` for a DateTimeField: an aware datetime goes through `_aware_datetime`)."""
    _, fields = _statement(model, vendor, 1)
    return tuple(_AWARE if type(f) is models.DateTimeField else _PASS_THROUGH.get(f.get_internal_type())
                 for f in fields)


class _AWARE:  # noqa: N801 - a marker, never instantiated
    """In `_simple_fields`: a DateTimeField."""


def _aware_datetime(conn) -> Callable[[datetime], Any]:
    """An aware datetime as `DateTimeField.get_db_prep_save` prepares it for this connection.

    PostgreSQL's driver takes it as it is; SQLite stores the naive time in the connection's zone as
    text (`DatabaseOperations.adapt_datetimefield_value` with USE_TZ). Anything else: the ORM's way.
    """
    if conn.vendor == "postgresql":
        return lambda value: value
    if conn.vendor == "sqlite" and settings.USE_TZ:
        zone = conn.timezone
        return lambda value: str(value.astimezone(zone).replace(tzinfo=None))
    field = models.DateTimeField()
    return lambda value: field.get_db_prep_save(value, conn)


def _target(model: type[Model], path: str) -> Field:
    """The field a lookup path ends on: `corridor_id`, or across relations, `checkpoints__id`."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model
    field = model._meta.get_field(last)
    return field.target_field if field.is_relation and not field.auto_created else field


class CompiledLookup:
    """`Model.objects.filter(<path>__in=values)`, compiled to SQL once per database and list length.

    A path may cross relations (`checkpoints__id`: rows related to any of those ids; a row related
    to several comes once). With several paths, `filter(Q(<p1>__in=values) | Q(<p2>__in=values) …)`:
    the rows matching the values in any of them (the paths must end on the same type). Returns model
    instances exactly as the ORM would build them (the same SQL, the same converters), without
    building and compiling the query again on every call.

    `for_update` locks the rows read (`SELECT … FOR UPDATE`); `key_share`, on PostgreSQL, takes the
    lock a foreign key to them takes at commit (`FOR KEY SHARE`: their deletion or key change waits,
    their other updates do not), so that a writer can take it early, in its own lock order.
    `plan_each_run`: the statement is never prepared, so that PostgreSQL plans each run for the table
    as it is then (for a table that grows; see `cached_plans`).
    """

    def __init__(self, model: type[Model], *paths: str, for_update: bool = False, key_share: bool = False,
                 plan_each_run: bool = False):
        if not paths:
            raise TypeError("CompiledLookup needs at least one field")
        if for_update and key_share:
            raise TypeError("CompiledLookup: for_update or key_share, not both")
        self.model, self.paths, self.for_update, self.key_share = model, paths, for_update, key_share
        self.plan_each_run = plan_each_run
        targets = [_target(model, p) for p in paths]
        if len({f.get_internal_type() for f in targets}) != 1:
            raise TypeError("CompiledLookup: the fields must hold the same type")
        self.field = targets[0]

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
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{path}__in": sentinels})
        qs = self.model.objects.filter(condition).order_by()
        if self.for_update:
            qs = qs.select_for_update()
        compiler = qs.query.get_compiler(connection.alias)
        sql, params = compiler.as_sql()
        if self.key_share and connection.vendor == "postgresql":
            sql += " FOR KEY SHARE"
        adapted = {self.field.get_db_prep_value(s, connection, prepared=False): i for i, s in enumerate(sentinels)}
        slots = [(pos, adapted[p]) for pos, p in enumerate(params) if p in adapted]  # (parameter, value)
        if len(slots) != n * len(self.paths):
            raise RuntimeError(f"CompiledLookup: could not place the values in {sql}")  # pragma: no cover
        columns = [col for col, _, _ in compiler.select]
        converters = compiler.get_converters(columns)
        names = [col.target.attname for col in columns]
        return sql, list(params), slots, compiler, converters, names

    def statement(self, values) -> Statement | None:
        """The SELECT for these values (None when there is none to look for)."""
        values = list(dict.fromkeys(v for v in values if v is not None))
        if not values:
            return None
        conn = connections[DEFAULT_DB_ALIAS]
        sql, params, slots, *_ = self._compiled(conn.vendor, len(values))
        params = list(params)
        prepared = [self.field.get_db_prep_value(value, conn, prepared=False) for value in values]
        for pos, i in slots:
            params[pos] = prepared[i]
        return (EachRun(sql) if self.plan_each_run else sql), params

    def instances(self, rows: list[tuple], statement: Statement | None) -> list[Model]:
        """The model instances of the rows that `statement` returned (each row once)."""
        if statement is None:
            return []
        conn = connections[DEFAULT_DB_ALIAS]
        *_, compiler, converters, names = self._compiled(conn.vendor, 1)  # the same columns for any length
        if converters:
            rows = compiler.apply_converters(rows, converters)
        if len(self.paths) > 1 or any("__" in p for p in self.paths):  # ORs and joins may repeat a row
            pk = names.index(self.model._meta.pk.attname)
            rows = list({row[pk]: row for row in map(tuple, rows)}.values())
        return [self.model.from_db(conn.alias, names, tuple(row)) for row in rows]

    def fetch(self, values) -> list[Model]:
        statement = self.statement(values)
        if statement is None:
            return []
        return self.instances(run(*statement), statement)


def fetch_together(*lookups: tuple[CompiledLookup, Iterable]) -> list:
    """Several `CompiledLookup.fetch`es that do not depend on each other, in one round trip (`run_together`).

    Any object with the same two methods may take part: `statement(values)` (None: nothing to read)
    and `instances(rows, statement)`, whose answer is returned in its place.
    """
    statements = [lookup.statement(values) for lookup, values in lookups]
    results = iter(run_together([s for s in statements if s is not None]))
    return [lookup.instances(next(results) if s is not None else [], s)
            for (lookup, _), s in zip(lookups, statements, strict=True)]
