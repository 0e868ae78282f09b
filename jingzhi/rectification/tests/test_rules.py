"""The pure rules: periods, the score, the grade rule (降档 below 90, 复档 after 3 consecutive months at 90
or above — across a year boundary too), accountability thresholds and 文明街巷."""

from datetime import date
from decimal import Decimal

import pytest

from jingzhi.rectification import rules

RULE = rules.GradeRule()


def kinds(steps):
    return [(s.month, s.kind, s.to_grade) for s in steps]


def test_months_are_consecutive_across_the_new_year():
    assert rules.month_index("2025-01") - rules.month_index("2024-12") == 1
    assert rules.previous_month("2025-01") == "2024-12"
    assert rules.months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_quarterly_checks_count_for_the_quarter_and_others_for_the_month():
    assert rules.period_for("third_party", date(2025, 5, 3)) == "2025-Q2"
    assert rules.period_for("city_monthly", date(2025, 5, 3)) == "2025-05"
    assert rules.period_problem("city_monthly", "2025-04", date(2025, 5, 3))
    assert rules.period_problem("city_monthly", "2025-05", date(2025, 5, 3)) is None


def test_the_score_is_full_marks_less_each_deduction():
    findings = [
        rules.Finding("illegal_parking", Decimal(10), Decimal(6)),
        rules.Finding("x", Decimal(10), Decimal(0)),
    ]
    assert rules.score(100, findings) == Decimal(94)


def test_a_deduction_larger_than_the_item_is_impossible():
    with pytest.raises(ValueError, match="超过该项分值"):
        rules.score(100, [rules.Finding("无乱停车", Decimal(10), Decimal(12))])


def test_the_deduction_rule_is_points_per_finding_capped_at_the_item():
    assert rules.suggested_deduction(2, Decimal(2), Decimal(10)) == Decimal(4)
    assert rules.suggested_deduction(9, Decimal(2), Decimal(10)) == Decimal(10)


def test_a_first_passing_month_gives_the_awarded_grade():
    grade, awarded, steps = rules.replay_grades({"2025-01": Decimal(94)}, RULE)
    assert grade == "standard" and kinds(steps) == [("2025-01", "first", "standard")]


def test_a_score_below_90_downgrades_to_failing_and_ninety_exactly_does_not():
    grade, _a, steps = rules.replay_grades({"2025-01": Decimal(94), "2025-02": Decimal(90)}, RULE)
    assert grade == "standard"
    grade, _a, steps = rules.replay_grades({"2025-01": Decimal(94), "2025-02": Decimal("89.5")}, RULE)
    assert grade == "failing"
    assert kinds(steps)[-1] == ("2025-02", "downgrade", "failing")
    assert "低于 90 分" in steps[-1].reason


def test_three_consecutive_months_at_90_restore_across_a_year_boundary():
    scores = {"2024-10": Decimal(88), "2024-11": Decimal(91), "2024-12": Decimal(90), "2025-01": Decimal(95)}
    grade, _a, steps = rules.replay_grades(scores, RULE)
    assert grade == "standard"
    assert kinds(steps) == [("2024-10", "downgrade", "failing"), ("2025-01", "restore", "standard")]
    assert "2024-11 至 2025-01" in steps[-1].reason


def test_two_good_months_are_not_enough():
    scores = {"2024-11": Decimal(80), "2024-12": Decimal(95), "2025-01": Decimal(95)}
    assert rules.replay_grades(scores, RULE)[0] == "failing"


def test_a_missing_month_restarts_the_count():
    scores = {"2024-10": Decimal(80), "2024-11": Decimal(95), "2024-12": Decimal(95), "2025-02": Decimal(95)}
    assert rules.replay_grades(scores, RULE)[0] == "failing"
    scores["2025-03"] = Decimal(95)
    scores["2025-04"] = Decimal(95)
    assert rules.replay_grades(scores, RULE)[0] == "standard"


