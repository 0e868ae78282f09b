"""The built demo tells a true story (issue 11 §4): short queues, a few cases a day or so overdue, inspection
findings verified and closed rather than piled up in 待核实, an inspector for every community, one case no one
can take (flagged), and task letters signed only after they start and after their chief took office."""

from __future__ import annotations

import pytest

SMALL = 40
STREETS = 6  # positions 0–5 of the street loader: a "restored" (3) and a "failing" (5) street among them


@pytest.fixture
def demo(settings, tmp_path):
    from jingzhi.demo.build import build_demo
    from jingzhi.demo.streets import load_demo_rectification
    from jingzhi.geo.models import Street

    settings.VAR_DIR = tmp_path
    build_demo(case_count=SMALL, street_months=0)
    codes = list(
        Street.objects.filter(generation__is_active=True, code__startswith="110199")
        .order_by("code")
        .values_list("code", flat=True)[:STREETS]
    )
    load_demo_rectification(months=4, street_codes=codes)


@pytest.mark.django_db
def test_the_demo_queues_are_short_and_its_overdue_cases_are_a_day_or_so_late(demo):
    from jingzhi.accounts.models import User
    from jingzhi.cases import queries, workflow
    from jingzhi.cases.models import Case
    from jingzhi.core import clock

    now = clock.now()
    operator = User.objects.get(username="operator")
    counts = queries.queue_counts(operator, now=now)
    total = Case.objects.count()
    findings = Case.objects.filter(idempotency_key__startswith="rectification:")
    assert findings.count() >= 5  # the street checks did find problems…
    assert not findings.filter(state__in=[workflow.REPORTED, workflow.VERIFYING]).exists()  # …all verified
    assert 1 <= counts["verify"] <= max(5, total // 10), counts
    assert 1 <= counts["supervision"] <= max(6, total // 8), counts
    assert counts["closed"] >= total // 2, counts

    open_cases = list(Case.objects.filter(state__in=workflow.OPEN_STATES))
    multiples = [case.sla(now).overdue_multiple for case in open_cases]
    assert any(m > 1 for m in multiples)  # a few overdue cases…
    assert max(multiples) <= 5, sorted(multiples)[-5:]  # …late by a day or so, never ×468
    overdue = sum(1 for m in multiples if m > 1)
    assert overdue <= len(open_cases) // 3, (overdue, len(open_cases))

    closed = Case.objects.filter(state=workflow.CLOSED).exclude(rating="")
    ratings = list(closed.values_list("rating", flat=True))
    assert ratings.count("satisfied") > len(ratings) / 2 and "dissatisfied" in ratings


@pytest.mark.django_db
def test_a_new_report_lands_on_the_first_page_of_the_operators_queue(demo):
    from jingzhi.accounts.models import User
    from jingzhi.cases import actions, queries
    from jingzhi.web.casepages.workbench import PAGE_SIZE

    resident = User.objects.get(username="resident")
    case = actions.do_open_case(
        actor=resident, source="resident_web", description="井盖没了，很危险", lon=116.37, lat=39.91
    )
    operator = User.objects.get(username="operator")
    first_page = list(queries.queue_for(operator, "verify").values_list("pk", flat=True)[:PAGE_SIZE])
    assert case.pk in first_page


@pytest.mark.django_db
def test_every_community_has_an_inspector_and_the_centre_of_the_demo_is_covered(demo):
    from jingzhi.accounts.models import User
    from jingzhi.accounts.queries import users_covering
    from jingzhi.cases import actions, queries
    from jingzhi.geo.models import Community

    communities = list(Community.objects.filter(generation__is_active=True, code__startswith="110199"))
    assert len(communities) == 13
    uncovered = [c.name for c in communities if not users_covering([c.code], ["inspector"]).exists()]
    assert not uncovered

    resident = User.objects.get(username="resident")
    case = actions.do_open_case(
        actor=resident, source="resident_web", description="路灯不亮", lon=116.37, lat=39.91
    )
    assert case.community_code and not queries.has_no_taker(case)
    assert users_covering([case.grid_code], ["inspector"]).count() == 1


@pytest.mark.django_db
def test_the_one_case_no_one_can_take_is_the_one_sent_to_the_unstaffed_office(demo):
    from jingzhi.accounts.models import User
    from jingzhi.cases import queries, workflow
    from jingzhi.demo.staff import UNSTAFFED

    operator = User.objects.get(username="operator")
    flagged = list(
        queries.cases_visible_to(operator).filter(queries.no_taker_q()).select_related("lead_department")
    )
    assert flagged
    assert all(c.state == workflow.PENDING_RESPONSE for c in flagged)
    assert all(c.lead_department.code.endswith(f"-{UNSTAFFED}") for c in flagged)
    assert queries.no_taker_by_queue(operator) == {"response": len(flagged)}


@pytest.mark.django_db
def test_task_letters_are_signed_after_they_start_and_after_their_chief_took_office(demo):
    from django.utils import timezone

    from jingzhi.rectification.models import TaskLetter

    letters = list(TaskLetter.objects.select_related("chief"))
    assert len(letters) == STREETS
    signed = [letter for letter in letters if letter.signed_at is not None]
    assert signed and len(signed) < len(letters)  # most signed, one (position 4) still to sign
    for letter in signed:
        day = timezone.localdate(letter.signed_at)
        assert day >= letter.starts_on and day >= letter.chief.started_on, letter.street_code
