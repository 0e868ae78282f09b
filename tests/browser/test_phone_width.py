"""Staff pages on a 360 px touch phone: nothing scrolls sideways (the steward's patrol page, a case page, the
workbench with a search across its queues), the case page opens on its primary action with the others one
tap away, and no keyboard hints are shown on a touch screen. Screenshots: var/screenshots/phone360-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NARROW = {"width": 360, "height": 740}
STREET = "110199001S001"


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    from django.core.cache import cache

    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield build_demo(case_count=0)
    cache.clear()


def _touch_phone(page_factory, login, username):
    page = page_factory(NARROW, has_touch=True, is_mobile=True)
    login(page, username)
    page.wait_for_url(re.compile(r"/$"))
    return page


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _handling_case():
    """A case in 处置中 at the demo handler's department (城管执法), opened where the inspector walks."""
    from jingzhi.accounts.models import Department, User
    from jingzhi.cases import actions
    from jingzhi.geo.models import Grid

    grid = Grid.objects.filter(code__startswith="110199001001").order_by("code")[5]
    user = {
        u.username: u
        for u in User.objects.filter(username__in=["inspector", "shift_lead", "dispatcher", "handler"])
    }
    case = actions.do_open_case(
        actor=user["inspector"],
        source="patrol",
        description="井盖松动，车过哐哐响，请尽快处理",
        lon=(grid.min_lon + grid.max_lon) / 2,
        lat=(grid.min_lat + grid.max_lat) / 2,
    )
    actions.do_verify_case(actor=user["inspector"], case_id=case.pk, note="属实")
    actions.do_file_case(actor=user["shift_lead"], case_id=case.pk)
    department = Department.objects.get(code__endswith="-CGZF")
    actions.do_dispatch_case(actor=user["dispatcher"], case_id=case.pk, departments=[department.pk])
    return actions.do_accept_case(actor=user["handler"], case_id=case.pk)


def test_the_patrol_page_fits_a_360px_phone(page_factory, login, city, live_server, shot):
    page = _touch_phone(page_factory, login, "steward")
    page.goto(f"/streets/{STREET}/patrol/")
    page.wait_for_selector("[data-testid=patrol-form]")
    shot(page, "phone360-patrol", full_page=True)
    assert _page_width(page) <= 360
    # The five duty buttons are all on screen and the last one still answers a tap.
    page.locator(".duty span").nth(4).click()
    assert page.locator("input[name=duty]").nth(4).is_checked()


def test_a_case_page_on_a_touch_phone_opens_on_the_primary_action(
    page_factory, login, city, live_server, shot
):
    case = _handling_case()
    page = _touch_phone(page_factory, login, "handler")
    page.goto(f"/cases/{case.number}/")
    page.wait_for_selector("[data-testid=case-state]")
    page.get_by_test_id("actions").scroll_into_view_if_needed()
    shot(page, "phone360-case")  # a screen, not the full page: a full-page shot drops the touch emulation
    assert _page_width(page) <= 360
    forms = page.locator("form.action-form")
    assert forms.first.get_attribute("data-action") == "feedback"  # 处置反馈, not 退单, comes first
    assert page.get_by_test_id("fold-feedback").get_attribute("open") is not None
    assert page.get_by_test_id("submit-feedback").is_visible()
    assert page.get_by_test_id("fold-return").get_attribute("open") is None
    assert not page.get_by_test_id("submit-return").is_visible()
    # No keyboard hints on a touch screen.
    assert not page.get_by_test_id("case-keyboard-hints").is_visible()
    assert not page.locator("form.action-form kbd").first.is_visible()
    # One tap opens another action.
    page.get_by_test_id("open-return").click()
    assert page.get_by_test_id("submit-return").is_visible()
    shot(page, "phone360-case-all", full_page=True)
    assert _page_width(page) <= 360


def test_the_workbench_and_its_search_fit_a_360px_phone(page_factory, login, city, live_server, shot):
    case = _handling_case()
    page = _touch_phone(page_factory, login, "dispatcher")
    page.goto("/cases/")
    page.wait_for_selector("[data-testid=queue]")
    assert not page.get_by_test_id("keyboard-hints").is_visible()
    assert _page_width(page) <= 360
    page.goto("/cases/?q=井盖")
    page.wait_for_selector("[data-testid=queue][data-queue=search]")
    shot(page, "phone360-workbench-search")
    assert case.number in page.get_by_test_id("queue").inner_text()
    assert page.get_by_test_id("hit-tab-handling").is_visible()
    assert _page_width(page) <= 360


def test_a_desktop_case_page_shows_every_action_and_its_keys(page_factory, login, city, live_server):
    case = _handling_case()
    page = page_factory({"width": 1280, "height": 860})
    login(page, "handler")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/cases/{case.number}/")
    page.wait_for_selector("[data-testid=case-state]")
    assert (
        page.get_by_test_id("submit-feedback").is_visible()
        and page.get_by_test_id("submit-return").is_visible()
    )
    assert page.get_by_test_id("case-keyboard-hints").is_visible()
