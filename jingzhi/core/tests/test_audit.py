import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from jingzhi.core import audit
from jingzhi.core.models import AuditEvent
from jingzhi.core.testing import TestVerb

pytestmark = pytest.mark.django_db


def test_an_untouched_chain_verifies():
    _chain()
    assert audit.verify() is None


def _chain(n=5):
    for i in range(n):
        audit.record(
            actor=None, verb=TestVerb.THING_CHANGED, target=("demo.thing", i), old={"n": i}, new={"n": i + 1}
        )


def test_the_verify_command_prints_ok_with_the_count(capsys):
    _chain(3)
    call_command("audit", "verify")
    assert "OK：审计链完整，共 3 条记录" in capsys.readouterr().out


def test_a_row_edited_behind_our_back_is_named_by_verify(capsys):
    _chain()
    victim = AuditEvent.objects.order_by("id")[2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET new_values = %s WHERE id = %s", ['{"n": 999}', victim.pk]
        )
    broken = audit.verify()
    assert broken is not None and broken.pk == victim.pk
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"#{victim.pk}" in err and "thing.changed" in err and "demo.thing:2" in err


def test_a_deleted_row_breaks_the_chain_at_the_next_row():
    _chain()
    rows = list(AuditEvent.objects.order_by("id"))
    AuditEvent.objects.filter(pk=rows[1].pk).delete()
    assert audit.verify().pk == rows[2].pk


def test_values_are_stored_as_hashed_whatever_their_python_type():
    from datetime import date
    from decimal import Decimal

    audit.record(
        actor=None,
        verb=TestVerb.X,
        target=("t", 1),
        new={"when": date(2027, 1, 1), "amount": Decimal("1.50")},
        note="说明",
    )
    assert audit.verify() is None
    assert AuditEvent.objects.get().new_values == {"when": "2027-01-01", "amount": "1.50"}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_keep_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers by itself")
    threads, per_thread = 8, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record(actor=None, verb=TestVerb.RACE, target=("demo.thread", n), new={"i": i})
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    assert AuditEvent.objects.count() == threads * per_thread
    assert audit.verify() is None
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prevs)) == len(prevs)  # no two rows claim the same predecessor: no fork in the chain
