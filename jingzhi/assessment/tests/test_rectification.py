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

    # June is marked (the last change of the fixture, signing June's task letter, names the reason).
    assert DirtyMonth.objects.filter(month="2025-06").exists()
    DirtyMonth.objects.all().delete()
    from jingzhi.assessment import receivers
    from jingzhi.rectification.models import Inspection

    receivers.on_inspection_recorded(inspection_id=Inspection.objects.filter(street_code=STREET1).get().pk)
    assert list(DirtyMonth.objects.values_list("month", "reason")) == [("2025-06", "inspection")]


def test_street_figures_open_for_their_subdistrict_only(streets):
    actions.do_fill_month("2025-06", actor=None)
    p = streets.p
    got = queries.explain(p.sub_admin, "2025-06", "ten_pass_rate", "street", STREET1)
    assert len(got.records) == 1 and got.records[0]["in_numerator"] is True
    with pytest.raises(NotFound):
        queries.explain(p.sub_admin, "2025-06", "ten_pass_rate", "street", STREET2)


# ------------------------------------------------------------------- month-end states: 文明街巷 and grades by month
@pytest.fixture
def months(streets, django_capture_on_commit_callbacks):
    """On top of June: 文明街巷 needs one clean month (set on the standard for the test) and satisfaction
    ≥ 90. STREET1 is clean with satisfaction 95 in July, not inspected in August, clean again in
    September (the July satisfaction still holds); STREET2 stays at its failing June."""
    from datetime import datetime

    from django.utils import timezone

    from jingzhi.core import clock
    from jingzhi.rectification import actions as r
    from jingzhi.rectification.models import StandardVersion

    StandardVersion.objects.update(civilized_clean_months=1)
    p = streets.p
    for day, satisfaction in ((date(2025, 7, 10), 95), (date(2025, 9, 10), None)):
        moment = timezone.make_aware(datetime(day.year, day.month, day.day, 12))
        with clock.frozen(moment), django_capture_on_commit_callbacks(execute=True):
            r.do_record_inspection(
                actor=p.assessor,
                street_code=STREET1,
                kind="city_monthly",
                inspected_on=day,
                results=[],
                satisfaction=satisfaction,
            )
    return streets


def test_month_end_states_are_kept_for_every_month_from_the_history(months):
    from jingzhi.rectification.models import StreetMonth, StreetRecord

    got = {(m.street_code, m.month): (m.grade, m.is_civilized) for m in StreetMonth.objects.all()}
    assert got == {
        (STREET1, "2025-06"): ("standard", False),
        (STREET1, "2025-07"): ("standard", True),
        (STREET1, "2025-08"): ("standard", False),  # no inspection: the grade carries, 文明 needs one
        (STREET1, "2025-09"): ("standard", True),
        (STREET2, "2025-06"): ("failing", False),
    }
    # The latest month-end state is the street's current state.
    record = StreetRecord.objects.get(street_code=STREET1)
    assert (record.grade, record.is_civilized) == got[(STREET1, "2025-09")]


def test_civilized_and_grade_counts_by_month_equal_a_recomputation(months):
    from jingzhi.rectification.models import StreetMonth

    district = SUB1[:6]
    for month in ("2025-06", "2025-07", "2025-08", "2025-09"):
        actions.do_fill_month(month, actor=None)
        assert stored(month) == recompute(month)
        rows = StreetMonth.objects.filter(month=month)
        for kind, code in (("subdistrict", SUB1), ("subdistrict", SUB2), ("district", district)):
            mine = [
                r
                for r in rows
                if (r.subdistrict_code if kind == "subdistrict" else district) == code
                or (kind == "district" and r.subdistrict_code.startswith(code))
            ]
            civilized = sum(1 for r in mine if r.is_civilized)
            got = Figure.objects.filter(
                month=month, indicator="civilized_streets", unit_kind=kind, unit_code=code
            )
            assert [f.value for f in got] == ([Decimal(civilized)] if civilized else [])
    jul = Figure.objects.get(
        month="2025-07", indicator="civilized_streets", unit_kind="district", unit_code=district
    )
    assert jul.value == 1
    aug = Figure.objects.filter(month="2025-08", unit_kind="subdistrict", unit_code=SUB1)
    assert {f.indicator: f.value for f in aug if f.indicator.startswith("streets_")} == {
        "streets_standard": Decimal("1.0000")
    }
    jun = Figure.objects.filter(month="2025-06", unit_kind="district", unit_code=district)
    assert {f.indicator: f.value for f in jun if f.indicator.startswith("streets_")} == {
        "streets_standard": Decimal("1.0000"),
        "streets_failing": Decimal("1.0000"),
    }


def test_month_end_states_open_for_their_subdistrict_only(months):
    actions.do_fill_month("2025-07", actor=None)
    p = months.p
    got = queries.explain(p.sub_admin, "2025-07", "civilized_streets", "subdistrict", SUB1)
    assert [r["ref"] for r in got.records] == [STREET1]
    with pytest.raises(NotFound):
        queries.explain(p.sub_admin, "2025-06", "streets_failing", "subdistrict", SUB2)
