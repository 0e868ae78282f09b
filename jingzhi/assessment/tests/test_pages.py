"""The 考核 web pages through the test client: rankings, the month report, explain, the Excel exports;
scoped to the reader, bad input answered in Chinese with a 4xx."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from jingzhi.assessment import actions

from .conftest import MONTH, SUB1, SUB2


@pytest.fixture
def filled(history):
    actions.do_fill_month(MONTH, actor=None)
    return history


def _as(client, user):
    client.force_login(user)
    return client


def test_the_leader_reads_the_ranking_report_and_explain(client, filled, world):
    c = _as(client, world.p.district_admin)
    page = c.get("/assessment/", {"month": MONTH})
    assert page.status_code == 200
    text = page.content.decode()
    assert "青槐街道" in text and "响应率" in text
    report = c.get(f"/assessment/subdistrict/{SUB1}/", {"month": MONTH})
    assert report.status_code == 200 and "考核月报" in report.content.decode()
    explain = c.get(f"/assessment/subdistrict/{SUB1}/response_rate/", {"month": MONTH})
    body = explain.content.decode()
    assert explain.status_code == 200 and filled.closed.number in body and filled.void.number not in body
    assert "13800000000" not in body


def test_a_subdistrict_cannot_open_anothers_report_or_records(client, filled, world):
    c = _as(client, world.p.sub_admin)
    assert c.get(f"/assessment/subdistrict/{SUB2}/", {"month": MONTH}).status_code == 404
    assert c.get(f"/assessment/subdistrict/{SUB2}/response_rate/", {"month": MONTH}).status_code == 404
    assert c.get(f"/assessment/subdistrict/{SUB2}/report.xlsx", {"month": MONTH}).status_code == 404
    assert c.get(f"/assessment/subdistrict/{SUB1}/response_rate/", {"month": MONTH}).status_code == 200


@pytest.mark.parametrize("who", ["resident", "handler", "nobody"])
def test_people_without_an_assessment_role_get_404(client, filled, world, who):
    c = _as(client, getattr(world.p, who))
    assert c.get("/assessment/", {"month": MONTH}).status_code == 404
    assert c.get("/assessment/export.xlsx", {"month": MONTH}).status_code == 404


def test_bad_month_is_a_400_in_chinese(client, filled, world):
    c = _as(client, world.p.district_admin)
    page = c.get("/assessment/", {"month": "2025-13"})
    assert page.status_code == 400 and "YYYY-MM" in page.content.decode()
    assert c.get(f"/assessment/planet/{SUB1}/", {"month": MONTH}).status_code == 400


def test_excel_exports_hold_the_figures_and_a_chart(client, filled, world):
    c = _as(client, world.p.district_admin)
    book = load_workbook(io.BytesIO(c.get("/assessment/export.xlsx", {"month": MONTH}).content))
    sheet = book.worksheets[0]
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "青槐街道" in names
    assert sheet._charts  # the scores' bar chart
    report = load_workbook(
        io.BytesIO(c.get(f"/assessment/subdistrict/{SUB1}/report.xlsx", {"month": MONTH}).content)
    )
    first = [row[0] for row in report.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert any("响应率" in str(v) for v in first)
    assert report.worksheets[1]._charts


def _dashboard_statements(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page = client.get("/assessment/", {"month": MONTH, "kind": "subdistrict"})
    assert page.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_ranking_page_reads_snapshots_with_as_many_statements_for_many_units_as_for_few(
    client, filled, world
):
    """The dashboard reads snapshot tables only (never the case table) with a constant number of
    statements, each with a constant number of parameters: 40 more ranked units and 300 more hot-spot
    grids add no statement and no parameter."""
    from decimal import Decimal

    from jingzhi.assessment.models import Figure, Score

    c = _as(client, world.p.district_admin)
    few = _dashboard_statements(c)
    district = SUB1[:6]
    Score.objects.bulk_create(
        Score(
            month=MONTH,
            unit_kind="subdistrict",
            unit_code=f"{district}9{n:02d}",
            unit_name=f"街道{n}",
            district_code=district,
            score=Decimal(50 + n),
            rank=n + 3,
            ranked=43,
        )
        for n in range(40)
    )
    Figure.objects.bulk_create(
        [
            Figure(
                month=MONTH,
                indicator=code,
                unit_kind="subdistrict",
                unit_code=f"{district}9{n:02d}",
                district_code=district,
                numerator=1,
                denominator=2,
                value=Decimal("0.5"),
            )
            for n in range(40)
            for code in ("response_rate", "resolution_rate", "satisfaction_rate")
        ]
        + [
            Figure(
                month=MONTH,
                indicator="reported_cases",
                unit_kind="grid",
                unit_code=f"{district}9{n:05d}",
                district_code=district,
                numerator=n + 1,
                denominator=n + 1,
                value=n + 1,
            )
            for n in range(300)
        ]
    )
    many = _dashboard_statements(c)
    assert len(many) == len(few)
    assert [sql.count("%s") + sql.count("'") for sql in many] == [
        sql.count("%s") + sql.count("'") for sql in few
    ]
    assert not [sql for sql in many if "cases_case" in sql]
    assert "街道39" in c.get("/assessment/", {"month": MONTH, "kind": "subdistrict"}).content.decode()
