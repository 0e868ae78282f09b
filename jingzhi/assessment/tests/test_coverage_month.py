"""便民服务覆盖率 as a monthly figure: the fill records the running month's coverage (every grid × active
service kind) from the spaces app, at most once a day; a past month keeps its last (month-end) record; the
figure equals a recomputation, and its records (grids with their communities) open within the reader's
jurisdiction only — on the web pages and through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jingzhi.assessment import actions, queries
from jingzhi.assessment.models import Figure
from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from jingzhi.spaces.testing import at  # noqa: F401  (fixture)

from .test_fill import recompute, stored

MONTH = "2025-06"
CODE = "convenience_coverage_rate"


@pytest.fixture
def served(db, at):  # noqa: F811
    """One 菜站 in the first grid (west end): its 15-minute walk reaches grids 1–3 of community 1 (青槐东里,
    subdistrict 1), not the 4th, and none of community 2's (石碑, subdistrict 2). Only 菜站 is active."""
    from jingzhi.spaces import actions as sa
    from jingzhi.spaces.models import ServiceKind
    from jingzhi.spaces.testing import make_world
    from jingzhi.spaces.tests.test_coverage_db import centre, points_xlsx

    world = make_world()
    sa.do_import_service_points(
        actor=world.p.district_admin,
        file=points_xlsx([["菜站", "青槐菜站", "", *centre(0)]]),
        filename="p.xlsx",
    )
    ServiceKind.objects.exclude(code="vegetables").update(is_active=False)
    world.at = at
    return world


def fig(code, kind, unit, month=MONTH):
    f = Figure.objects.filter(month=month, indicator=code, unit_kind=kind, unit_code=unit).first()
    return None if f is None else (f.numerator, f.denominator, f.value)


def test_the_fill_records_the_month_and_the_figure_equals_a_recount(served):
    from jingzhi.spaces.models import CoverageMonth
    from jingzhi.spaces.testing import COMM1, COMM2, SUB1, SUB2

    actions.do_fill_month(MONTH, actor=None)
    assert CoverageMonth.objects.filter(month=MONTH).count() == 8
    assert stored(MONTH) == recompute(MONTH)
    assert fig(CODE, "community", COMM1) == (3, 4, Decimal("0.7500"))
    assert fig(CODE, "community", COMM2) == (0, 4, Decimal("0.0000"))
    assert fig(CODE, "subdistrict", SUB1) == (3, 4, Decimal("0.7500"))
    assert fig(CODE, "subdistrict", SUB2)[:2] == (0, 4)


def test_the_running_month_is_re_recorded_daily_and_a_past_month_keeps_its_month_end(served):
    from jingzhi.spaces import actions as sa
    from jingzhi.spaces.models import CoverageMonth
    from jingzhi.spaces.testing import COMM2, T0
    from jingzhi.spaces.tests.test_coverage_db import centre, points_xlsx

    actions.do_fill_month(MONTH, actor=None)
    sa.do_import_service_points(
        actor=served.p.district_admin,
        file=points_xlsx([["菜站", "石碑菜站", "", *centre(6)]]),
        filename="q.xlsx",
    )
    actions.do_fill_month(MONTH, actor=None)  # the same day: the morning's record stands
    assert fig(CODE, "community", COMM2)[:2] == (0, 4)
    served.at(T0 + timedelta(days=1, minutes=1))
    actions.do_fill_month(MONTH, actor=None)  # a day on: re-recorded, the new 菜站 counts
    assert fig(CODE, "community", COMM2)[:2] == (4, 4)
    month_end = set(CoverageMonth.objects.filter(month=MONTH).values_list("grid_code", "covered"))
    # July: the job fills June (now the previous month) and July; June keeps its last record.
    served.at(timezone.make_aware(datetime(2025, 7, 2, 9, 0)))
    sa.do_import_service_points(
        actor=served.p.district_admin,
        file=points_xlsx([["菜站", "又一家", "", *centre(3)]]),
        filename="r.xlsx",
    )
    actions.do_fill_due(actor=None)
    assert set(CoverageMonth.objects.filter(month=MONTH).values_list("grid_code", "covered")) == month_end
    assert CoverageMonth.objects.filter(month="2025-07", covered=True).count() == 8
    assert stored("2025-07") == recompute("2025-07")


def test_only_the_running_month_is_recorded_and_only_by_a_district_admin(served):
    from jingzhi.spaces import actions as sa

    with pytest.raises(InvalidInput) as err:
        sa.do_record_coverage_month(actor=None, month="2025-05")
    assert err.value.fields == {"month": "not_running"} and "2025-06" in err.value.message
    with pytest.raises(PermissionDenied):
        sa.do_record_coverage_month(actor=served.p.sub_admin)
    assert sa.do_record_coverage_month(actor=served.p.district_admin) == 8


def test_the_records_behind_the_figure_open_within_the_jurisdiction(served):
    from jingzhi.spaces.testing import COMM1, SUB1

    actions.do_fill_month(MONTH, actor=None)
    got = queries.explain(served.p.sub_admin, MONTH, CODE, "community", COMM1)
    assert len(got.records) == 4 and [r["in_numerator"] for r in got.records].count(True) == 3
    assert all(r["title"].startswith("青槐东里社区") for r in got.records)
    with pytest.raises(NotFound):
        queries.explain(served.p.sub_admin2, MONTH, CODE, "subdistrict", SUB1)


@pytest.mark.parametrize("door", ["web", "api"])
def test_the_figure_on_the_report_and_its_records_through_every_door(door, served, client):
    from jingzhi.spaces.testing import COMM1, SUB1

    actions.do_fill_month(MONTH, actor=None)
    mine, other = served.p.sub_admin, served.p.sub_admin2
    if door == "web":
        client.force_login(mine)
        report = client.get(f"/assessment/subdistrict/{SUB1}/", {"month": MONTH}).content.decode()
        assert "便民服务覆盖率" in report and "75.0%" in report
        page = client.get(f"/assessment/community/{COMM1}/{CODE}/", {"month": MONTH})
        assert page.status_code == 200 and "第4网格" in page.content.decode()
        client.force_login(other)
        assert client.get(f"/assessment/community/{COMM1}/{CODE}/", {"month": MONTH}).status_code == 404
    else:  # the API, signed in (the session authenticates API reads as well as a token)
        url = f"/api/v1/assessment/units/community/{COMM1}/{CODE}/records/"
        client.force_login(mine)
        got = client.get(url, {"month": MONTH})
        assert got.status_code == 200 and got.json()["visible_count"] == 4
        client.force_login(other)
        assert client.get(url, {"month": MONTH}).status_code == 404
