"""Street chiefs, task letters, accountability decisions, 一街一策, stewards' patrol log, the ledger and the
board — through the actions, with their refusals."""

from datetime import date

import pytest

from jingzhi.accounts import access
from jingzhi.accounts.models import RoleAssignment
from jingzhi.cases.models import Case
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.rectification import actions, queries
from jingzhi.rectification.models import (
    AccountabilityProposal,
    ChiefAssignment,
    PatrolLog,
    TaskLetter,
)

from .conftest import STREET1, STREET2, day

pytestmark = pytest.mark.django_db


def appoint(world, user=None, street=STREET1, rank="street"):
    return actions.do_appoint_chief(
        actor=world.p.sub_admin if street == STREET1 else world.p.sub_admin2,
        street_code=street,
        user=user or world.p.chief,
        rank=rank,
        title="街道副主任",
    )


def test_appointing_a_chief_gives_the_street_chief_role_on_that_street(world, at):
    chief = appoint(world)
    assert chief.is_active and chief.role_assignment.role == "street_chief"
    assert access.covers(world.p.chief, STREET1, roles=["street_chief"])
    assert not access.covers(world.p.chief, STREET2, roles=["street_chief"])


def test_a_new_chief_ends_the_previous_term_and_revokes_the_role(world, at):
    first = appoint(world)
    second = appoint(world, user=world.p.chief2, rank="lane")
    first.refresh_from_db()
    assert not first.is_active and first.ended_on == date(2025, 6, 11)
    assert not RoleAssignment.objects.get(pk=first.role_assignment_id).is_active
    assert [c.pk for c in queries.chief_history(STREET1)] == [second.pk, first.pk]


def test_only_an_admin_of_the_streets_subdistrict_appoints(world, at):
    with pytest.raises(PermissionDenied, match="任命街巷长"):
        actions.do_appoint_chief(
            actor=world.p.sub_admin2, street_code=STREET1, user=world.p.chief, rank="street"
        )
    assert not ChiefAssignment.objects.exists()


def test_a_task_letter_is_issued_signed_by_the_chief_and_only_one_is_active(world, at):
    appoint(world)
    letter = actions.do_issue_task_letter(
        actor=world.p.sub_admin,
        street_code=STREET1,
        title="2025 年任务书",
        targets="十无全部达标\n年底前创建文明街巷",
        starts_on="2025-06-01",
        due_on="2025-12-31",
    )
    assert letter.targets == ["十无全部达标", "年底前创建文明街巷"]
    with pytest.raises(PermissionDenied, match="街巷长本人签署"):
        actions.do_sign_task_letter(actor=world.p.sub_admin, letter_id=letter.pk)
    signed = actions.do_sign_task_letter(actor=world.p.chief, letter_id=letter.pk)
    assert signed.is_signed
    with pytest.raises(Conflict) as caught:
        actions.do_issue_task_letter(
            actor=world.p.sub_admin,
            street_code=STREET1,
            title="第二份",
            targets=["x"],
            starts_on="2025-07-01",
            due_on="2025-12-31",
        )
    assert "已有有效的任务书“2025 年任务书”" in caught.value.message
    assert TaskLetter.objects.count() == 1
    actions.do_end_task_letter(actor=world.p.sub_admin, letter_id=letter.pk, reason="目标调整")
    actions.do_issue_task_letter(
        actor=world.p.sub_admin,
        street_code=STREET1,
        title="第二份",
        targets=["x"],
        starts_on="2025-07-01",
        due_on="2025-12-31",
    )
    assert TaskLetter.objects.filter(is_active=True).count() == 1


def test_a_task_letter_needs_a_chief_and_sensible_dates(world, at):
    with pytest.raises(InvalidInput, match="尚无在任街巷长"):
        actions.do_issue_task_letter(
            actor=world.p.sub_admin,
            street_code=STREET1,
            title="t",
            targets=["x"],
            starts_on="2025-06-01",
            due_on="2025-12-31",
        )
    appoint(world)
    with pytest.raises(InvalidInput, match="早于开始日期"):
        actions.do_issue_task_letter(
            actor=world.p.sub_admin,
            street_code=STREET1,
            title="t",
            targets=["x"],
            starts_on="2025-06-01",
            due_on="2025-05-31",
        )


def _two_failing_months(world, at):
    for month in (5, 6):
        at(day(2025, month))
        actions.do_record_inspection(
            actor=world.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=day(2025, month).date(),
            results=[
                {"item": "illegal_construction", "passed": False, "count": 3},
                {"item": "wall_openings", "passed": False, "count": 1},
            ],
        )
    return AccountabilityProposal.objects.get()


def test_the_system_proposes_a_talk_and_the_subdistrict_admin_accepts_it_with_a_reason(world, at):
    chief = appoint(world)
    proposal = _two_failing_months(world, at)
    assert proposal.chief == chief and proposal.status == "pending"
    assert proposal in queries.pending_proposals_for(world.p.sub_admin)
    decided = actions.do_decide_proposal(
        actor=world.p.sub_admin, proposal_id=proposal.pk, accept=True, reason="已安排 6 月 20 日约谈"
    )
    assert decided.status == "accepted" and decided.decided_by == world.p.sub_admin
    history = queries.chief_history(STREET1)
    assert list(history[0].proposals.all()) == [decided]
    with pytest.raises(Conflict, match="不能再次决定"):
        actions.do_decide_proposal(
            actor=world.p.district_admin, proposal_id=proposal.pk, accept=False, reason="x"
        )


