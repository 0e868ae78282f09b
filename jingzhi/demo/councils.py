"""The demo's 多元共治 data: two councils (one for the street 何淑珍 patrols, one for a community in the second
subdistrict) with this month's roster generated and published on the 1st, the patrols of the days gone by
(most checked in and out, a few missed, one finding that became a case), a joint meeting convened by the
subdistrict with open action items (one overdue), a property company registered as a handling party with a
case dispatched to it and a community–property meeting, and party members of two units registered with
their community who signed up for tasks and recorded hours.

Everything goes through `councils.actions` (findings through `cases.actions.do_open_case`), with the clock
pinned to each day so patrols, meetings and hours carry believable dates. Deterministic (fixed choices by day
number). Idempotent: a council whose area already has one is left alone, and so are the meetings, the
company and the registrations an earlier run made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from jingzhi.core import clock

D = "110199"
SUB1, SUB2 = f"{D}001", f"{D}002"
STREET1 = f"{SUB1}S001"
COMMUNITY1 = f"{SUB1}001"
COMMUNITY2 = f"{SUB2}001"
DEMO_PASSWORD = "jingzhi-demo"
# (username, name, role, kind) beyond the one-per-role logins of build.py; "council_member" is 何淑珍.
STREET_COUNCIL = [
    ("council_member", "何淑珍", "chief", "staff"),
    ("council_luo", "罗建平", "secretary", "resident"),
    ("council_xu", "许桂芳", "member", "building_head"),
    ("council_lv", "吕长海", "member", "volunteer"),
    ("council_shi", "施老板", "member", "unit"),
]
COMMUNITY_COUNCIL = [
    ("council_tian", "田玉兰", "chief", "staff"),
    ("council_bai", "白志诚", "secretary", "resident"),
    ("council_kong", "孔德明", "member", "building_head"),
    ("council_qin", "秦素梅", "member", "volunteer"),
    ("council_yu", "于海波", "member", "resident"),
]
PARTY = [
    ("party_jia", "贾文博", "区财政局机关党委", "区财政局"),
    ("party_xue", "薛晓东", "区财政局机关党委", "区财政局"),
    ("party_cao", "曹丽娜", "区教育委员会机关党委", "区教育委员会"),
]
# The logins this part adds (the demo's council_member login already exists) and its one department (the
# property company as a handling party).
# The property company's own handler (its manager 钱经理), so that the case sent to it has a taker.
COMPANY_HANDLER = ("handler_jcwy", "钱经理")
USERNAMES = [u for u, *_rest in STREET_COUNCIL + COMMUNITY_COUNCIL + PARTY if u != "council_member"] + [
    COMPANY_HANDLER[0]
]
DEPARTMENT_CODES = [f"{D}-WY01"]
# Days of the month (1-based) whose patrol was missed; every other past day was patrolled.
MISSED_DAYS = {3, 5, 12, 20, 26}


@dataclass
class CouncilsDemo:
    councils: int = 0
    patrols: int = 0
    meetings: int = 0
    signups: int = 0


def _user(username: str, name: str):
    from jingzhi.accounts.actions import do_create_user
    from jingzhi.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(actor=None, username=username, password=DEMO_PASSWORD, display_name=name)
    return user


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _council(name: str, area_kind: str, area_code: str, people, **settings):
    from jingzhi.councils.actions import do_create_council
    from jingzhi.councils.models import Council

    council = Council.objects.filter(area_code=area_code, is_active=True).first()
    if council is not None:
        return council, False
    members = [{"user": _user(u, n), "role": r, "kind": k} for u, n, r, k in people]
    return (
        do_create_council(
            actor=None, name=name, area_kind=area_kind, area_code=area_code, members=members, **settings
        ),
        True,
    )


def _month_of_patrols(council, today: date, *, finding: str = "") -> int:
    """This month's roster (made on the 1st) and the patrols of the days before today."""
    from jingzhi.councils import actions
    from jingzhi.councils.models import Roster

    first = today.replace(day=1)
    if Roster.objects.filter(council=council, month=first).exists():
        return 0
    with clock.frozen(_at(first, 8, 0)):
        roster = actions.do_generate_roster(actor=None, council_id=council.pk, month=first)
        actions.do_publish_roster(actor=None, roster_id=roster.pk)
    lon, lat = actions.area_point(council)
    done = 0
    shifts = [
        shift
        for shift in roster.shifts.select_related("member__user").filter(day__lt=today).order_by("day")
        if shift.day.day not in MISSED_DAYS
    ]
    for shift in shifts:
        me = shift.member.user
        with clock.frozen(_at(shift.day, 8, 30 + shift.day.day % 20)):
            actions.do_start_patrol(actor=me, shift_id=shift.pk, lon=lon, lat=lat)
        # the finding is the last patrol's, still waiting for the inspector (a month-old one would be overdue)
        if finding and shift is shifts[-1]:
            with clock.frozen(_at(shift.day, 9, 5)):
                actions.do_report_finding(actor=me, shift_id=shift.pk, description=finding, lon=lon, lat=lat)
        with clock.frozen(_at(shift.day, 9, 40)):
            actions.do_finish_patrol(
                actor=me,
                shift_id=shift.pk,
                lon=lon,
                lat=lat,
                checklist={item: True for item in council.checklist},
                note="巡查完毕，总体良好" if shift.day.day % 4 else "发现问题已上报",
            )
        done += 1
    return done


