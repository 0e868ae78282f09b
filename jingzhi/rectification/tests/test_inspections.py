"""Inspections through `do_record_inspection`: the score, findings → cases (routed like any other), one
official inspection per street/kind/period, the grade following the monthly scores, and every bad input
refused with a specific message and nothing written."""

from datetime import date
from decimal import Decimal

import pytest

from jingzhi.cases.models import Case
from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.rectification import actions
from jingzhi.rectification.models import (
    AccountabilityProposal,
    GradeChange,
    Inspection,
    ItemResult,
    StreetRecord,
)

from .conftest import ON_STREET1, STREET1, day

pytestmark = pytest.mark.django_db

PARKING = {
    "item": "illegal_parking",
    "passed": False,
    "count": 3,
    "deduction": 6,
    "note": "三辆车压盲道",
    "lon": ON_STREET1[0],
    "lat": ON_STREET1[1],
}


def monthly(world, when, score_deduction=None, *, street=STREET1, actor=None, results=None):
    """A monthly city check on `when`'s date; `score_deduction` points off 乱停车 (None: all pass)."""
    if results is None:
        results = (
            []
            if not score_deduction
            else [
                {
                    "item": "illegal_parking",
                    "passed": False,
                    "count": 1,
                    "deduction": min(score_deduction, 10),
                },
                *(
                    [
                        {
                            "item": "piled_materials",
                            "passed": False,
                            "count": 1,
                            "deduction": score_deduction - 10,
                        }
                    ]
                    if score_deduction > 10
                    else []
                ),
            ]
        )
    return actions.do_record_inspection(
        actor=actor or world.p.assessor,
        street_code=street,
        kind="city_monthly",
        inspected_on=when.date(),
        results=results,
    )


def test_one_deduction_scores_94_keeps_the_grade_and_opens_a_case_in_the_right_place(world, at):
    inspection = actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[PARKING],
    )
    assert inspection.score == Decimal(94) and inspection.period == "2025-06" and inspection.is_official
    assert inspection.results.count() == 10
    finding = inspection.results.get(item__code="illegal_parking")
    case = finding.case
    assert case is not None and not finding.attached_to_open_case
    assert case.category.shiwu_item == "illegal_parking"
    assert case.street_code == STREET1 and case.grid_code == "110199001001001"
    assert case.source == "assessor" and case.state == "reported"
    assert "乱停车" in case.description and "扣 6 分" in case.description
    record = StreetRecord.objects.get(street_code=STREET1)
    assert record.grade == "standard" and record.last_score == Decimal(94)


def test_the_finding_becomes_a_case_that_is_routed_to_traffic_police(world, at):
    from jingzhi.cases import actions as cases

    inspection = actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[PARKING],
    )
    case = inspection.results.get(item__code="illegal_parking").case
    cases.do_verify_case(actor=world.p.inspector, case_id=case.pk)
    cases.do_file_case(actor=world.p.shift_lead, case_id=case.pk)
    case = cases.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    assert case.lead_department == world.p.jg
    assert "公安交管" in case.routing["reason"]


def test_an_inspectors_own_check_is_filed_directly(world, at):
    inspection = actions.do_record_inspection(
        actor=world.p.inspector,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[PARKING],
    )
    case = inspection.results.get(item__code="illegal_parking").case
    assert case.source == "inspector" and case.state == "pending_filing"


def test_a_second_finding_of_the_same_item_joins_the_open_case(world, at):
    first = actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[PARKING],
    )
    patrol = actions.do_record_inspection(
        actor=world.p.sub_admin,
        street_code=STREET1,
        kind="chief_patrol",
        inspected_on=date(2025, 6, 11),
        results=[PARKING],
    )
    case = first.results.get(item__code="illegal_parking").case
    again = patrol.results.get(item__code="illegal_parking")
    assert again.case == case and again.attached_to_open_case
    assert Case.objects.filter(street_code=STREET1).count() == 1


def test_the_deduction_defaults_to_the_items_rule(world, at):
    inspection = actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[{"item": "wall_openings", "passed": False, "count": 1}],
    )
    assert inspection.score == Decimal(95)


