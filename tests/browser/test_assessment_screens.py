"""考核 beyond the dashboard in a real browser: the leader's wall screen at 1920×1080 (dark, auto-refresh,
hot-spot map drawn offline), the public ranking on a phone (no login, no personal data), and a handler's
own figures (我的考核). Screenshots: var/screenshots/assessment-screen-1920.png, assessment-public-phone.png,
assessment-me-desktop.png, assessment-me-phone.png, assessment-hotmap-desktop.png."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import click_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
WALL = {"width": 1920, "height": 1080}


@pytest.fixture
def demo_month(demo_city):
    from jingzhi.assessment import actions, rules
    from jingzhi.demo.cases import build_demo_cases

    build_demo_cases(count=40)
    this = actions.current_month()
    for month in rules.months_between(rules.shift_month(this, -5), this):
        actions.do_fill_month(month, actor=None)
    return this


def _offline(page, live_url: str) -> None:
    outside = [u for u in page.requests if not u.startswith(live_url) and not u.startswith("data:")]
    assert outside == [], outside


def test_the_wall_screen_and_the_hot_spot_map(page_factory, login, demo_month, shot, live_server):
    page = page_factory(WALL)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/assessment/screen/")
    assert page.get_by_test_id("screen-rate").count() == 3
    page.wait_for_selector("#hot-map[data-drawn]")
    page.wait_for_selector("[data-chart] canvas")
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= WALL["width"]
    assert page.evaluate("document.documentElement.scrollHeight") <= WALL["height"]
    page.wait_for_timeout(600)  # the chart's entry animation
    shot(page, "assessment-screen-1920")
    _offline(page, live_server.url)

    desk = page_factory(DESKTOP)
    login(desk, "district_admin")
    desk.wait_for_url(re.compile(r"/$"))
    desk.goto(f"/assessment/?month={demo_month}")
    desk.wait_for_selector("#hot-map[data-drawn]")
    assert int(desk.locator("#hot-map").get_attribute("data-drawn")) > 0
    assert desk.get_by_test_id("hot-grids").locator("tbody tr").count() > 0
    shot(desk, "assessment-hotmap-desktop", full_page=True)


def test_the_public_ranking_on_a_phone(page_factory, demo_month, shot, live_server):
    from jingzhi.accounts.models import User

    page = page_factory(PHONE)
    page.goto("/login/")
    page.get_by_test_id("public-ranking-link").click()
    page.wait_for_url(re.compile(r"/ranking/"))
    page.goto(f"/ranking/?month={demo_month}")
    text = page.locator("main, body").first.inner_text()
    assert page.get_by_test_id("public-subdistrict").locator("tbody tr").count() > 0
    names = [
        n for n in User.objects.exclude(display_name="").values_list("display_name", flat=True) if len(n) >= 2
    ]
    assert names and not [n for n in names if n in text]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(page, "assessment-public-phone", full_page=True)
    _offline(page, live_server.url)


def test_a_handler_reads_their_own_month(page_factory, login, demo_month, shot):
    from jingzhi.accounts.models import User
    from jingzhi.assessment.models import Figure

    row = (
        Figure.objects.filter(unit_kind="handler", indicator="person_handled", month=demo_month)
        .order_by("-numerator")
        .first()
    )
    assert row is not None, "the demo's history has handlers' feedback"
    user = User.objects.get(pk=int(row.unit_code))
    for viewport, name in ((DESKTOP, "assessment-me-desktop"), (PHONE, "assessment-me-phone")):
        page = page_factory(viewport)
        login(page, user.username)
        page.wait_for_url(re.compile(r"/$"))
        page.goto(f"/assessment/me/?month={demo_month}")
        report = page.get_by_test_id("person-report")
        assert report.count() >= 1 and user.display_name in report.first.inner_text()
        shot(page, name, full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


def test_a_department_head_reads_their_departments_people(page_factory, login, demo_month, shot):
    """The demo's 部门负责人 (城管执法局) finds 人员考核 in the header: the department's handlers only, and a link
    to the department's own report. Screenshots: assessment-department-head-people.png, -department.png."""
    from jingzhi.accounts.models import RoleAssignment

    handlers = set(
        RoleAssignment.objects.filter(role="handler", department__code__endswith="-CGZF").values_list(
            "user__display_name", flat=True
        )
    )
    others = (
        set(
            RoleAssignment.objects.filter(role="handler")
            .exclude(department__code__endswith="-CGZF")
            .values_list("user__display_name", flat=True)
        )
        - handlers
    )
    page = page_factory(DESKTOP)
    login(page, "department_head")
    page.wait_for_url(re.compile(r"/$"))
    # The home offers the department's report, its people and its cases.
    block = page.get_by_test_id("home-department")
    assert "城管" in block.inner_text() and block.locator("a").count() == 3
    shot(page, "assessment-department-head-home", full_page=True)
    click_nav(page, "assessment_people")
    page.wait_for_url(re.compile(r"/assessment/people/"))
    page.goto(f"/assessment/people/?month={demo_month}")
    text = page.get_by_test_id("people").inner_text()
    assert not [n for n in others if n and n in text]
    tabs = page.locator(".as-tabs a")
    assert tabs.count() == 1
    shot(page, "assessment-department-head-people", full_page=True)
    page.get_by_test_id("my-department").click()
    page.wait_for_url(re.compile(r"/assessment/department/"))
    shot(page, "assessment-department-head-department", full_page=True)


def test_the_subdistrict_report_shows_convenience_coverage(page_factory, login, demo_month, shot, settings):
    """便民服务覆盖率 on a subdistrict's month report, beside the vacated-space figures, opening to its grids.
    The suite's demo leaves spaces out; they are loaded here, then the running month is filled (which
    records its coverage). Screenshot: assessment-coverage-report.png, assessment-coverage-records.png."""
    from jingzhi.assessment import actions
    from jingzhi.assessment.models import Figure
    from jingzhi.demo.spaces import load_demo_spaces

    settings.JINGZHI_DEMO_SPACES = 40
    assert load_demo_spaces(actor=None) > 0
    actions.do_fill_month(demo_month, actor=None)

    row = Figure.objects.filter(
        month=demo_month, indicator="convenience_coverage_rate", unit_kind="subdistrict"
    ).first()
    assert row is not None, "the fill of the running month recorded the demo's coverage"
    page = page_factory(DESKTOP)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/assessment/subdistrict/{row.unit_code}/?month={demo_month}")
    assert "便民服务覆盖率" in page.locator("main").inner_text()
    shot(page, "assessment-coverage-report", full_page=True)
    page.goto(f"/assessment/subdistrict/{row.unit_code}/convenience_coverage_rate/?month={demo_month}")
    assert "网格" in page.locator("main").inner_text()
    shot(page, "assessment-coverage-records", full_page=True)
