import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.tests.sample_tasks import write_marker

ROOT = Path(__file__).resolve().parents[3]
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
pytestmark = pytest.mark.django_db


def test_a_task_runs_in_process_only_after_commit(tmp_path, django_capture_on_commit_callbacks, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    marker = tmp_path / "done.txt"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_after_commit(write_marker, str(marker), "已执行")
        assert not marker.exists()
    assert marker.read_text(encoding="utf-8") == "已执行"


def test_a_rolled_back_change_enqueues_nothing(tmp_path, django_capture_on_commit_callbacks):
    marker = tmp_path / "never.txt"
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_after_commit(write_marker, str(marker), "不应执行")
        raise RuntimeError("rollback")
    assert callbacks == [] and not marker.exists()


def test_the_worker_says_the_embedded_profile_needs_none(settings, capsys):
    settings.REDIS_URL = ""
    call_command("worker")
    assert "未设置 REDIS_URL" in capsys.readouterr().out


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


def test_an_rq_worker_runs_a_task_enqueued_after_commit(tmp_path):
    client = _redis_or_skip()
    client.flushdb()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        REDIS_URL=REDIS_TEST_URL,
        JINGZHI_VAR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="jingzhi.config.settings",
    )
    marker, never = tmp_path / "rq.txt", tmp_path / "rq-never.txt"
    enqueue = f"""
import django; django.setup()
from django.db import transaction
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.tests.sample_tasks import write_marker
with transaction.atomic():
    enqueue_after_commit(write_marker, {str(marker)!r}, "来自 RQ")
try:
    with transaction.atomic():
        enqueue_after_commit(write_marker, {str(never)!r}, "不应执行")
        raise RuntimeError
except RuntimeError:
    pass
import django_rq
print("queued", django_rq.get_queue("default").count)
# Every queue lookup (one per enqueue) borrows the cache's pool rather than opening a connection.
print("shared pool", django_rq.get_queue("default").connection.connection_pool
      is django_rq.get_queue("default").connection.connection_pool)
"""
    done = subprocess.run(
        [sys.executable, "-c", enqueue], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "queued 1" in done.stdout
    assert "shared pool True" in done.stdout
    assert not marker.exists()
    work = subprocess.run(
        [sys.executable, "manage.py", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert work.returncode == 0, work.stderr
    assert marker.read_text(encoding="utf-8") == "来自 RQ"
    assert not never.exists()
    client.flushdb()
