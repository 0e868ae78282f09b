"""腾退空间 indicators: the reuse rate of the month's vacated spaces and their count, recomputed from the raw
spaces; the records open within the reader's jurisdiction only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingzhi.assessment import actions, queries
from jingzhi.assessment.models import Figure
from jingzhi.core import clock
from jingzhi.core.errors import NotFound

from .test_fill import recompute, stored

MONTH = "2025-06"


@pytest.fixture
def vacated(db):
    """Community 1 (subdistrict 1): two spaces vacated in June, one of them now in use, and one vacated in
    May; community 2 (subdistrict 2): one vacated in June."""
    from jingzhi.spaces import actions as sa
    from jingzhi.spaces.testing import IN_COMM2, T0, make_world, register

    world = make_world()
    p = world.p
    with clock.frozen(T0):
        used = register(p.sub_admin, vacated_on="2025-06-02")
        register(p.sub_admin, vacated_on="2025-06-10", name="二号点")
        register(p.sub_admin, vacated_on="2025-05-06", name="五月点")
        register(p.district_admin, where=IN_COMM2, vacated_on="2025-06-03", name="新桥点")
        for state, extra in (
            ("awaiting", {}),
            ("planning", {"planned_use": "convenience"}),
            ("building", {}),
            ("in_use", {"actual_use": "便民服务"}),
        ):
            sa.do_change_space_state(
                actor=p.sub_admin, space_id=used.pk, to_state=state, reason="推进", **extra
            )
    return world


def fig(code, kind, unit):
    f = Figure.objects.get(month=MONTH, indicator=code, unit_kind=kind, unit_code=unit)
    return f.numerator, f.denominator, f.value


def test_space_figures_equal_a_recomputation_and_the_hand_count(vacated):
    from jingzhi.spaces.models import Space
    from jingzhi.spaces.testing import COMM1, COMM2, SUB1

    actions.do_fill_month(MONTH, actor=None)
    assert stored(MONTH) == recompute(MONTH)
    june = Space.objects.filter(community_code=COMM1, vacated_on__month=6)
    assert (june.filter(state="in_use").count(), june.count()) == (1, 2)
    assert fig("space_reuse_rate", "community", COMM1) == (1, 2, Decimal("0.5000"))
    assert fig("space_reuse_rate", "subdistrict", SUB1) == (1, 2, Decimal("0.5000"))
    assert fig("space_reuse_rate", "community", COMM2) == (0, 1, Decimal("0.0000"))
    assert fig("spaces_vacated", "community", COMM1)[2] == 2


def test_space_records_open_for_their_subdistrict_only(vacated):
    from jingzhi.spaces.testing import SUB1, SUB2

    actions.do_fill_month(MONTH, actor=None)
    p = vacated.p
    got = queries.explain(p.sub_admin, MONTH, "space_reuse_rate", "subdistrict", SUB1)
    assert [r["in_numerator"] for r in got.records].count(True) == 1 and len(got.records) == 2
    with pytest.raises(NotFound):
        queries.explain(p.sub_admin, MONTH, "space_reuse_rate", "subdistrict", SUB2)


def test_the_unit_report_shows_the_space_figures(vacated, client):
    from jingzhi.spaces.testing import SUB1

    actions.do_fill_month(MONTH, actor=None)
    client.force_login(vacated.p.sub_admin)
    response = client.get(f"/assessment/subdistrict/{SUB1}/?month={MONTH}")
    assert response.status_code == 200
    assert "腾退空间再利用率" in response.content.decode()
