"""The transition table and the re-check plan, read as sentences (pure: no database)."""

from datetime import date, timedelta

from jingzhi.spaces import workflow
from jingzhi.spaces.workflow import Origin, State


def check(state, target, **facts):
    base = {"underground": False, "safety_recorded": False, "planned_use": True, "actual_use": True}
    return workflow.transition_problem(state, target, **{**base, **facts})


def test_the_main_path_runs_from_vacated_to_in_use():
    path = [State.VACATED, State.AWAITING, State.PLANNING, State.BUILDING, State.IN_USE]
    for a, b in zip(path, path[1:], strict=False):
        assert check(a, b) is None, (a, b)


def test_skipping_a_step_is_refused_naming_the_allowed_states():
    refusal = check(State.VACATED, State.IN_USE)
    assert refusal.code == "transition_not_allowed"
    assert refusal.allowed == (State.AWAITING,)
    assert "待利用" in refusal.message and "腾退" in refusal.message


def test_rebound_cannot_be_chosen_by_hand():
    refusal = check(State.IN_USE, State.REBOUND)
    assert refusal is not None and "复查" in refusal.message


def test_a_rebound_space_is_cleared_again_to_vacated():
    assert check(State.REBOUND, State.VACATED) is None
    assert workflow.allowed_targets(State.REBOUND) == [State.VACATED]


def test_underground_space_needs_its_safety_record_before_use():
    refusal = check(State.BUILDING, State.IN_USE, underground=True)
    assert refusal.code == "safety_required"
    assert check(State.BUILDING, State.IN_USE, underground=True, safety_recorded=True) is None
    assert check(State.BUILDING, State.IN_USE, underground=False) is None


def test_planning_needs_a_planned_use_and_use_an_actual_one():
    assert check(State.AWAITING, State.PLANNING, planned_use=False).code == "use_required"
    assert check(State.BUILDING, State.IN_USE, actual_use=False).code == "use_required"


def test_an_unknown_state_is_named():
    refusal = check(State.VACATED, "gone")
    assert refusal.code == "unknown_state" and "gone" in refusal.message


def test_recheck_interval_by_state_then_origin_then_configured_rule():
    assert workflow.recheck_days(State.IN_USE, Origin.DEMOLITION) == 60
    assert workflow.recheck_days(State.VACATED, Origin.WALL_OPENING) == 5
    assert workflow.recheck_days(State.VACATED, Origin.DEMOLITION) == 10
    rules = [(State.VACATED, "", 7), (State.VACATED, Origin.MARKET, 3)]
    assert workflow.recheck_days(State.VACATED, Origin.DEMOLITION, rules) == 7
    assert workflow.recheck_days(State.VACATED, Origin.MARKET, rules) == 3
    # A configured rule for the state beats the default for (state, origin).
    assert workflow.recheck_days(State.VACATED, Origin.WALL_OPENING, rules) == 7


def test_next_recheck_uses_the_calendar_it_is_given():
    def weekdays(day, n):
        while n:
            day += timedelta(days=1)
            n -= day.weekday() < 5
        return day

    # Friday 2025-06-13 + 10 working days (weekends skipped) = Friday 2025-06-27.
    assert workflow.next_recheck(date(2025, 6, 13), State.VACATED, Origin.DEMOLITION, weekdays) == date(
        2025, 6, 27
    )
    assert workflow.is_overdue(date(2025, 6, 1), date(2025, 6, 2))
    assert not workflow.is_overdue(date(2025, 6, 2), date(2025, 6, 2))
    assert not workflow.is_overdue(None, date(2025, 6, 2))


def test_reuse_rate_is_the_share_of_area_in_use():
    assert workflow.reuse_rate({}) is None
    assert workflow.reuse_rate({State.IN_USE: 30.0, State.VACATED: 70.0}) == 0.3


def test_the_diagram_is_drawn_from_the_table():
    edges = workflow.diagram_edges()
    assert ("腾退", "待利用", "hand") in edges
    assert ("利用中", "反弹", "recheck") in edges
    assert len([e for e in edges if e[2] == "hand"]) == len(workflow.TRANSITIONS)


def test_settings_checks_refuse_a_nonsense_walk(settings):
    from jingzhi.spaces.checks import spaces_settings

    assert spaces_settings() == []
    settings.JINGZHI_SPACES_DETOUR_FACTOR = 0.5
    settings.JINGZHI_SPACES_WALK_SPEED_M_PER_MIN = "fast"
    assert {e.id for e in spaces_settings()} == {"spaces.E001", "spaces.E002"}