def test_a_low_month_during_recovery_restarts_the_count():
    scores = {
        "2025-01": Decimal(80),
        "2025-02": Decimal(95),
        "2025-03": Decimal(85),
        "2025-04": Decimal(95),
        "2025-05": Decimal(95),
    }
    assert rules.replay_grades(scores, RULE)[0] == "failing"
    scores["2025-06"] = Decimal(92)
    assert rules.replay_grades(scores, RULE)[0] == "standard"


def test_a_restored_street_returns_to_the_grade_it_was_awarded():
    scores = {
        "2025-01": Decimal(95),
        "2025-02": Decimal(80),
        "2025-03": Decimal(95),
        "2025-04": Decimal(95),
        "2025-05": Decimal(95),
    }
    grade, awarded, steps = rules.replay_grades(scores, RULE, awards={"2025-01": "premium"})
    assert awarded == "premium" and grade == "premium"
    assert kinds(steps)[-1] == ("2025-05", "restore", "premium")


def test_an_award_while_failing_waits_for_restoration():
    scores = {"2025-01": Decimal(80), "2025-02": Decimal(95)}
    grade, awarded, steps = rules.replay_grades(scores, RULE, awards={"2025-02": "fine"})
    assert grade == "failing" and awarded == "fine"


def test_the_grade_rule_is_configuration():
    strict = rules.GradeRule(downgrade_below=Decimal(95), restore_at_least=Decimal(95), restore_months=2)
    scores = {"2025-01": Decimal(93), "2025-02": Decimal(96), "2025-03": Decimal(96)}
    grade, _a, steps = rules.replay_grades(scores, strict)
    assert grade == "standard" and kinds(steps)[-1] == ("2025-03", "restore", "standard")


def test_the_failing_run_counts_consecutive_calendar_months():
    scores = {"2024-11": Decimal(95), "2024-12": Decimal(85), "2025-01": Decimal(80)}
    assert rules.failing_run(scores, "2025-01", RULE) == 2
    assert rules.failing_run(scores, "2024-12", RULE) == 1
    assert rules.failing_run(scores, "2024-11", RULE) == 0


def test_a_measure_is_proposed_when_the_run_reaches_its_threshold_exactly():
    talk, transfer = rules.RuleRef(1, 2, "talk"), rules.RuleRef(2, 4, "transfer")
    assert rules.proposals_due(2, [talk, transfer]) == [talk]
    assert rules.proposals_due(3, [talk, transfer]) == []
    assert rules.proposals_due(4, [talk, transfer]) == [transfer]


def test_a_civilized_street_is_clean_for_n_months_with_enough_satisfaction():
    clean = {"2024-12": True, "2025-01": True, "2025-02": True}
    assert rules.civilized(clean, "2025-02", Decimal(92), clean_months=3, min_satisfaction=Decimal(90))
    assert not rules.civilized(clean, "2025-02", Decimal(85), clean_months=3, min_satisfaction=Decimal(90))
    assert not rules.civilized(clean, "2025-02", None, clean_months=3, min_satisfaction=Decimal(90))
    assert not rules.civilized(
        {**clean, "2025-01": False}, "2025-02", Decimal(95), clean_months=3, min_satisfaction=Decimal(90)
    )
    assert not rules.civilized(clean, "2025-02", Decimal(95), clean_months=4, min_satisfaction=Decimal(90))


def test_a_street_that_never_failed_is_not_restored_after_three_good_months():
    scores = {"2025-01": Decimal(95), "2025-02": Decimal(96), "2025-03": Decimal(97), "2025-04": Decimal(98)}
    grade, awarded, steps = rules.replay_grades(scores, RULE)
    assert (grade, awarded) == ("standard", "standard")
    assert kinds(steps) == [("2025-01", "first", "standard")]


