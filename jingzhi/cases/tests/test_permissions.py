"""Who sees and does what: role × jurisdiction × action, NotFound for other departments' cases, queues."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhi.cases import actions, permissions, queries, workflow
from jingzhi.cases.models import Case
from jingzhi.cases.testing import IN_SUB2, open_case, walk_to
from jingzhi.core.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_visibility_by_jurisdiction_department_and_ownership(world, frozen):
    p = world.p
    here = walk_to(world, open_case(world), "pending_response")  # sub 001, dispatched to 市政市容委
    there = open_case(world, p.resident, where=IN_SUB2)  # sub 002, not dispatched
    expected = {
        p.resident: {here.pk, there.pk},  # their own reports
        p.other_resident: set(),
        p.inspector: {here.pk},  # grid 1 only
        p.inspector2: {there.pk},
        p.operator: {here.pk},
        p.operator2: {there.pk},
        p.shift_lead: {here.pk, there.pk},  # district
        p.handler: {here.pk},  # assigned department
        p.other_handler: set(),  # another department's case → not visible
        p.sub_admin: {here.pk},
        p.sub_admin2: {there.pk},
        p.street_chief: {here.pk},  # the street runs through grid 1
        p.steward: set(),
        p.nobody: set(),
    }
    # A follower sees the case it follows (the other half of the person's own list).
    actions.do_follow_case(actor=p.other_resident, case_id=there.pk)
    expected[p.other_resident] = {there.pk}
    for user, pks in expected.items():
        assert set(queries.cases_visible_to(user).values_list("pk", flat=True)) == pks, user.username
        # The same scope used as a subquery of another query over cases (aliases renamed): same answer.
        nested = Case.objects.filter(pk__in=queries.cases_visible_to(user).values("pk"))
        assert set(nested.values_list("pk", flat=True)) == pks, user.username
        for case in (here, there):
            if case.pk in pks:
                assert permissions.access_case(user, case.pk).pk == case.pk
                assert permissions.can_see(user, case)
            else:
                with pytest.raises(NotFound) as missing:
                    permissions.access_case(user, case.pk)
                with pytest.raises(NotFound) as forbidden_like:
                    permissions.access_case(user, 987654)
                assert type(missing.value) is type(forbidden_like.value)
                assert not permissions.can_see(user, case)


def test_the_compiled_case_read_is_the_querysets_own_for_every_person(world, frozen, django_user_model):
    """`access_case` and `access_case_by_number` read through `queries.visible_case`, compiled once per shape
    of the person's visibility (issue 16): for every person and case, the same statements and the same row
    as `detail_queryset(cases_visible_to(person))`, a missing or forbidden case alike None."""
    p = world.p
    here = walk_to(world, open_case(world), "pending_response")
    there = open_case(world, p.resident, where=IN_SUB2)
    root = django_user_model.objects.create_superuser("root", password="x")
    people = [root, p.resident, p.other_resident, p.inspector, p.operator2, p.shift_lead, p.handler]
    people += [p.other_handler, p.sub_admin, p.street_chief, p.steward, p.nobody]
    for user in people:
        queries.visibility_q(user)  # the person's roles, read once for both
        for case in (here, there):
            for by, value in (("pk", case.pk), ("number", case.number)):
                with CaptureQueriesContext(connection) as orm:
                    expected = list(
                        queries.detail_queryset(queries.cases_visible_to(user))
                        .filter(**{by: value})
                        .order_by()[:1]
                    )
                with CaptureQueriesContext(connection) as ours:
                    got = queries.visible_case(user, **{by: value})
                assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in orm.captured_queries]
                if not expected:
                    assert got is None, (user.username, by)
                    continue
                row = expected[0]
                assert got.pk == row.pk and got.category == row.category and got.reporter == row.reporter
                assert got.active_assignments == row.active_assignments and got.no_taker == row.no_taker
        assert queries.visible_case(user, number="JZ-none") is None
        assert queries.visible_case(user, pk=987654) is None


def test_another_departments_handler_gets_not_found_on_actions_too(world, frozen):
    case = walk_to(world, open_case(world), "pending_response")
    with pytest.raises(NotFound):
        actions.do_accept_case(actor=world.p.other_handler, case_id=case.pk)


def test_action_matrix_by_role_and_jurisdiction(world, frozen):
    """For a case in each state, every user's allowed actions are exactly the table's for their roles on
    the case — and taking an action outside them is refused."""
    p = world.p
    case = walk_to(world, open_case(world), "handling")
    expect = {
        p.handler: ["return", "request_extension", "feedback"],
        p.dispatcher: ["park"],
        p.shift_lead: ["park", "supervise"],
        p.sub_admin: ["supervise", "whistle"],
        p.sub_admin2: [],  # other subdistrict: cannot even see it
        p.district_admin: ["supervise"],
        p.operator: [],
        p.inspector: [],
        p.resident: [],
        p.other_handler: [],
    }
    for user, allowed in expect.items():
        assert permissions.allowed_actions_for(user, case) == allowed, user.username
    with pytest.raises(PermissionDenied) as info:
        actions.do_check_pass_case(actor=p.inspector, case_id=case.pk)
    assert "监督员" in info.value.message or "核查" in info.value.message
    with pytest.raises(NotFound):
        actions.do_supervise_case(actor=p.sub_admin2, case_id=case.pk, note="x")


def test_the_reporter_and_staff_see_personal_data_volunteers_do_not(world, frozen):
    p = world.p
    case = open_case(world)
    assert permissions.can_view_reporter(p.resident, case)
    assert permissions.can_view_reporter(p.operator, case)
    assert not permissions.can_view_reporter(p.operator2, case)
    assert not permissions.can_view_reporter(p.steward, case)


def test_queues_are_scoped_and_cost_a_fixed_number_of_queries(world, frozen):
    p = world.p
    for _n in range(3):
        walk_to(world, open_case(world), "pending_response")

    def run():
        rows = list(queries.queue_for(p.handler, "response"))
        for case in rows:
            _ = (
                case.category.name,
                case.lead_department.name,
                case.grid.name,
                case.street.name,
                [a.department.name for a in case.active_assignments],
                case.sla().level,
            )
        return rows

    run()  # the user's role assignments are read once per request and cached on the user
    with CaptureQueriesContext(connection) as few:
        assert len(run()) == 3
    for _n in range(4):
        walk_to(world, open_case(world), "pending_response")
    with CaptureQueriesContext(connection) as more:
        assert len(run()) == 7
    assert len(more.captured_queries) == len(few.captured_queries) <= 3
    assert list(queries.queue_for(p.other_handler, "response")) == []
    assert queries.queue_for(p.dispatcher, "verify").count() == 0


def test_queue_filters_and_supervision_queue(world, frozen):
    from datetime import timedelta

    from jingzhi.cases.testing import T0

    p = world.p
    case = walk_to(world, open_case(world), "handling")
    assert list(queries.queue_for(p.shift_lead, "supervision")) == []
    frozen.to(T0 + timedelta(days=20))
    assert [c.pk for c in queries.queue_for(p.shift_lead, "supervision")] == [case.pk]
    assert [c.pk for c in queries.queue_for(p.shift_lead, "handling", overdue=True)] == [case.pk]
    assert list(queries.queue_for(p.shift_lead, "handling", subdistrict_code="110199002")) == []
    with pytest.raises(Exception, match="未知的队列"):
        queries.queue_for(p.shift_lead, "nope")
    assert workflow.STATE_STEP["handling"] == "handle"
