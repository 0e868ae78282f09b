"""Explain and permissions: a figure opens to exactly the records it counted, within the reader's reach;
another subdistrict's records give the same NotFound as a missing figure."""

from __future__ import annotations

import pytest

from jingzhi.assessment import actions, queries
from jingzhi.assessment.models import Figure
from jingzhi.core.errors import InvalidInput, NotFound

from .conftest import MONTH, SUB1, SUB2


@pytest.fixture
def filled(history):
    actions.do_fill_month(MONTH, actor=None)
    return history


def test_a_figure_opens_to_the_records_of_its_numerator_and_denominator(filled, world):
    figure = Figure.objects.get(
        month=MONTH, indicator="response_rate", unit_kind="subdistrict", unit_code=SUB1
    )
    got = queries.explain(world.p.sub_admin, MONTH, "response_rate", "subdistrict", SUB1)
    assert got.total_count == got.visible_count == figure.denominator == len(got.records)
    assert sum(1 for r in got.records if r["in_numerator"]) == figure.numerator
    returned = next(r for r in got.records if r["ref"] == filled.returned.number)
    assert returned["in_numerator"] is False
    assert filled.void.number not in {r["ref"] for r in got.records}


def test_the_drill_down_list_carries_no_personal_data(filled, world):
    got = queries.explain(world.p.district_admin, MONTH, "satisfaction_rate", "subdistrict", SUB1)
    text = repr(got.records)
    assert "13800000000" not in text and "wang" not in text and "井盖没了" not in text


def test_a_subdistrict_sees_its_own_records_not_another_subdistricts(filled, world):
    with pytest.raises(NotFound):
        queries.explain(world.p.sub_admin, MONTH, "response_rate", "subdistrict", SUB2)
    with pytest.raises(NotFound):
        queries.unit_report(world.p.sub_admin, "subdistrict", SUB2, MONTH)
    assert queries.explain(world.p.sub_admin2, MONTH, "response_rate", "subdistrict", SUB2).total_count == 1
    # Missing and forbidden look alike.
    with pytest.raises(NotFound):
        queries.explain(world.p.sub_admin, MONTH, "response_rate", "subdistrict", "110199009")


def test_department_figures_open_for_the_district_not_for_a_subdistrict(filled, world):
    got = queries.explain(world.p.district_admin, MONTH, "closure_rate", "department", "SZSR")
    assert got.total_count == len(got.records) > 0
    with pytest.raises(NotFound):
        queries.explain(world.p.sub_admin, MONTH, "closure_rate", "department", "SZSR")


@pytest.mark.parametrize("who", ["resident", "handler", "inspector", "nobody"])
def test_people_without_an_assessment_role_see_no_ranking(filled, world, who):
    with pytest.raises(NotFound):
        queries.ranking(getattr(world.p, who), MONTH, "subdistrict")


def test_the_ranking_lists_the_districts_units_with_their_three_rates(filled, world):
    rows = queries.ranking(world.p.sub_admin, MONTH, "subdistrict")
    assert {r.score.unit_code for r in rows} == {SUB1, SUB2}
    ranks = [r.score.rank for r in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert set(rows[0].figures) <= {"response_rate", "resolution_rate", "satisfaction_rate"}


def test_bad_input_is_named(filled, world):
    with pytest.raises(InvalidInput) as bad:
        queries.explain(world.p.district_admin, "June", "response_rate", "subdistrict", SUB1)
    assert bad.value.fields == {"month": "invalid"}
    with pytest.raises(InvalidInput) as kind:
        queries.ranking(world.p.district_admin, MONTH, "planet")
    assert kind.value.fields == {"kind": "invalid"}
    with pytest.raises(InvalidInput) as indicator:
        queries.explain(world.p.district_admin, MONTH, "happiness", "subdistrict", SUB1)
    assert indicator.value.fields == {"indicator": "invalid"}
