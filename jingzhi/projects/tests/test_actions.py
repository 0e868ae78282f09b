"""民意立项 through its actions: the register import, the three types, the vote on every channel, publicity
with objections, delivery, acceptance and rating, and each refusal the issue lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jingzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from jingzhi.core.models import AuditEvent
from jingzhi.projects import actions, queries, workflow
from jingzhi.projects.exceptions import (
    ActionNotAllowed,
    DuplicateBallot,
    NotOnRegister,
    RegisterProblems,
    VotingClosed,
)
from jingzhi.projects.models import Ballot, Household, Project, RegisterEntry, Round
from jingzhi.projects.testing import COMM1, COMM3, T0, register_rows, solicit_to_voting, workbook

pytestmark = pytest.mark.django_db


def h(world, address):
    return world.households[address]


# ------------------------------------------------------------------------------------------------ register
def test_the_register_import_reads_households_and_matches_accounts(world):
    assert Household.objects.count() == 17
    first = h(world, "甲8号院1号")
    assert sorted(first.people.values_list("user__username", flat=True)) == ["lisi", "zhangsan"]
    assert first.people.get(user__username="zhangsan").is_representative
    assert first.floor_area == 61


def test_a_register_with_a_duplicate_and_an_unknown_community_imports_nothing(world):
    rows = [
        [COMM1, "丙院", "丙院1号", "甲", "", 1, 50, "是", "", ""],
        [COMM1, "丙院", "丙院1号", "乙", "", 1, 50, "是", "", ""],
        ["110188001999", "丙院", "丙院2号", "丙", "", 1, 50, "是", "", ""],
        [COMM1, "丙院", "丙院3号", "丁", "", 1, -3, "是", "", "nosuchuser"],
    ]
    with pytest.raises(RegisterProblems) as caught:
        actions.do_import_register(actor=world.p.office, source=workbook(rows))
    text = "\n".join(caught.value.problems)
    assert "第 3 行" in text and "与第 2 行重复" in text
    assert "第 4 行" in text and "110188001999 不存在" in text
    assert "第 5 行" in text and "建筑面积应大于 0" in text and "nosuchuser" in text
    assert Household.objects.count() == 17


def test_an_office_cannot_import_households_of_another_subdistrict(world):
    rows = [[COMM3, "新桥院", "新桥9号", "甲", "", 1, None, "是", "", ""]]
    with pytest.raises(RegisterProblems) as caught:
        actions.do_import_register(actor=world.p.office, source=workbook(rows))
    assert "不在您的辖区" in caught.value.message
    assert actions.do_import_register(actor=world.p.office2, source=workbook(rows))


def test_a_missing_column_is_named(world):
    with pytest.raises(RegisterProblems) as caught:
        actions.do_import_register(
            actor=None, source=workbook([[COMM1, "院"]], header=["社区编码", "楼栋/院落"])
        )
    assert "缺少列" in caught.value.message and "地址" in caught.value.message


def test_re_importing_the_register_updates_and_keeps_households(world):
    rows = register_rows({})
    rows[0][3] = "新户代表"
    actions.do_import_register(actor=None, source=workbook(rows))
    assert Household.objects.count() == 17
    assert h(world, "甲8号院1号").pk == Household.objects.get(address="甲8号院1号").pk
    assert Household.objects.get(address="甲8号院1号").representative == "新户代表"


# ------------------------------------------------------------------------------------------------ the vote
def test_the_solicit_journey_from_draft_to_closed(world, at):
    p = world.p
    project = solicit_to_voting(world)
    assert project.state == workflow.VOTING
    round_ = Round.objects.get(project=project)
    assert round_.register.count() == 10  # 甲8号院 only
    actions.do_cast_ballot(actor=p.rep, project_id=project.pk, choice="full")
    actions.do_cast_ballot(actor=p.neighbour, project_id=project.pk, choice="partial")
    for n in range(3, 7):
        actions.do_cast_ballot(
            actor=p.office,
            project_id=project.pk,
            choice="full",
            channel="paper",
            household_id=h(world, f"甲8号院{n}号").pk,
        )
    actions.do_cast_ballot(
        actor=p.office,
        project_id=project.pk,
        choice="oppose",
        channel="meeting",
        household_id=h(world, "甲8号院7号").pk,
    )
    at(T0 + timedelta(days=7, minutes=1))
    with pytest.raises(VotingClosed):
        actions.do_cast_ballot(actor=p.spouse, project_id=project.pk, choice="oppose")
    round_ = actions.do_close_vote(actor=p.office, project_id=project.pk)
    assert round_.result["outcome"] == workflow.PASSED_FULL
    assert round_.result["voted_units"] == 7
    project.refresh_from_db()
    assert project.state == workflow.PUBLICITY
    objection = actions.do_object(actor=p.spouse, project_id=project.pk, grounds="门禁位置挡住轮椅通道")
    with pytest.raises(ApplicationError) as caught:
        actions.do_approve(actor=p.office, project_id=project.pk)
    assert "异议未答复" in caught.value.message
    actions.do_answer_objection(
        actor=p.office, objection_id=objection.pk, answer="门禁移至东侧，保留无障碍通道"
    )
    with pytest.raises(ApplicationError) as caught:
        actions.do_approve(actor=p.office, project_id=project.pk)
    assert "公示期尚未结束" in caught.value.message
    at(T0 + timedelta(days=13))
    with pytest.raises(ApplicationError) as caught:
        actions.do_object(actor=p.spouse, project_id=project.pk, grounds="晚了")
    assert caught.value.code == "publicity_over"
    actions.do_approve(actor=p.office, project_id=project.pk)
    actions.do_start_delivery(
        actor=p.office, project_id=project.pk, department=p.dept.pk, vendor="某安防公司", budget="58000"
    )
    actions.do_record_milestone(actor=p.office, project_id=project.pk, title="安装完成", progress=100)
    with pytest.raises(ApplicationError):
        actions.do_accept_delivery(actor=p.office, project_id=project.pk, note="合格", representatives=0)
    actions.do_accept_delivery(actor=p.office, project_id=project.pk, note="合格", representatives=3)
    actions.do_rate(actor=p.rep, project_id=project.pk, score=2)
    actions.do_rate(actor=p.neighbour, project_id=project.pk, score=1)
    project.refresh_from_db()
    assert project.operator_flagged
    actions.do_rate(actor=p.spouse, project_id=project.pk, score=5)  # same household as rep: replaces
    project.refresh_from_db()
    assert not project.operator_flagged  # one poor of two
    with pytest.raises(ActionNotAllowed):
        actions.do_rate(actor=p.tenant, project_id=project.pk, score=5)  # 乙2号楼 was not in scope
    actions.do_decide(actor=p.office, project_id=project.pk, action="close")
    project.refresh_from_db()
    assert project.state == workflow.CLOSED
    assert [e.action for e in project.events.all()][-4:] == ["rate", "rate", "rate", "close"]
    assert AuditEvent.objects.filter(verb="projects.ballot_cast").count() == 7


def test_a_household_outside_the_scope_cannot_vote(world, at):
    project = solicit_to_voting(world)
    with pytest.raises(NotOnRegister) as caught:
        actions.do_cast_ballot(actor=world.p.tenant, project_id=project.pk, choice="full")
    assert "不在本项目的征求范围" in caught.value.message
    with pytest.raises(NotOnRegister):
        actions.do_cast_ballot(actor=world.p.nobody, project_id=project.pk, choice="full")
    with pytest.raises(NotOnRegister) as caught:
        actions.do_cast_ballot(
            actor=world.p.office,
            project_id=project.pk,
            choice="full",
            channel="paper",
            household_id=h(world, "乙2号楼101").pk,
        )
    assert "乙2号楼101" in caught.value.message


def test_a_resident_registered_after_opening_is_not_on_the_frozen_register(world, at):
    project = solicit_to_voting(world)
    rows = [[COMM1, "甲8号院", "甲8号院11号", "新来户", "", 1, 50, "是", "", "sunba"]]
    actions.do_import_register(actor=world.p.office, source=workbook(rows))
    with pytest.raises(NotOnRegister) as caught:
        actions.do_cast_ballot(actor=world.p.nobody, project_id=project.pk, choice="full")
    assert "冻结名册" in caught.value.message


def test_a_paper_ballot_after_an_online_one_is_refused_naming_the_earlier(world, at):
    project = solicit_to_voting(world)
    first = actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full")
    with pytest.raises(DuplicateBallot) as caught:
        actions.do_cast_ballot(
            actor=world.p.office,
            project_id=project.pk,
            choice="oppose",
            channel="paper",
            household_id=h(world, "甲8号院1号").pk,
        )
    assert "网上投票" in caught.value.message and f"第 {first.pk} 号票" in caught.value.message
    assert caught.value.details["earlier_ballot"] == first.pk
    assert Ballot.objects.filter(round__project=project, counted=True).count() == 1


def test_an_online_ballot_after_a_paper_one_is_refused(world, at):
    project = solicit_to_voting(world)
    actions.do_cast_ballot(
        actor=world.p.office,
        project_id=project.pk,
        choice="oppose",
        channel="paper",
        household_id=h(world, "甲8号院1号").pk,
    )
    with pytest.raises(DuplicateBallot):
        actions.do_cast_ballot(actor=world.p.spouse, project_id=project.pk, choice="full")


def test_an_online_ballot_may_be_changed_until_close_and_keeps_its_history(world, at):
    project = solicit_to_voting(world)
    actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full")
    actions.do_cast_ballot(actor=world.p.spouse, project_id=project.pk, choice="oppose")
    ballots = list(Ballot.objects.filter(round__project=project).order_by("id"))
    assert [(b.choice, b.counted) for b in ballots] == [("full", False), ("oppose", True)]
    assert ballots[0].superseded_at is not None
    rows = {r["channel"]: r for r in queries.reconciliation(ballots[0].round)}
    assert rows["online"] == {
        **rows["online"],
        "given": 2,
        "counted": 1,
        "replaced": 1,
        "register": 1,
        "ok": True,
    }


def test_a_secret_round_stores_no_household_on_the_ballot_and_a_signed_one_needs_a_signature(world, at):
    project = solicit_to_voting(world)
    ballot = actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full")
    assert ballot.entry_id is None and "h" not in ballot.unit_digest[:1]
    signed = solicit_to_voting(world, kind="EX-UM-01")  # 加装电梯: signed, owners only
    with pytest.raises(ApplicationError) as caught:
        actions.do_cast_ballot(
            actor=world.p.office,
            project_id=signed.pk,
            choice="full",
            channel="paper",
            household_id=h(world, "甲8号院2号").pk,
        )
    assert caught.value.fields == {"signed_name": "required"}
    ballot = actions.do_cast_ballot(
        actor=world.p.office,
        project_id=signed.pk,
        choice="full",
        channel="paper",
        household_id=h(world, "甲8号院2号").pk,
        signed_name="住户2",
    )
    assert ballot.entry.household_id == h(world, "甲8号院2号").pk


def test_a_change_of_rules_after_opening_is_a_new_round_and_the_old_ballots_stay(world, at):
    project = solicit_to_voting(world)
    actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full")
    with pytest.raises(ApplicationError) as caught:
        actions.do_new_round(
            actor=world.p.office, project_id=project.pk, rules={"support": "2/3"}, reason="x"
        )
    assert caught.value.fields == {"rules": "unchanged"}
    with pytest.raises(ApplicationError) as caught:
        actions.do_new_round(
            actor=world.p.office, project_id=project.pk, rules={"support": "9/5"}, reason="x"
        )
    assert "support" in caught.value.fields
    new = actions.do_new_round(
        actor=world.p.office, project_id=project.pk, rules={"support": "1/2"}, reason="议事会建议过半即可"
    )
    old = Round.objects.get(project=project, number=1)
    assert old.status == Round.Status.SUPERSEDED and old.ballots.count() == 1
    assert new.number == 2 and new.rules["support"] == "1/2" and new.ballots.count() == 0
    actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="oppose")  # a fresh ballot


def test_the_vote_opens_only_after_a_meeting_with_confirmed_minutes(world, at):
    office = world.p.office
    project = actions.do_create_project(
        actor=office, kind="EX-SB-01", title="院落改造", description="改造", scope_code=COMM1
    )
    actions.do_decide(actor=office, project_id=project.pk, action="submit")
    with pytest.raises(ApplicationError) as caught:
        actions.do_open_vote(
            actor=office, project_id=project.pk, question="改吗", closes_at=T0 + timedelta(days=3)
        )
    assert "议事协商会" in caught.value.message
    meeting = actions.do_record_meeting(
        actor=office,
        project_id=project.pk,
        title="会",
        held_at=T0,
        place="室",
        quorum=3,
        attendees=[("甲", "representative"), ("乙", "expert")],
        minutes="纪要",
    )
    with pytest.raises(ApplicationError) as caught:
        actions.do_confirm_minutes(actor=office, meeting_id=meeting.pk, names=["甲", "乙"])
    assert "未达到法定人数" in caught.value.message
    with pytest.raises(ApplicationError) as caught:
        actions.do_record_meeting(
            actor=office,
            project_id=project.pk,
            title="会",
            held_at=T0,
            place="室",
            attendees=[("甲", "representative")],
            items=[{"title": "方案", "for": 5}],
        )
    assert "不能超过签到人数" in caught.value.message


def test_a_failed_vote_rejects_the_project(world, at):
    project = solicit_to_voting(world)
    actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full")
    at(T0 + timedelta(days=8))
    actions.do_close_vote(actor=world.p.office, project_id=project.pk)
    project.refresh_from_db()
    assert project.state == workflow.REJECTED and project.outcome == workflow.FAILED_TURNOUT


def test_weights_by_area_need_every_floor_area(world, at):
    with pytest.raises(ApplicationError) as caught:
        solicit_to_voting(
            world, buildings=(), scope=COMM3, rules={"weight_by_area": True}, office=world.p.office2
        )
    assert "新桥1号" in caught.value.message


# ------------------------------------------------------------------------------------------------ other types
def test_a_declared_need_opens_when_co_applicants_reach_the_proportion(world, at):
    p = world.p
    project = actions.do_create_project(
        actor=p.rep,
        kind="EX-PS-01",
        title="甲8号院门禁",
        description="需要门禁",
        scope_code=COMM1,
        scope_buildings=["甲8号院"],
    )
    assert project.type == workflow.DECLARE and project.state == workflow.DECLARED
    with pytest.raises(ApplicationError):
        actions.do_cosign(actor=p.spouse, project_id=project.pk)  # same household
    with pytest.raises(ActionNotAllowed):
        actions.do_cosign(actor=p.tenant, project_id=project.pk)  # another building
    actions.do_cosign(actor=p.neighbour, project_id=project.pk)
    project.refresh_from_db()
    assert project.state == workflow.DECLARED  # 2 of 10 < 3/10
    rows = [[COMM1, "甲8号院", "甲8号院3号", "住户3", "", 3, 63, "是", "", "sunba"]]
    actions.do_import_register(actor=p.office, source=workbook(rows))
    actions.do_cosign(actor=p.nobody, project_id=project.pk)
    project.refresh_from_db()
    assert project.state == workflow.PENDING_ACCEPTANCE
    with pytest.raises(ApplicationError) as caught:
        actions.do_decide(actor=p.office, project_id=project.pk, action="refuse")
    assert caught.value.fields == {"note": "required"}
    with pytest.raises(ActionNotAllowed):  # public, but not theirs to decide
        actions.do_decide(actor=p.office2, project_id=project.pk, action="accept")
    actions.do_decide(actor=p.office, project_id=project.pk, action="accept")
    project.refresh_from_db()
    assert project.state == workflow.DELIBERATION


def test_an_outsider_cannot_declare_in_a_scope_without_their_household(world):
    with pytest.raises(NotOnRegister):
        actions.do_create_project(
            actor=world.p.outsider, kind="EX-PS-01", title="门禁", description="要", scope_code=COMM1
        )


def test_cases_of_one_category_in_one_community_propose_a_driven_project(world, at):
    from jingzhi.cases.models import Case
    from jingzhi.taxonomy import actions as tax

    category = tax.do_create_category(actor=None, kind="event", code="09", name="乱停车")
    actions.do_save_drive_rule(actor=None, category=category, kind="EX-UM-02", min_cases=3, days=90)
    kw = dict(category=category, community_code=COMM1, subdistrict_code=COMM1[:9], district_code=COMM1[:6])
    made = []
    for n in range(3):
        case = Case.objects.create(number=f"T{n}", description="车", **{k: v for k, v in kw.items()})
        made.append(case)
        proposed = actions.propose_from_case(case)
        assert (proposed is not None) == (n == 2)
    project = Project.objects.get(type=workflow.DRIVEN)
    assert project.state == workflow.PROPOSED and project.scope_code == COMM1
    assert set(project.evidence_cases.values_list("pk", flat=True)) == {c.pk for c in made}
    assert actions.propose_from_case(made[0]) is None  # one live proposal per rule and community
    assert project not in queries.public_projects()
    with pytest.raises(PermissionDenied):
        actions.do_create_project(
            actor=world.p.office,
            kind="EX-UM-02",
            project_type="driven",
            title="x",
            description="y",
            scope_code=COMM1,
        )
    actions.do_decide(actor=world.p.office, project_id=project.pk, action="adopt")


def test_queries_scope_projects_to_the_office_and_the_household(world, at):
    project = solicit_to_voting(world)
    assert list(queries.projects_for_office(world.p.office)) == [project]
    assert list(queries.projects_for_office(world.p.office2)) == []
    assert queries.my_projects(world.p.rep) == [project]
    assert queries.my_projects(world.p.tenant) == []
    assert queries.my_projects(world.p.nobody) == []
    assert RegisterEntry.objects.filter(round__project=project).count() == 10


def test_a_draft_is_missing_for_everyone_but_its_office(world):
    from jingzhi.projects.permissions import access_project

    draft = actions.do_create_project(
        actor=world.p.office, kind="EX-SB-01", title="草案", description="内部", scope_code=COMM1
    )
    assert access_project(world.p.office, draft.pk) == draft
    for who in (world.p.office2, world.p.rep, world.p.nobody):
        with pytest.raises(NotFound):
            access_project(who, draft.pk)
    with pytest.raises(NotFound):
        actions.do_decide(actor=world.p.office2, project_id=draft.pk, action="submit")
    with pytest.raises(NotFound):
        access_project(world.p.office, "abc")
