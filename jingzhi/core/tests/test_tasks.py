"""The job outbox: a job is committed with its change, runs after commit (in-process or by the worker),
is retried with backoff, dies visibly, can be retried by an administrator, and never runs to completion
twice."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jingzhi.core import clock, jobs
from jingzhi.core.models import AuditEvent, OutboxJob
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.tests.sample_tasks import append_line, fail_while, write_marker

ROOT = Path(__file__).resolve().parents[3]
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


def _production(settings):
    """Jobs wait for `jingzhi worker` (the production profile) instead of running after commit."""
    settings.TASKS = {"default": {"BACKEND": "jingzhi.core.jobs.OutboxBackend", "OPTIONS": {"inline": False}}}


def test_a_job_is_committed_with_the_change_and_runs_in_process_after_commit(
    tmp_path, django_capture_on_commit_callbacks
):
    marker = tmp_path / "done.txt"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_after_commit(write_marker, str(marker), "已执行")
        row = OutboxJob.objects.get()
        assert row.state == OutboxJob.PENDING and row.args == [str(marker), "已执行"]
        assert not marker.exists()
    assert marker.read_text(encoding="utf-8") == "已执行"
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxJob.DONE, 1)


def test_a_rolled_back_change_leaves_no_job_row_and_runs_nothing(
    tmp_path, django_capture_on_commit_callbacks
):
    marker = tmp_path / "never.txt"
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_after_commit(write_marker, str(marker), "不应执行")
        write_marker.enqueue(str(marker), "也不应执行")
        assert OutboxJob.objects.count() == 2
        raise RuntimeError("rollback")
    assert callbacks == [] and not marker.exists()
    assert not OutboxJob.objects.exists()


def test_in_production_the_worker_runs_the_job_once(settings, tmp_path, django_capture_on_commit_callbacks):
    _production(settings)
    out = tmp_path / "lines.txt"
    with django_capture_on_commit_callbacks(execute=True):
        result = append_line.enqueue(str(out), "一次")
    assert not out.exists()  # nothing runs in the committing process
    assert OutboxJob.objects.get(pk=int(result.id)).state == OutboxJob.PENDING
    call_command("worker", "--burst")
    call_command("worker", "--burst")
    assert out.read_text(encoding="utf-8") == "一次\n"
    # The relay picking the same row again (a second worker, a replay) finds nothing to do.
    assert jobs.run_job(int(result.id)) is None
    assert out.read_text(encoding="utf-8") == "一次\n"


def test_a_failing_job_is_retried_with_backoff_then_dies_visibly_and_can_be_retried(settings, tmp_path):
    _production(settings)
    settings.JINGZHI_JOB_MAX_ATTEMPTS = 3
    settings.JINGZHI_JOB_BACKOFF_SECONDS = 30
    flag, out = tmp_path / "down", tmp_path / "out.txt"
    flag.write_text("x")
    with clock.frozen(T0):
        row = jobs.submit(fail_while, [str(flag), str(out)])
        assert jobs.run_due() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.run_after) == (OutboxJob.PENDING, 1, T0 + timedelta(seconds=30))
    assert "the gateway is down" in row.last_error
    with clock.frozen(T0 + timedelta(seconds=29)):
        assert jobs.run_due() == 0  # not due yet
    with clock.frozen(T0 + timedelta(seconds=30)):
        assert jobs.run_due() == 1
    row.refresh_from_db()
    assert row.run_after == T0 + timedelta(seconds=30 + 60)  # the delay doubles
    with clock.frozen(T0 + timedelta(seconds=90)):
        assert jobs.run_due() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxJob.DEAD, 3)
    with clock.frozen(T0 + timedelta(days=1)):
        assert jobs.run_due() == 0  # dead jobs are not run again by themselves
    assert not out.exists()

    warnings = [m for m in checks.run_checks() if m.id == "jingzhi.W020"]
    assert len(warnings) == 1 and "1 个后台任务" in warnings[0].msg

    flag.unlink()  # the gateway is back
    call_command("jobs", "retry", "--dead")
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxJob.PENDING, 0)
    assert AuditEvent.objects.filter(verb="job.retried", new_values__jobs=[row.pk]).exists()
    call_command("worker", "--burst")
    row.refresh_from_db()
    assert row.state == OutboxJob.DONE and out.read_text() == "ok\n"
    assert not [m for m in checks.run_checks() if m.id == "jingzhi.W020"]


def test_the_admin_lists_jobs_with_their_error_warns_of_dead_ones_and_retries(
    settings, admin_client, tmp_path
):
    _production(settings)
    settings.JINGZHI_JOB_MAX_ATTEMPTS = 1
    flag = tmp_path / "down"
    flag.write_text("x")
    row = jobs.submit(fail_while, [str(flag), str(tmp_path / "out.txt")])
    jobs.run_due()
    index = admin_client.get("/admin/").content.decode()
    assert 'data-testid="dead-jobs-banner"' in index and "1 个后台任务" in index
    listing = admin_client.get("/admin/core/outboxjob/?state__exact=dead").content.decode()
    assert f"{row.pk}" in listing and "RuntimeError: the gateway is down" in listing
    response = admin_client.post(
        "/admin/core/outboxjob/", {"action": "retry_jobs", "_selected_action": [row.pk]}, follow=True
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.state == OutboxJob.PENDING
    assert 'data-testid="dead-jobs-banner"' not in admin_client.get("/admin/").content.decode()


def test_a_staff_member_without_the_permission_cannot_retry(settings, client, django_user_model, tmp_path):
    _production(settings)
    settings.JINGZHI_JOB_MAX_ATTEMPTS = 1
    flag = tmp_path / "down"
    flag.write_text("x")
    row = jobs.submit(fail_while, [str(flag), str(tmp_path / "o")])
    jobs.run_due()
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboxjob"))
    client.force_login(clerk)
    assert client.get("/admin/core/outboxjob/").status_code == 200
    client.post("/admin/core/outboxjob/", {"action": "retry_jobs", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.state == OutboxJob.DEAD


def test_the_jobs_command_reports_and_refuses_bad_ids(settings, tmp_path, capsys):
    _production(settings)
    jobs.submit(append_line, [str(tmp_path / "x"), "a"])
    call_command("jobs", "status")
    assert "待执行（pending）：1" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="²"):
        call_command("jobs", "retry", "²")
    with pytest.raises(CommandError, match="--dead"):
        call_command("jobs", "retry")


def test_done_rows_are_pruned_after_their_retention(settings, tmp_path):
    _production(settings)
    with clock.frozen(T0):
        jobs.submit(append_line, [str(tmp_path / "x"), "a"])
        jobs.run_due()
        jobs.submit(append_line, [str(tmp_path / "x"), "b"])  # pending: never pruned
    with clock.frozen(T0 + timedelta(days=8)):
        assert jobs.prune_done(older_than=timedelta(days=7)) == 1
    assert list(OutboxJob.objects.values_list("state", flat=True)) == [OutboxJob.PENDING]


def test_a_job_left_by_a_crash_is_picked_up_by_the_next_commit_in_the_embedded_profile(
    tmp_path, django_capture_on_commit_callbacks
):
    out = tmp_path / "lines.txt"
    with clock.frozen(T0):
        # A row committed by a process that died before running it (no on_commit callback ran).
        OutboxJob.objects.create(
            task=jobs.task_path(append_line), args=[str(out), "遗留"], run_after=T0, created_at=T0
        )
    with clock.frozen(T0 + timedelta(minutes=5)), django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(append_line, str(out), "新")
    assert sorted(out.read_text(encoding="utf-8").split()) == ["新", "遗留"]


def _redis_or_skip():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("JINGZHI_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                f"Redis is required (JINGZHI_REQUIRE_POSTGRES=1) but unreachable at {REDIS_TEST_URL}: {exc}"
            )
        pytest.skip(f"Redis unreachable at {REDIS_TEST_URL}")


def test_the_rq_worker_still_drains_jobs_queued_in_redis_before_the_upgrade(tmp_path):
    client = _redis_or_skip()
    client.flushdb()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        REDIS_URL=REDIS_TEST_URL,
        JINGZHI_VAR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="jingzhi.config.settings",
    )
    marker = tmp_path / "rq.txt"
    enqueue = f"""