def test_an_award_to_a_street_in_good_standing_changes_its_grade_at_once_with_the_reason():
    scores = {"2025-01": Decimal(95), "2025-02": Decimal(95), "2025-03": Decimal(95)}
    grade, awarded, steps = rules.replay_grades(scores, RULE, awards={"2025-02": "premium"})
    assert (grade, awarded) == ("premium", "premium")
    assert kinds(steps) == [("2025-01", "first", "standard"), ("2025-02", "award", "premium")]
    assert (steps[1].from_grade, steps[1].reason) == ("standard", "评定为精品")


def test_awarding_the_grade_a_street_already_has_records_no_change():
    scores = {"2025-01": Decimal(95), "2025-02": Decimal(95)}
    grade, awarded, steps = rules.replay_grades(scores, RULE, awards={"2025-02": "standard"})
    assert (grade, awarded) == ("standard", "standard")
    assert kinds(steps) == [("2025-01", "first", "standard")]


def test_an_award_before_any_inspection_is_the_first_grade():
    grade, awarded, steps = rules.replay_grades({"2025-02": Decimal(95)}, RULE, awards={"2025-01": "fine"})
    assert (grade, awarded) == ("fine", "fine")
    assert kinds(steps) == [("2025-01", "award", "fine")]
    assert steps[0].from_grade == ""


def test_a_failing_street_restored_returns_to_the_grade_awarded_while_it_failed():
    scores = {
        "2025-01": Decimal(80),
        "2025-02": Decimal(95),
        "2025-03": Decimal(95),
        "2025-04": Decimal(95),
    }
    grade, awarded, steps = rules.replay_grades(scores, RULE, awards={"2025-02": "fine"})
    assert (grade, awarded) == ("fine", "fine")
    assert kinds(steps) == [("2025-01", "downgrade", "failing"), ("2025-04", "restore", "fine")]


def test_each_quarter_starts_in_january_april_july_and_october():
    assert rules.quarter_of(date(2025, 1, 1)) == "2025-Q1"
    assert rules.quarter_of(date(2025, 3, 31)) == "2025-Q1"
    assert rules.quarter_of(date(2025, 4, 1)) == "2025-Q2"
    assert rules.quarter_of(date(2025, 6, 30)) == "2025-Q2"
    assert rules.quarter_of(date(2025, 7, 1)) == "2025-Q3"
    assert rules.quarter_of(date(2025, 10, 1)) == "2025-Q4"
    assert rules.quarter_of(date(2025, 12, 31)) == "2025-Q4"


def test_satisfaction_exactly_at_the_threshold_qualifies_a_civilized_street():
    clean = {"2025-01": True, "2025-02": True}
    assert rules.civilized(clean, "2025-02", Decimal(90), clean_months=2, min_satisfaction=Decimal(90))
    assert not rules.civilized(
        clean, "2025-02", Decimal("89.99"), clean_months=2, min_satisfaction=Decimal(90)
    )


def test_every_grade_change_is_recorded_with_its_month_grades_reason_and_score():
    scores = {
        "2025-02": Decimal(94),
        "2025-03": Decimal("89.5"),
        "2025-04": Decimal(90),
        "2025-05": Decimal(91),
        "2025-06": Decimal(92),
    }
    grade, awarded, steps = rules.replay_grades(scores, RULE, awards={"2025-01": "fine"})
    assert (grade, awarded) == ("fine", "fine")
    assert steps == [
        rules.GradeStep("2025-01", "award", "", "fine", "评定为优美", None),
        rules.GradeStep(
            "2025-03",
            "downgrade",
            "fine",
            "failing",
            "2025-03 得分 89.5，低于 90 分，降为不达标",
            Decimal("89.5"),
        ),
        rules.GradeStep(
            "2025-06",
            "restore",
            "failing",
            "fine",
            "2025-04 至 2025-06 连续 3 个月不低于 90 分，恢复为优美",
            Decimal(92),
        ),
    ]


def test_the_first_inspected_month_sets_the_grade_with_its_score():
    grade, awarded, steps = rules.replay_grades({"2025-01": Decimal(94)}, RULE, initial_awarded="premium")
    assert steps == [
        rules.GradeStep("2025-01", "first", "", "premium", "2025-01 得分 94，定为精品", Decimal(94))
    ]
    assert (grade, awarded) == ("premium", "premium")


