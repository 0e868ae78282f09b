"""Journey 3 in a real browser: the monthly checker scores a street on a phone, the street is downgraded, the
street chief sees it with the cases it opened, and the public board (no login) shows the right chief with a
QR code that opens the street's public page. Screenshots: var/screenshots/streets-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
STREET = "110199001S001"


@pytest.fixture
def demo_street(demo_city):
    from jingzhi.demo.streets import load_demo_rectification
    from jingzhi.rectification.models import StreetRecord

    # One street is enough here (the whole district's six months take minutes): three good months.
    load_demo_rectification(months=3, street_codes=[STREET])
    record = StreetRecord.objects.get(street_code=STREET)
    assert record.grade in ("standard", "fine", "premium")
    return record


def test_an_inspection_on_a_phone_downgrades_the_street_and_the_chief_sees_it(
    page_factory, login, demo_street, live_server, shot
):
    from jingzhi.cases.models import Case
    from jingzhi.rectification.models import Inspection

    page = page_factory(PHONE)
    login(page, "assessor")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/streets/{STREET}/")
    page.get_by_test_id("inspect-link").click()
    page.wait_for_url(re.compile(r"/inspect/$"))
    assert page.get_by_test_id("live-score").inner_text() == "100"
    page.get_by_test_id("fail-illegal_parking").check()
    page.get_by_test_id("count-illegal_parking").fill("3")
    page.get_by_test_id("deduction-illegal_parking").fill("6")
    page.get_by_test_id("fail-piled_materials").check()
    page.get_by_test_id("count-piled_materials").fill("3")
    assert page.get_by_test_id("live-score").inner_text() == "88"  # 堆物堆料: 3 × 2 points by the rule
    shot(page, "streets-inspect-phone", full_page=True)
    page.get_by_test_id("submit-inspection").click()
    page.wait_for_url(re.compile(r"/streets/inspections/\d+/$"))
    assert page.get_by_test_id("inspection-score").inner_text() == "88"
    assert page.get_by_test_id("inspection-grade").inner_text() == "不达标"
    assert "降档" in page.get_by_test_id("grade-change").inner_text()
    findings = page.get_by_test_id("findings").inner_text()
    latest = Inspection.objects.filter(street_code=STREET).order_by("-id").first()
    numbers = sorted({r.case.number for r in latest.results.select_related("case") if r.case_id})
    assert len(numbers) == 2 and all(n in findings for n in numbers)
    assert all(Case.objects.get(number=n).street_code == STREET for n in numbers)
    shot(page, "streets-result-phone", full_page=True)

    chief = page_factory(PHONE)
    login(chief, "street_chief")
    chief.wait_for_url(re.compile(r"/$"))
    chief.goto("/streets/mine/")
    card = chief.get_by_test_id("my-street").first
    assert "不达标" in card.inner_text() and "无乱停车" in card.inner_text()
    assert all(n in card.inner_text() for n in numbers)
    shot(chief, "streets-chief-phone", full_page=True)
    chief.click(f"a[href='/streets/{STREET}/']")
    chief.wait_for_url(re.compile(rf"/streets/{STREET}/$"))
    assert chief.get_by_test_id("street-grade").inner_text() == "不达标"
    assert all(n in chief.get_by_test_id("open-cases").inner_text() for n in numbers)
    assert "整治提升任务书" in chief.get_by_test_id("task-letters").inner_text()
    chief.wait_for_selector("[data-testid=score-chart] canvas")
    shot(chief, "streets-street-phone", full_page=True)

    public = page_factory(PHONE)  # nobody logged in: the board hangs in the street
    public.goto(f"/streets/{STREET}/board/")
    assert "孙立新" in public.get_by_test_id("board-chief").inner_text()
    assert public.locator("[data-testid=board-qr] svg").count() == 1
    shot(public, "streets-board-phone", full_page=True)
    public.get_by_test_id("board-qr-link").click()
    public.wait_for_url(re.compile(rf"/s/{STREET}/$"))
    assert public.get_by_test_id("public-chief").inner_text() == "孙立新"
    shot(public, "streets-public-phone", full_page=True)


def test_the_street_list_colours_the_map_by_grade_and_the_board_prints(
    page_factory, login, demo_street, live_server, shot, settings
):
    settings.JINGZHI_MAP_TILES = "none"
    page = page_factory(DESKTOP)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/streets/")
    page.wait_for_selector("#streets-map[data-loaded]")
    assert int(page.get_attribute("#streets-map", "data-loaded")) > 10
    assert page.locator("#streets-map path.leaflet-interactive").count() > 10
    assert "苇坑胡同" in page.get_by_test_id("street-list").inner_text()
    shot(page, "streets-list-desktop", full_page=True)
    board = page_factory(DESKTOP)
    board.goto(f"/streets/{STREET}/board/")
    board.emulate_media(media="print")
    shot(board, "streets-board-print", full_page=True)
    pdf_ready = board.pdf(format="A4")
    assert pdf_ready[:4] == b"%PDF"
    foreign = [
        u
        for u in page.requests + board.requests
        if not u.startswith(live_server.url) and not u.startswith("data:")
    ]
    assert foreign == []
