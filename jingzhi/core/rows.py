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

_columns: dict[tuple, tuple[list, str, bool]] = {}
_plans: dict[tuple, str] = {}

# How a column appears in a statement: a parameter, left out (its value is NULL, which the database writes
# when the column is not named), or written as a literal (its value is the field's constant default).
_PARAM, _OMIT, _INLINE = 0, 1, 2


def _columns_of(model: type, using: str, with_pk: bool) -> tuple[list, str, bool]:
    """Per model and database: for each column that `insert` may write, (field, whether it needs
    pre_save, how its value reaches the driver, whether a NULL may be left out, its constant default as
    (type, value, SQL literal) or None); the quoted table name; whether INSERT can RETURN."""
    connection = connections[using]
    key = (model, connection.vendor, with_pk)
    found = _columns.get(key)
    if found is None:
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
        columns = []
        for f in fields:
            convert = _save_converter(f, connection)
            # Django gives columns no database default (unless `db_default`): a column left out is NULL.
            omissible = f.db_default is models.NOT_PROVIDED and not f.primary_key
            constant = None
            # A text column without a default holds "" (`get_default`).
            default = (None if callable(f.default) else f.default) if f.has_default() else f.get_default()
            if convert is None and omissible and type(default) in (bool, int, str):
                text = literal(default, strict=False)
                constant = (type(default), default, text) if text is not None else None
            needs_pre_save = bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
            columns.append((f, needs_pre_save, convert, omissible, constant))
        qn = connection.ops.quote_name
        found = _columns[key] = (
            columns,
            qn(opts.db_table),
            connection.features.can_return_columns_from_insert,
        )
    return found


def _plan(model: type, using: str, extra_sql: str, with_pk: bool, shape: tuple) -> str:
    """The statement text for one shape (per column: parameter, left out, or its literal), built once."""
    connection = connections[using]
    key = (model, connection.vendor, extra_sql, with_pk, shape)
    sql = _plans.get(key)
    if sql is None:
        columns, table, returning = _columns_of(model, using, with_pk)
        qn = connection.ops.quote_name
        names, values = [], []
        for (field, _p, _c, _o, constant), how in zip(columns, shape, strict=True):
            if how == _OMIT:
                continue
            names.append(qn(field.column))
            values.append("%s" if how == _PARAM else constant[2])
        sql = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)})"
            if names
            else f"INSERT INTO {table} DEFAULT VALUES"
        )
        if returning:
            sql += f" RETURNING {qn(model._meta.pk.column)}" + (f", {extra_sql}" if extra_sql else "")
        elif extra_sql:
            raise NotImplementedError("this database cannot return values from an INSERT")
        _plans[key] = sql
    return sql


def literal(value, *, strict: bool = True) -> str | None:
    """`value` as SQL text both databases read alike: for constants of the code (a role, a state, a lock's
    number, a table's name) written into a statement rather than sent as parameters — psycopg quotes every
    parameter on every execution and re-parses a statement of more than 50 parameters each time. Whole
    numbers, booleans, and text without quotes, backslashes, percent signs or NUL. Anything else raises
    ValueError (`strict=False`: returns None)."""
    kind = type(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"  # SQLite reads them as 1 and 0, as it stores booleans
    if kind is int:
        return str(value)
    if kind is str and not any(c in value for c in "'\\%\0"):
        return f"'{value}'"
    if strict:
        raise ValueError(f"not a constant to write into SQL: {value!r}")
    return None


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

    Columns whose value is NULL are left out of the statement and columns holding their field's constant
    default (0, False, "") are written as literals: the statement names what the row holds, with fewer
    parameters, and keeps one text per kind of row (which columns are empty), which psycopg then parses
    once.

    Inside `together()` on PostgreSQL (and without `returning`) the statement is only queued: its key is
    set when the block ends."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    single = isinstance(returning, tuple)
    expressions = [returning] if single else list(returning or ())
    extra_sql = ", ".join(sql for sql, _params in expressions)
    with_pk = instance.pk is not None
    columns, _table, returns = _columns_of(model, using, with_pk)
    params = []
    shape = []
    for field, needs_pre_save, convert, omissible, constant in columns:
        value = field.pre_save(instance, True) if needs_pre_save else getattr(instance, field.attname)
        if value is None and omissible:
            shape.append(_OMIT)
        elif constant is not None and type(value) is constant[0] and value == constant[1]:
            shape.append(_INLINE)
        else:
            shape.append(_PARAM)
            params.append(value if convert is None or value is None else convert(value))
    sql = _plan(model, using, extra_sql, with_pk, tuple(shape))
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
    # The table's names are constants: written into the text, not sent as parameters.
    if connection.vendor == "postgresql":
        return f"nextval(pg_get_serial_sequence({literal(qn(table))}, {literal(pk)}))", []
    return (
        f"(SELECT MAX(COALESCE((SELECT MAX({qn(pk)}) FROM {qn(table)}), 0), "
        f"COALESCE((SELECT seq FROM sqlite_sequence WHERE name = {literal(table)}), 0)) + 1)",
        [],
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