def test_a_month_below_90_downgrades_and_two_such_months_propose_a_talk(world, at):
    at(day(2025, 4))
    monthly(world, day(2025, 4), 6)
    at(day(2025, 5))
    monthly(world, day(2025, 5), 12)
    record = StreetRecord.objects.get(street_code=STREET1)
    assert record.grade == "failing"
    change = GradeChange.objects.filter(street_code=STREET1).last()
    assert change.kind == "downgrade" and "2025-05 得分 88" in change.reason
    assert not AccountabilityProposal.objects.exists()
    at(day(2025, 6))
    monthly(world, day(2025, 6), 15)
    proposal = AccountabilityProposal.objects.get()
    assert proposal.kind == "talk" and proposal.failing_months == 2 and proposal.month == "2025-06"


def test_three_good_months_restore_the_grade(world, at):
    for month, deduction in [(10, 20), (11, 0), (12, 5)]:
        at(day(2024, month))
        monthly(world, day(2024, month), deduction)
    assert StreetRecord.objects.get(street_code=STREET1).grade == "failing"
    at(day(2025, 1))
    monthly(world, day(2025, 1), 2)
    record = StreetRecord.objects.get(street_code=STREET1)
    assert record.grade == "standard" and record.grade_since == "2025-01"
    assert GradeChange.objects.filter(street_code=STREET1, kind="restore").count() == 1


# --- bad input: each refused with a specific message, nothing written ------------------------------------


def nothing_written():
    return not Inspection.objects.exists() and not ItemResult.objects.exists() and not Case.objects.exists()


def test_inspecting_a_street_outside_the_inspectors_jurisdiction_is_refused(world, at):
    with pytest.raises(PermissionDenied) as caught:
        actions.do_record_inspection(
            actor=world.p.assessor2,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[PARKING],
        )
    assert "槐柏树街" in caught.value.message and "不在您的检查范围内" in caught.value.message
    assert nothing_written()


def test_a_second_official_inspection_for_the_same_street_kind_and_period_is_refused(world, at):
    actions.do_record_inspection(
        actor=world.p.assessor, street_code=STREET1, kind="city_monthly", inspected_on=date(2025, 6, 3)
    )
    with pytest.raises(Conflict) as caught:
        actions.do_record_inspection(
            actor=world.p.sub_admin,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[PARKING],
        )
    assert "2025-06" in caught.value.message and "只能有一次正式检查" in caught.value.message
    assert Inspection.objects.count() == 1 and not Case.objects.exists()
    # Patrols are not official: as many as needed.
    actions.do_record_inspection(
        actor=world.p.sub_admin, street_code=STREET1, kind="chief_patrol", inspected_on=date(2025, 6, 11)
    )
    actions.do_record_inspection(
        actor=world.p.sub_admin, street_code=STREET1, kind="chief_patrol", inspected_on=date(2025, 6, 11)
    )