import django; django.setup()
from django_tasks_rq import RQBackend
from jingzhi.core.tests.sample_tasks import write_marker
RQBackend("default", {{"QUEUES": ["default"]}}).enqueue(write_marker, [{str(marker)!r}, "来自 RQ"], {{}})
import django_rq
print("queued", django_rq.get_queue("default").count)
"""
    done = subprocess.run(
        [sys.executable, "-c", enqueue], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "queued 1" in done.stdout
    work = subprocess.run(
        [sys.executable, "manage.py", "worker", "--rq", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert work.returncode == 0, work.stderr
    assert marker.read_text(encoding="utf-8") == "来自 RQ"
    client.flushdb()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_share_the_jobs_and_run_each_once(settings, tmp_path):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SKIP LOCKED")
    _production(settings)
    out = tmp_path / "lines.txt"
    for i in range(60):
        jobs.submit(append_line, [str(out), f"job-{i}"])
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            counts.append(jobs.work(burst=True))
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    lines = out.read_text(encoding="utf-8").split()
    assert sorted(lines) == sorted(f"job-{i}" for i in range(60))  # each once: none skipped, none twice
    assert sum(counts) == 60
    assert OutboxJob.objects.filter(state=OutboxJob.DONE).count() == 60


def test_a_row_instead_of_an_id_fails_the_caller_not_the_worker(tmp_path, django_user_model):
    user = django_user_model.objects.create_user("u", password="pw")
    with pytest.raises(TypeError), transaction.atomic():
        enqueue_after_commit(write_marker, user, "行对象不能进任务表")
    assert not OutboxJob.objects.exists()