def test_a_first_month_below_the_line_starts_the_street_as_failing():
    grade, _a, steps = rules.replay_grades({"2025-01": Decimal(70)}, RULE)
    assert grade == "failing"
    assert steps == [
        rules.GradeStep(
            "2025-01", "downgrade", "", "failing", "2025-01 得分 70，低于 90 分，降为不达标", Decimal(70)
        )
    ]


def test_a_month_between_the_downgrade_line_and_the_restore_line_restarts_the_count_without_downgrading():
    lenient = rules.GradeRule(downgrade_below=Decimal(85), restore_at_least=Decimal(90), restore_months=2)
    scores = {
        "2025-01": Decimal(80),
        "2025-02": Decimal(95),
        "2025-03": Decimal(87),
        "2025-04": Decimal(95),
    }
    grade, _a, steps = rules.replay_grades(scores, lenient)
    assert grade == "failing" and kinds(steps) == [("2025-01", "downgrade", "failing")]
    scores["2025-05"] = Decimal(95)
    grade, _a, steps = rules.replay_grades(scores, lenient)
    assert grade == "standard" and kinds(steps)[-1] == ("2025-05", "restore", "standard")
    # A street in good standing scoring between the two lines keeps its grade.
    assert rules.replay_grades({"2025-01": Decimal(95), "2025-02": Decimal(87)}, lenient)[0] == "standard"


def test_a_street_restored_then_failing_again_needs_a_new_full_run_to_recover():
    scores = {
        "2025-01": Decimal(80),
        "2025-02": Decimal(95),
        "2025-03": Decimal(95),
        "2025-04": Decimal(95),
        "2025-05": Decimal(80),
        "2025-06": Decimal(95),
        "2025-07": Decimal(95),
    }
    grade, _a, steps = rules.replay_grades(scores, RULE)
    assert grade == "failing"
    assert kinds(steps) == [
        ("2025-01", "downgrade", "failing"),
        ("2025-04", "restore", "standard"),
        ("2025-05", "downgrade", "failing"),
    ]


def test_grade_labels_are_chinese_and_an_unknown_grade_is_shown_as_is():
    assert rules.grade_label("premium") == "精品"
    assert rules.grade_label("failing") == "不达标"
    assert rules.grade_label("") == "未定级"
    assert rules.grade_label("gold") == "gold"


def test_a_score_never_goes_below_zero_and_a_full_deduction_is_allowed():
    assert rules.score(10, [rules.Finding("a", Decimal(10), Decimal(10))]) == Decimal(0)
    assert rules.score(15, [rules.Finding("a", Decimal(10), Decimal(10))]) == Decimal(5)
    assert rules.deduction_problem("无乱停车", Decimal(10), Decimal(10)) is None


def test_an_impossible_deduction_is_explained_in_chinese():
    assert rules.deduction_problem("无乱停车", Decimal(10), Decimal(-1)) == "“无乱停车”的扣分不能为负数"
    assert (
        rules.deduction_problem("无乱停车", Decimal(10), Decimal("12.5"))
        == "“无乱停车”扣 12.5 分，超过该项分值 10 分"
    )
    with pytest.raises(ValueError, match="“无乱停车”的扣分不能为负数"):
        rules.score(100, [rules.Finding("无乱停车", Decimal(10), Decimal(-2))])


def test_a_bad_month_is_refused_naming_it():
    with pytest.raises(ValueError, match="2025-13"):
        rules.month_index("2025-13")
    with pytest.raises(ValueError):
        rules.month_index("")


def test_a_period_that_does_not_fit_the_inspection_says_which_it_should_be():
    assert rules.period_problem("third_party", "2025-Q2", date(2025, 5, 3)) is None
    assert (
        rules.period_problem("third_party", "2025-05", date(2025, 5, 3))
        == "检查日期 2025-05-03 属于周期 2025-Q2，与填写的周期 2025-05 不符"
    )