def test_the_database_refuses_a_second_official_inspection_too(world, at):
    from django.db import IntegrityError, transaction

    first = actions.do_record_inspection(
        actor=world.p.assessor, street_code=STREET1, kind="city_monthly", inspected_on=date(2025, 6, 3)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(
            street_code=STREET1,
            street_name="x",
            subdistrict_code="110199001",
            kind="city_monthly",
            period="2025-06",
            month="2025-06",
            is_official=True,
            version=first.version,
            inspected_on=date(2025, 6, 4),
            score=100,
        )


def test_a_deduction_larger_than_the_items_points_is_refused(world, at):
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_inspection(
            actor=world.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[PARKING, {"item": "road_damage", "passed": False, "count": 1, "deduction": 12}],
        )
    assert "无道路破损" in caught.value.message and "超过该项分值 10 分" in caught.value.message
    assert caught.value.fields == {"results.1.deduction": "too_large"}
    assert nothing_written()


def test_an_item_code_from_another_version_is_refused(world, at):
    actions.do_create_standard_version(
        actor=None,
        code="2023",
        name="新版",
        effective_from="2023-01-01",
        make_current=False,
        items=[
            {
                "code": "disorder",
                "name": "无乱停乱放",
                "points": 20,
                "replaces": ["illegal_parking", "piled_materials"],
            },
            *[
                {"code": c, "name": n, "points": 10}
                for c, n, *_r in __import__("jingzhi.rectification.rules", fromlist=["x"]).DEFAULT_ITEMS
                if c not in ("illegal_parking", "piled_materials")
            ],
        ],
    )
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_inspection(
            actor=world.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[{"item": "disorder", "passed": False, "count": 1}],
        )
    assert "“disorder”属于标准版本“2023”" in caught.value.message
    assert nothing_written()


def test_a_pin_far_from_the_street_is_refused(world, at):
    with pytest.raises(InvalidInput) as caught:
        actions.do_record_inspection(
            actor=world.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[{**PARKING, "lon": 116.36, "lat": 39.91}],
        )
    assert "超过 150 米" in caught.value.message
    assert nothing_written()


def test_a_failing_item_without_a_deduction_or_a_future_date_is_refused(world, at):
    with pytest.raises(InvalidInput, match="扣分应大于 0"):
        actions.do_record_inspection(
            actor=world.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[{**PARKING, "deduction": 0}],
        )
    with pytest.raises(InvalidInput, match="晚于今天"):
        actions.do_record_inspection(
            actor=world.p.assessor, street_code=STREET1, kind="city_monthly", inspected_on=date(2025, 7, 1)
        )
    assert nothing_written()


def test_a_case_that_cannot_be_opened_rolls_back_the_whole_inspection(world, at):
    from jingzhi.rectification.models import StandardItem

    StandardItem.objects.filter(code="road_damage").update(category=None)
    with pytest.raises(InvalidInput, match="尚未对应案件分类"):
        actions.do_record_inspection(
            actor=world.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[PARKING, {"item": "road_damage", "passed": False, "count": 1}],
        )
    assert nothing_written()


def test_a_new_version_keeps_old_results_on_the_old_items(world, at):
    old = actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 5, 11),
        results=[PARKING],
    )
    from jingzhi.rectification.rules import DEFAULT_ITEMS

    new = actions.do_create_standard_version(
        actor=world.p.district_admin,
        code="2025",
        name="2025 版",
        effective_from="2025-06-01",
        items=[
            {
                "code": "disorder",
                "name": "无乱停乱放",
                "points": 20,
                "replaces": ["illegal_parking", "piled_materials"],
            },
            *[
                {"code": c, "name": n.replace("无", "无违规") if c == "road_damage" else n, "points": p}
                for c, n, p, *_r in DEFAULT_ITEMS
                if c not in ("illegal_parking", "piled_materials")
            ],
        ],
    )
    assert new.is_current and new.items.get(code="disorder").category.shiwu_item == "illegal_parking"
    old.refresh_from_db()
    assert (
        old.version.code == "2017" and old.results.get(item__code="illegal_parking").item.name == "无乱停车"
    )
    june = actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[{"item": "disorder", "passed": False, "count": 1, "deduction": 4}],
    )
    assert june.version == new and june.score == Decimal(96)


def test_a_new_version_must_add_up_to_full_marks(world):
    with pytest.raises(InvalidInput, match="应等于满分 100 分"):
        actions.do_create_standard_version(
            actor=None,
            code="bad",
            name="x",
            effective_from="2025-01-01",
            items=[{"code": "a", "name": "甲", "points": 50}],
        )


def test_a_recorded_inspection_is_announced_after_commit_for_assessment(
    world, at, django_capture_on_commit_callbacks
):
    from jingzhi.core import hooks
    from jingzhi.rectification.hooks import INSPECTION_RECORDED

    heard = []

    def listener(**payload):
        heard.append(payload)

    hooks.register(INSPECTION_RECORDED)(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            official = actions.do_record_inspection(
                actor=world.p.assessor,
                street_code=STREET1,
                kind="city_monthly",
                inspected_on=date(2025, 6, 3),
            )
        with django_capture_on_commit_callbacks(execute=True):
            patrol = actions.do_record_inspection(
                actor=world.p.sub_admin,
                street_code=STREET1,
                kind="chief_patrol",
                inspected_on=date(2025, 6, 11),
            )
    finally:
        hooks.unregister(INSPECTION_RECORDED, listener)
    assert heard == [
        {"inspection_id": official.pk, "street_code": STREET1, "official": True},
        {"inspection_id": patrol.pk, "street_code": STREET1, "official": False},
    ]
