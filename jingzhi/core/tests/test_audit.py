import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from jingzhi.core import audit
from jingzhi.core.models import AuditEvent
from jingzhi.core.testing import TestVerb

pytestmark = pytest.mark.django_db

KEY_A, KEY_B = "a" * 64, "b" * 64


@pytest.fixture(autouse=True)
def audit_key(settings, tmp_path):
    """Every test here seals with a known key and anchors into its own directory."""
    settings.JINGZHI_AUDIT_KEY = KEY_A
    settings.JINGZHI_AUDIT_OLD_KEYS = []
    settings.JINGZHI_AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")
    return settings


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


# --- keyed chain, anchors, truncation, rewriting, rotation --------------------------------------------------


def _kinds():
    findings, _count, _anchor = audit.check()
    return [(f.kind, f.row.pk if f.row else None) for f in findings]


def _rewrite_from(start_pk, *, key_id=None, edit=None):
    """What someone with write access to the database but without the key can do: edit a row, then
    recompute every hash from there on (plain SHA-256; optionally relabelled as v1 rows)."""
    rows = list(AuditEvent.objects.order_by("id"))
    prev = audit.GENESIS
    for row in rows:
        if row.pk >= start_pk:
            if row.pk == start_pk and edit:
                edit(row)
            if key_id is not None:
                row.key_id = key_id
            row.prev_hash = prev
            row.hash = audit.row_hash(
                prev,
                created_at=row.created_at,
                actor_id=row.actor_id,
                actor_label=row.actor_label,
                verb=row.verb,
                target_type=row.target_type,
                target_id=row.target_id,
                old_values=row.old_values,
                new_values=row.new_values,
                note=row.note,
            )
            AuditEvent.objects.filter(pk=row.pk).update(
                prev_hash=row.prev_hash, hash=row.hash, key_id=row.key_id, new_values=row.new_values
            )
        prev = row.hash


def test_rows_are_sealed_with_the_key_and_name_it_but_not_hold_it():
    _chain(2)
    ids = set(AuditEvent.objects.values_list("key_id", flat=True))
    assert ids == {audit.key_id_of(KEY_A)} and KEY_A not in str(ids)
    assert audit.verify() is None and _kinds() == []


def test_the_anchor_is_a_signed_line_in_the_directory_and_a_log_line(audit_key, caplog, capsys):
    import json
    import logging
    from pathlib import Path

    _chain(3)
    with caplog.at_level(logging.INFO, logger="jingzhi.audit.anchor"):
        call_command("audit", "anchor")
    head = AuditEvent.objects.order_by("-id").first()
    line = json.loads(
        (Path(audit_key.JINGZHI_AUDIT_ANCHOR_DIR) / "anchors.jsonl").read_text().splitlines()[-1]
    )
    assert (line["seq"], line["hash"], line["key"]) == (head.pk, head.hash, audit.key_id_of(KEY_A))
    assert len(line["sig"]) == 64
    assert any(r.name == "jingzhi.audit.anchor" and str(head.pk) in r.getMessage() for r in caplog.records)
    assert f"#{head.pk}" in capsys.readouterr().out
    call_command("audit", "verify")
    assert "与检查点" in capsys.readouterr().out


def test_deleting_the_last_rows_is_reported_as_truncation(capsys):
    _chain(5)
    audit.anchor()
    rows = list(AuditEvent.objects.order_by("id"))
    AuditEvent.objects.filter(pk__in=[rows[3].pk, rows[4].pk]).delete()
    assert audit.verify() is None  # the chain alone cannot see it: that is what the anchor is for
    assert _kinds() == [("truncated", None)]
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "截断" in err and f"#{rows[4].pk}" in err and f"#{rows[2].pk}" in err


def test_an_edited_row_with_every_later_hash_recomputed_unkeyed_is_named():
    _chain(5)
    audit.anchor()
    victim = AuditEvent.objects.order_by("id")[1]

    def edit(row):
        row.new_values = {"n": 999}

    _rewrite_from(victim.pk, edit=edit)
    assert audit.verify().pk == victim.pk
    assert _kinds() == [("rewritten", victim.pk), ("anchor_mismatch", AuditEvent.objects.latest("id").pk)]


def test_a_rewrite_relabelled_as_unkeyed_v1_rows_is_named_too(capsys):
    _chain(5)
    victim = AuditEvent.objects.order_by("id")[2]
    _rewrite_from(victim.pk, key_id=audit.V1, edit=lambda row: setattr(row, "new_values", {"n": 0}))
    assert _kinds() == [("downgraded", victim.pk)]
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert f"记录 #{victim.pk}" in capsys.readouterr().err


def test_the_whole_chain_rewritten_unkeyed_is_caught_by_the_anchor():
    _chain(4)
    audit.anchor()
    first = AuditEvent.objects.order_by("id").first()
    _rewrite_from(first.pk, key_id=audit.V1, edit=lambda row: setattr(row, "new_values", {"n": -1}))
    head = AuditEvent.objects.latest("id")
    assert audit.verify() is None  # a consistent all-v1 chain: only the anchor can tell
    assert _kinds() == [("anchor_mismatch", head.pk)]


