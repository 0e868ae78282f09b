"""The pure rules of 民意立项: the transition table, proportions, channel dedup, tallies and tie-breaks."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhi.projects import workflow as wf

RULES = wf.Rules(support=Fraction(2, 3), turnout=Fraction(1, 2))


def units(n, weight=1):
    return {f"h{i}": Fraction(weight) for i in range(n)}


def test_each_type_starts_in_its_own_state_and_reaches_deliberation_only_through_its_own_step():
    assert wf.transition(wf.SOLICIT, wf.DRAFT, wf.SUBMIT).to == wf.DELIBERATION
    assert wf.transition(wf.DECLARE, wf.PENDING_ACCEPTANCE, wf.ACCEPT).to == wf.DELIBERATION
    assert wf.transition(wf.DRIVEN, wf.PROPOSED, wf.ADOPT).to == wf.DELIBERATION
    assert wf.transition(wf.SOLICIT, wf.PROPOSED, wf.ADOPT) is None
    assert wf.transition(wf.DRIVEN, wf.DECLARED, wf.COSIGN) is None


def test_every_state_but_the_terminal_ones_has_a_way_out_and_every_state_is_reachable():
    for state in wf.STATES:
        leaving = [t for (s, _a), t in wf.TRANSITIONS.items() if s == state and t.to != s]
        assert bool(leaving) == (state not in wf.TERMINAL), state
    reached = set(wf.START.values()) | {t.to for t in wf.TRANSITIONS.values()}
    assert reached == set(wf.STATES)


def test_a_resident_may_only_cosign_vote_object_and_rate():
    resident = {a for (_s, a), t in wf.TRANSITIONS.items() if wf.RESIDENT in t.actors}
    assert resident == {wf.COSIGN, wf.BALLOT, wf.OBJECT, wf.RATE}


def test_allowed_actions_follow_the_type_and_the_actor():
    assert wf.allowed_actions(wf.DECLARE, wf.DECLARED, {wf.RESIDENT}) == [wf.COSIGN]
    assert wf.allowed_actions(wf.SOLICIT, wf.DECLARED, {wf.RESIDENT}) == []
    assert wf.APPROVE in wf.allowed_actions(wf.SOLICIT, wf.PUBLICITY, {wf.OFFICE})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2/3", Fraction(2, 3)),
        ("50%", Fraction(1, 2)),
        ("66.7%", Fraction(667, 1000)),
        ("0.3", Fraction(3, 10)),
        ("1", Fraction(1)),
        ("２/３".replace("２", "2").replace("３", "3"), Fraction(2, 3)),
    ],
)
def test_proportions_are_read_exactly(text, value):
    assert wf.parse_proportion(text) == value


@pytest.mark.parametrize("text", ["", "3/2", "-1/2", "abc", "1/0", "150%"])
def test_a_proportion_outside_zero_to_one_is_refused(text):
    with pytest.raises(ValueError):
        wf.parse_proportion(text)


def test_rules_problems_name_the_field():
    assert set(wf.rules_problems({"unit": "dog", "support": "7/5", "publicity_days": 0})) == {
        "unit",
        "support",
        "publicity_days",
    }
    assert wf.rules_problems({"support": "2/3", "turnout": "50%"}) == {}


def test_the_journey_passes_72_percent_support_with_64_percent_turnout():
    eligible = units(25)
    counted = {f"h{i}": (wf.FULL if i < 11 else wf.PARTIAL if i < 13 else wf.OPPOSE) for i in range(16)}
    result = wf.tally(eligible, counted, wf.Rules(support=Fraction(7, 10), turnout=Fraction(1, 2)))
    assert result.turnout == Fraction(16, 25)  # 64%
    assert result.share(wf.FULL, wf.PARTIAL) == Fraction(13, 16)
    assert result.outcome == wf.PASSED_PARTIAL  # full alone is 11/16 < 70%


def test_support_exactly_at_the_threshold_passes_and_one_vote_less_fails():
    eligible = units(6)
    at = {"h0": wf.FULL, "h1": wf.FULL, "h2": wf.OPPOSE}
    assert wf.tally(eligible, at, RULES).outcome == wf.PASSED_FULL
    below = {"h0": wf.FULL, "h1": wf.OPPOSE, "h2": wf.OPPOSE}
    assert wf.tally(eligible, below, RULES).outcome == wf.FAILED_SUPPORT


def test_turnout_exactly_at_the_threshold_counts_and_abstentions_count_for_turnout_only():
    eligible = units(4)
    counted = {"h0": wf.FULL, "h1": wf.ABSTAIN}
    result = wf.tally(eligible, counted, RULES)
    assert result.turnout == Fraction(1, 2)
    assert result.outcome == wf.PASSED_FULL
    assert wf.tally(eligible, {"h0": wf.FULL}, RULES).outcome == wf.FAILED_TURNOUT


def test_an_empty_scope_never_passes_and_only_abstentions_fail_on_support():
    assert wf.tally({}, {}, RULES).outcome == wf.FAILED_TURNOUT
    assert wf.tally(units(2), {"h0": wf.ABSTAIN, "h1": wf.ABSTAIN}, RULES).outcome == wf.FAILED_SUPPORT


def test_weights_decide_when_a_heavy_household_opposes():
    eligible = {"big": Fraction(120), "a": Fraction(30), "b": Fraction(30)}
    counted = {"big": wf.OPPOSE, "a": wf.FULL, "b": wf.FULL}
    assert wf.tally(eligible, counted, RULES).outcome == wf.FAILED_SUPPORT
    assert wf.tally({k: Fraction(1) for k in eligible}, counted, RULES).outcome == wf.PASSED_FULL


def test_partial_support_counts_only_when_the_rules_allow_it():
    counted = {"h0": wf.PARTIAL, "h1": wf.PARTIAL, "h2": wf.OPPOSE}
    assert wf.tally(units(3), counted, RULES).outcome == wf.PASSED_PARTIAL
    strict = wf.Rules(partial_allowed=False)
    assert wf.tally(units(3), counted, strict).outcome == wf.FAILED_SUPPORT


def test_a_ballot_of_a_unit_not_on_the_register_is_not_counted():
    result = wf.tally(units(2), {"h0": wf.FULL, "stranger": wf.OPPOSE}, RULES)
    assert result.voted_units == 1 and result.weights[wf.OPPOSE] == 0


def test_the_group_weight_and_the_floor_area_multiply():
    rules = wf.Rules(weight_by_area=True, group_weights={"底商": Fraction(1, 2)})
    from decimal import Decimal

    assert wf.unit_weight(rules, group="底商", floor_area=Decimal("80.5")) == Fraction(161, 4)
    assert wf.weight_problem(rules, None)
    with pytest.raises(ValueError):
        wf.unit_weight(rules, floor_area=None)


def test_dedup_keeps_the_first_paper_or_meeting_ballot_and_the_last_online_one():
    ballots = [
        wf.BallotRecord("h1", wf.FULL, wf.ONLINE, 1),
        wf.BallotRecord("h1", wf.OPPOSE, wf.ONLINE, 2),
        wf.BallotRecord("h2", wf.FULL, wf.PAPER, 3),
        wf.BallotRecord("h2", wf.OPPOSE, wf.MEETING, 4),
        wf.BallotRecord("h3", wf.FULL, wf.MEETING, 5),
        wf.BallotRecord("h3", wf.OPPOSE, wf.ONLINE, 6),
    ]
    counted = wf.dedup(ballots)
    assert {u: b.choice for u, b in counted.items()} == {"h1": wf.OPPOSE, "h2": wf.FULL, "h3": wf.FULL}
    assert wf.ballot_refusal(wf.ONLINE, wf.ONLINE) is None
    assert wf.ballot_refusal(wf.ONLINE, wf.PAPER) == "duplicate"
    assert wf.ballot_refusal(wf.PAPER, wf.ONLINE) == "duplicate"
    assert wf.ballot_refusal(None, wf.PAPER) is None


def test_a_show_of_hands_is_carried_by_more_than_half_of_those_present():
    assert wf.show_of_hands(11, 0, 0, 21) == "carried"
    assert wf.show_of_hands(10, 10, 1, 21) == "not_carried"
    assert wf.show_of_hands(2, 2, 0, 4) == "not_carried"  # a tie is not carried
    with pytest.raises(ValueError):
        wf.show_of_hands(20, 2, 0, 21)


def test_cosign_threshold_is_a_proportion_of_the_scope():
    assert wf.cosign_threshold_met(3, 10, Fraction(3, 10))
    assert not wf.cosign_threshold_met(2, 10, Fraction(3, 10))
    assert not wf.cosign_threshold_met(0, 0, Fraction(0))


def test_most_ratings_poor_flags_the_operator():
    assert wf.satisfaction([1, 2, 5]).flagged
    assert not wf.satisfaction([1, 2, 5, 4]).flagged  # half is not most
    assert wf.satisfaction([]).average is None


def test_the_flowchart_draws_every_state_and_every_type_from_the_table():
    svg = wf.diagram_svg()
    for state in wf.STATES:
        assert f'data-state="{state}"' in svg
    for kind in wf.TYPES:
        assert str(wf.TYPE_LABELS[kind]) in svg
    assert "<script" not in svg and "<style" not in svg and "style=" not in svg


# ------------------------------------------------------------------------------------------------ properties
# Timing belongs in bench/: a loaded machine must not fail a property for drawing slowly.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
choices = st.sampled_from(wf.CHOICES)
weights = st.fractions(min_value=Fraction(1, 100), max_value=200, max_denominator=100)
proportions = st.fractions(min_value=0, max_value=1, max_denominator=12)


@st.composite
def rounds(draw):
    n = draw(st.integers(min_value=0, max_value=30))
    eligible = {f"h{i}": draw(weights) for i in range(n)}
    voters = draw(st.lists(st.sampled_from(sorted(eligible)), unique=True)) if eligible else []
    counted = {u: draw(choices) for u in voters}
    rules = wf.Rules(
        support=draw(proportions.filter(lambda p: p > 0)),
        turnout=draw(proportions),
        partial_allowed=draw(st.booleans()),
    )
    return eligible, counted, rules


@PROPERTY
@given(rounds())
def test_the_tally_agrees_with_the_definition(case):
    eligible, counted, rules = case
    result = wf.tally(eligible, counted, rules)
    w = {c: sum((eligible[u] for u, ch in counted.items() if ch == c), Fraction(0)) for c in wf.CHOICES}
    decided = w[wf.FULL] + w[wf.PARTIAL] + w[wf.OPPOSE]
    if not eligible or Fraction(len(counted), len(eligible)) < rules.turnout:
        expected = wf.FAILED_TURNOUT
    elif decided and w[wf.FULL] / decided >= rules.support:
        expected = wf.PASSED_FULL
    elif decided and rules.partial_allowed and (w[wf.FULL] + w[wf.PARTIAL]) / decided >= rules.support:
        expected = wf.PASSED_PARTIAL
    else:
        expected = wf.FAILED_SUPPORT
    assert result.outcome == expected
    assert sum(result.weights.values()) == sum((eligible[u] for u in counted), Fraction(0))


@PROPERTY
@given(rounds(), st.sampled_from(wf.CHOICES))
def test_one_more_supporter_never_turns_a_pass_into_a_fail(case, extra):
    eligible, counted, rules = case
    before = wf.tally(eligible, counted, rules)
    abstainers = [u for u in eligible if u not in counted]
    if not abstainers:
        return
    after = wf.tally(eligible, {**counted, abstainers[0]: wf.FULL}, rules)
    if before.passed:
        assert after.passed


@PROPERTY
@given(rounds(), st.integers(min_value=1, max_value=50))
def test_scaling_every_weight_changes_nothing(case, factor):
    eligible, counted, rules = case
    scaled = {u: w * factor for u, w in eligible.items()}
    assert wf.tally(eligible, counted, rules).outcome == wf.tally(scaled, counted, rules).outcome


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 8), choices, st.sampled_from(wf.CHANNELS)), max_size=60))
def test_dedup_counts_one_ballot_per_unit_and_agrees_with_the_refusal_rule(raw):
    ballots = [wf.BallotRecord(f"h{u}", c, ch, i) for i, (u, c, ch) in enumerate(raw)]
    counted = wf.dedup(ballots)
    assert set(counted) == {b.unit for b in ballots}
    # Replaying ballots through the refusal rule, as the action does, keeps the same ballots.
    live: dict[str, wf.BallotRecord] = {}
    for b in ballots:
        if wf.ballot_refusal(live[b.unit].channel if b.unit in live else None, b.channel) is None:
            live[b.unit] = b
    assert live == counted


@PROPERTY
@given(rounds())
def test_the_grouped_tally_the_database_feeds_equals_the_tally_per_unit(case):
    eligible, counted, rules = case
    groups: dict[tuple[str, Fraction], int] = {}
    for unit, choice in counted.items():
        key = (choice, eligible[unit])
        groups[key] = groups.get(key, 0) + 1
    grouped = wf.tally_groups(len(eligible), [(c, w, n) for (c, w), n in groups.items()], rules)
    assert grouped == wf.tally(eligible, counted, rules)
