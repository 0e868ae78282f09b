"""Fewer, cheaper background jobs (issue 16): a batch of jobs is marked done with one statement, the copies
of several notices written by one piece of work go out as one job, and nobody without an address or a phone
costs a job."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jingzhi.core import jobs, sms
from jingzhi.core.models import Notification, OutboxJob
from jingzhi.core.notifications import copies_in_one_job, notify
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.tests.sample_tasks import append_line, fail_while

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.TASKS = {"default": {"BACKEND": "jingzhi.core.jobs.OutboxBackend", "OPTIONS": {"inline": False}}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JINGZHI_SMS_BACKEND = "jingzhi.core.sms.LocmemSmsBackend"
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _user(username, email="", phone=""):
    user = get_user_model().objects.create_user(username=username, password="pw", email=email)
    if phone:
        user.phone = phone
        user.save(update_fields=["phone"])
    return user


def test_a_batch_of_jobs_is_marked_done_with_one_statement_and_a_failure_keeps_its_own_row(tmp_path):
    out, flag = tmp_path / "out.txt", tmp_path / "down"
    flag.write_text("x")
    with transaction.atomic():
        for i in range(3):
            enqueue_after_commit(append_line, str(out), f"line {i}")
        enqueue_after_commit(fail_while, str(flag), str(out))
    with CaptureQueriesContext(connection) as q:
        outcomes = jobs.run_batch(size=10)
    assert [o.state for o in outcomes] == ["done", "done", "done", "pending"]
    updates = [x["sql"] for x in q.captured_queries if x["sql"].startswith("UPDATE")]
    assert len(updates) == 2  # the three successes together, the failure on its own row
    rows = {r.args[-1] if r.task.endswith("append_line") else "fail": r for r in OutboxJob.objects.all()}
    for i in range(3):
        row = rows[f"line {i}"]
        assert (row.state, row.attempts) == (OutboxJob.DONE, 1)
        assert row.finished_at is not None and row.last_attempt_at is not None
    failed = rows["fail"]
    assert (failed.state, failed.attempts) == (
        OutboxJob.PENDING,
        1,
    ) and "gateway is down" in failed.last_error
    assert out.read_text().splitlines() == ["line 0", "line 1", "line 2"]


def test_the_copies_of_several_notices_in_one_block_are_one_job_that_sends_them_all():
    wang = _user("wang", email="wang@example.org", phone="13812341234")
    li = _user("li", email="li@example.org")
    with transaction.atomic(), copies_in_one_job():
        notify(recipients=[wang], verb="a", title="回执", body="已受理")
        notify(recipients=[li, wang], verb="b", title="新案件", body="井盖")
    job = OutboxJob.objects.get()
    assert job.task.endswith("send_notices_copies") and len(job.args[0]) == 2
    assert Notification.objects.count() == 3
    jobs.run_due()
    assert sorted((m.subject, m.to[0]) for m in mail.outbox) == [
        ("【精治】回执", "wang@example.org"),
        ("【精治】新案件", "li@example.org"),
        ("【精治】新案件", "wang@example.org"),
    ]
    assert sorted(m["text"] for m in sms.outbox) == ["【精治】回执：已受理", "【精治】新案件：井盖"]
    assert OutboxJob.objects.get().state == OutboxJob.DONE


def test_a_block_that_fails_queues_no_copies():
    wang = _user("wang", email="wang@example.org")
    with pytest.raises(RuntimeError), transaction.atomic(), copies_in_one_job():
        notify(recipients=[wang], verb="a", title="回执")
        raise RuntimeError("the job failed")
    assert not OutboxJob.objects.exists()
    with transaction.atomic():  # and the next notice outside a block is its own job again
        notify(recipients=[wang], verb="a", title="回执")
    assert OutboxJob.objects.get().task.endswith("send_notification_copies")


def test_a_failed_send_in_a_batch_is_retried_alone(settings):
    from jingzhi.core.tests.test_notifications import FlakyEmailBackend

    settings.EMAIL_BACKEND = "jingzhi.core.tests.test_notifications.FlakyEmailBackend"
    wang = _user("wang", email="wang@example.org")
    zhao = _user("zhao", email="zhao@example.org")
    FlakyEmailBackend.down = {"zhao@example.org"}
    try:
        with transaction.atomic(), copies_in_one_job():
            notify(recipients=[wang], verb="a", title="回执")
            notify(recipients=[zhao, wang], verb="b", title="新案件")
        jobs.run_due()
        job = OutboxJob.objects.get()
        assert job.state == OutboxJob.PENDING and job.attempts == 1
        assert job.args == [
            [{"title": "新案件", "body": "", "link": "", "email_ids": [zhao.pk], "sms_ids": []}]
        ]
    finally:
        FlakyEmailBackend.down = set()
    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.org", "wang@example.org"]


def test_recipients_without_an_address_or_a_phone_cost_no_job():
    li = _user("li")
    with transaction.atomic():
        rows = notify(recipients=[li], verb="a", title="回执")
    assert [r.recipient_id for r in rows] == [li.pk]  # the inbox row is there
    assert not OutboxJob.objects.exists()
