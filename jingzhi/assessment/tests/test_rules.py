"""The pure rules of 考核, with hand-computed cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from jingzhi.assessment import rules
from jingzhi.assessment.rules import And, Eq, In, Indicator, Le, Not, NotNull, WeightSet
from jingzhi.core.errors import InvalidInput

T = datetime(2026, 11, 3, 9, 0)


def test_a_rate_with_an_empty_denominator_is_no_figure_not_zero():
    assert rules.rate(0, 0) is None
    assert rules.rate(3, 4) == D("0.7500")
    assert rules.rate(2, 3) == D("0.6667")


def test_a_comparison_with_a_missing_value_is_false_and_its_negation_true():
    cond = Le("responded_at", "response_deadline")
    assert rules.holds(cond, {"responded_at": T, "response_deadline": T + timedelta(hours=1)})
    assert not rules.holds(cond, {"responded_at": None, "response_deadline": T})
    assert not rules.holds(cond, {"responded_at": T, "response_deadline": None})
    assert rules.holds(Not(cond), {"responded_at": None, "response_deadline": T})


def test_not_blank_treats_blank_text_as_missing():
    assert not rules.holds(rules.NotBlank("rating"), {"rating": ""})
    assert not rules.holds(rules.NotBlank("rating"), {})
    assert rules.holds(rules.NotBlank("rating"), {"rating": "basic"})
    assert rules.holds(NotNull("rating"), {"rating": ""})


def test_a_rate_indicator_counts_only_what_its_condition_picks_exclusions_included():
    indicator = Indicator(
        "r",
        "r",
        "s",
        rules.RATE,
        where=And((Not(In("state", ("void", "merged"))), rules.NotBlank("rating"))),
        hit=In("rating", ("satisfied", "basic")),
        period_field="p",
        unit_kinds=("subdistrict",),
    )
    rows = [
        {"state": "closed", "rating": "satisfied"},
        {"state": "closed", "rating": "basic"},
        {"state": "closed", "rating": "dissatisfied"},
        {"state": "closed", "rating": ""},  # not rated: out of the denominator
        {"state": "void", "rating": "satisfied"},  # voided: excluded
        {"state": "merged", "rating": "dissatisfied"},  # merged duplicate: excluded
    ]
    t = rules.tally(indicator, rows)
    assert (t.numerator, t.denominator, t.value) == (D(2), D(3), D("0.6667"))
    assert rules.tally(indicator, rows[3:]).value is None


def test_mean_and_max_of_overdue_multiples():
    # Allowed 10 hours; took 15 and 30 → 1.5 and 3.0; the on-time one has no multiple.
    start = T
    deadline = T + timedelta(hours=10)
    assert rules.overdue_multiple(start, deadline, T + timedelta(hours=15)) == 1.5
    assert rules.overdue_multiple(start, deadline, T + timedelta(hours=9)) is None
    assert rules.overdue_multiple(None, deadline, T) is None
    assert rules.summarise(rules.MEAN, [1.5, 3.0]).value == D("2.2500")
    assert rules.summarise(rules.MAX, [1.5, 3.0]).value == D("3.0000")
    assert rules.summarise(rules.MEAN, []).value is None


THREE_RATES = rules.DEFAULT_WEIGHT_SETS["subdistrict"]
DEPARTMENT = rules.DEFAULT_WEIGHT_SETS["department"]
DIRECTIONS = {"rework_rate": rules.DOWN}


def test_the_three_rates_score_30_35_35():
    values = {"response_rate": D("0.9"), "resolution_rate": D("0.8"), "satisfaction_rate": D("1")}
    points, parts = rules.score(values, THREE_RATES, DIRECTIONS)
    # 30·0.9 + 35·0.8 + 35·1 = 27 + 28 + 35 = 90
    assert points == D("90.00")
    assert parts == {
        "response_rate": D("27.0000"),
        "resolution_rate": D("28.0000"),
        "satisfaction_rate": D("35.0000"),
    }
    assert rules.grade(points) == "A"


def test_a_missing_rate_leaves_the_other_weights_to_carry_the_score():
    values = {"response_rate": D("0.5"), "resolution_rate": None, "satisfaction_rate": D("1")}
    points, _parts = rules.score(values, THREE_RATES, DIRECTIONS)
    # (30·0.5 + 35·1) / 65 · 100 = 50 / 65 · 100 = 76.92
    assert points == D("76.92")
    assert rules.score({}, THREE_RATES, DIRECTIONS) == (None, {})


def test_the_department_formula_is_band_plus_closure_on_time_and_one_minus_rework():
    values = {
        "closure_rate": D("0.9"),
        "on_time_closure_rate": D("0.8"),
        "rework_rate": D("0.1"),
        "dispatched_cases": D(60),
    }
    points, parts = rules.score(values, DEPARTMENT, DIRECTIONS)
    # band: 60 ≥ 50 → 8 of 10; 30·0.9 + 30·0.8 + 30·(1 − 0.1) = 27 + 24 + 27 = 78; (78 + 8) / 100 → 86
    assert parts["band"] == D("8.0000")
    assert points == D("86.00")
    assert rules.grade(points) == "B"


@pytest.mark.parametrize(
    ("points", "letter"),
    [
        (D(90), "A"),
        (D("89.99"), "B"),
        (D(75), "B"),
        (D(60), "C"),
        (D(40), "D"),
        (D("39.99"), "E"),
        (None, ""),
    ],
)
def test_grades_a_to_e_on_their_bounds(points, letter):
    assert rules.grade(points) == letter


def test_equal_scores_share_a_rank_and_the_next_rank_skips_in_a_stable_order():
    ranked = rules.rank([("b", D(80)), ("a", D(90)), ("c", D(80)), ("e", None), ("d", D(70))])
    assert ranked == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("e", None)]
    assert rules.rank([("c", D(80)), ("b", D(80))]) == [("b", 1), ("c", 1)]
    assert rules.rank([("x", D("0.1")), ("y", D("0.05"))], direction=rules.DOWN) == [("y", 1), ("x", 2)]


def test_a_month_is_scored_with_the_weight_set_in_force_for_it():
    old = WeightSet("subdistrict", "2026-01", (("response_rate", D(50)),), label="old")
    new = WeightSet("subdistrict", "2026-07", (("response_rate", D(10)),), label="new")
    assert rules.pick_weight_set([old, new], "subdistrict", "2026-06").label == "old"
    assert rules.pick_weight_set([old, new], "subdistrict", "2026-07").label == "new"
    assert rules.pick_weight_set([old, new], "subdistrict", "2025-12") == THREE_RATES
    assert rules.pick_weight_set([], "street", "2026-07") is None


def test_weights_are_checked_against_the_indicators_and_their_unit_kinds():
    known = {"response_rate": ("subdistrict",), "ten_pass_rate": ("street",)}
    assert rules.parse_weights({"response_rate": "40"}, known, "subdistrict") == (("response_rate", D(40)),)
    with pytest.raises(InvalidInput) as unknown:
        rules.parse_weights({"nope": 1}, known, "subdistrict")
    assert "nope" in unknown.value.message
    with pytest.raises(InvalidInput):
        rules.parse_weights({"ten_pass_rate": 1}, known, "subdistrict")
    with pytest.raises(InvalidInput):
        rules.parse_weights({"response_rate": "-3"}, known, "subdistrict")
    with pytest.raises(InvalidInput):
        rules.parse_weights({}, known, "subdistrict")


def test_months_cross_year_ends_and_bad_months_are_refused_in_chinese():
    assert rules.shift_month("2026-01", -1) == "2025-12"
    assert rules.months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert rules.month_bounds("2026-12")[1].isoformat() == "2027-01-01"
    with pytest.raises(InvalidInput) as bad:
        rules.parse_month("2026-13")
    assert "YYYY-MM" in bad.value.message and bad.value.fields == {"month": "invalid"}


def test_eq_on_a_missing_field_is_false():
    assert not rules.holds(Eq("state", "closed"), {})


def test_measures_are_exact_to_four_places_rounded_half_up():
    late = rules.TimeRatio("started", "finished", "deadline")
    row = {"started": T, "deadline": T + timedelta(hours=2)}
    # 7200.36 s of 7200 allowed = 1.00005 exactly: half up to 1.0001 (a float would round it either way).
    assert rules.measure(late, {**row, "finished": T + timedelta(seconds=7200.36)}) == D("1.0001")
    assert rules.measure(late, {**row, "finished": T + timedelta(hours=3)}) == D("1.5000")
    assert rules.measure(late, {**row, "finished": None}) is None
    assert rules.measure(late, {**row, "deadline": T, "finished": T}) is None  # no allowance
    assert rules.measure(rules.FieldValue("score"), {"score": 4}) == D("4.0000")
    assert rules.measure(rules.FieldValue("score"), {"score": None}) is None
    indicator = Indicator(
        "late", "x", "cases", rules.MEAN, where=rules.Always(), period_field="p", unit_kinds=(), measure=late
    )
    assert indicator.value_fields == ("started", "finished", "deadline")
    assert indicator.value is not None and indicator.value({**row, "finished": T + timedelta(hours=3)}) == D(
        "1.5"
    )
