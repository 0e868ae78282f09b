"""Many rows into one table at once: the write path of bulk actions (a hotline import of 100,000 orders),
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

from collections.abc import Callable, Iterable, Sequence

from django.db import connection, models

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
    if target.get_internal_type() in _PLAIN and not field.is_relation:
        return None
    if field.is_relation and target.get_internal_type() in _PLAIN:
        return None
    # The same value object over and over (a batch's one timestamp) is converted once.
    last: list = [object(), None]

    def convert(value):
        if value is last[0]:
            return last[1]
        out = None if value is None else field.get_db_prep_save(value, connection)
        last[0], last[1] = value, out
        return out

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
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence], *, returning: bool = True
) -> list[int]:
    """Insert `rows` (tuples of attribute values in `fields` order) into `model`'s table; the new primary
    keys in row order when `returning` (else []). Must run inside the caller's transaction."""
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
    converters = [(i, c) for i, c in ((i, _converter(f)) for i, f in enumerate(columns)) if c is not None]

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
