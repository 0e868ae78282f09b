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


def test_a_finished_clock_is_on_time_or_late_by_its_multiple_never_yellow():
    start, deadline = T, T + timedelta(hours=10)
    on_time = w.finished_sla(start, deadline, T + timedelta(hours=9, minutes=59))
    assert on_time.level == w.GREEN and on_time.overdue_multiple == 0.0 and on_time.deadline == deadline
    assert w.finished_sla(start, deadline, deadline).level == w.GREEN
    late = w.finished_sla(start, deadline, T + timedelta(hours=25))
    assert late.level == w.RED and late.overdue_multiple == 2.5
    half = lambda a, b: (b - a).total_seconds() / 2  # noqa: E731
    assert (
        w.finished_sla(start, deadline, T + timedelta(hours=30), seconds_between=half).overdue_multiple == 3.0
    )
    assert w.finished_sla(start, deadline, None).level == w.NONE
    assert w.finished_sla(None, deadline, T).level == w.NONE


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


# The constants below are the rules themselves, so each test spells out the expected values rather than
# rebuilding them from the module.


def test_merged_void_and_not_filed_are_terminal_and_closed_is_finished_but_not_terminal():
    assert {"not_filed", "void", "merged"} == w.TERMINAL
    assert {"not_filed", "void", "merged", "closed"} == w.FINISHED
    assert w.OPEN_STATES == (
        "reported",
        "verifying",
        "pending_filing",
        "pending_dispatch",
        "pending_response",
        "handling",
        "parked",
        "pending_check",
        "pending_callback",
    )


def test_roles_that_see_cases_by_place_include_the_assessor_and_not_the_handler_or_resident():
    assert {
        "inspector",
        "operator",
        "shift_lead",
        "dispatcher",
        "street_chief",
        "subdistrict_admin",
        "district_admin",
        "assessor",
    } == w.PLACE_ROLES


def test_each_state_runs_its_own_clock_and_parked_callback_and_finished_cases_run_none():
    assert w.STATE_STEP == {
        "reported": "verify",
        "verifying": "verify",
        "pending_filing": "file",
        "pending_dispatch": "dispatch",
        "pending_response": "respond",
        "handling": "handle",
        "pending_check": "check",
        "parked": "",
        "pending_callback": "",
        "closed": "",
        "not_filed": "",
        "void": "",
        "merged": "",
    }


def test_a_case_exactly_at_its_deadline_is_not_yet_overdue():
    at_deadline = w.sla(T, T + timedelta(hours=10), T + timedelta(hours=10))
    assert at_deadline.level == "yellow" and not at_deadline.is_overdue
    assert (at_deadline.fraction_used, at_deadline.overdue_multiple, at_deadline.remaining_seconds) == (
        1.0,
        0.0,
        0.0,
    )
    one_second_late = w.sla(T, T + timedelta(hours=10), T + timedelta(hours=10, seconds=1))
    assert one_second_late.level == "red" and one_second_late.overdue_multiple == 1.0


def test_a_whistle_report_exactly_at_its_deadline_is_on_time():
    deadline = T + timedelta(minutes=30)
    assert w.report_is_late(deadline, deadline, T + timedelta(hours=1)) is False
    assert w.report_is_late(deadline, None, deadline) is False
    assert w.report_is_late(deadline, deadline + timedelta(seconds=1), deadline) is True


def test_the_sla_reports_the_remaining_time_the_fraction_used_and_the_deadline():
    deadline = T + timedelta(hours=10)
    green = w.sla(T, deadline, T + timedelta(hours=7))
    assert (green.level, green.fraction_used, green.remaining_seconds, green.deadline) == (
        "green",
        0.7,
        10800.0,
        deadline,
    )
    red = w.sla(T, deadline, T + timedelta(hours=15))
    assert (red.fraction_used, red.remaining_seconds, red.deadline) == (1.5, -18000.0, deadline)
    assert (red.label, green.label, w.sla(None, deadline, T).label) == ("超时", "正常", "无时限")


def test_a_clock_read_before_it_started_has_used_nothing():
    early = w.sla(T, T + timedelta(hours=10), T - timedelta(hours=1))
    assert (early.level, early.fraction_used, early.remaining_seconds) == ("green", 0.0, 39600.0)


def test_a_zero_limit_is_green_until_its_deadline_passes_then_red_once_over():
    assert w.sla(T, T, T).level == "green"
    assert (w.sla(T, T, T).fraction_used, w.sla(T, T, T).remaining_seconds) == (0.0, 0.0)
    late = w.sla(T, T, T + timedelta(hours=1))
    assert (late.level, late.fraction_used, late.overdue_multiple) == ("red", 1.0, 1.0)
    # Started outside working hours: the working measure sees no time at all before the deadline.
    none_yet = w.sla(T, T + timedelta(hours=2), T + timedelta(hours=1), seconds_between=lambda a, b: 0.0)
    assert (none_yet.level, none_yet.fraction_used) == ("green", 0.0)


def test_the_overdue_multiple_is_rounded_to_two_places():
    red = w.sla(T, T + timedelta(hours=3), T + timedelta(hours=7))
    assert red.overdue_multiple == 2.33


def test_a_second_extension_request_waits_for_the_first_to_be_decided():
    assert (
        w.guard_problem("request_extension", w.CaseFacts(has_pending_extension=True, requested_days=1))
        == "已有一个延期申请待审批，请等待审批结果。"
    )
    assert w.guard_problem("request_extension", w.CaseFacts(requested_days=1)) is None


