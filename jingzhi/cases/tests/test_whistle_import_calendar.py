"""Whistles (吹哨报到), hotline import, and deadlines across 国庆, 春节 and a 调休 Saturday."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from jingzhi.cases import actions, workflow
from jingzhi.cases.exceptions import HotlineImportError
from jingzhi.cases.models import Case, CaseEvent
from jingzhi.cases.testing import T0, open_case, walk_to
from jingzhi.core.errors import Conflict, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def at(*args):
    return timezone.make_aware(datetime(*args))


# ---------------------------------------------------------------------------------------------------- whistle
def test_a_whistle_summons_two_departments_one_reports_on_time_one_late(world, frozen):
    p = world.p
    case = walk_to(world, open_case(world), "handling")
    whistle = actions.do_blow_whistle(
        actor=p.sub_admin, case_ids=[case.pk], department_ids=[p.szsr.pk, p.zls.pk], note="爆管"
    )
    assert whistle.limit_minutes == 30
    on_time, late = whistle.summons_list
    frozen.to(T0 + timedelta(minutes=20))
    with pytest.raises(NotFound):  # the water company's summons is not 市政市容委's to answer
        actions.do_report_in(actor=p.handler, summons_id=late.pk, place="现场")
    on_time = actions.do_report_in(
        actor=p.handler, summons_id=on_time.pk, lon=116.3505, lat=39.9005, place="胡同口"
    )
    assert not on_time.is_late
    with pytest.raises(Conflict):
        actions.do_report_in(actor=p.handler, summons_id=on_time.pk, place="again")
    frozen.to(T0 + timedelta(minutes=31))
    late.refresh_from_db()
    assert late.is_late  # not yet reported and past the limit
    frozen.to(T0 + timedelta(minutes=40))
    late = actions.do_report_in(actor=p.other_handler, summons_id=late.pk, place="胡同口")
    assert late.is_late and late.minutes_taken == 40.0
    with pytest.raises(PermissionDenied):
        actions.do_rate_whistle_response(actor=p.sub_admin2, summons_id=late.pk, rating=2)
    actions.do_rate_whistle_response(actor=p.sub_admin, summons_id=late.pk, rating=2, comment="迟到")
    timeline = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert timeline[-4:] == ["whistle", "report_in", "report_in", "rate_whistle"]
    assert CaseEvent.objects.filter(case=case, action="report_in", data__is_late=True).count() == 1


def test_only_the_subdistricts_admin_may_whistle_and_the_limit_is_configurable(world, frozen, settings):
    p = world.p
    case = walk_to(world, open_case(world), "handling")
    with pytest.raises(PermissionDenied):
        actions.do_blow_whistle(actor=p.shift_lead, case_ids=[case.pk], department_ids=[p.szsr.pk])
    with pytest.raises(NotFound):
        actions.do_blow_whistle(actor=p.sub_admin2, case_ids=[case.pk], department_ids=[p.szsr.pk])
    settings.JINGZHI_WHISTLE_LIMIT_MINUTES = 45
    whistle = actions.do_blow_whistle(actor=p.sub_admin, case_ids=[case.pk], department_ids=[p.szsr.pk])
    assert whistle.summons_list[0].report_deadline == T0 + timedelta(minutes=45)


# ---------------------------------------------------------------------------------------------------- hotline
def _csv(rows):
    import io

    header = "工单编号,诉求内容,经度,纬度,诉求类型,紧急程度,诉求人,联系电话\n"
    return io.BytesIO((header + "\n".join(rows) + "\n").encode("utf-8"))


def _hotline_types():
    from jingzhi.taxonomy.actions import do_save_row
    from jingzhi.taxonomy.models import RequestType, Urgency

    do_save_row(actor=None, obj=RequestType(code="complaint", name="投诉"))
    do_save_row(
        actor=None, obj=Urgency(code="ordinary", name="一般", limit_amount=168, limit_unit="calendar_hours")
    )


def test_hotline_orders_import_once_keeping_their_order_numbers(world, frozen):
    _hotline_types()
    rows = [
        "H001,井盖丢了,116.3505,39.9005,投诉,ordinary,张三,13900000000",
        "H002,路灯不亮,116.3515,39.9005,complaint,ordinary,李四,13900000001",
    ]
    assert actions.do_import_hotline_orders(actor=world.p.operator, file=_csv(rows)) == {
        "created": 2,
        "existing": 0,
        "rows": 2,
    }
    case = Case.objects.get(external_ref="H001")
    assert case.source == "hotline" and case.reporter_name == "张三" and case.reporter is None
    assert case.feedback_deadline == T0 + timedelta(days=7)
    again = actions.do_import_hotline_orders(actor=world.p.operator, file=_csv(rows))
    assert again == {"created": 0, "existing": 2, "rows": 2}
    assert Case.objects.count() == 2


def test_a_hotline_file_with_bad_rows_imports_nothing_and_names_each_row(world, frozen):
    _hotline_types()
    rows = [
        "H101,井盖丢了,116.3505,39.9005,投诉,ordinary,张三,1",
        "H102,,116.3505,39.9005,投诉,ordinary,张三,1",
        "H103,井盖丢了,116.9,39.9,投诉,ordinary,张三,1",
        "H104,井盖丢了,abc,39.9,投诉,ordinary,张三,1",
        "H101,重复,116.3505,39.9005,投诉,ordinary,张三,1",
    ]
    with pytest.raises(HotlineImportError) as info:
        actions.do_import_hotline_orders(actor=world.p.operator, file=_csv(rows))
    problems = info.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("第 3 行") and "描述" in problems[0]
    assert problems[1].startswith("第 4 行") and "网格" in problems[1]
    assert problems[2].startswith("第 5 行") and "数字" in problems[2]
    assert problems[3].startswith("第 6 行") and "重复" in problems[3]
    assert Case.objects.count() == 0


def test_hotline_import_is_for_the_centre_only(world, frozen):
    with pytest.raises(PermissionDenied):
        actions.do_import_hotline_orders(actor=world.p.resident, file=_csv([]))


# ---------------------------------------------------------------------------------------------------- calendar
def _dispatched_at(world, frozen, moment):
    frozen.to(moment)
    return walk_to(world, open_case(world), "pending_response")


def test_handling_deadline_skips_the_national_day_holiday(world, frozen):
    # Filed with 缺失或移位 (4 working hours) on Tuesday 2025-09-30 16:30: 1 h that day, 3 h on Thursday
    # 2025-10-09 (1–8 October are the 国庆/中秋 holiday; Saturday 11 October is a 调休 working day).
    case = _dispatched_at(world, frozen, at(2025, 9, 30, 16, 30))
    assert case.handle_deadline == at(2025, 10, 9, 11, 30)


def test_deadline_counts_a_swapped_working_saturday(world, frozen):
    # Friday 2025-10-10 16:30 + 4 working hours: 1 h Friday, then Saturday 11 October is worked (调休).
    case = _dispatched_at(world, frozen, at(2025, 10, 10, 16, 30))
    assert case.handle_deadline == at(2025, 10, 11, 11, 30)


def test_three_working_days_span_the_spring_festival(world, frozen):
    # 3 working days from Friday 2025-01-24 10:00: Saturday 26 January is a 调休 working day (1), Monday 27
    # (2), then 28 January–4 February is the Spring Festival holiday, so Wednesday 5 February (3).
    frozen.to(at(2025, 1, 24, 10, 0))
    case = open_case(world, world.p.inspector, source="inspector")
    case = actions.do_file_case(actor=world.p.shift_lead, case_id=case.pk)  # no condition: 3 working days
    case = actions.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    assert case.handle_deadline == at(2025, 2, 5, 10, 0)


def test_the_warning_light_turns_yellow_then_red_on_working_time(world, frozen):
    case = _dispatched_at(world, frozen, T0)  # respond within 2 working hours: 09:00 → 11:00
    frozen.to(T0 + timedelta(minutes=90))
    assert case.sla().level == workflow.GREEN
    frozen.to(T0 + timedelta(minutes=100))
    assert case.sla().level == workflow.YELLOW
    frozen.to(T0 + timedelta(hours=3))  # 12:00: 3 working hours used of 2
    sla = case.sla()
    assert sla.level == workflow.RED and sla.overdue_multiple == 1.5 and case.is_overdue
