"""Hand-written INSERTs for the hot write paths, one module for both databases (SQLite ≥ 3.35 and PostgreSQL):
`insert` for one row in hand, `insert_rows` for many rows of one table at once.

## One row: `insert`

One hand-written INSERT for a row in hand: the hot write paths (a resident's report: the case, its
timeline event, its audit row, its notices job) without the ORM's save machinery.

`insert(instance)` writes every concrete column of an unsaved model instance with one prepared
`INSERT … RETURNING id` (the statement text built once per model and database), converts each value the way
the field's `get_db_prep_save` does (JSON, dates and times for either database), and sets the instance's
primary key and state as `save()` would. The same function runs on SQLite (≥ 3.35, RETURNING) and
PostgreSQL. What it leaves out is what these rows do not use: model signals (none is sent: use it only for tables that
no receiver listens to — the case, its events, audit rows, jobs; domain flow goes through hooks),
`save()` overrides, and file fields (refused). Constraint violations raise IntegrityError exactly as
`save()` would.

`returning` adds one more expression to the RETURNING list (SQL and its parameters), whose value is
returned: a way to read something in the same round trip as the write.

## Many rows: `insert_rows`

Many rows into one table at once: the write path of bulk actions (a hotline import of 100,000 orders),
one function for SQLite and PostgreSQL.

`bulk_create` costs more in Python than the database spends storing the rows: it builds a model instance per
row and asks every field of every instance to prepare its value. Here the caller gives rows as tuples of
attribute values (what the instances would hold; `defaults_of()` gives a fresh instance's defaults), fields
that need a conversion to reach the database (dates and times, JSON, decimals) are converted by the field
itself (`get_db_prep_save`, as `bulk_create` does), the others go to the driver as they are. When the
caller needs the new primary keys they are taken first (`reserve_ids`: from the table's sequence on
PostgreSQL, after the table's highest id under SQLite's single writer) and written with the rows, in row
order. The rows then go in by the database's bulk form: `COPY … FROM STDIN` on PostgreSQL (a multi-row
INSERT costs the client seven times as much for the same rows: psycopg binds each of its tens of thousands
of parameters), `executemany` of one prepared INSERT on SQLite. No rules here; callers are actions, inside
their transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router
from django.db.models import FileField
from django.db.models.fields import AutoFieldMixin

_plans: dict[tuple, tuple[str, list, bool]] = {}


def _plan(model: type, using: str, extra_sql: str, with_pk: bool = False) -> tuple[str, list, bool]:
    connection = connections[using]
    key = (model, connection.vendor, extra_sql, with_pk)
    plan = _plans.get(key)
    if plan is None:
        opts = model._meta
        # Every concrete column but an auto-incremented key, which the database assigns (unless the caller
        # took the key beforehand, `next_id_returning`).
        fields = [
            f
            for f in opts.concrete_fields
            if with_pk or not (f.primary_key and isinstance(f, AutoFieldMixin))
        ]
        for field in fields:
            if isinstance(field, FileField):
                raise TypeError(f"rows.insert does not write file fields ({opts.label}.{field.name})")
        qn = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            qn(opts.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
        )
        returning = connection.features.can_return_columns_from_insert
        if returning:
            sql += f" RETURNING {qn(opts.pk.column)}" + (f", {extra_sql}" if extra_sql else "")
        elif extra_sql:
            raise NotImplementedError("this database cannot return values from an INSERT")
        # Per field: does it need pre_save (auto_now), and how its value reaches the driver (None: as it is).
        prepared = [
            (
                f,
                bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)),
                _save_converter(f, connection),
            )
            for f in fields
        ]
        plan = _plans[key] = (sql, prepared, returning)
    return plan


def _save_converter(field, connection) -> Callable | None:
    """None when the field's Python value goes to the driver as it is (the field's `get_db_prep_save` would
    return it unchanged: text, numbers, booleans, keys), else `get_db_prep_save` bound to the connection."""
    target = field.target_field if field.is_relation else field
    if target.get_internal_type() in _PLAIN and type(field).get_db_prep_save is models.Field.get_db_prep_save:
        return None

    def convert(value):
        return field.get_db_prep_save(value, connection)

    return convert


def insert(
    instance,
    *,
    using: str | None = None,
    returning: tuple[str, list] | list[tuple[str, list]] | None = None,
) -> Any:
    """INSERT `instance` (unsaved) in one statement; sets its pk (written as given when the caller set it,
    e.g. from `next_id_returning`). Returns the value of the `returning` expression when one (SQL,
    parameters) pair is given, a list of values when a list of pairs is, else None.

    Inside `together()` on PostgreSQL (and without `returning`) the statement is only queued: its key is
    set when the block ends."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    single = isinstance(returning, tuple)
    expressions = [returning] if single else list(returning or ())
    extra_sql = ", ".join(sql for sql, _params in expressions)
    sql, fields, returns = _plan(model, using, extra_sql, instance.pk is not None)
    params = []
    for field, needs_pre_save, convert in fields:
        value = field.pre_save(instance, True) if needs_pre_save else getattr(instance, field.attname)
        params.append(value if convert is None or value is None else convert(value))
    for _sql, extra_params in expressions:
        params.extend(extra_params)
    instance._state.adding = False
    instance._state.db = using
    pending = getattr(connection, "_rows_pending", None)
    if pending is not None and returns and not expressions:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        pending.append((cursor, instance))  # its key arrives with the block's one round trip
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returns:
            row = cursor.fetchone()
            pk, extra = row[0], list(row[1:])
        else:
            pk, extra = (
                connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column),
                [],
            )
    instance.pk = pk
    if single:
        return extra[0]
    return extra if expressions else None


