"""Random action sequences through the real actions on the database, checking the invariants after each:
terminal states stay terminal, the timeline agrees with the state, deadlines never precede their start,
and every change is audited (one audit row per event, the chain intact)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from jingzhi.cases import actions, workflow
from jingzhi.cases.models import Case, CaseEvent
from jingzhi.cases.testing import T0, build_people, build_places, build_taxonomy
from jingzhi.core import audit, clock
from jingzhi.core.errors import ApplicationError
from jingzhi.core.models import AuditEvent

ACTIONS = list(workflow.ACTIONS)
ACTORS = [
    "resident",
    "inspector",
    "operator",
    "shift_lead",
    "dispatcher",
    "handler",
    "other_handler",
    "sub_admin",
    "district_admin",
]


@pytest.mark.django_db
def test_random_action_sequences_keep_the_invariants(django_db_blocker):
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule

    with clock.frozen(T0):
        build_places()
        tax = build_taxonomy()
        people = build_people()
        do_create_duty_rule(
            actor=None, category=tax.cover, scope_kind="everywhere", departments=[people.szsr]
        )
        loader.clear_cache()

    class CaseMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.now = T0
            self.pin = clock.frozen(self.now)
            self.pin.__enter__()
            self.case = actions.do_open_case(
                actor=people.resident,
                source="resident_web",
                description="井盖没了",
                lon=116.3505,
                lat=39.9005,
            )
            self.history = [self.case.state]

        @rule(
            action=st.sampled_from(ACTIONS),
            who=st.sampled_from(ACTORS),
            minutes=st.integers(0, 3000),
            rating=st.sampled_from(["satisfied", "basic", "dissatisfied"]),
            days=st.integers(1, 12),
        )
        def act(self, action, who, minutes, rating, days):
            self.pin.__exit__(None, None, None)
            self.now = self.now + timedelta(minutes=minutes)
            self.pin = clock.frozen(self.now)
            self.pin.__enter__()
            before = Case.objects.get(pk=self.case.pk)
            data = {"note": "理由"}
            if action == "merge":
                return  # needs a second case; covered by the loop tests
            if action == "whistle":
                return  # its own action; covered by the whistle tests
            if action == "park":
                data["review_date"] = (self.now + timedelta(days=30)).date()
            if action in ("rate", "callback"):
                data["rating"] = rating
            if action == "request_extension":
                data["days"] = days
            try:
                after = actions.do_transition(
                    actor=getattr(people, who),
                    case_id=self.case.pk,
                    action=action,
                    expected_version=before.version,
                    **data,
                )
            except ApplicationError:
                after = Case.objects.get(pk=self.case.pk)
                assert after.version == before.version and after.state == before.state
                return
            assert after.version == before.version + 1
            if before.state in workflow.TERMINAL:
                raise AssertionError("a terminal case moved")
            self.history.append(after.state)

        @invariant()
        def consistent(self):
            if not hasattr(self, "case"):
                return
            case = Case.objects.get(pk=self.case.pk)
            events = list(CaseEvent.objects.filter(case=case).order_by("id"))
            assert events[-1].to_state == case.state
            for previous, event in zip(events, events[1:], strict=False):
                assert event.from_state == previous.to_state
            assert events[-1].version == case.version
            if case.step_deadline is not None:
                assert case.step_started_at is not None and case.step_deadline >= case.step_started_at
            if case.handle_deadline is not None:
                assert case.handle_deadline >= case.handle_started_at
            if case.response_deadline is not None:
                assert case.response_deadline >= case.dispatched_at
            if case.state in workflow.FINISHED or case.state in (workflow.PARKED, workflow.PENDING_CALLBACK):
                assert case.step == "" and case.step_deadline is None
            seen_terminal = [s for s in self.history if s in workflow.TERMINAL]
            if seen_terminal:
                assert case.state == seen_terminal[0]
            assert AuditEvent.objects.filter(target_type="cases.case").count() == CaseEvent.objects.count()

        def teardown(self):
            if hasattr(self, "pin"):
                self.pin.__exit__(None, None, None)

    CaseMachine.TestCase.settings = settings(
        max_examples=30, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
    )
    CaseMachine.TestCase().runTest()
    assert audit.verify() is None
