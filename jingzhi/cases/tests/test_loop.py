"""The loop end to end through the actions: intake, verify, file, route, handle, check, close, rate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jingzhi.cases import actions, workflow
from jingzhi.cases.models import Case, CaseEvent, CaseFollower, Supervision
from jingzhi.cases.testing import IN_SUB1, IN_SUB2, OUTSIDE, T0, open_case, walk_to
from jingzhi.core import audit, hooks
from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=False)


def test_a_resident_report_is_located_numbered_and_waits_for_verification(world, frozen):
    case = open_case(world)
    assert case.number == "JZ2025061100001"
    assert case.state == workflow.REPORTED
    assert (case.grid_code, case.community_code, case.subdistrict_code, case.district_code) == (
        "110199001001001",
        "110199001001",
        "110199001",
        "110199",
    )
    assert case.street_code == "110199001S001"
    assert case.reporter == world.p.resident and case.reporter_phone == "13800000000"
    assert case.category == world.t.cover  # suggested from "井盖"
    assert case.suggestion[0]["words"] == ["井盖"]
    assert case.step == "verify" and case.step_deadline == T0 + timedelta(hours=2)
    assert open_case(world).number == "JZ2025061100002"


def test_an_inspectors_own_report_starts_waiting_for_filing(world, frozen):
    case = open_case(world, world.p.inspector, source="inspector")
    assert case.state == workflow.PENDING_FILING


def test_the_whole_loop_closes_with_a_rating_and_every_step_on_the_timeline(
    world, frozen, django_capture_on_commit_callbacks
):
    seen = []

    @hooks.register("case_closed")
    def on_closed(**payload):
        seen.append(payload["case_id"])

    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = open_case(world)
            case = walk_to(world, case, "closed")
    finally:
        hooks.unregister("case_closed", on_closed)
    assert case.rating == "satisfied" and case.closed_at is not None
    actions_done = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions_done == ["open", "verify", "file", "dispatch", "accept", "feedback", "check_pass", "rate"]
    assert case.routing["rule"] is not None and "市政市容委" in case.routing["reason"]
    assert case.lead_department == world.p.szsr
    assert seen == [case.pk]
    assert audit.verify() is None
    assert AuditEvent.objects.filter(target_type="cases.case").count() == CaseEvent.objects.count()


def test_opening_rating_closing_and_reopening_fire_the_hooks_other_apps_subscribe_to(
    world, frozen, django_capture_on_commit_callbacks
):
    heard = []
    names = ("case_opened", "case_rated", "case_closed", "case_reopened")

    def listener_for(name):
        def listener(**payload):
            heard.append((name, payload["action"], payload.get("rating")))

        return listener

    listeners = {name: hooks.register(name)(listener_for(name)) for name in names}
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = walk_to(world, open_case(world), "pending_callback")
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_rate_case(actor=world.p.resident, case_id=case.pk, rating="dissatisfied")
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_reopen_case(actor=world.p.resident, case_id=case.pk, reason="根本没修")
    finally:
        for name, listener in listeners.items():
            hooks.unregister(name, listener)
    assert heard == [
        ("case_opened", "open", None),
        ("case_rated", "rate", "dissatisfied"),
        ("case_closed", "rate", "dissatisfied"),
        ("case_reopened", "reopen", None),
    ]


def test_filing_uses_the_conditions_limit_for_handling(world, frozen):
    case = walk_to(world, open_case(world), "pending_response")
    # Wednesday 09:00 + 4 working hours: 09:00–12:00 is three, 13:30–14:30 the fourth.
    assert case.handle_deadline == T0.replace(hour=14, minute=30)
    assert case.response_deadline == T0 + timedelta(hours=2)


def test_idempotency_key_returns_the_same_case_and_creates_nothing(world, frozen):
    first = open_case(world, idempotency_key="abc")
    again = open_case(world, idempotency_key="abc")
    assert again.pk == first.pk and Case.objects.count() == 1


def test_a_location_outside_every_grid_is_refused_with_a_clear_message(world, frozen):
    with pytest.raises(InvalidInput, match="不在本辖区任何网格内"):
        open_case(world, where=OUTSIDE)


def test_a_location_outside_falls_to_the_configured_district(world, frozen, settings):
    settings.JINGZHI_OUTSIDE_FALLBACK_DISTRICT = "110199"
    case = open_case(world, where=OUTSIDE)
    assert case.district_code == "110199" and case.grid_code == ""


def test_a_description_over_the_limit_is_refused(world, frozen, settings):
    settings.JINGZHI_CASE_DESCRIPTION_MAX = 10
    with pytest.raises(InvalidInput, match="超过上限 10 字") as info:
        open_case(world, description="井" * 11)
    assert info.value.fields == {"description": "too_long"}


def test_an_unknown_or_inactive_category_is_refused(world, frozen):
    with pytest.raises(InvalidInput, match="不存在或已停用"):
        open_case(world, category=999999)
    with pytest.raises(InvalidInput, match="已停用"):
        open_case(world, category=world.t.old)


def test_an_action_not_allowed_names_the_allowed_ones(world, frozen):
    case = open_case(world)
    with pytest.raises(PermissionDenied) as info:
        actions.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    assert "待核实" in info.value.message and "派遣" in info.value.message
    with pytest.raises(PermissionDenied) as info:
        actions.do_file_case(actor=world.p.operator, case_id=case.pk)
    assert "派核实" in info.value.message and "不予立案" in info.value.message
    assert info.value.fields["allowed_actions"] == ["verify_request", "not_file", "merge"]


def test_a_return_needs_a_reason_and_repeated_returns_escalate(world, frozen):
    case = walk_to(world, open_case(world), "pending_response")
    with pytest.raises(InvalidInput, match="理由"):
        actions.do_return_case(actor=world.p.handler, case_id=case.pk, reason=" ")
    case = actions.do_return_case(actor=world.p.handler, case_id=case.pk, reason="不是我们的")
    assert case.state == workflow.PENDING_DISPATCH and case.return_count == 1 and not case.is_escalated
    case = actions.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    case = actions.do_return_case(actor=world.p.handler, case_id=case.pk, reason="还不是")
    assert case.return_count == 2 and case.is_escalated
    assert Supervision.objects.filter(case=case, kind="escalation").count() == 1


def test_manual_dispatch_to_several_departments_needs_a_lead(world, frozen):
    case = walk_to(world, open_case(world), "pending_dispatch")
    with pytest.raises(InvalidInput, match="牵头"):
        actions.do_dispatch_case(
            actor=world.p.dispatcher, case_id=case.pk, departments=[world.p.szsr.pk, world.p.zls.pk]
        )
    case = actions.do_dispatch_case(
        actor=world.p.dispatcher,
        case_id=case.pk,
        departments=[world.p.szsr.pk, world.p.zls.pk],
        lead=world.p.zls.pk,
    )
    assert case.lead_department == world.p.zls and case.routing["manual"] is True
    # The co-department's handler may act on it too.
    assert actions.do_accept_case(actor=world.p.handler, case_id=case.pk).state == workflow.HANDLING


def test_an_extension_past_the_maximum_is_refused_and_an_approved_one_moves_the_deadline(
    world, frozen, settings
):
    settings.JINGZHI_CASE_MAX_EXTENSION_DAYS = 5
    case = walk_to(world, open_case(world), "handling")
    with pytest.raises(InvalidInput, match="超过上限 5 个工作日"):
        actions.do_request_extension(actor=world.p.handler, case_id=case.pk, days=6, reason="材料未到")
    case = actions.do_request_extension(actor=world.p.handler, case_id=case.pk, days=3, reason="材料未到")
    before = case.handle_deadline
    case = actions.do_approve_extension(actor=world.p.dispatcher, case_id=case.pk)
    assert case.extension_days == 3 and case.handle_deadline > before
    assert case.step_deadline == case.handle_deadline
    with pytest.raises(InvalidInput, match="没有待审批"):
        actions.do_refuse_extension(actor=world.p.dispatcher, case_id=case.pk, reason="x")
    with pytest.raises(InvalidInput, match="超过上限"):
        actions.do_request_extension(actor=world.p.handler, case_id=case.pk, days=3, reason="again")


def test_park_needs_a_reason_and_a_future_review_date(world, frozen):
    case = walk_to(world, open_case(world), "handling")
    with pytest.raises(InvalidInput, match="复核日期"):
        actions.do_park_case(actor=world.p.shift_lead, case_id=case.pk, reason="纳入项目", review_date=None)
    with pytest.raises(InvalidInput, match="晚于今天"):
        actions.do_park_case(
            actor=world.p.shift_lead, case_id=case.pk, reason="纳入项目", review_date="2025-06-01"
        )
    case = actions.do_park_case(
        actor=world.p.shift_lead, case_id=case.pk, reason="纳入项目", review_date="2025-09-01"
    )
    assert case.state == workflow.PARKED and case.step_deadline is None
    case = actions.do_unpark_case(actor=world.p.shift_lead, case_id=case.pk)
    assert case.state == workflow.HANDLING and case.step_deadline is not None


def test_check_fail_sends_it_back_for_rework(world, frozen):
    case = walk_to(world, open_case(world), "pending_check")
    case = actions.do_check_fail_case(actor=world.p.inspector, case_id=case.pk, reason="井盖未固定")
    assert case.state == workflow.HANDLING and case.rework_count == 1


def test_only_the_reporter_rates_and_reopens_once_only_when_dissatisfied(world, frozen):
    case = walk_to(world, open_case(world), "pending_callback")
    with pytest.raises(NotFound):  # a stranger does not even see it
        actions.do_rate_case(actor=world.p.other_resident, case_id=case.pk, rating="satisfied")
    actions.do_follow_case(actor=world.p.other_resident, case_id=case.pk)
    with pytest.raises(PermissionDenied, match="上报人"):  # a follower sees it but is not the reporter
        actions.do_rate_case(actor=world.p.other_resident, case_id=case.pk, rating="satisfied")
    with pytest.raises(PermissionDenied):
        actions.do_rate_case(actor=world.p.operator, case_id=case.pk, rating="satisfied")
    case = actions.do_rate_case(actor=world.p.resident, case_id=case.pk, rating="basic")
    assert case.state == workflow.CLOSED
    with pytest.raises(InvalidInput, match="不满意"):
        actions.do_reopen_case(actor=world.p.resident, case_id=case.pk, reason="还是坏的")
    case2 = walk_to(world, open_case(world, description="井盖又丢了"), "closed")
    Case.objects.filter(pk=case2.pk).update(rating="")
    case2 = actions.do_rate_case(actor=world.p.resident, case_id=case2.pk, rating="dissatisfied")
    with pytest.raises(InvalidInput, match="理由"):
        actions.do_reopen_case(actor=world.p.resident, case_id=case2.pk, reason="")
    case2 = actions.do_reopen_case(actor=world.p.resident, case_id=case2.pk, reason="根本没修")
    assert case2.state == workflow.PENDING_DISPATCH and case2.reopen_count == 1
    # Back through the loop, dissatisfied again: no second reopen.
    p = world.p
    case2 = actions.do_dispatch_case(actor=p.dispatcher, case_id=case2.pk)
    case2 = actions.do_accept_case(actor=p.handler, case_id=case2.pk)
    case2 = actions.do_feedback_case(actor=p.handler, case_id=case2.pk, note="已修")
    case2 = actions.do_check_pass_case(actor=p.inspector, case_id=case2.pk)
    case2 = actions.do_rate_case(actor=p.resident, case_id=case2.pk, rating="dissatisfied")
    with pytest.raises(InvalidInput, match="重新办理过 1 次"):
        actions.do_reopen_case(actor=p.resident, case_id=case2.pk, reason="还是没修")


def test_a_duplicate_report_is_merged_and_its_reporter_follows_the_original(world, frozen):
    original = open_case(world)
    from jingzhi.cases.queries import find_duplicates

    found = find_duplicates(world.t.cover, IN_SUB1[0] + 0.0001, IN_SUB1[1], T0)
    assert [c.pk for c, _m in found] == [original.pk]
    assert found[0][1] < 10
    assert find_duplicates(world.t.cover, IN_SUB2[0] + 0.0005, IN_SUB2[1], T0) == []
    dup = open_case(world, world.p.other_resident, duplicate_of=original.pk)
    assert dup.state == workflow.MERGED and dup.merged_into_id == original.pk
    assert CaseFollower.objects.filter(case=original, user=world.p.other_resident).exists()
    # A staff merge of a later duplicate works the same.
    third = open_case(world, world.p.resident, description="这里井盖丢了")
    third = actions.do_merge_case(actor=world.p.operator, case_id=third.pk, target_id=original.pk)
    assert third.state == workflow.MERGED


def test_supervise_and_overdue_reminders_are_recorded_once(world, frozen):
    case = walk_to(world, open_case(world), "handling")
    case = actions.do_supervise_case(actor=world.p.district_admin, case_id=case.pk, note="尽快处理")
    assert case.supervision_count == 1
    assert actions.do_send_overdue_reminders() == 0
    frozen.to(T0 + timedelta(days=10))
    assert case.sla().level == workflow.RED and case.sla().overdue_multiple > 1
    assert actions.do_send_overdue_reminders() == 1
    assert actions.do_send_overdue_reminders() == 0
    case.refresh_from_db()
    assert case.first_overdue_at == case.step_deadline


def test_the_remind_command_enqueues_the_task(world, frozen, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    walk_to(world, open_case(world), "handling")
    frozen.to(T0 + timedelta(days=10))
    # The job row commits, then runs (embedded profile); the test's own transaction stands in for commit.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cases", "remind")
    assert Supervision.objects.filter(kind="overdue").count() == 1


def test_after_photos_are_kept_on_the_feedback_event_and_a_non_image_is_refused(world, frozen):
    import io

    from PIL import Image

    from jingzhi.cases.queries import timeline

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    case = walk_to(world, open_case(world), "handling")
    with pytest.raises(InvalidInput):
        actions.do_feedback_case(
            actor=world.p.handler, case_id=case.pk, note="已修", photos=[b"not an image"]
        )
    assert Case.objects.get(pk=case.pk).state == workflow.HANDLING
    case = actions.do_feedback_case(
        actor=world.p.handler, case_id=case.pk, note="已修", photos=[buffer.getvalue()]
    )
    event = timeline(case)[-1]
    assert event.action == "feedback" and len(event.attachments_list) == 1
    assert event.attachments_list[0].kind == "after"


def test_photos_are_checked_and_cleaned_before_the_intake_touches_a_row(world, frozen, monkeypatch):
    """Image work runs before the transaction (never while the audit chain's lock is held), and a bad
    picture fails the report before a number is taken."""
    import io

    from PIL import Image

    from jingzhi.cases.actions import intake
    from jingzhi.core import attachments
    from jingzhi.core.models import Attachment

    order = []
    real_clean, real_number = attachments.clean_image, intake._next_number
    monkeypatch.setattr(
        attachments, "clean_image", lambda *a, **k: order.append("clean") or real_clean(*a, **k)
    )
    monkeypatch.setattr(
        intake, "_next_number", lambda day, **kw: order.append("number") or real_number(day, **kw)
    )
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "PNG")
    case = open_case(world, photos=[buffer.getvalue(), buffer.getvalue()])
    assert order == ["clean", "clean", "number"]
    assert Attachment.objects.filter(owner_id=str(CaseEvent.objects.get(case=case).pk)).count() == 2
    order.clear()
    with pytest.raises(InvalidInput):
        open_case(world, photos=[buffer.getvalue(), b"not an image"])
    # every header is read before any picture is decoded: the bad file is refused before either is cleaned
    assert order == [] and Case.objects.count() == 1
