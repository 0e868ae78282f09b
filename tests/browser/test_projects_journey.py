"""Journey 5 in a real browser (民意立项): 王阿姨 votes on her phone for the 甲8号院 gate and changes her vote;
the subdistrict office, at a desk, enters a paper ballot (a second ballot for her household is refused with
the earlier one named), answers the objection to the 便民菜站 in publicity and prints the notice; anyone can
read the route map. Screenshots: var/screenshots/projects-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_resident_votes_on_a_phone_and_can_change_the_vote(page_factory, login, demo_city, shot):
    from jingzhi.projects.models import Ballot, Project

    gate = Project.objects.get(title="甲8号院单元门禁")
    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    login(page, "resident")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/projects/")
    mine = page.get_by_test_id("my-projects")
    assert "甲8号院单元门禁" in mine.inner_text() and "去投票" in mine.inner_text()
    shot(page, "projects-list-phone", full_page=True)
    mine.get_by_text("甲8号院单元门禁").click()
    page.wait_for_url(re.compile(rf"/projects/{gate.pk}/vote/$"))
    _no_sideways_scroll(page)
    shot(page, "projects-vote-phone", full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("choice-full").tap()
    assert "完全赞同" in page.get_by_test_id("vote-recorded").inner_text()
    with page.expect_navigation():  # the vote page posts to itself and comes back to the same address
        page.get_by_test_id("choice-partial").tap()
    assert "部分赞同" in page.get_by_test_id("vote-recorded").inner_text()
    shot(page, "projects-voted-phone", full_page=True)
    counted = Ballot.objects.filter(round__project=gate, counted=True, channel="online")
    assert counted.count() == 3  # two neighbours and 王阿姨's household once, after her change
    page.goto(f"/projects/{gate.pk}/")
    assert "部分赞同" in page.get_by_test_id("my-ballot").inner_text()
    _no_sideways_scroll(page)
    page.goto("/projects/route/")
    assert page.locator("[data-testid=route-svg] svg").count() == 1
    shot(page, "projects-route-phone", full_page=True)


def test_the_office_runs_ballots_and_publicity_at_a_desk(page_factory, login, demo_city, shot):
    from jingzhi.projects import actions
    from jingzhi.projects.models import Household, Project

    gate = Project.objects.get(title="甲8号院单元门禁")
    from jingzhi.accounts.models import User

    actions.do_cast_ballot(actor=User.objects.get(username="resident"), project_id=gate.pk, choice="full")
    page = page_factory(DESKTOP)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/projects/{gate.pk}/")
    console = page.get_by_test_id("office-console")
    assert "网上投票" in page.get_by_test_id("reconciliation").inner_text()
    household = Household.objects.get(address="甲8号院1号")
    page.select_option("#pj-hh", str(household.pk))
    page.select_option("#pj-choice", "oppose")
    with page.expect_navigation():
        page.get_by_test_id("paper-save").click()
    assert "同一户只计一票" in page.locator(".messages").inner_text()
    shot(page, "projects-console-desktop", full_page=True)
    assert console.count() == 1

    market = Project.objects.get(title="社区便民菜站")
    page.goto(f"/projects/{market.pk}/")
    assert "83.3%" in page.get_by_test_id("result").inner_text()
    objection = market.objections.get()
    page.fill(f"#pj-answer-{objection.pk}", "卸货时间调整到早八点以后，并使用静音推车。")
    with page.expect_navigation():
        page.get_by_test_id(f"answer-{objection.pk}").click()
    assert "卸货时间调整" in page.get_by_test_id("objections").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    assert "公示期尚未结束" in page.locator(".messages").inner_text()
    shot(page, "projects-publicity-desktop", full_page=True)
    page.goto(f"/projects/{market.pk}/notice/")
    assert "民意立项公示" in page.get_by_test_id("notice").inner_text()
    shot(page, "projects-notice-desktop", full_page=True)

    parking = Project.objects.get(title="背街停车自治管理")
    page.goto(f"/projects/{parking.pk}/")
    assert "4 户评价" in page.get_by_test_id("satisfaction").inner_text()
    shot(page, "projects-delivered-desktop", full_page=True)
