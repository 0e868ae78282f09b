"""Notices to households: a vote opening reaches the people on the frozen register, publicity the people
of the households in scope, an answer the objector — each exactly once, nobody else, in every interface
language, and nothing at all when the action is refused."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings

from jingzhi.core.errors import ApplicationError
from jingzhi.core.models import Notification
from jingzhi.projects import actions
from jingzhi.projects.actions import notices
from jingzhi.projects.testing import COMM1, T0, solicit_to_voting, workbook

pytestmark = pytest.mark.django_db


def received(verb) -> Counter:
    return Counter(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


IN_SCOPE = {"zhangsan": 1, "lisi": 1, "wangwu": 1}  # 甲8号院1号 (two members) and 甲8号院2号


def _pass_vote(world, project):
    for n in range(1, 7):
        actions.do_cast_ballot(
            actor=world.p.office,
            project_id=project.pk,
            choice="full",
            channel="paper",
            household_id=world.households[f"甲8号院{n}号"].pk,
        )


def test_a_vote_opening_tells_each_person_on_the_frozen_register_once(world, at):
    project = solicit_to_voting(world)
    assert received(notices.VOTE_OPENED) == IN_SCOPE  # not 乙2号楼's tenant, not 新桥, not the office
    row = Notification.objects.filter(verb=notices.VOTE_OPENED, recipient=world.p.rep).get()
    assert row.link == f"/projects/{project.pk}/vote/" and project.title in row.title
    assert "截止 2025-06-18 10:00" in row.body
    assert set(row.texts) == {code for code, _name in settings.LANGUAGES}
    assert row.texts["en"]["title"].startswith("Vote open")
    assert not any(h.representative in row.body or h.address in row.body for h in world.households.values())


def test_a_per_person_round_tells_the_members_on_it(world, at):
    solicit_to_voting(world, rules={"unit": "person"})
    assert received(notices.VOTE_OPENED) == IN_SCOPE


def test_a_new_round_tells_the_register_again_and_a_late_household_is_not_on_it(world, at):
    project = solicit_to_voting(world)
    rows = [[COMM1, "甲8号院", "甲8号院11号", "新来户", "", 1, 50, "是", "", "sunba"]]
    actions.do_import_register(actor=world.p.office, source=workbook(rows))
    assert received(notices.VOTE_OPENED)["sunba"] == 0  # registered after opening
    actions.do_new_round(
        actor=world.p.office, project_id=project.pk, rules={"support": "1/2"}, reason="过半即可"
    )
    # the new round froze the register again: the new household is on it now
    assert received(notices.VOTE_OPENED) == {"zhangsan": 2, "lisi": 2, "wangwu": 2, "sunba": 1}
    latest = Notification.objects.filter(verb=notices.VOTE_OPENED, recipient=world.p.nobody).get()
    assert "过半即可" in latest.body and "第 2 轮" in latest.body


def test_a_refused_opening_tells_nobody(world, at):
    project = actions.do_create_project(
        actor=world.p.office,
        kind="EX-SB-01",
        title="无议事会",
        description="直接表决",
        scope_code=COMM1,
        scope_buildings=["甲8号院"],
        project_type="solicit",
    )
    actions.do_decide(actor=world.p.office, project_id=project.pk, action="submit")
    with pytest.raises(ApplicationError):
        actions.do_open_vote(
            actor=world.p.office, project_id=project.pk, question="?", closes_at=T0 + timedelta(days=3)
        )
    assert not Notification.objects.exists()


def test_publicity_tells_the_households_in_scope_once_and_an_answer_tells_the_objector(world, at):
    project = solicit_to_voting(world)
    rows = [[COMM1, "甲8号院", "甲8号院11号", "新来户", "", 1, 50, "是", "", "sunba"]]
    actions.do_import_register(actor=world.p.office, source=workbook(rows))
    _pass_vote(world, project)
    at(T0 + timedelta(days=8))
    actions.do_close_vote(actor=world.p.office, project_id=project.pk)
    # everyone who may object: the households in scope now, the late one included
    assert received(notices.PUBLICITY_STARTED) == {**IN_SCOPE, "sunba": 1}
    row = Notification.objects.filter(verb=notices.PUBLICITY_STARTED, recipient=world.p.spouse).get()
    assert row.link == f"/projects/{project.pk}/" and "2025-06-24" in row.body
    objection = actions.do_object(actor=world.p.spouse, project_id=project.pk, grounds="挡住轮椅通道")
    assert not received(notices.OBJECTION_ANSWERED)
    with pytest.raises(ApplicationError):
        actions.do_answer_objection(actor=world.p.rep, objection_id=objection.pk, answer="不是你答")
    assert not received(notices.OBJECTION_ANSWERED)
    actions.do_answer_objection(
        actor=world.p.office, objection_id=objection.pk, answer="门禁移至东侧", upheld=True
    )
    assert received(notices.OBJECTION_ANSWERED) == {"lisi": 1}  # not zhangsan of the same household
    answer = Notification.objects.get(verb=notices.OBJECTION_ANSWERED)
    assert "门禁移至东侧" in answer.body and "成立" in answer.body
    assert answer.texts["en"]["title"].startswith("Your objection")


def test_a_failed_vote_starts_no_publicity_and_tells_nobody_of_it(world, at):
    project = solicit_to_voting(world)
    actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="oppose")
    at(T0 + timedelta(days=8))
    actions.do_close_vote(actor=world.p.office, project_id=project.pk)
    assert not received(notices.PUBLICITY_STARTED)
