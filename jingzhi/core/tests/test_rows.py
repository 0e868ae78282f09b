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