def test_an_extension_past_the_cap_says_the_total_the_cap_and_what_was_granted():
    facts = w.CaseFacts(extension_days=8, requested_days=3, max_extension_days=10)
    assert (
        w.guard_problem("request_extension", facts)
        == "延期后累计 11 个工作日，超过上限 10 个工作日（已延期 8 个工作日）。"
    )


def test_deciding_an_extension_needs_one_pending_and_rating_needs_none_before():
    assert w.guard_problem("refuse_extension", w.CaseFacts()) == "该案件没有待审批的延期申请。"
    assert w.guard_problem("approve_extension", w.CaseFacts(has_pending_extension=True)) is None
    assert w.guard_problem("rate", w.CaseFacts(rating="satisfied")) == "该案件已评价过，不能重复评价。"
    assert w.guard_problem("rate", w.CaseFacts()) is None
    assert w.guard_problem("feedback", w.CaseFacts(rating="dissatisfied", has_pending_extension=True)) is None


def test_reopening_is_refused_with_the_reason():
    assert (
        w.guard_problem("reopen", w.CaseFacts(rating="basic")) == "只有评价为“不满意”的案件才能申请重新办理。"
    )
    assert (
        w.guard_problem("reopen", w.CaseFacts(rating="dissatisfied", reopen_count=1))
        == "该案件已重新办理过 1 次，不能再次申请。"
    )
    assert (
        w.guard_problem("reopen", w.CaseFacts(rating="dissatisfied", reopen_count=1, max_reopens=2)) is None
    )


def test_with_a_threshold_of_one_the_first_return_escalates():
    assert w.should_escalate(1, 1) is True
    assert w.should_escalate(0, 1) is False
    assert w.should_escalate(3, -1) is False


def test_refusals_say_who_may_act_and_what_the_asker_can_do_instead():
    with pytest.raises(w.Refusal) as by_role:
        w.check("pending_dispatch", "merge", {"handler"})
    assert (
        by_role.value.message
        == "“合并”须由受理员、值班长、派遣员办理，您无权办理此案件的这一步。您此时可以：无。"
    )
    with pytest.raises(w.Refusal) as by_state:
        w.check("closed", "dispatch", {"dispatcher"})
    assert by_state.value.message == "案件处于“已结案”状态，不能“派遣”。您此时可以：无。"
    with pytest.raises(w.Refusal) as with_choices:
        w.check("reported", "file", {"operator"})
    assert with_choices.value.message.endswith("您此时可以：派核实、不予立案、合并。")


def test_unknown_actions_and_states_are_labelled_by_their_code():
    assert (w.action_label("teleport"), w.state_label("limbo")) == ("teleport", "limbo")
    assert (w.action_label("file"), w.state_label("parked")) == ("立案", "挂账/缓办")


def test_an_action_that_keeps_the_state_leads_back_to_it():
    assert w.next_state("handling", "request_extension") == "handling"
    assert w.next_state("closed", "rate") == "closed"
    with pytest.raises(KeyError):
        w.next_state("closed", "dispatch")


def test_the_mermaid_diagram_names_the_entries_the_self_loops_and_the_terminal_states():
    lines = set(w.diagram_mermaid().splitlines())
    assert {
        "stateDiagram-v2",
        "    reported: 待核实",
        "    [*] --> reported: 上报",
        "    [*] --> pending_filing: 监督员自报",
        "    pending_callback --> closed: 评价",
        "    note right of handling: 申请延期、批准延期、不批准延期、督办、吹哨",
        "    note right of closed: 评价",
        "    void --> [*]",
        "    merged --> [*]",
        "    not_filed --> [*]",
    } <= lines
    assert "    closed --> [*]" not in lines
    assert not any(line.startswith("    closed --> closed") for line in lines)


def test_a_limit_of_one_second_is_measured_like_any_other():
    almost = w.sla(T, T + timedelta(seconds=1), T + timedelta(milliseconds=900))
    assert (almost.level, almost.fraction_used) == ("yellow", 0.9)


def test_green_and_yellow_clocks_carry_their_deadline_and_no_overdue_multiple():
    deadline = T + timedelta(hours=10)
    green, yellow = w.sla(T, deadline, T + timedelta(hours=1)), w.sla(T, deadline, T + timedelta(hours=9))
    assert (green.level, green.overdue_multiple, green.deadline) == ("green", 0.0, deadline)
    assert (yellow.level, yellow.overdue_multiple, yellow.deadline) == ("yellow", 0.0, deadline)


def test_a_refusal_reads_as_its_message():
    with pytest.raises(w.Refusal) as refused:
        w.check("closed", "dispatch", {"dispatcher"})
    assert str(refused.value) == "案件处于“已结案”状态，不能“派遣”。您此时可以：无。"


def test_main_path_first_puts_the_forward_action_before_returning_or_parking():
    handling = w.allowed_actions(w.HANDLING, [w.HANDLER])
    assert handling[0] == w.RETURN  # table order would show 退单 first
    ordered = w.main_path_first(w.HANDLING, handling)
    assert ordered[0] == w.FEEDBACK and sorted(ordered) == sorted(handling)
    assert w.main_path_first(w.PENDING_RESPONSE, [w.RETURN, w.ACCEPT]) == [w.ACCEPT, w.RETURN]
    # The nearest step first; what leaves the path keeps its order after it.
    assert w.main_path_first(w.REPORTED, [w.NOT_FILE, w.VERIFY, w.VERIFY_REQUEST, w.MERGE]) == [
        w.VERIFY_REQUEST,
        w.VERIFY,
        w.NOT_FILE,
        w.MERGE,
    ]
    assert w.main_path_first(w.CLOSED, [w.RATE, w.REOPEN]) == [w.RATE, w.REOPEN]
