"""Queue counts: every count equals the length of the queue it counts (capped when asked), for department
users (whose department queues are counted part by part: led per state, then co-handled) as for everyone
else; and which queues a department user works from."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jingzhi.cases import actions, queries
from jingzhi.cases.testing import T0, open_case, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(world):
    """A handler in both departments: a case led by one and co-handled by the other is in both parts."""
    from jingzhi.accounts.actions import do_assign_role, do_create_user

    user = do_create_user(
        actor=None, username="both", password="x-secret-1", display_name="both", phone="13800000000"
    )
    for department in (world.p.szsr, world.p.zls):
        do_assign_role(actor=None, user=user, role="handler", scope_kind="department", department=department)
    return user


def _history(world):
    """Cases in every state the handlers meet: led by 市政市容委, co-handled by it (led by 自来水), returned
    by it, finished with its co-handling assignment still active, and some overdue (督办)."""
    p = world.p
    for state in (
        "pending_response",
        "pending_response",
        "handling",
        "pending_check",
        "pending_callback",
        "closed",
        "pending_filing",
    ):
        walk_to(world, open_case(world), state)
    for final in ("pending_response", "handling", "closed"):
        case = walk_to(world, open_case(world), "pending_dispatch")
        actions.do_dispatch_case(actor=p.dispatcher, case_id=case.pk, departments=[p.zls, p.szsr], lead=p.zls)
        if final != "pending_response":
            actions.do_accept_case(actor=p.other_handler, case_id=case.pk)
        if final == "closed":
            actions.do_feedback_case(actor=p.other_handler, case_id=case.pk, note="已修复")
            actions.do_check_pass_case(actor=p.inspector, case_id=case.pk)
            actions.do_rate_case(actor=p.resident, case_id=case.pk, rating="satisfied")
    returned = walk_to(world, open_case(world), "pending_response")
    actions.do_return_case(actor=p.handler, case_id=returned.pk, reason="不属于本部门")
    open_case(world, p.handler)  # a handler's own report: in their visibility, not in a department queue


def _assert_counts_are_queue_lengths(user, now):
    lengths = {name: queries.queue_for(user, name, now=now).count() for name in queries.QUEUES}
    assert queries.queue_counts(user, now=now) == lengths, user.username
    for cap in (1, 2, 3, 1000):
        assert queries.queue_counts(user, now=now, cap=cap) == {n: min(k, cap) for n, k in lengths.items()}, (
            user.username,
            cap,
        )
    return lengths


def test_counts_equal_the_queue_lengths_for_department_users_and_others(world, both, frozen):
    p = world.p
    _history(world)
    for moment in (T0, T0 + timedelta(days=30)):  # later: everything open is overdue, 督办 fills up
        frozen.to(moment)
        for user in (p.handler, p.other_handler, both, p.dispatcher, p.sub_admin, p.operator):
            _assert_counts_are_queue_lengths(user, moment)
    lengths = _assert_counts_are_queue_lengths(p.handler, T0 + timedelta(days=30))
    # 2 led + 1 co-handled waiting for a response, 1 led + 1 co-handled in handling, 1 waiting for its
    # check: all six overdue (待回访 runs no clock).
    assert (lengths["response"], lengths["handling"], lengths["check"], lengths["supervision"]) == (
        3,
        2,
        1,
        6,
    )
    assert lengths["closed"] == 2  # its own closed case and the co-handled one
    both_lengths = _assert_counts_are_queue_lengths(both, T0 + timedelta(days=30))
    assert both_lengths["response"] == 3 and both_lengths["handling"] == 2  # no case counted twice


def _co_handled_by_szsr(world, final):
    p = world.p
    case = walk_to(world, open_case(world), "pending_dispatch")
    actions.do_dispatch_case(actor=p.dispatcher, case_id=case.pk, departments=[p.zls, p.szsr], lead=p.zls)
    actions.do_accept_case(actor=p.other_handler, case_id=case.pk)
    if final == "closed":
        actions.do_feedback_case(actor=p.other_handler, case_id=case.pk, note="已修复")
        actions.do_check_pass_case(actor=p.inspector, case_id=case.pk)
        case = actions.do_rate_case(actor=p.resident, case_id=case.pk, rating="satisfied")
    return case


def test_co_handling_candidates_are_the_queues_own_cases(world, frozen):
    """The co-handled side of a department queue is read with the case's state, and without assignments
    whose work has ended (a finished case's: they stay active to name who handled it)."""
    from jingzhi.cases.models import CaseAssignment

    p = world.p
    open_one = _co_handled_by_szsr(world, "handling")
    done = _co_handled_by_szsr(world, "closed")
    shared = queries._shared_case_ids

    assert list(shared([p.szsr.pk], ("handling",)).values_list("case_id", flat=True)) == [open_one.pk]
    assert CaseAssignment.objects.filter(case=done, department=p.szsr, is_active=True).exists()
    CaseAssignment.objects.filter(case=done).update(ended_at=done.closed_at)
    assert list(shared([p.szsr.pk], ("closed",))) == []
    assert list(shared([p.szsr.pk], ("handling",)).values_list("case_id", flat=True)) == [open_one.pk]
    assert queries.queue_counts(p.handler, names=["handling", "supervision"], cap=1000) == {
        "handling": 1,
        "supervision": 0,
    }


def test_the_migration_ends_the_assignments_of_finished_cases_only(world, frozen):
    import importlib

    from django.apps import apps

    from jingzhi.cases.models import CaseAssignment

    migration = importlib.import_module("jingzhi.cases.migrations.0004_queue_state_lead_deadline")
    open_one = _co_handled_by_szsr(world, "handling")
    done = _co_handled_by_szsr(world, "closed")
    migration.end_finished_assignments(apps, None)
    assert set(CaseAssignment.objects.filter(case=done).values_list("is_active", "ended_at")) == {
        (True, done.closed_at)
    }
    assert set(CaseAssignment.objects.filter(case=open_one).values_list("is_active", "ended_at")) == {
        (True, None)
    }


def test_a_department_user_works_from_the_department_queues(world, frozen):
    p = world.p
    department = ("response", "handling", "parked", "check", "supervision", "closed")
    assert queries.queue_names_for(p.handler) == department
    assert queries.queue_names_for(p.other_handler) == department
    everything = tuple(queries.QUEUES)
    for user in (p.dispatcher, p.operator, p.inspector, p.sub_admin, p.district_admin):
        assert queries.queue_names_for(user) == everything, user.username
    # A handler who also holds a place role sees by place as well: every queue.
    from jingzhi.accounts.actions import do_assign_role

    do_assign_role(actor=None, user=p.handler, role="dispatcher", scope_kind="district", scope_code="110199")
    from jingzhi.accounts import access

    access.forget(p.handler)
    assert queries.queue_names_for(p.handler) == everything


def test_finishing_a_case_ends_its_assignments_but_keeps_them_naming_who_handled_it(world, frozen):
    from jingzhi.cases.models import CaseAssignment

    open_one = _co_handled_by_szsr(world, "handling")
    done = _co_handled_by_szsr(world, "closed")
    rows = set(CaseAssignment.objects.filter(case=done).values_list("is_active", "ended_at"))
    assert rows == {(True, done.closed_at)}  # still active (shown on the page), but its work has ended
    assert set(CaseAssignment.objects.filter(case=open_one).values_list("ended_at", flat=True)) == {None}
    assert list(queries._shared_case_ids([world.p.szsr.pk], ("closed",))) == []


def test_a_search_finds_exactly_the_matching_cases_of_the_users_queues_each_labelled(world, both, frozen):
    p = world.p
    _history(world)
    for moment in (T0, T0 + timedelta(days=30)):
        frozen.to(moment)
        for user in (p.handler, p.other_handler, both, p.dispatcher, p.sub_admin, p.operator):
            names = queries.queue_names_for(user)
            expected: dict[int, set[str]] = {}
            for name in names:
                for pk in queries.queue_for(user, name, search="井盖", now=moment).values_list(
                    "pk", flat=True
                ):
                    expected.setdefault(pk, set()).add(name)
            hits = list(queries.search_queues(user, "井盖", now=moment))
            assert {c.pk for c in hits} == set(expected), (user.username, moment)
            assert all(set(queries.queues_of(c, names, moment)) == expected[c.pk] for c in hits), (
                user.username
            )
            assert not queries.search_queues(user, "没有这样的字", now=moment).exists()
    assert not queries.search_queues(p.operator, "  ").exists()
