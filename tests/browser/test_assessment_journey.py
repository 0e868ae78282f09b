"""Journey 6 in a real browser: the district head reads the month — subdistricts ranked on the three rates
with the change from last month, a rate opened to the cases behind it, a subdistrict's month report printed
on A4 and exported to Excel; a subdistrict admin cannot open another subdistrict's records.
Screenshots: var/screenshots/assessment-*.png (desktop and 390 px phone, and the print layout)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def demo_month(demo_city):
    from jingzhi.assessment import actions, rules
    from jingzhi.demo.cases import build_demo_cases

    build_demo_cases(count=40)
    this = actions.current_month()
    for month in rules.months_between(rules.shift_month(this, -5), this):  # re-fill after the new cases
        actions.do_fill_month(month, actor=None)
    return rules.shift_month(actions.current_month(), -1)  # the dashboard opens on the last complete month


def test_the_district_head_reads_the_month(page_factory, login, demo_month, shot):
    from jingzhi.assessment.models import Figure, Score

    page = page_factory(DESKTOP)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/assessment/")
    ranking = page.get_by_test_id("ranking")
    top = Score.objects.filter(unit_kind="subdistrict", month=demo_month, rank=1).first()
    assert top is not None and top.unit_name in ranking.inner_text()
    assert "响应率" in ranking.inner_text()
    shot(page, "assessment-dashboard-desktop", full_page=True)

    # A rate opens to its cases: as many ticked rows as the numerator.
    figure = Figure.objects.get(
        month=demo_month, indicator="response_rate", unit_kind="subdistrict", unit_code=top.unit_code
    )
    page.locator(f"a[href*='/assessment/subdistrict/{top.unit_code}/response_rate/']").first.click()
    page.wait_for_url(re.compile(r"/response_rate/"))
    rows = page.get_by_test_id("explain-records").locator("tbody tr")
    assert rows.count() == int(figure.denominator)
    assert page.get_by_test_id("explain-records").locator(".up").count() == int(figure.numerator)
    shot(page, "assessment-explain-desktop", full_page=True)

    page.goto(f"/assessment/subdistrict/{top.unit_code}/?month={demo_month}")
    assert "考核月报" in page.locator("h1").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("export-report").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    shot(page, "assessment-report-desktop", full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".as-tools").is_visible()
    shot(page, "assessment-report-print", full_page=True)


def test_on_a_phone_the_ranking_fits_and_another_subdistrict_stays_closed(
    page_factory, login, demo_month, shot
):
    from jingzhi.demo.build import SUB1, SUB2

    page = page_factory(PHONE)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/assessment/")
    assert page.get_by_test_id("ranking").is_visible()
    shot(page, "assessment-dashboard-phone", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.goto(f"/assessment/subdistrict/{SUB1}/?month={demo_month}")
    shot(page, "assessment-report-phone", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    response = page.goto(f"/assessment/subdistrict/{SUB2}/response_rate/?month={demo_month}")
    assert response.status == 404
