"""The pure transition table, exhaustively: every state × action × role is allowed or refused for the
right reason (state or role), checked against a specification written out independently below."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jingzhi.accounts.models import Role
from jingzhi.cases import workflow as w

OPEN = set(w.OPEN_STATES)
PRE = {"reported", "verifying", "pending_filing"}
# action → (states it is possible in, roles who may take it, resulting state or None for "stays")
SPEC = {
    "verify_request": ({"reported"}, {"operator", "shift_lead"}, "verifying"),
    "verify": ({"reported", "verifying"}, {"inspector"}, "pending_filing"),
    "file": ({"pending_filing"}, {"shift_lead"}, "pending_dispatch"),
    "not_file": (PRE, {"operator", "shift_lead"}, "not_filed"),
    "void": (PRE | {"pending_dispatch"}, {"shift_lead"}, "void"),
    "merge": (PRE | {"pending_dispatch"}, {"operator", "shift_lead", "dispatcher"}, "merged"),
    "dispatch": ({"pending_dispatch"}, {"dispatcher"}, "pending_response"),
    "accept": ({"pending_response"}, {"handler"}, "handling"),
    "return": ({"pending_response", "handling"}, {"handler"}, "pending_dispatch"),
    "request_extension": ({"handling"}, {"handler"}, None),
    "approve_extension": ({"handling"}, {"dispatcher", "shift_lead"}, None),
    "refuse_extension": ({"handling"}, {"dispatcher", "shift_lead"}, None),
    "park": ({"handling"}, {"dispatcher", "shift_lead"}, "parked"),
    "unpark": ({"parked"}, {"dispatcher", "shift_lead"}, "handling"),
    "feedback": ({"handling"}, {"handler"}, "pending_check"),
    "check_pass": ({"pending_check"}, {"inspector"}, "pending_callback"),
    "check_fail": ({"pending_check"}, {"inspector"}, "handling"),
    "callback": ({"pending_callback"}, {"operator"}, "closed"),
    "close": ({"pending_callback"}, {"shift_lead"}, "closed"),
    "rate": ({"pending_callback", "closed"}, {"reporter"}, None),
    "reopen": ({"closed"}, {"reporter"}, "pending_dispatch"),
    "supervise": (OPEN, {"shift_lead", "subdistrict_admin", "district_admin"}, None),
    "whistle": (OPEN, {"subdistrict_admin"}, None),
}


def test_the_spec_covers_exactly_the_tables_actions():
    assert set(SPEC) == set(w.ACTIONS)


def test_workflow_roles_are_the_account_roles_plus_the_reporter():
    assert set(w.ALL_ROLES) == set(Role.values) | {"reporter"}


@pytest.mark.parametrize("action", sorted(SPEC))
def test_every_state_and_role_for(action):
    states, roles, target = SPEC[action]
    for state in w.STATES:
        for role in w.ALL_ROLES:
            if state in states and role in roles:
                assert w.check(state, action, {role}).roles & {role}
                expected = target or state
                if action == "rate" and state == "pending_callback":
                    expected = "closed"
                assert w.next_state(state, action) == expected, (state, action, role)
                assert action in w.allowed_actions(state, {role})
            else:
                with pytest.raises(w.Refusal) as info:
                    w.check(state, action, {role})
                assert info.value.kind == ("role" if state in states else "state"), (state, action, role)
                assert action not in w.allowed_actions(state, {role})
                assert info.value.allowed == w.allowed_actions(state, {role})
                assert transition_message_names_allowed(info.value)


def transition_message_names_allowed(refusal) -> bool:
    return (
        all(w.action_label(a) in refusal.message for a in refusal.allowed) and "您此时可以" in refusal.message
    )


def test_terminal_states_have_no_way_out():
    for state in w.TERMINAL:
        assert w.allowed_actions(state, w.ALL_ROLES) == []


def test_a_closed_case_leaves_only_by_reopen():
    leaving = [a for (s, a), t in w.TRANSITIONS.items() if s == "closed" and t.to not in (None, "closed")]
    assert leaving == ["reopen"]


def test_required_fields_are_declared():
    assert w.TRANSITIONS[("handling", "return")].requires == ("reason",)
    assert w.TRANSITIONS[("handling", "park")].requires == ("reason", "review_date")
    assert w.TRANSITIONS[("closed", "reopen")].requires == ("reason",)


def test_initial_state_files_an_inspectors_own_report_directly():
    assert w.initial_state("inspector", actor_is_inspector=True) == "pending_filing"
    assert w.initial_state("inspector", actor_is_inspector=False) == "reported"
    assert w.initial_state("resident_web", actor_is_inspector=True) == "reported"


def test_guards_reopen_once_only_when_dissatisfied():
    assert w.guard_problem("reopen", w.CaseFacts(rating="basic")) is not None
    assert w.guard_problem("reopen", w.CaseFacts(rating="dissatisfied")) is None
    assert w.guard_problem("reopen", w.CaseFacts(rating="dissatisfied", reopen_count=1)) is not None
    assert w.guard_problem("rate", w.CaseFacts(rating="satisfied")) is not None
    assert w.guard_problem("approve_extension", w.CaseFacts()) is not None
    assert (
        w.guard_problem(
            "request_extension", w.CaseFacts(extension_days=8, requested_days=3, max_extension_days=10)
        )
        is not None
    )
    assert (
        w.guard_problem(
            "request_extension", w.CaseFacts(extension_days=7, requested_days=3, max_extension_days=10)
        )
        is None
    )


def test_repeated_returns_escalate_at_the_threshold():
    assert not w.should_escalate(1, 2)
    assert w.should_escalate(2, 2)
    assert not w.should_escalate(5, 0)


T = datetime(2025, 6, 11, 9, 0)


def test_sla_is_green_then_yellow_at_eighty_percent_then_red_with_the_overdue_multiple():
    start, deadline = T, T + timedelta(hours=10)
    assert w.sla(start, deadline, T + timedelta(hours=7)).level == w.GREEN
    assert w.sla(start, deadline, T + timedelta(hours=8)).level == w.YELLOW
    red = w.sla(start, deadline, T + timedelta(hours=15))
    assert red.level == w.RED and red.overdue_multiple == 1.5 and red.is_overdue
    assert w.sla(start, deadline, T + timedelta(hours=9), yellow_fraction=0.95).level == w.GREEN
    assert w.sla(None, None, T).level == w.NONE


def test_sla_uses_the_injected_measure():
    # A measure that counts only half the time: 8 real hours are 4 "working" of 10 → green.
    half = lambda a, b: (b - a).total_seconds() / 2  # noqa: E731
    assert w.sla(T, T + timedelta(hours=20), T + timedelta(hours=8), seconds_between=half).level == w.GREEN


def test_whistle_lateness():
    deadline = T + timedelta(minutes=30)
    assert not w.report_is_late(deadline, T + timedelta(minutes=29), T + timedelta(hours=1))
    assert w.report_is_late(deadline, T + timedelta(minutes=40), T + timedelta(hours=1))
    assert w.report_is_late(deadline, None, T + timedelta(minutes=31))
    assert not w.report_is_late(deadline, None, T + timedelta(minutes=10))


def test_the_diagram_is_drawn_from_the_table():
    svg = w.diagram_svg()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    for state in w.STATES:
        assert f'data-state="{state}"' in svg
    moving = sum(1 for t in w.TRANSITIONS.values() if t.to is not None)
    assert svg.count('<path d="M') == moving
    assert "<script" not in svg
    mermaid = w.diagram_mermaid()
    assert "pending_check --> handling: 核查不通过（返工）" in mermaid
