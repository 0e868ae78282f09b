"""十无一创建 indicators: pass rates, mean scores and failing counts of official inspections, and task letters
signed, recomputed from the raw records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jingzhi.assessment import actions, queries
from jingzhi.assessment.models import Figure
from jingzhi.core.errors import NotFound

from .test_fill import recompute, stored

STREET1, STREET2, SUB1, SUB2 = "110199001S001", "110199002S001", "110199001", "110199002"


@pytest.fixture
def streets(db, django_capture_on_commit_callbacks):
    from jingzhi.core import clock
    from jingzhi.rectification import actions as r
    from jingzhi.rectification.testing import T0, make_world

    world = make_world()
    p = world.p
    with clock.frozen(T0), django_capture_on_commit_callbacks(execute=True):
        # STREET1: 3 cars parked badly → 94 (达标); STREET2: many findings → below 90 (不达标).
        r.do_record_inspection(
            actor=p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[{"item": "illegal_parking", "passed": False, "count": 3}],
        )
        r.do_record_inspection(
            actor=p.assessor,
            street_code=STREET2,
            kind="city_monthly",
            inspected_on=date(2025, 6, 11),
            results=[
                {"item": "illegal_parking", "passed": False, "count": 5},
                {"item": "piled_materials", "passed": False, "count": 2},
            ],
        )
        # A chief's own patrol is not official and does not count.
        r.do_appoint_chief(actor=p.district_admin, street_code=STREET1, user=p.chief, rank="lane")
        letter = r.do_issue_task_letter(
            actor=p.district_admin,
            street_code=STREET1,
            title="槐柏树街整治任务书",
            targets=["拆除违建"],
            starts_on=date(2025, 6, 1),
            due_on=date(2025, 9, 30),
        )
        r.do_sign_task_letter(actor=p.chief, letter_id=letter.pk)
    return world


def test_ten_figures_equal_a_recomputation_and_the_hand_count(streets):
    actions.do_fill_month("2025-06", actor=None)
    assert stored("2025-06") == recompute("2025-06")

    def fig(code, kind, unit):
        f = Figure.objects.get(month="2025-06", indicator=code, unit_kind=kind, unit_code=unit)
        return f.numerator, f.denominator, f.value

    assert fig("ten_pass_rate", "street", STREET1) == (1, 1, Decimal("1.0000"))
    assert fig("ten_pass_rate", "street", STREET2) == (0, 1, Decimal("0.0000"))
    assert fig("ten_score_mean", "street", STREET1)[2] == Decimal("94.0000")
    assert fig("ten_failing", "subdistrict", SUB2)[0] == 1
    assert fig("letter_signed_rate", "street", STREET1) == (1, 1, Decimal("1.0000"))


def test_an_inspection_marks_its_month_for_the_next_fill(streets):
    from jingzhi.assessment.models import DirtyMonth

    assert DirtyMonth.objects.filter(month="2025-06", reason="inspection").exists()


def test_street_figures_open_for_their_subdistrict_only(streets):
    actions.do_fill_month("2025-06", actor=None)
    p = streets.p
    got = queries.explain(p.sub_admin, "2025-06", "ten_pass_rate", "street", STREET1)
    assert len(got.records) == 1 and got.records[0]["in_numerator"] is True
    with pytest.raises(NotFound):
        queries.explain(p.sub_admin, "2025-06", "ten_pass_rate", "street", STREET2)
