"""Council meetings, joint meetings and their action items; property companies; party members' tasks."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from jingzhi.cases.models import Case
from jingzhi.cases.testing import walk_to
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.councils import actions, queries
from jingzhi.councils.testing import COMM1, IN_SUB1, SUB1

pytestmark = pytest.mark.django_db


def moment(y, m, d, h=9):
    return timezone.make_aware(datetime(y, m, d, h, 0))


def _case(cworld, who=None):
    from jingzhi.cases.actions import do_open_case

    return do_open_case(
        actor=who or cworld.p.resident,
        source="resident_web",
        description="井盖没了",
        lon=IN_SUB1[0],
        lat=IN_SUB1[1],
    )


def _joint(cworld, **kw):
    kw.setdefault("agenda", [{"title": "井盖缺失问题"}])
    return actions.do_record_meeting(
        actor=cworld.p.sub_admin,
        kind="joint",
        area_code=SUB1,
        title="疏整促联席会议",
        held_at="2025-06-11 14:00",
        invited_departments=[cworld.p.szsr.pk, cworld.p.zls.pk],
        attendance=[
            {"department": cworld.p.szsr.pk, "name": "市政市容委 张科长"},
            {"department": cworld.p.zls.pk, "present": False},
        ],
        decisions=["三日内补齐井盖"],
        **kw,
    )


def test_a_council_meeting_draws_its_agenda_from_open_cases_in_the_area(cworld, at):
    case = _case(cworld)
    assert case in queries.open_cases_for_agenda(cworld.council)
    meeting = actions.do_record_meeting(
        actor=cworld.u.luo,
        kind="council",
        council_id=cworld.council.pk,
        title="六月理事会",
        held_at="2025-06-11 19:00",
        agenda=[{"case": case.pk}],
        decisions=["请物业清理"],
    )
    detail = queries.meeting_detail(meeting)
    assert detail.agenda.get().case_id == case.pk
    with pytest.raises(PermissionDenied):
        actions.do_record_meeting(
            actor=cworld.u.xu,
            kind="council",
            council_id=cworld.council.pk,
            title="x",
            held_at="2025-06-11 19:00",
        )


def test_an_action_item_without_owner_or_due_date_is_refused(cworld, at):
    meeting = _joint(cworld)
    with pytest.raises(InvalidInput) as caught:
        actions.do_add_action_item(actor=cworld.p.sub_admin, meeting_id=meeting.pk, title="补井盖", due_on="")
    assert set(caught.value.fields) == {"owner", "due_on"}
    assert "责任人" in caught.value.message and "完成时限" in caught.value.message


def test_joint_meeting_items_open_cases_are_followed_and_overdue_shows_to_the_convenor(cworld, at):
    meeting = _joint(cworld, agenda=[{"case": _case(cworld).pk}])
    item = actions.do_add_action_item(
        actor=cworld.p.sub_admin,
        meeting_id=meeting.pk,
        title="补装井盖",
        due_on="2025-06-13",
        owner_department=cworld.p.szsr.pk,
        open_case={"description": "联席会议：补装井盖", "lon": IN_SUB1[0], "lat": IN_SUB1[1]},
    )
    assert item.case is not None and Case.objects.filter(pk=item.case_id).exists()
    at(moment(2025, 6, 16))
    assert list(queries.action_items_for(cworld.p.sub_admin, overdue_only=True)) == [item]
    assert list(queries.action_items_for(cworld.p.handler)) == [item]  # the owning department's handler
    assert list(queries.action_items_for(cworld.p.sub_admin2)) == []
    with pytest.raises(NotFound):
        actions.do_complete_action_item(actor=cworld.p.sub_admin2, item_id=item.pk)
    actions.do_complete_action_item(actor=cworld.p.handler, item_id=item.pk, note="已补装")
    item.refresh_from_db()
    assert item.status == "done"
    assert list(queries.action_items_for(cworld.p.sub_admin, overdue_only=True)) == []


def test_an_action_item_is_done_when_its_case_closes(cworld, at, django_capture_on_commit_callbacks):
    case = _case(cworld)
    meeting = _joint(cworld)
    item = actions.do_add_action_item(
        actor=cworld.p.sub_admin,
        meeting_id=meeting.pk,
        title="跟进",
        due_on="2025-06-20",
        owner_user=cworld.p.operator,
        case_id=case.pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        walk_to(_case_world(cworld), case, "closed")
    item.refresh_from_db()
    assert item.status == "done"


def _case_world(cworld):
    from types import SimpleNamespace

    return SimpleNamespace(p=cworld.p, t=cworld.t)


def test_joint_meetings_are_only_for_admins_and_invited_departments_see_them(cworld, at):
    with pytest.raises(PermissionDenied):
        actions.do_record_meeting(
            actor=cworld.p.operator, kind="joint", area_code=SUB1, title="x", held_at="2025-06-11 14:00"
        )
    meeting = _joint(cworld)
    assert meeting in queries.meetings_visible_to(cworld.p.handler)
    assert meeting in queries.meetings_visible_to(cworld.p.other_handler)  # 自来水公司 was invited too
    assert meeting not in queries.meetings_visible_to(cworld.p.sub_admin2)
    assert meeting not in queries.meetings_visible_to(cworld.u.wan)


def test_a_bad_meeting_time_names_the_field(cworld, at):
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_meeting(
            actor=cworld.p.sub_admin, kind="joint", area_code=SUB1, title="x", held_at="明天"
        )
    assert caught.value.fields == {"held_at": "invalid"}


def test_a_property_company_is_a_handling_party_with_its_meetings(cworld, at):
    company = actions.do_register_property_company(
        actor=cworld.p.district_admin, name="青槐物业", code="WY-QH", subdistrict_code=SUB1, places=[COMM1]
    )
    assert company.department.name == "青槐物业"
    meeting = actions.do_record_meeting(
        actor=cworld.p.sub_admin,
        kind="property",
        area_code=COMM1,
        title="社区物业联席会",
        held_at="2025-06-11 10:00",
        property_company_id=company.pk,
    )
    item = actions.do_add_action_item(
        actor=cworld.p.sub_admin,
        meeting_id=meeting.pk,
        title="清理楼道堆物",
        due_on=date(2025, 6, 18),
        owner_department=company.department,
    )
    assert item.owner_label == "青槐物业"
    with pytest.raises(InvalidInput):
        actions.do_register_property_company(
            actor=None, name="外区物业", code="WY-X", subdistrict_code=SUB1, places=["110199002001"]
        )


def test_party_members_register_once_sign_up_and_record_hours(cworld, at):
    member = actions.do_register_party_member(
        actor=cworld.u.wan, community_code=COMM1, organisation="区财政局机关党委"
    )
    with pytest.raises(Conflict) as caught:
        actions.do_register_party_member(
            actor=cworld.u.wan, community_code=COMM1, organisation="区财政局机关党委"
        )
    assert "无需重复报到" in caught.value.message
    task = actions.do_publish_task(
        actor=cworld.p.sub_admin,
        community_code=COMM1,
        kind="patrol",
        title="周末巡查值守",
        starts_at="2025-06-14 09:00",
        ends_at="2025-06-14 11:00",
        slots=2,
    )
    assert [t.pk for t in queries.task_board(cworld.u.wan)] == [task.pk]
    assert queries.task_board(cworld.u.xu) == []
    with pytest.raises(NotFound):
        actions.do_sign_up(actor=cworld.u.xu, task_id=task.pk)
    signup = actions.do_sign_up(actor=cworld.u.wan, task_id=task.pk)
    with pytest.raises(InvalidInput) as caught:
        actions.do_task_check_out(actor=cworld.u.wan, signup_id=signup.pk)
    assert "先签到" in caught.value.message
    at(moment(2025, 6, 14, 9))
    actions.do_task_check_in(actor=cworld.u.wan, signup_id=signup.pk)
    at(timezone.make_aware(datetime(2025, 6, 14, 10, 30)))
    signup = actions.do_task_check_out(actor=cworld.u.wan, signup_id=signup.pk)
    assert float(signup.hours) == 1.5
    rows = queries.hours_by_unit(cworld.p.sub_admin, date(2025, 6, 1))
    assert rows == [
        {
            "organisation": "区财政局机关党委",
            "unit": "区财政局机关党委",
            "hours": signup.hours,
            "tasks": 1,
            "people": 1,
        }
    ]
    assert queries.hours_by_unit(cworld.p.sub_admin2, date(2025, 6, 1)) == []
    assert member.organisation.name == "区财政局机关党委"


def test_a_property_company_goes_on_the_responsibility_list_for_its_places(cworld, at):
    from jingzhi.core.models import AuditEvent
    from jingzhi.duties import loader
    from jingzhi.duties.models import DutyRule

    company = actions.do_register_property_company(
        actor=cworld.p.sub_admin,
        name="青槐物业",
        code="WY-QH",
        subdistrict_code=SUB1,
        places=[COMM1],
        categories=[cworld.t.cover.code],
    )
    rule = DutyRule.objects.get(departments=company.department)
    assert (rule.category, rule.scope_kind, rule.scope_code) == (cworld.t.cover, "community", COMM1)
    loader.clear_cache()
    inside = loader.route(cworld.t.cover, {"community": COMM1, "subdistrict": SUB1})
    elsewhere = loader.route(cworld.t.cover, {"community": f"{SUB1}002", "subdistrict": SUB1})
    assert [d.id for d in inside.departments] == [company.department.pk]
    assert [d.id for d in elsewhere.departments] == [cworld.p.szsr.pk]
    event = AuditEvent.objects.filter(verb="councils.property_company_registered").latest("id")
    assert event.new_values["categories"] == [cworld.t.cover.code]
    assert list(queries.company_duty_rules([company])[company.pk]) == [rule]


def test_property_company_bad_categories_register_nothing(cworld, at):
    from jingzhi.accounts.models import Department

    before = Department.objects.count()
    with pytest.raises(InvalidInput) as caught:
        actions.do_register_property_company(
            actor=cworld.p.sub_admin,
            name="A物业",
            code="WY-A",
            subdistrict_code=SUB1,
            places=[COMM1],
            categories=["NOPE-1"],
        )
    assert caught.value.fields == {"categories": "invalid"} and "NOPE-1" in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        actions.do_register_property_company(
            actor=cworld.p.sub_admin,
            name="B物业",
            code="WY-B",
            subdistrict_code=SUB1,
            categories=[cworld.t.cover.code],
        )
    assert caught.value.fields == {"places": "required"}
    assert Department.objects.count() == before


def test_property_companies_are_listed_within_the_jurisdiction(cworld, at):
    company = actions.do_register_property_company(
        actor=None, name="青槐物业", code="WY-QH", subdistrict_code=SUB1, places=[COMM1]
    )
    assert list(queries.property_companies_visible_to(cworld.p.sub_admin)) == [company]
    assert list(queries.property_companies_visible_to(cworld.u.wan)) == []
