"""Scheduled jobs run once across nodes (jingzhi.core.scheduled, `jingzhi once`): whichever node's cron fires,
one run per slot."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhi.core import clock, scheduled
from jingzhi.core.errors import InvalidInput
from jingzhi.core.models import ScheduledRun

TEN = timedelta(minutes=10)


def test_intervals_are_read_like_cron_steps():
    assert scheduled.parse_every("10m") == TEN
    assert scheduled.parse_every("600") == TEN
    assert scheduled.parse_every("1h") == timedelta(hours=1)
    assert scheduled.parse_every(" 1d ") == timedelta(days=1)
    for bad in ("", "ten", "5x", "-5m", "30s"):
        with pytest.raises(InvalidInput):
            scheduled.parse_every(bad)


def test_nodes_whose_clocks_differ_a_little_agree_on_the_slot():
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    early, late = at - timedelta(seconds=40), at + timedelta(seconds=40)
    assert scheduled.slot_of(early, TEN) == scheduled.slot_of(late, TEN) == at
    assert scheduled.slot_of(at + timedelta(minutes=10), TEN) == at + TEN


@pytest.mark.django_db
def test_the_second_node_in_the_same_slot_skips_and_the_next_slot_runs_again():
    ran: list[str] = []
    at = datetime(2026, 12, 7, 10, 0, 5, tzinfo=UTC)
    with clock.frozen(at):
        assert scheduled.run_once("cases remind", TEN, lambda: ran.append("a"), node="web-1")
    with clock.frozen(at + timedelta(seconds=20)):
        assert not scheduled.run_once("cases remind", TEN, lambda: ran.append("b"), node="web-2")
        assert scheduled.run_once("audit anchor", TEN, lambda: ran.append("c"), node="web-2")  # another job
    with clock.frozen(at + TEN):
        assert scheduled.run_once("cases remind", TEN, lambda: ran.append("d"), node="web-2")
    assert ran == ["a", "c", "d"]
    first = ScheduledRun.objects.filter(job="cases remind").order_by("slot").first()
    assert (first.node, first.outcome) == ("web-1", ScheduledRun.OK) and first.finished_at


@pytest.mark.django_db
def test_a_failing_job_is_marked_failed_and_its_error_propagates():
    def boom():
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError):
        scheduled.run_once("sweep", TEN, boom, node="web-1")
    assert ScheduledRun.objects.get(job="sweep").outcome == ScheduledRun.FAILED
    assert not scheduled.run_once("sweep", TEN, lambda: None, node="web-2")  # the slot is spent


@pytest.mark.django_db
def test_the_command_runs_a_management_command_once_per_slot(tmp_path, capsys, settings):
    settings.JINGZHI_AUDIT_KEY = "k" * 64
    job = ["--", "audit", "anchor", "--dir", str(tmp_path)]
    call_command("once", "--every", "5m", "--node", "web-1", *job)
    call_command("once", "--every", "5m", "--node", "web-2", *job)
    out = capsys.readouterr().out
    assert "已执行：audit anchor" in out and "跳过" in out
    assert len((tmp_path / "anchors.jsonl").read_text().splitlines()) == 1
    with pytest.raises(CommandError, match="间隔"):
        call_command("once", "--every", "soon", "--", "audit", "anchor")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_firing_together_on_postgresql_run_the_job_once(tmp_path, settings):
    from django.db import connection, connections

    settings.JINGZHI_AUDIT_KEY = "k" * 64
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections racing for the same slot")
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def node(name: str) -> None:
        try:
            with clock.frozen(at):
                start.wait()
                call_command(
                    "once", "--every", "10m", "--node", name, "--", "audit", "anchor", "--dir", str(tmp_path)
                )
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=node, args=(f"web-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    lines = (tmp_path / "anchors.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])
    run = ScheduledRun.objects.get(job__startswith="audit anchor")
    assert run.outcome == ScheduledRun.OK
