"""The roster generator's promises, as properties over random months, members, unavailable days and holidays
(hypothesis), and the composition rule. Pure: no database."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhi.councils import workflow
from jingzhi.councils.workflow import RosterInfeasible, generate_roster, month_days

MONTHS = st.builds(date, st.integers(2024, 2027), st.integers(1, 12), st.just(1))


@st.composite
def councils(draw, *, max_members=7, unavailable=True):
    month = draw(MONTHS)
    days = month_days(month)
    n = draw(st.integers(1, max_members))
    members = [f"m{i}" for i in range(n)]
    away = {}
    if unavailable:
        for m in members:
            away[m] = set(draw(st.lists(st.sampled_from(days), max_size=len(days) // 2)))
    holidays = set(draw(st.lists(st.sampled_from(days), max_size=5)))
    policy = draw(st.sampled_from(workflow.HOLIDAY_POLICIES))
    per_day = draw(st.integers(1, max(1, min(3, n))))
    return days, members, away, holidays, policy, per_day


def _spread(roster, members):
    counts = roster.counts()
    values = [counts.get(m, 0) for m in members]
    return max(values) - min(values)


@settings(max_examples=200, deadline=None)
@given(councils(unavailable=False))
def test_with_everybody_available_counts_differ_by_at_most_one(case):
    days, members, _away, holidays, policy, per_day = case
    roster = generate_roster(days, members, holidays=holidays, holiday_policy=policy, per_day=per_day)
    assert _spread(roster, members) <= 1


@settings(max_examples=300, deadline=None)
@given(councils())
def test_every_kept_day_has_distinct_available_members_and_skipped_days_are_holidays(case):
    days, members, away, holidays, policy, per_day = case
    try:
        roster = generate_roster(
            days, members, away, holidays=holidays, holiday_policy=policy, per_day=per_day
        )
    except RosterInfeasible as exc:
        assert exc.days
        for d in exc.days:
            assert sum(d not in away[m] for m in members) < per_day
        return
    kept = set(roster.shifts)
    assert kept | set(roster.skipped) == set(days)
    assert not kept & set(roster.skipped)
    assert all(d in holidays for d in roster.skipped)
    if policy == workflow.PATROL:
        assert not roster.skipped
    else:
        assert kept.isdisjoint(holidays)
    for d, on in roster.shifts.items():
        assert len(on) == per_day == len(set(on))
        assert all(d not in away[m] for m in on)


@settings(max_examples=300, deadline=None)
@given(councils())
def test_no_chain_of_reassignments_can_even_the_counts_further(case):
    """Optimality: no member with c patrols can pass a day (directly or along a chain) to one with c − 2."""
    days, members, away, holidays, policy, per_day = case
    try:
        roster = generate_roster(
            days, members, away, holidays=holidays, holiday_policy=policy, per_day=per_day
        )
    except RosterInfeasible:
        return
    shifts = {d: list(on) for d, on in roster.shifts.items()}
    counts = roster.counts()
    for m in members:
        counts.setdefault(m, 0)
    free = {d: {m for m in members if d not in away[m]} for d in shifts}
    for source in members:
        assert workflow._chain_from(source, shifts, free, counts) is None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 6), max_size=6), min_size=3, max_size=3),
)
def test_when_a_balanced_week_exists_the_generator_finds_one(away_by_member):
    """Brute force over every assignment of a 7-day week to 3 members: if one with max − min ≤ 1 respects
    the unavailable days, the generator finds it; in general its spread is the smallest possible."""
    days = [date(2025, 6, 9) + timedelta(days=i) for i in range(7)]
    members = ["a", "b", "c"]
    away = {m: {days[i] for i in s} for m, s in zip(members, away_by_member, strict=True)}
    options = [[m for m in members if d not in away[m]] for d in days]
    if any(not o for o in options):
        with pytest.raises(RosterInfeasible):
            generate_roster(days, members, away)
        return
    best = min(
        max(c) - min(c) for pick in itertools.product(*options) for c in [[pick.count(m) for m in members]]
    )
    roster = generate_roster(days, members, away)
    assert _spread(roster, members) == best


def test_uncoverable_days_are_named():
    days = month_days(date(2025, 6, 1))
    away = {"a": {days[3], days[4]}, "b": {days[4]}}
    with pytest.raises(RosterInfeasible) as caught:
        generate_roster(days, ["a", "b"], away)
    assert caught.value.days == [days[4]]


def test_everybody_available_is_a_plain_daily_rotation():
    days = month_days(date(2025, 6, 1))[:7]
    roster = generate_roster(days, ["a", "b", "c"])
    assert [roster.shifts[d][0] for d in days] == ["a", "b", "c", "a", "b", "c", "a"]


def test_holidays_are_skipped_when_the_council_skips_them():
    days = month_days(date(2025, 10, 1))
    holidays = set(days[:8])
    roster = generate_roster(days, ["a", "b", "c"], holidays=holidays, holiday_policy=workflow.SKIP)
    assert roster.skipped == sorted(holidays)
    assert min(roster.shifts) == days[8]


def test_the_next_month_starts_after_last_months_final_patroller():
    assert workflow.rotated(["a", "b", "c", "d"], "b") == ["c", "d", "a", "b"]
    assert workflow.rotated(["a", "b"], "gone") == ["a", "b"]


@pytest.mark.parametrize(
    ("roles", "problems"),
    [
        (["chief", "secretary", "member", "member", "member"], []),
        (["secretary", "member", "member", "member"], ["no_chief"]),
        (["chief", "chief", "member", "member", "member"], ["two_chiefs"]),
        (["chief", *["member"] * 6], ["too_many_members"]),
        (["chief", "member"], ["too_few_members"]),
    ],
)
def test_a_council_has_one_chief_and_three_to_five_members(roles, problems):
    assert workflow.composition_problems(roles) == problems


def test_a_shift_is_missed_once_its_day_passed_without_a_finished_round():
    d = date(2025, 6, 10)
    assert workflow.shift_status(d, date(2025, 6, 11), started=True, finished=False) == workflow.SHIFT_MISSED
    assert workflow.shift_status(d, date(2025, 6, 11), started=True, finished=True) == workflow.SHIFT_DONE
    assert workflow.shift_status(d, d, started=False, finished=False) == workflow.SHIFT_DUE
    assert workflow.completion_rate(0, 0) is None
    assert workflow.completion_rate(3, 4) == 0.75