def test_a_forged_checkpoint_line_is_reported_and_the_last_good_one_used(audit_key):
    from pathlib import Path

    _chain(2)
    audit.anchor()
    path = Path(audit_key.JINGZHI_AUDIT_ANCHOR_DIR) / "anchors.jsonl"
    with open(path, "a") as handle:
        handle.write('{"seq": 1, "hash": "x", "row_at": "", "at": "", "key": "k", "sig": "0"}\n')
    kinds = _kinds()
    assert kinds == [("bad_anchor", None)]


def test_key_rotation_old_rows_verify_with_the_old_key_listed(audit_key):
    _chain(3)
    audit.anchor()
    audit_key.JINGZHI_AUDIT_KEY = KEY_B
    audit_key.JINGZHI_AUDIT_OLD_KEYS = [KEY_A]
    _chain(2)
    assert (
        list(AuditEvent.objects.order_by("id").values_list("key_id", flat=True))
        == [audit.key_id_of(KEY_A)] * 3 + [audit.key_id_of(KEY_B)] * 2
    )
    assert _kinds() == []  # old rows and the old checkpoint verify with the old key
    audit.anchor()
    assert _kinds() == []
    audit_key.JINGZHI_AUDIT_OLD_KEYS = []  # the old key forgotten: its rows cannot be vouched for
    first = AuditEvent.objects.order_by("id").first()
    assert _kinds()[0] == ("unknown_key", first.pk)


def test_rows_from_before_keys_still_verify_and_the_chain_goes_on_keyed(audit_key):
    audit_key.JINGZHI_AUDIT_KEY = ""
    _chain(3)
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {audit.V1}
    audit_key.JINGZHI_AUDIT_KEY = KEY_A
    _chain(2)
    assert audit.verify() is None
    # A v1 row rewritten with the rest of the v1 rows recomputed still breaks at the first keyed row,
    # whose seal covers its predecessor's hash.
    legacy = AuditEvent.objects.order_by("id")[1]
    keyed = AuditEvent.objects.order_by("id")[3]
    rows = list(AuditEvent.objects.order_by("id")[:3])
    prev = audit.GENESIS
    for row in rows:
        if row.pk == legacy.pk:
            row.new_values = {"n": 42}
        digest = audit.row_hash(
            prev,
            created_at=row.created_at,
            actor_id=row.actor_id,
            actor_label=row.actor_label,
            verb=row.verb,
            target_type=row.target_type,
            target_id=row.target_id,
            old_values=row.old_values,
            new_values=row.new_values,
            note=row.note,
        )
        AuditEvent.objects.filter(pk=row.pk).update(prev_hash=prev, hash=digest, new_values=row.new_values)
        prev = digest
    assert _kinds() == [("broken_link", keyed.pk)]


def test_anchoring_without_a_key_is_refused(audit_key):
    from django.core.management.base import CommandError

    audit_key.JINGZHI_AUDIT_KEY = ""
    with pytest.raises(CommandError, match="JINGZHI_AUDIT_KEY"):
        call_command("audit", "anchor")


def test_verify_without_a_checkpoint_warns_and_can_be_made_to_fail(capsys):
    _chain(1)
    call_command("audit", "verify")
    assert "没有可用的检查点" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--require-anchor")


def test_a_production_database_without_an_audit_key_is_warned_about(audit_key):
    from jingzhi.core.checks import check_audit_key

    assert check_audit_key() == []
    audit_key.JINGZHI_AUDIT_KEY = ""
    found = [m.id for m in check_audit_key()]
    assert found == ([] if connection.vendor == "sqlite" else ["jingzhi.W021"])


def test_the_canonical_form_skips_the_json_round_trip_only_where_it_changes_nothing():
    import json as json_

    from django.core.serializers.json import DjangoJSONEncoder
    from django.db.models import IntegerChoices, TextChoices

    from jingzhi.core.audit import _canonical

    class Source(TextChoices):
        HOTLINE = "hotline", "12345"

    class Level(IntegerChoices):
        TWO = 2, "二"

    def round_trip(value):
        return json_.loads(json_.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False))

    for value in (
        {"state": "reported", "version": 1, "event": 7, "number": "JZ1", "source": "hotline"},
        {"b": [1, "x", None, True], "a": {"z": "", "y": [{"k": "v"}]}},
        {"source": Source.HOTLINE, "n": Level.TWO},
        {"when": __import__("datetime").date(2026, 1, 2), "n": 1.5, "t": (1, 2)},
        {1: "int key"},
        "text",
        [],
    ):
        assert _canonical(value) == round_trip(value)
        assert list(_canonical(value)) == list(round_trip(value)) if isinstance(value, dict) else True
