"""A new report's notices go out from a background job after the intake commits, never inside it."""

from __future__ import annotations

import pytest

from jingzhi.cases import actions
from jingzhi.cases.tests.conftest import open_case
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
