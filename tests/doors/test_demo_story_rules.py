"""Rules of issue 11 §4 ("a demo that tells a true story") that hold outside the demo too, each through every
door: a task letter is not signed before its own start date nor before its chief took office; a case that no
one can take (no inspector covers its place, no handler in its department) is flagged to the operator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jingzhi.api.testing import token_client
from jingzhi.cases.testing import (
    frozen,  # noqa: F401  (fixture)
    open_case,
)
from jingzhi.cases.testing import world as cases_world  # noqa: F401  (fixture)
from jingzhi.core import clock
from tests.doors.test_every_rule import DOORS, _web, sign_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def streets(db):
    from jingzhi.rectification.testing import make_world

    return make_world()


def _letter(streets, *, appointed, starts):
    from jingzhi.rectification import actions
    from jingzhi.rectification.testing import STREET1

    p = streets.p
    actions.do_appoint_chief(
        actor=p.district_admin, street_code=STREET1, user=p.chief, rank="lane", started_on=appointed
    )
    return actions.do_issue_task_letter(
        actor=p.district_admin,
        street_code=STREET1,
        title="槐柏树街整治任务书",
        targets="十无达标",
        starts_on=starts,
        due_on=starts + timedelta(days=180),
    )


def _today():
    from django.utils import timezone

    return timezone.localdate(clock.now())


@pytest.mark.parametrize("door", DOORS)
def test_a_task_letter_is_not_signed_before_its_start_date(door, streets):
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET1

    today = _today()
    starts = today + timedelta(days=10)
    letter = _letter(streets, appointed=today - timedelta(days=30), starts=starts)
    status, message = sign_letter(door, streets.p.chief, letter.pk, STREET1)
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is None
    assert str(starts) in message and str(today) in message and "开始之前不能签署" in message
    if door == "api":
        assert status == 400


@pytest.mark.parametrize("door", DOORS)
def test_a_task_letter_is_not_signed_before_its_chief_was_appointed(door, streets):
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET1

    today = _today()
    appointed = today + timedelta(days=5)
    letter = _letter(streets, appointed=appointed, starts=today - timedelta(days=3))
    status, message = sign_letter(door, streets.p.chief, letter.pk, STREET1)
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is None
    assert str(appointed) in message and "任职之前不能签署任务书" in message
    if door == "api":
        assert status == 400


@pytest.mark.parametrize("door", DOORS)
def test_a_task_letter_is_signed_on_its_start_date(door, streets):
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET1

    today = _today()
    letter = _letter(streets, appointed=today, starts=today)
    status, _message = sign_letter(door, streets.p.chief, letter.pk, STREET1)
    assert status == 200
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is not None


def test_the_sign_rule_names_both_dates_in_chinese():
    from datetime import date

    from jingzhi.rectification.rules import sign_problem

    assert sign_problem(date(2026, 3, 1), date(2026, 3, 1), date(2026, 2, 1)) is None
    early = sign_problem(date(2026, 2, 27), date(2026, 3, 1), date(2026, 2, 1))
    assert "2026-03-01" in early and "2026-02-27" in early
    before_chief = sign_problem(date(2026, 1, 20), date(2026, 1, 1), date(2026, 2, 1), "槐柏树街")
    assert before_chief.startswith("槐柏树街的街巷长任职日期是 2026-02-01")


# ---------------------------------------------------------------------------------------------------- no taker
def _flag(door: str, user, case) -> tuple[bool, str, bool]:
    """What one door tells `user` about `case`: (flagged on the case, the reason shown, listed by the
    no-taker filter of its queue)."""
    from jingzhi.cases import queries

    queue = next(n for n, (_l, states) in queries.QUEUES.items() if case.state in states)
    if door == "api":
        client = token_client(user)
        body = client.get(f"/api/v1/cases/{case.pk}/").json()
        listed = client.get("/api/v1/cases/", {"queue": queue, "no_taker": "true"}).json()
        numbers = [row["number"] for row in listed["results"]]
        return body["no_taker"], body["no_taker_reason"], case.number in numbers
    client = _web(user)
    page = client.get(f"/cases/{case.number}/").content.decode()
    flagged = 'data-testid="no-taker"' in page
    reason = page.split('data-testid="no-taker">', 1)[1].split("<", 1)[0] if flagged else ""
    listing = client.get("/cases/", {"queue": queue, "taker": "none"}).content.decode()
    return flagged, reason, case.number in listing


@pytest.mark.parametrize("door", DOORS)
def test_a_report_no_inspector_covers_is_flagged_to_the_operator_until_one_is_appointed(
    door,
    cases_world,  # noqa: F811
    frozen,  # noqa: F811
):
    from jingzhi.accounts.actions import do_assign_role, do_revoke_role
    from jingzhi.accounts.models import RoleAssignment
    from jingzhi.cases.testing import GRID1

    p = cases_world.p
    case = open_case(cases_world, description="井盖没了")
    assert _flag(door, p.operator, case) == (False, "", False)

    beat = RoleAssignment.objects.get(user=p.inspector, role="inspector", is_active=True)
    do_revoke_role(actor=None, assignment=beat)
    flagged, reason, listed = _flag(door, p.operator, case)
    assert flagged and listed
    assert reason == "无人可接：没有负责此处的监督员"

    do_assign_role(actor=None, user=p.inspector2, role="inspector", scope_kind="grid", scope_code=GRID1)
    assert _flag(door, p.operator, case) == (False, "", False)


@pytest.mark.parametrize("door", DOORS)
def test_a_case_sent_to_a_department_with_no_one_on_duty_is_flagged(
    door,
    cases_world,  # noqa: F811
    frozen,  # noqa: F811
):
    from jingzhi.accounts.actions import do_set_user_active
    from jingzhi.cases.testing import walk_to

    p = cases_world.p
    case = walk_to(cases_world, open_case(cases_world, description="井盖没了"), "pending_response")
    assert _flag(door, p.operator, case)[0] is False

    do_set_user_active(actor=None, user=p.handler, is_active=False)
    flagged, reason, listed = _flag(door, p.operator, case)
    assert flagged and listed
    assert reason == "无人可接：已派部门没有在岗的处置人员"


def test_the_operator_workbench_warns_of_cases_no_one_can_take_with_a_link_per_queue(
    cases_world,  # noqa: F811
    frozen,  # noqa: F811
):
    from jingzhi.accounts.actions import do_revoke_role
    from jingzhi.accounts.models import RoleAssignment

    p = cases_world.p
    open_case(cases_world, description="井盖没了")
    page = _web(p.operator).get("/cases/").content.decode()
    assert 'data-testid="no-taker-warning"' not in page

    for beat in RoleAssignment.objects.filter(role="inspector", is_active=True):
        do_revoke_role(actor=None, assignment=beat)
    page = _web(p.operator).get("/cases/").content.decode()
    assert 'data-testid="no-taker-warning"' in page
    assert 'href="?queue=verify&amp;taker=none"' in page
    # A handler works their department's queues; re-staffing a place is not theirs to do.
    assert 'data-testid="no-taker-warning"' not in _web(p.handler).get("/cases/").content.decode()


def test_a_finished_case_is_never_flagged(cases_world, frozen):  # noqa: F811
    from jingzhi.accounts.actions import do_revoke_role
    from jingzhi.accounts.models import RoleAssignment
    from jingzhi.cases import queries
    from jingzhi.cases.testing import walk_to

    case = walk_to(cases_world, open_case(cases_world, description="井盖没了"), "closed")
    for beat in RoleAssignment.objects.filter(is_active=True):
        do_revoke_role(actor=None, assignment=beat)
    assert not queries.has_no_taker(case)
    assert not queries.list_queryset(queries.Case.objects.filter(pk=case.pk)).get().no_taker
