"""The 民意立项 demo: the example catalogue, a household register for 甲8号院 and 乙2号楼 in the first
community, and one project of each type at a different stage, made through the projects actions with the
clock set back so the timelines read like real ones:

- 甲8号院单元门禁 (民需申报型): declared, co-signed, accepted, deliberated, and open for voting now, with
  ballots online, at the meeting and on paper; 王阿姨 (login `resident`) has not voted yet.
- 社区便民菜站 (民意征求型): voted through, in publicity, with one objection waiting for an answer.
- 背街停车自治管理 (民情推动型): proposed from cases, voted, approved, delivered, accepted and rated.

Idempotent: a project already there (by title) is left alone.
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.db import transaction

from jingzhi.demo.build import COMMUNITY1, DEMO_PASSWORD

NEIGHBOURS = [("resident_li", "李建国"), ("resident_zhao", "赵桂芝"), ("resident_sun", "孙伟")]
TITLES = ("甲8号院单元门禁", "社区便民菜站", "背街停车自治管理")


def _register_book() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "社区编码",
            "楼栋/院落",
            "地址",
            "户代表",
            "联系电话",
            "人数",
            "建筑面积",
            "产权户",
            "利益相关群体",
            "成员账号",
        ]
    )
    accounts = {1: "resident", 2: "resident_li", 3: "resident_zhao", 4: "resident_sun"}
    for n in range(1, 13):
        sheet.append(
            [
                COMMUNITY1,
                "甲8号院",
                f"甲8号院{n}号",
                f"演示住户{n}",
                "",
                2 + n % 3,
                45 + n,
                "是",
                "",
                accounts.get(n, ""),
            ]
        )
    for n in range(1, 9):
        sheet.append(
            [
                COMMUNITY1,
                "乙2号楼",
                f"乙2号楼{n:02d}室",
                f"演示乙户{n}",
                "",
                2,
                70,
                "是",
                "底商" if n <= 2 else "",
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _users():
    from jingzhi.accounts.actions import do_assign_role, do_create_user
    from jingzhi.accounts.models import User

    for username, name in NEIGHBOURS:
        if not User.objects.filter(username=username).exists():
            user = do_create_user(actor=None, username=username, password=DEMO_PASSWORD, display_name=name)
            do_assign_role(
                actor=None, user=user, role="resident", scope_kind="community", scope_code=COMMUNITY1
            )
    return {
        u.username: u
        for u in User.objects.filter(username__in=["resident", "subdistrict_admin", *dict(NEIGHBOURS)])
    }


def _others(households) -> list[str]:
    """The addresses of the households without a demo account (their ballots come on paper)."""
    return sorted(a for a in households if a not in {f"甲8号院{n}号" for n in range(1, 5)})


def _meeting(project, office, when, title, minutes):
    from jingzhi.projects import actions

    meeting = actions.do_record_meeting(
        actor=office,
        project_id=project.pk,
        title=title,
        held_at=when,
        place="社区议事厅",
        notice="请各楼门长、居民代表准时参加",
        invited_groups=["representative", "building_chief", "property", "party"],
        quorum=5,
        attendees=[(f"代表{n}", "representative") for n in range(1, 6)]
        + [("物业经理", "property"), ("楼门长老周", "building_chief")],
        items=[{"title": "方案一（推荐）", "for": 5, "against": 1, "abstain": 1, "notes": "多数赞成"}],
        minutes=minutes,
    )
    actions.do_confirm_minutes(actor=office, meeting_id=meeting.pk, names=[f"代表{n}" for n in range(1, 6)])


def load_demo_projects(*, actor=None) -> int:
    """Load the demo projects; returns how many were created."""
    from jingzhi.core import clock
    from jingzhi.projects import actions
    from jingzhi.projects.models import Household, Project, ProjectKind

    if not ProjectKind.objects.exists():
        actions.do_load_example_kinds(actor=actor)
    users = _users()
    if not Household.objects.filter(community_code=COMMUNITY1).exists():
        actions.do_import_register(actor=actor, source=_register_book())
    office = users["subdistrict_admin"]
    hh = {h.address: h for h in Household.objects.filter(community_code=COMMUNITY1)}
    made = 0
    now = clock.now()

    def at(days_ago):
        return clock.frozen(now - timedelta(days=days_ago))

    with transaction.atomic():
        if not Project.objects.filter(title=TITLES[0]).exists():
            made += 1
            with at(12):
                p = actions.do_create_project(
                    actor=users["resident_li"],
                    kind="EX-PS-01",
                    title=TITLES[0],
                    description="甲8号院三个单元门常年敞开，外来人员随意进出，申请安装单元门禁（刷卡+人脸）。",
                    reason="院内近三个月发生两起电动车被盗。",
                    scope_code=COMMUNITY1,
                    scope_buildings=["甲8号院"],
                )
                for who in ("resident_zhao", "resident_sun"):
                    actions.do_cosign(actor=users[who], project_id=p.pk)
            with at(11):
                if p.state == "declared":
                    actions.do_cosign(actor=users["resident"], project_id=p.pk)
            with at(10):
                actions.do_decide(actor=office, project_id=p.pk, action="accept")
            with at(6):
                _meeting(
                    p,
                    office,
                    now - timedelta(days=6),
                    "甲8号院门禁议事协商会",
                    "比较三种方案，推荐刷卡+人脸方案，提交全院表决。",
                )
            with at(3):
                actions.do_open_vote(
                    actor=office,
                    project_id=p.pk,
                    question="是否同意在甲8号院安装单元门禁（刷卡+人脸）",
                    closes_at=now + timedelta(days=4),
                )
                actions.do_cast_ballot(actor=users["resident_li"], project_id=p.pk, choice="full")
                actions.do_cast_ballot(actor=users["resident_zhao"], project_id=p.pk, choice="partial")
            with at(2):
                for n, choice in ((5, "full"), (6, "full"), (7, "oppose"), (8, "full")):
                    actions.do_cast_ballot(
                        actor=office,
                        project_id=p.pk,
                        choice=choice,
                        channel="meeting",
                        household_id=hh[f"甲8号院{n}号"].pk,
                    )
                for n, choice in ((9, "full"), (10, "full"), (11, "abstain"), (12, "partial")):
                    actions.do_cast_ballot(
                        actor=office,
                        project_id=p.pk,
                        choice=choice,
                        channel="paper",
                        household_id=hh[f"甲8号院{n}号"].pk,
                    )
        if not Project.objects.filter(title=TITLES[1]).exists():
            made += 1
            with at(20):
                p = actions.do_create_project(
                    actor=office,
                    kind="EX-SV-01",
                    title=TITLES[1],
                    project_type="solicit",
                    description="利用腾退的临街空间开设便民菜站，由运营方经营，早七点至晚八点。",
                    reason="周边一公里内没有菜市场，老年居民买菜不便。",
                    scope_code=COMMUNITY1,
                )
                actions.do_decide(actor=office, project_id=p.pk, action="submit")
            with at(18):
                _meeting(
                    p,
                    office,
                    now - timedelta(days=18),
                    "便民菜站选址议事会",
                    "确定选址与营业时间，提交居民表决。",
                )
                actions.do_open_vote(
                    actor=office,
                    project_id=p.pk,
                    question="是否同意开设社区便民菜站",
                    closes_at=now - timedelta(days=3),
                )
            with at(15):
                actions.do_cast_ballot(actor=users["resident"], project_id=p.pk, choice="full")
                actions.do_cast_ballot(actor=users["resident_sun"], project_id=p.pk, choice="oppose")
                for n, address in enumerate(_others(hh), start=1):
                    actions.do_cast_ballot(
                        actor=office,
                        project_id=p.pk,
                        choice="oppose" if n % 6 == 0 else "full",
                        channel="paper",
                        household_id=hh[address].pk,
                    )
            with at(2):
                actions.do_close_vote(actor=office, project_id=p.pk)
            with at(1):
                actions.do_object(
                    actor=users["resident_sun"],
                    project_id=p.pk,
                    grounds="菜站卸货时间在早上六点，噪声会影响乙2号楼底层住户休息。",
                )
        if not Project.objects.filter(title=TITLES[2]).exists():
            made += 1
            with at(80):
                p = actions.do_create_project(
                    actor=None,
                    kind="EX-UM-02",
                    project_type="driven",
                    title=TITLES[2],
                    description="90 天内本社区乱停车案件 12 件，系统提议实行背街停车自治管理：划定车位、居民自管。",
                    scope_code=COMMUNITY1,
                )
                actions.do_decide(actor=office, project_id=p.pk, action="adopt")
            with at(75):
                _meeting(
                    p, office, now - timedelta(days=75), "停车自治议事会", "划定 40 个车位，成立停车自管会。"
                )
                actions.do_open_vote(
                    actor=office,
                    project_id=p.pk,
                    question="是否同意实行停车自治管理",
                    closes_at=now - timedelta(days=68),
                )
            with at(72):
                for who in ("resident", "resident_li", "resident_zhao", "resident_sun"):
                    actions.do_cast_ballot(actor=users[who], project_id=p.pk, choice="full")
                for n, address in enumerate(_others(hh), start=1):
                    actions.do_cast_ballot(
                        actor=office,
                        project_id=p.pk,
                        choice="full" if n % 5 else "oppose",
                        channel="paper",
                        household_id=hh[address].pk,
                    )
            with at(67):
                actions.do_close_vote(actor=office, project_id=p.pk)
            with at(60):
                actions.do_approve(actor=office, project_id=p.pk, note="公示期满无异议")
                actions.do_start_delivery(
                    actor=office, project_id=p.pk, vendor="示范物业服务有限公司", budget="36000"
                )
            with at(45):
                actions.do_record_milestone(actor=office, project_id=p.pk, title="车位划线完成", progress=60)
            with at(30):
                actions.do_record_milestone(
                    actor=office, project_id=p.pk, title="停车自管会成立、试运行", progress=100
                )
                actions.do_accept_delivery(
                    actor=office, project_id=p.pk, note="车位标线清晰，自管会运行正常。", representatives=5
                )
            with at(20):
                for who, score in (
                    ("resident", 5),
                    ("resident_li", 4),
                    ("resident_zhao", 4),
                    ("resident_sun", 3),
                ):
                    actions.do_rate(actor=users[who], project_id=p.pk, score=score)
    return made
