"""Who takes each open state's next step (`workflow.TAKERS`), as pure rules: the table agrees with the
transition table, and the reason an operator reads names the missing role."""

from __future__ import annotations

from jingzhi.cases import workflow


def test_every_open_state_names_who_takes_it_and_only_open_states_do():
    assert set(workflow.TAKERS) == set(workflow.OPEN_STATES)


def test_each_taker_may_move_the_case_on_from_its_state():
    for state, roles in workflow.TAKERS.items():
        for role in roles:
            moves = [
                action
                for action in workflow.allowed_actions(state, {role})
                if workflow.TRANSITIONS[(state, action)].to not in (None, *workflow.TERMINAL)
            ]
            assert moves, (state, role)


def test_the_reason_names_the_missing_role_in_chinese():
    assert workflow.no_taker_reason(workflow.VERIFYING) == "无人可接：没有负责此处的监督员"
    assert workflow.no_taker_reason(workflow.PARKED) == "无人可接：没有负责此处的派遣员或值班长"
    assert workflow.no_taker_reason(workflow.HANDLING) == "无人可接：已派部门没有在岗的处置人员"
    assert workflow.no_taker_reason(workflow.CLOSED) == ""