def _joint_meeting(today: date) -> int:
    from jingzhi.accounts.models import Department, User
    from jingzhi.cases import workflow
    from jingzhi.cases.models import Case
    from jingzhi.councils import actions
    from jingzhi.councils.models import Meeting

    if Meeting.objects.filter(kind="joint", area_code=SUB1).exists():
        return 0
    admin = User.objects.get(username="subdistrict_admin")
    cgzf, szsr = Department.objects.get(code=f"{D}-CGZF"), Department.objects.get(code=f"{D}-SZSR")
    held = today - timedelta(days=12)
    open_cases = list(
        Case.objects.filter(subdistrict_code=SUB1, state__in=workflow.OPEN_STATES).order_by("pk")[:2]
    )
    with clock.frozen(_at(held, 14, 0)):
        meeting = actions.do_record_meeting(
            actor=admin,
            kind="joint",
            area_code=SUB1,
            title="青槐街道“疏整促”联席会议（背街小巷环境）",
            held_at=_at(held, 14, 0),
            location="街道办事处三楼会议室",
            invited_departments=[cgzf.pk, szsr.pk],
            attendance=[
                {"department": cgzf.pk, "name": "区城管执法局 执法队长"},
                {"department": szsr.pk, "name": "区城市管理委员会 市容科", "present": True},
            ],
            agenda=[{"case": c.pk} for c in open_cases] + [{"title": "槐柏树街沿线违规广告牌匾集中整治"}],
            decisions=["城管执法局牵头，两周内拆除违规牌匾", "市政市容科一周内补齐破损井盖"],
            minutes="街道通报了背街小巷近期问题，各部门认领任务。",
        )
        decisions = list(meeting.decisions.all())
        actions.do_add_action_item(
            actor=admin,
            meeting_id=meeting.pk,
            title="拆除槐柏树街违规广告牌匾",
            due_on=held + timedelta(days=7),
            owner_department=cgzf,
            decision_id=decisions[0].pk,
        )
        actions.do_add_action_item(
            actor=admin,
            meeting_id=meeting.pk,
            title="补齐沿线破损井盖",
            due_on=today + timedelta(days=5),
            owner_department=szsr,
            decision_id=decisions[1].pk,
        )
    return 1