def test_a_decision_by_someone_without_authority_is_refused(world, at):
    appoint(world)
    proposal = _two_failing_months(world, at)
    with pytest.raises(PermissionDenied) as caught:
        actions.do_decide_proposal(
            actor=world.p.chief, proposal_id=proposal.pk, accept=False, reason="不同意"
        )
    assert "约谈" in caught.value.message and "管理员决定" in caught.value.message
    with pytest.raises(NotFound):
        actions.do_decide_proposal(actor=world.p.sub_admin2, proposal_id=proposal.pk, accept=True, reason="x")
    with pytest.raises(InvalidInput, match="理由"):
        actions.do_decide_proposal(
            actor=world.p.district_admin, proposal_id=proposal.pk, accept=True, reason=" "
        )
    proposal.refresh_from_db()
    assert proposal.status == "pending" and proposal.decided_by is None


def test_a_plan_has_items_with_owners_deadlines_progress_and_cases(world, at):
    inspection = actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[{"item": "illegal_parking", "passed": False, "count": 1}],
    )
    case = inspection.results.get(item__code="illegal_parking").case
    appoint(world)
    actions.do_save_plan(
        actor=world.p.sub_admin, street_code=STREET1, title="槐柏树街一街一策", summary="停车治理"
    )
    item = actions.do_add_plan_item(
        actor=world.p.sub_admin,
        street_code=STREET1,
        text="施划停车位 20 个",
        owner_name="交管",
        deadline="2025-06-01",
        standard_code="illegal_parking",
        case_ids=[case.pk],
    )
    plan, items = queries.plan_for(STREET1)
    assert plan.title == "槐柏树街一街一策" and items[0].overdue and list(items[0].cases.all()) == [case]
    actions.do_update_plan_item(actor=world.p.chief, item_id=item.pk, progress=100, note="已完成")
    _plan, items = queries.plan_for(STREET1)
    assert items[0].is_done and not items[0].overdue
    with pytest.raises(PermissionDenied):
        actions.do_update_plan_item(actor=world.p.assessor, item_id=item.pk, progress=50)
    with pytest.raises(InvalidInput, match="不在本街巷"):
        actions.do_add_plan_item(
            actor=world.p.sub_admin,
            street_code=STREET1,
            text="x",
            owner_name="y",
            deadline="2025-07-01",
            case_ids=[999999],
        )


def test_a_steward_reports_a_problem_in_one_step(world, at):
    actions.do_assign_steward(actor=world.p.sub_admin, street_code=STREET1, user=world.p.steward)
    log = actions.do_log_patrol(
        actor=world.p.steward, street_code=STREET1, duty="report", note="路口堆放建筑垃圾", category=None
    )
    assert log.case is not None and log.case.source == "steward" and log.case.street_code == STREET1
    visit = actions.do_log_patrol(
        actor=world.p.steward, street_code=STREET1, duty="visit", note="走访商户 3 家"
    )
    assert visit.case is None and PatrolLog.objects.count() == 2
    with pytest.raises(PermissionDenied):
        actions.do_log_patrol(actor=world.p.steward, street_code=STREET2, duty="patrol", note="x")
    assert Case.objects.count() == 1


def test_the_ledger_and_board_are_kept_by_the_right_people(world, at):
    appoint(world)
    entry = actions.do_record_ledger_entry(
        actor=world.p.chief, street_code=STREET1, kind="cars", label="居民车辆", quantity=42
    )
    assert queries.ledger(STREET1) == [entry]
    with pytest.raises(PermissionDenied):
        actions.do_record_ledger_entry(actor=world.p.assessor2, street_code=STREET1, kind="bins", label="桶")
    with pytest.raises(InvalidInput, match="台账类别"):
        actions.do_record_ledger_entry(actor=world.p.chief, street_code=STREET1, kind="unicorns", label="x")
    actions.do_update_board(
        actor=world.p.sub_admin,
        street_code=STREET1,
        property_company="青槐物业",
        chief_public_phone="010-6600 1234",
        target_date="2025-12-31",
    )
    board = queries.board(STREET1)
    assert board.chief.user == world.p.chief and board.record.property_company == "青槐物业"
    assert len(board.items) == 10
    with pytest.raises(PermissionDenied):
        actions.do_update_board(actor=world.p.chief, street_code=STREET1, property_company="x")


def test_an_award_lifts_the_grade_and_a_restored_street_returns_to_it(world, at):
    at(day(2025, 1))
    actions.do_record_inspection(
        actor=world.p.assessor, street_code=STREET1, kind="city_monthly", inspected_on=date(2025, 1, 15)
    )
    actions.do_award_grade(
        actor=world.p.sub_admin, street_code=STREET1, grade="premium", reason="验收为精品街巷"
    )
    assert queries.street_rows_for(world.p.sub_admin, codes=[STREET1])[0].grade == "premium"
    with pytest.raises(PermissionDenied):
        actions.do_award_grade(actor=world.p.assessor, street_code=STREET1, grade="fine", reason="x")
