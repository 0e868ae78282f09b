"""A new report's notices go out from a background job after the intake commits, never inside it."""

from __future__ import annotations

import pytest

from jingzhi.cases import actions
from jingzhi.cases.testing import open_case
from jingzhi.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_reporter_and_the_operators_over_the_place_hear_of_a_report_after_commit(
    world, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = open_case(world)
        assert not Notification.objects.exists()  # nothing is written inside the intake
    assert callbacks, "the notices must be queued for after commit"
    for callback in callbacks:
        callback()
    notes = {(n.recipient_id, n.title) for n in Notification.objects.all()}
    assert (world.p.resident.pk, f"您的反映已受理：{case.number}") in notes
    assert (world.p.operator.pk, f"新案件待核实：{case.number}") in notes
    assert world.p.operator2.pk not in {pk for pk, _title in notes}  # another subdistrict's operator


def test_a_report_merged_before_its_job_runs_sends_no_new_report_notice(world, frozen):
    case = open_case(world)
    Notification.objects.all().delete()
    type(case).objects.filter(pk=case.pk).update(state="merged")
    actions.send_case_opened_notices(case.pk)
    actions.send_case_opened_notices(999_999)  # gone: nothing, no error
    assert not Notification.objects.exists()


def test_a_retried_submission_rolls_back_cleanly_and_answers_with_the_first_case(world, frozen):
    first = open_case(world, idempotency_key="retry-1")
    audit_rows = AuditEvent.objects.count()
    again = open_case(world, idempotency_key="retry-1")
    assert again.pk == first.pk and again.description == first.description
    assert AuditEvent.objects.count() == audit_rows
    # the same key with other content is refused (422), not answered with the first case
    from jingzhi.cases.exceptions import IdempotencyConflict

    with pytest.raises(IdempotencyConflict):
        open_case(world, idempotency_key="retry-1", description="井盖没了（重试）")
    assert AuditEvent.objects.count() == audit_rows
    assert type(first).objects.count() == 1
    # the rolled-back retry used no number: the next report takes the very next one
    assert open_case(world, idempotency_key="retry-2").number == first.number[:-5] + "00002"


def test_handlers_of_a_deactivated_department_are_not_notified(world, frozen):
    """`handlers_of` named the handlers of every department asked for, active or not (issue 9 §7)."""
    from jingzhi.accounts.models import Department
    from jingzhi.cases.actions._common import handlers_of

    szsr = world.p.szsr
    assert world.p.handler in handlers_of([szsr.pk])
    Department.objects.filter(pk=szsr.pk).update(is_active=False)
    assert handlers_of([szsr.pk]) == []


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_with_redis_unreachable_a_burst_of_reports_loses_no_notice_and_each_arrives_once(
    world, frozen, settings, django_capture_on_commit_callbacks
):
    from collections import Counter

    from django.core import mail

    from jingzhi.core import jobs
    from jingzhi.core.models import OutboxJob

    # The production profile, with its Redis gone: cache and queue point at a port where nothing listens.
    down = f"redis://127.0.0.1:{_closed_port()}/14"
    settings.REDIS_URL = down
    settings.CACHES = {"default": {"BACKEND": "jingzhi.core.cache.RedisCache", "LOCATION": down}}
    settings.TASKS = {"default": {"BACKEND": "jingzhi.core.jobs.OutboxBackend", "OPTIONS": {"inline": False}}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    for person in (world.p.resident, world.p.operator):
        person.email = f"{person.username}@example.org"
        person.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        cases = [
            open_case(world, idempotency_key=f"burst-{i}", description=f"井盖没了 {i}") for i in range(12)
        ]
    assert len({c.pk for c in cases}) == 12  # every report filed
    assert not Notification.objects.exists()  # nothing delivered while no worker runs
    assert OutboxJob.objects.filter(state=OutboxJob.PENDING).count() == 12  # but every job is kept

    # The worker needs only the database: it delivers with Redis still down, and a second relay pass (or
    # a second worker replaying the same rows) finds nothing left to send.
    jobs.work(burst=True)
    pks = list(OutboxJob.objects.values_list("pk", flat=True))
    jobs.work(burst=True)
    assert all(jobs.run_job(pk) is None for pk in pks)

    per_recipient_and_case = Counter(Notification.objects.values_list("recipient_id", "target_id"))
    for case in cases:
        assert per_recipient_and_case[(world.p.resident.pk, str(case.pk))] == 1
        assert per_recipient_and_case[(world.p.operator.pk, str(case.pk))] == 1
    assert set(per_recipient_and_case.values()) == {1}
    mails = Counter((tuple(m.to), m.subject) for m in mail.outbox)
    assert len(mails) == 24 and set(mails.values()) == {1}
    assert not OutboxJob.objects.exclude(state=OutboxJob.DONE).exists()


def test_a_rolled_back_intake_leaves_no_job_and_sends_nothing(
    world, frozen, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from jingzhi.core.models import OutboxJob

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        open_case(world, idempotency_key="gone")
        assert OutboxJob.objects.count() == 1
        raise RuntimeError("the surrounding change failed")
    assert callbacks == []
    assert not OutboxJob.objects.exists() and not Notification.objects.exists()