def _property_company(today: date) -> int:
    from jingzhi.accounts.models import User
    from jingzhi.cases import actions as case_actions
    from jingzhi.councils import actions
    from jingzhi.councils.models import PropertyCompany

    if PropertyCompany.objects.filter(name="京城物业").exists():
        return 0
    admin = User.objects.get(username="district_admin")
    sub_admin = User.objects.get(username="subdistrict_admin")
    company = actions.do_register_property_company(
        actor=admin,
        name="京城物业",
        code=DEPARTMENT_CODES[0],
        subdistrict_code=SUB1,
        places=[COMMUNITY1],
        contact="钱经理",
    )
    from jingzhi.accounts.actions import do_assign_role

    manager = _user(*COMPANY_HANDLER)
    do_assign_role(
        actor=admin,
        user=manager,
        role="handler",
        scope_kind="department",
        scope_code="",
        department=company.department,
    )
    from shapely.geometry import shape

    from jingzhi.geo.queries import place_by_code

    inside = shape(place_by_code("community", COMMUNITY1).geometry).representative_point()
    lon, lat = round(inside.x, 7), round(inside.y, 7)
    day = today - timedelta(days=3)
    with clock.frozen(_at(day, 10, 0)):
        case = case_actions.do_open_case(
            actor=None, source="hotline", description="小区楼道内堆放杂物多日，物业未清理", lon=lon, lat=lat
        )
        case = case_actions.do_verify_case(actor=None, case_id=case.pk, note="现场核实，情况属实")
        condition = case.category.filing_conditions.first() if case.category_id else None
        case = case_actions.do_file_case(
            actor=None,
            case_id=case.pk,
            filing_condition=condition.pk if condition else None,
            note="物业管理问题",
        )
        case_actions.do_dispatch_case(
            actor=None, case_id=case.pk, departments=[company.department], note="物业管理问题，由物业公司处置"
        )
        case_actions.do_accept_case(actor=manager, case_id=case.pk)  # the company took it the same morning
    with clock.frozen(_at(day + timedelta(days=1), 15, 0)):
        meeting = actions.do_record_meeting(
            actor=sub_admin,
            kind="property",
            area_code=COMMUNITY1,
            title="青槐东里社区与京城物业党建联建协调会",
            held_at=_at(day + timedelta(days=1), 15, 0),
            location="社区党群服务中心",
            property_company_id=company.pk,
            agenda=[{"case": case.pk}],
            decisions=["物业三日内清理楼道堆物，社区跟进回访"],
        )
        actions.do_add_action_item(
            actor=sub_admin,
            meeting_id=meeting.pk,
            title="清理楼道堆物",
            due_on=day + timedelta(days=4),
            owner_department=company.department,
            case_id=case.pk,
        )
    return 1


def _party(today: date) -> int:
    from jingzhi.accounts.models import User
    from jingzhi.councils import actions
    from jingzhi.councils.models import PartyMember

    if PartyMember.objects.filter(community_code=COMMUNITY1).exists():
        return 0
    admin = User.objects.get(username="subdistrict_admin")
    members = []
    first = today.replace(day=1)
    with clock.frozen(_at(first, 8, 0)):
        for username, name, org, unit in PARTY:
            user = _user(username, name)
            actions.do_register_party_member(
                actor=user, community_code=COMMUNITY1, organisation=org, unit_name=unit
            )
            members.append(user)
    signups = 0
    plan = [
        (2, "patrol", "周末背街小巷巡查值守"),
        (9, "event", "社区环境清洁日"),
        (16, "steward", "小巷管家协助值守"),
    ]
    for offset, kind, title in plan:
        day = first + timedelta(days=offset)
        if day >= today:
            day = today + timedelta(days=offset)  # early in the month: these tasks are still ahead
        with clock.frozen(_at(first, 9, 0) if day >= today else _at(day - timedelta(days=1), 9, 0)):
            task = actions.do_publish_task(
                actor=admin,
                community_code=COMMUNITY1,
                kind=kind,
                title=title,
                starts_at=_at(day, 9, 0),
                ends_at=_at(day, 11, 30),
                slots=5,
            )
            for user in members:
                actions.do_sign_up(actor=user, task_id=task.pk)
                signups += 1
        if day < today:
            for n, signup in enumerate(task.signups.select_related("member__user")):
                with clock.frozen(_at(day, 9, 0)):
                    actions.do_task_check_in(actor=signup.member.user, signup_id=signup.pk)
                with clock.frozen(_at(day, 11, 0 + 10 * n)):
                    actions.do_task_check_out(actor=signup.member.user, signup_id=signup.pk)
    return signups


def load_demo_councils(*, actor=None) -> CouncilsDemo:
    from jingzhi.councils.actions import today as local_today

    today = local_today()
    out = CouncilsDemo()
    with clock.frozen(_at(today.replace(day=1), 7, 0)):
        street, made1 = _council("槐柏树街自治共建理事会", "street", STREET1, STREET_COUNCIL)
        community, made2 = _council(
            "石碑社区自治共建理事会", "community", COMMUNITY2, COMMUNITY_COUNCIL, holiday_policy="skip"
        )
    out.councils = int(made1) + int(made2)
    out.patrols += _month_of_patrols(street, today, finding="胡同口堆放了一堆建筑垃圾")
    out.patrols += _month_of_patrols(community, today)
    out.meetings += _joint_meeting(today)
    out.meetings += _property_company(today)
    out.signups += _party(today)
    return out
