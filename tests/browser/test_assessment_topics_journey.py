"""每月一题 and 治理类街乡 in a real browser: the district head confirms next month's topic from the month's
candidates and opens its tracking; computes the quarter's focus list; a listed subdistrict's admin adds an
improvement-plan item on a phone and cannot open another subdistrict's plan.
Screenshots: var/screenshots/assessment-topics-*.png, assessment-focus-*.png, assessment-plan-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def demo_months(demo_city):
    from jingzhi.assessment import actions, rules
    from jingzhi.demo.cases import build_demo_cases

    build_demo_cases(count=40)
    this = actions.current_month()
    for month in rules.months_between(rules.shift_month(this, -5), this):
        actions.do_fill_month(month, actor=None)
        actions.do_fill_problem_counts(month, actor=None)
    actions.do_set_topic_rule(
        actor=None,
        effective_from="2000-01",
        dimensions=["category", "community", "grid"],
        per_dimension=2,
        min_count=1,
    )
    return rules.shift_month(this, -1)


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_the_district_head_confirms_a_topic_and_lists_the_focus_subdistricts(
    page_factory, login, demo_months, shot
):
    from jingzhi.assessment.models import FocusEntry, MonthlyTopic

    page = page_factory(DESKTOP)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/assessment/")
    page.get_by_role("link", name="每月一题").first.click()
    page.wait_for_url(re.compile(r"/assessment/topics/"))
    cards = page.get_by_test_id("candidate")
    assert cards.count() >= 1
    shot(page, "assessment-topics-desktop", full_page=True)
    first = cards.first
    first.locator("summary").click()
    first.locator("input[name=title]").fill("井盖与道路专项治理")
    first.locator("textarea[name=note]").fill("每周通报")
    first.get_by_role("button", name="确定为下月题目").click()
    page.wait_for_url(re.compile(r"/assessment/topics/\?"))
    assert "已确定" in page.get_by_test_id("candidates").inner_text()
    topic = MonthlyTopic.objects.get()
    page.get_by_test_id("confirmed-topics").get_by_role("link", name="井盖与道路专项治理").click()
    page.wait_for_url(re.compile(rf"/assessment/topics/{topic.pk}/"))
    assert page.get_by_test_id("topic-figures").is_visible()
    shot(page, "assessment-topic-desktop", full_page=True)

    page.goto("/assessment/focus/")
    page.get_by_test_id("focus-compute").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/assessment/focus/\?quarter="))
    listed = FocusEntry.objects.filter(listed=True)
    assert listed.exists()
    assert listed.first().unit_name in page.get_by_test_id("focus-list").inner_text()
    shot(page, "assessment-focus-desktop", full_page=True)


def test_a_listed_subdistrict_keeps_its_plan_on_a_phone(page_factory, login, demo_months, shot):
    from jingzhi.assessment import actions, topic_rules
    from jingzhi.assessment.models import PlanItem
    from jingzhi.demo.build import SUB1, SUB2

    quarter = topic_rules.quarter_of(demo_months)
    actions.do_set_focus_rule(actor=None, effective_from=quarter, bottom=50)  # every subdistrict listed
    actions.do_compute_focus(quarter, actor=None)
    page = page_factory(PHONE)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/assessment/topics/?month={demo_months}")
    assert page.get_by_test_id("candidates").is_visible()
    assert page.get_by_test_id("decide-form").count() == 0  # a subdistrict reads, the district decides
    shot(page, "assessment-topics-phone", full_page=True)
    _fits(page)
    page.goto(f"/assessment/focus/?quarter={quarter}")
    shot(page, "assessment-focus-phone", full_page=True)
    _fits(page)
    page.goto(f"/assessment/focus/{quarter}/{SUB1}/")
    form = page.get_by_test_id("add-item")
    form.locator("input[name=what]").fill("响应超时案件日清台账")
    form.locator("select[name=department]").select_option(index=1)
    start, _after = topic_rules.quarter_bounds(quarter)
    form.locator("input[name=due_date]").fill(start.isoformat())
    form.get_by_role("button", name="添加").click()
    page.wait_for_url(re.compile(rf"/assessment/focus/{quarter}/{SUB1}/$"))
    assert PlanItem.objects.filter(entry__unit_code=SUB1, what="响应超时案件日清台账").count() == 1
    assert "响应超时案件日清台账" in page.get_by_test_id("plan-items").inner_text()
    shot(page, "assessment-plan-phone", full_page=True)
    _fits(page)
    response = page.goto(f"/assessment/focus/{quarter}/{SUB2}/")
    assert response.status == 404

    desk = page_factory(DESKTOP)
    login(desk, "district_admin")
    desk.wait_for_url(re.compile(r"/$"))
    desk.goto(f"/assessment/focus/{quarter}/{SUB1}/")
    assert desk.get_by_test_id("add-item").count() == 0  # the district reads the plan
    shot(desk, "assessment-plan-desktop", full_page=True)
