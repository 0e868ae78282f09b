"""Journey 4 in a real browser (JOURNEYS.md §4): the council secretary publishes the month's rota on a desktop;
the member on duty today opens it on a phone (390 px), checks in with the browser's location, reports a pile
of building waste in one step (a case, source 理事会), checks out, and the rota shows the patrol done.
Screenshots: var/screenshots/councils-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
PASSWORD = "x-secret-1"


@pytest.fixture
def council_world(transactional_db):
    from jingzhi.councils.testing import make_world

    return make_world()


def test_a_council_patrols_and_a_finding_becomes_a_case(page_factory, login, council_world, shot):
    from jingzhi.cases.models import Case
    from jingzhi.councils.actions import today
    from jingzhi.councils.models import Shift
    from jingzhi.councils.testing import ON_STREET

    w = council_world
    month = today().strftime("%Y-%m")

    desk = page_factory(DESKTOP)
    login(desk, "luo", PASSWORD)
    desk.wait_for_url(re.compile(r"/$"))
    desk.goto(f"/councils/{w.council.pk}/roster/?month={month}")
    desk.get_by_test_id("generate").click()
    desk.get_by_test_id("publish").click()
    desk.wait_for_load_state()
    assert "排班表已发布" in desk.locator(".messages").inner_text()
    shot(desk, "councils-roster-desktop", full_page=True)

    shift = Shift.objects.select_related("member__user").get(council=w.council, day=today())
    phone = page_factory(
        PHONE,
        has_touch=True,
        is_mobile=True,
        permissions=["geolocation"],
        geolocation={"longitude": ON_STREET[0], "latitude": ON_STREET[1]},
    )
    login(phone, shift.member.user.username, PASSWORD)
    phone.wait_for_url(re.compile(r"/$"))
    assert "待巡查" in phone.get_by_test_id("my-shifts").inner_text()  # the home page's block
    shot(phone, "councils-home-phone", full_page=True)
    phone.goto("/councils/")
    mine = phone.get_by_test_id("my-shifts")
    assert "待巡查" in mine.inner_text()
    shot(phone, "councils-mine-phone", full_page=True)
    mine.locator("a").first.click()
    phone.wait_for_url(re.compile(r"/councils/shifts/\d+/$"))
    phone.wait_for_function("document.querySelector('[data-testid=check-in] input[name=lon]').value !== ''")
    phone.get_by_test_id("check-in").locator("button").click()
    phone.wait_for_load_state()
    assert "已签到" in phone.locator(".messages").inner_text()
    assert phone.get_by_test_id("shift-status").inner_text() == "巡查中"
    phone.wait_for_function("document.querySelector('[data-testid=finding] input[name=lon]').value !== ''")
    phone.get_by_test_id("finding").locator("textarea").fill("胡同口有一堆建筑垃圾")
    shot(phone, "councils-patrol-phone", full_page=True)
    phone.get_by_test_id("finding").locator("button").click()
    phone.wait_for_load_state()
    case = Case.objects.get(source="council")
    assert case.number in phone.get_by_test_id("findings").inner_text()
    assert case.street_code == w.council.area_code and case.reporter_id == shift.member.user_id
    phone.get_by_test_id("check-out").locator("input[type=checkbox]").first.check()
    phone.get_by_test_id("check-out").locator("button").click()
    phone.wait_for_load_state()
    assert phone.get_by_test_id("shift-status").inner_text() == "已巡查"
    shot(phone, "councils-done-phone", full_page=True)

    phone.goto(f"/councils/{w.council.pk}/roster/?month={month}")
    cell = phone.get_by_test_id(f"shift-{today().isoformat()}")
    assert "✓" in cell.inner_text()
    shot(phone, "councils-roster-phone", full_page=True)
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
