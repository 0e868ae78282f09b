"""One hand-written INSERT for a row in hand: the hot write paths (a resident's report: the case, its
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
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models import FileField
from django.db.models.fields import AutoFieldMixin

_plans: dict[tuple[type, str, str], tuple[str, list, bool]] = {}


def _plan(model: type, using: str, extra_sql: str) -> tuple[str, list, bool]:
    connection = connections[using]
    key = (model, connection.vendor, extra_sql)
    plan = _plans.get(key)
    if plan is None:
        opts = model._meta
        # Every concrete column but an auto-incremented key, which the database assigns.
        fields = [f for f in opts.concrete_fields if not (f.primary_key and isinstance(f, AutoFieldMixin))]
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
        prepared = [
            (f, bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))) for f in fields
        ]
        plan = _plans[key] = (sql, prepared, returning)
    return plan


def insert(instance, *, using: str | None = None, returning: tuple[str, list] | None = None) -> Any:
    """INSERT `instance` (unsaved, primary key unset) in one statement; sets its pk. Returns the value of
    the `returning` expression when one is given, else None."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    extra_sql, extra_params = returning or ("", [])
    sql, fields, returns = _plan(model, using, extra_sql)
    params = [
        field.get_db_prep_save(
            field.pre_save(instance, True) if needs_pre_save else getattr(instance, field.attname),
            connection,
        )
        for field, needs_pre_save in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + list(extra_params))
        if returns:
            row = cursor.fetchone()
            pk, extra = row[0], (row[1] if len(row) > 1 else None)
        else:
            pk, extra = (
                connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column),
                None,
            )
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    return extra
