"""`core.rows.insert`, the hand-written INSERT of the hot write paths: what it writes reads back as the ORM
writes it (JSON, times, nulls, defaults) on either database, and a unique clash is an IntegrityError that
leaves the transaction usable after its savepoint, as `save()` does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from jingzhi.core import clock, rows
from jingzhi.core.models import Holiday, OutboxJob

pytestmark = pytest.mark.django_db


def _fields(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields if f.attname != "id"}


def test_a_row_written_by_insert_reads_back_like_one_the_orm_wrote():
    now = clock.now()
    values = dict(
        task="jingzhi.cases.tasks.notify_case_opened",
        args=[12, "二"],
        kwargs={"opened": {"community_code": "110101", "category_id": None}, "n": 1.5},
        run_after=now + timedelta(minutes=3),
        created_at=now,
        max_attempts=3,
    )
    ours, theirs = OutboxJob(**values), OutboxJob.objects.create(**values)
    assert rows.insert(ours) is None
    assert ours.pk is not None and ours.pk != theirs.pk and not ours._state.adding
    read = OutboxJob.objects.get(pk=ours.pk)
    assert _fields(read) == _fields(OutboxJob.objects.get(pk=theirs.pk))
    assert read.kwargs["opened"]["community_code"] == "110101" and read.last_attempt_at is None
    assert read.state == OutboxJob.PENDING and read.queue == "default"  # model defaults


def test_a_unique_clash_raises_integrity_error_and_the_transaction_goes_on():
    rows.insert(Holiday(date=date(2026, 10, 1), name="国庆节"))
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.insert(Holiday(date=date(2026, 10, 1), name="again"))
        rows.insert(Holiday(date=date(2026, 10, 2), name="国庆节"))
    assert list(Holiday.objects.order_by("date").values_list("name", flat=True)) == ["国庆节", "国庆节"]


def test_returning_reads_one_more_value_in_the_same_statement():
    row = OutboxJob(task="t", run_after=clock.now(), created_at=clock.now())
    assert rows.insert(row, returning=("%s", [41])) in (41, "41")


def test_nulls_are_left_out_and_constant_defaults_written_as_literals_reading_back_the_same():
    """Issue 16: psycopg quotes every parameter on every execution and re-parses a statement of more than
    50 parameters each time, so `insert` names only the columns that hold something and writes a field's
    constant default (0, False, "") into the text; the row reads back as the ORM writes it."""
    from django.db import connection

    seen = []

    def note(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    now = clock.now()
    ours = OutboxJob(task="t", args=[1], run_after=now, created_at=now, last_error="")
    with connection.execute_wrapper(note):
        rows.insert(ours)
    theirs = OutboxJob.objects.create(task="t", args=[1], run_after=now, created_at=now, last_error="")
    assert _fields(OutboxJob.objects.get(pk=ours.pk)) == _fields(OutboxJob.objects.get(pk=theirs.pk))
    ((sql, params),) = seen
    assert "last_attempt_at" not in sql and "finished_at" not in sql  # NULL: left out
    assert '"attempts"' in sql and "max_attempts" in sql and "last_error" in sql  # literals
    assert '"queue"' in sql and '"state"' in sql  # text defaults ("default", "pending"): literals too
    assert len(params) == 5  # task, args, kwargs, run_after, created_at: the rest is in the text
    # A value other than the default is a parameter; the text differs (one text per kind of row).
    other = OutboxJob(task="t", run_after=now, created_at=now, attempts=2)
    seen.clear()
    with connection.execute_wrapper(note):
        rows.insert(other)
    assert seen[0][0] != sql and 2 in seen[0][1]
    assert OutboxJob.objects.get(pk=other.pk).attempts == 2


def test_literal_writes_only_constants_both_databases_read_alike():
    assert rows.literal(True) == "TRUE" and rows.literal(False) == "FALSE"
    assert rows.literal(7) == "7" and rows.literal("inspector") == "'inspector'"
    for bad in ("it's", "a\\b", "50%", 1.5, None, b"x"):
        with pytest.raises(ValueError):
            rows.literal(bad)
    assert rows.literal("it's", strict=False) is None
