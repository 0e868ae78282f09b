"""民意立项 indicators: turnout of closed votes and satisfaction with delivered projects, recomputed from the
raw registers and ratings; the records open within the reader's jurisdiction only, without households."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from jingzhi.assessment import actions, queries
from jingzhi.assessment.models import Figure
from jingzhi.core import clock
from jingzhi.core.errors import NotFound

from .test_fill import recompute, stored

MONTH = "2025-06"


@pytest.fixture
def delivered(db, django_capture_on_commit_callbacks):
    """甲8号院门禁 (community 1 of subdistrict 1): 7 of the 10 registered households vote, the vote closes
    on 18 June, the project is delivered and rated 5 and 1 (a household's second rating replaces its
    first)."""
    from jingzhi.projects import actions as pa
    from jingzhi.projects.testing import T0, make_world, solicit_to_voting

    world = make_world()
    p = world.p
    with django_capture_on_commit_callbacks(execute=True):
        with clock.frozen(T0):
            project = solicit_to_voting(world)
            pa.do_cast_ballot(actor=p.rep, project_id=project.pk, choice="full")
            pa.do_cast_ballot(actor=p.neighbour, project_id=project.pk, choice="partial")
            for n in range(3, 8):
                pa.do_cast_ballot(
                    actor=p.office,
                    project_id=project.pk,
                    choice="full",
                    channel="paper",
                    household_id=world.households[f"甲8号院{n}号"].pk,
                )
        with clock.frozen(T0 + timedelta(days=7, minutes=1)):
            pa.do_close_vote(actor=p.office, project_id=project.pk)
        with clock.frozen(T0 + timedelta(days=13)):
            pa.do_approve(actor=p.office, project_id=project.pk)
            pa.do_start_delivery(
                actor=p.office, project_id=project.pk, department=p.dept.pk, vendor="某安防公司", budget="1"
            )
            pa.do_record_milestone(actor=p.office, project_id=project.pk, title="安装完成", progress=100)
            pa.do_accept_delivery(actor=p.office, project_id=project.pk, note="合格", representatives=3)
            pa.do_rate(actor=p.rep, project_id=project.pk, score=2)
            pa.do_rate(actor=p.neighbour, project_id=project.pk, score=1)
            pa.do_rate(actor=p.spouse, project_id=project.pk, score=5)  # replaces the rep's 2
    world.project = project
    return world


def _fill():
    actions.do_fill_month(MONTH, actor=None)
    return recompute(MONTH)


def fig(code, kind, unit):
    f = Figure.objects.get(month=MONTH, indicator=code, unit_kind=kind, unit_code=unit)
    return f.numerator, f.denominator, f.value


def test_project_figures_equal_a_recomputation_and_the_hand_count(delivered):
    from jingzhi.projects.models import Rating, RegisterEntry
    from jingzhi.projects.testing import COMM1, SUB1

    expected = _fill()
    assert stored(MONTH) == expected
    entries = RegisterEntry.objects.filter(round__project=delivered.project)
    voted = entries.filter(voted_at__isnull=False).count()
    assert (voted, entries.count()) == (7, 10)
    assert fig("project_turnout", "community", COMM1) == (7, 10, Decimal("0.7000"))
    assert fig("project_turnout", "subdistrict", SUB1) == (7, 10, Decimal("0.7000"))
    assert sorted(Rating.objects.values_list("score", flat=True)) == [1, 5]
    assert fig("project_satisfaction_rate", "community", COMM1) == (1, 2, Decimal("0.5000"))
    assert fig("project_rating_mean", "subdistrict", SUB1) == (6, 2, Decimal("3.0000"))


def test_a_round_still_open_is_not_counted(db, django_capture_on_commit_callbacks):
    from jingzhi.projects.testing import T0, make_world, solicit_to_voting

    world = make_world()
    with clock.frozen(T0), django_capture_on_commit_callbacks(execute=True):
        solicit_to_voting(world)
    actions.do_fill_month(MONTH, actor=None)
    assert not Figure.objects.filter(indicator="project_turnout").exists()


def test_project_records_open_for_their_subdistrict_only(delivered):
    from jingzhi.projects.testing import COMM1, SUB1

    _fill()
    p = delivered.p
    got = queries.explain(p.office, MONTH, "project_turnout", "subdistrict", SUB1)
    assert got.visible_count == 10
    assert sum(1 for r in got.records if r["in_numerator"]) == 7
    text = str(got.records)
    assert "甲8号院1号" not in text and "zhangsan" not in text  # no household, no person
    with pytest.raises(NotFound):
        queries.explain(p.office2, MONTH, "project_satisfaction_rate", "community", COMM1)


def test_the_unit_report_shows_the_project_figures(delivered, client):
    from jingzhi.projects.testing import COMM1

    _fill()
    client.force_login(delivered.p.office)
    response = client.get(f"/assessment/community/{COMM1}/?month={MONTH}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "表决参与率" in body and "项目满意率" in body