@contextmanager
def together(using: str | None = None):
    """Statements run inside the block reach PostgreSQL together, in one round trip when the block ends
    (psycopg's pipeline mode; the transaction's BEGIN too when it opens inside): for a write path's rows
    whose results nobody reads before the end. `insert` of such rows sets their keys when the block ends;
    a statement executed by hand has its result read after the block. An error in any statement is raised
    at the end (as Django's database errors) and fails the transaction. On SQLite, which has no round
    trips, statements run one by one as they come: the same statements, in the same order."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or getattr(connection, "_rows_pending", None) is not None:
        yield
        return
    connection.ensure_connection()
    pending: list = []
    connection._rows_pending = pending
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            yield
        for cursor, instance in pending:
            instance.pk = cursor.fetchone()[0]
    finally:
        connection._rows_pending = None
        for cursor, _instance in pending:
            cursor.close()


def next_id_returning(model: type[models.Model]) -> tuple[str, list]:
    """An expression (SQL, parameters) for an earlier statement's RETURNING list giving a new primary key
    of `model`'s table, never handed out again: the caller writes its row with that key later in the same
    transaction (`insert` of an instance whose pk is set), so rows that refer to it need not wait for its
    INSERT. PostgreSQL: the table's sequence. SQLite: one past the highest key ever given (the
    transaction's write lock keeps other writers out until commit)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        return "nextval(pg_get_serial_sequence(%s, %s))", [qn(table), pk]
    return (
        f"(SELECT MAX(COALESCE((SELECT MAX({qn(pk)}) FROM {qn(table)}), 0), "
        "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0)) + 1)",
        [table],
    )


# Field types whose Python values reach the driver unchanged (str, int, float, bool, None).
_PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "FloatField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def defaults_of(model: type[models.Model], **values) -> dict:
    """Attribute values a new instance of `model` holds (field defaults, then `values`), by attname."""
    instance = model(**values)
    return {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}


def _converter(field: models.Field) -> Callable | None:
    target = field.target_field if field.is_relation else field
    if target.get_internal_type() in _PLAIN:
        return None
    if isinstance(field, models.JSONField):
        # The text `get_db_prep_save` stores on SQLite; PostgreSQL reads the same text into jsonb.
        encoder = field.encoder

        def dump(value):
            return None if value is None else json.dumps(value, cls=encoder)

        return dump
    # Many rows share a value (a batch's one timestamp, a category's one deadline): converted once each.
    seen: dict = {}

    def convert(value):
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            if len(seen) > 10_000:
                seen.clear()
            out = seen[value] = field.get_db_prep_save(value, connection)
            return out
        except TypeError:  # not hashable
            return field.get_db_prep_save(value, connection)

    return convert


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model`'s table, in increasing order, never handed out again. Must run
    inside the caller's transaction (on SQLite its write lock keeps other writers out until commit)."""
    if count <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(pk)}) FROM {connection.ops.quote_name(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone():  # AUTOINCREMENT tables never reuse an id, even a deleted row's
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    returning: bool = True,
    as_stored: bool = False,
) -> list[int]:
    """Insert `rows` (tuples of attribute values in `fields` order) into `model`'s table; the new primary
    keys in row order when `returning` (else []). Must run inside the caller's transaction. `as_stored`:
    the values already are what the database stores (text, integers, exact decimal text, None) and are
    sent as they are, without the fields' conversions (a month of 考核 figures: 395,388 rows)."""
    meta = model._meta
    rows = list(rows)
    if not rows:
        return []
    ids: list[int] = []
    if returning:
        ids = reserve_ids(model, len(rows))
        fields = (meta.pk.attname, *fields)
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    columns = [meta.get_field(name) for name in fields]
    converters = (
        []
        if as_stored
        else [(i, c) for i, c in ((i, _converter(f)) for i, f in enumerate(columns)) if c is not None]
    )

    def prepared():
        for row in rows:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
            yield row

    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = ", ".join(quote(f.column) for f in columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in prepared():
                copy.write_row(row)
    else:
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared())
    return ids
