"""腾退空间 in a real browser: an inspector on a phone finds a space in the registry, re-checks it in the
field, records 反弹 with a photo, and the case it opened is on the space's page and in the case system; the
district admin sees the registry and the 15-minute coverage gaps on a desktop. Screenshots:
var/screenshots/spaces-*.png."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.conftest import click_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture(autouse=True)
def _demo_spaces(settings):
    """The suite builds the demo without spaces (conftest); these journeys want them."""
    settings.JINGZHI_DEMO_SPACES = 40


@pytest.fixture
def space(demo_city):
    from jingzhi.demo.spaces import _cell_centre
    from jingzhi.spaces.actions import do_change_space_state, do_register_space

    lon, lat = _cell_centre(3, 3)  # in 青槐东里社区, the demo inspector's beat
    made = do_register_space(
        actor=None,
        name="青槐东里7号违建拆除点",
        address="青槐东里7号",
        area_m2="86",
        origin="demolition",
        vacated_on="2025-03-01",
        lon=lon,
        lat=lat,
    )
    return do_change_space_state(actor=None, space_id=made.pk, to_state="awaiting", reason="清理完毕")


def _photo(tmp_path):
    from PIL import Image

    path = tmp_path / "recheck.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 120, 60)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_a_field_recheck_on_a_phone_records_rebound_and_opens_a_case(
    page_factory, login, space, shot, tmp_path
):
    from jingzhi.spaces.models import Recheck

    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    login(page, "inspector")
    page.wait_for_url(re.compile(r"/$"))
    click_nav(page, "spaces")  # on a phone the long menu keeps it under 更多
    page.wait_for_url(re.compile(r"/spaces/$"))
    page.wait_for_selector("[data-testid=spaces-map][data-loaded]")
    assert "青槐东里7号违建拆除点" in page.get_by_test_id("space-list").inner_text()
    shot(page, "spaces-list-phone", full_page=True)
    page.get_by_role("link", name="青槐东里7号违建拆除点").click()
    page.wait_for_url(re.compile(r"/spaces/\d+/$"))
    assert page.get_by_test_id("space-state").inner_text() == "待利用"
    page.get_by_test_id("recheck-link").click()
    page.wait_for_url(re.compile(r"/recheck/$"))
    page.get_by_text("已反弹（被重新占用）").click()
    page.fill("textarea[name=note]", "原拆除点又搭起彩钢板房，堆放废品")
    page.set_input_files("input[name=photos]", str(_photo(tmp_path)))
    shot(page, "spaces-recheck-phone", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("recheck-submit").click()
    page.wait_for_url(re.compile(r"/spaces/\d+/$"))
    assert page.get_by_test_id("space-state").inner_text() == "反弹"
    recheck = Recheck.objects.get(space=space)
    assert recheck.case is not None and recheck.case.category.shiwu_item == "illegal_construction"
    assert recheck.case.number in page.get_by_test_id("rebound-case").inner_text()
    assert "复查" in page.get_by_test_id("space-history").inner_text()
    shot(page, "spaces-detail-rebound-phone", full_page=True)
    page.get_by_test_id("rebound-case").click()
    page.wait_for_url(re.compile(r"/cases/"))
    assert "腾退空间反弹" in page.content()
    shot(page, "spaces-case-phone")


def test_the_registry_and_the_coverage_gaps_on_a_desktop(page_factory, login, demo_city, shot):
    page = page_factory(DESKTOP)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/spaces/")
    page.wait_for_selector("[data-testid=spaces-map][data-loaded='40']")
    assert page.get_by_test_id("rebound-count").inner_text() == "2"
    shot(page, "spaces-list-desktop", full_page=True)
    page.goto("/spaces/coverage/?kind=vegetables")
    page.wait_for_selector("[data-testid=coverage-map][data-loaded]")
    table = page.get_by_test_id("gap-table").inner_text()
    assert "菜站" in table and "养老驿站" not in table
    shot(page, "spaces-coverage-desktop", full_page=True)
    page.goto("/spaces/coverage/")
    assert "养老驿站" in page.get_by_test_id("gap-table").inner_text()
    phone = page_factory(PHONE)
    login(phone, "district_admin")
    phone.wait_for_url(re.compile(r"/$"))
    phone.goto("/spaces/coverage/?kind=elderly_station")
    phone.wait_for_selector("[data-testid=coverage-map][data-loaded]")
    shot(phone, "spaces-coverage-phone", full_page=True)


def test_registering_a_space_on_a_phone_with_a_photo(page_factory, login, demo_city, shot, tmp_path):
    from jingzhi.demo.spaces import _cell_centre
    from jingzhi.spaces.models import Space

    lon, lat = _cell_centre(4, 2)
    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/spaces/")
    page.get_by_test_id("space-new-link").click()
    page.wait_for_url(re.compile(r"/spaces/new/$"))
    page.fill("input[name=name]", "青槐东里12号开墙打洞封堵点")
    page.fill("input[name=address]", "青槐东里12号")
    page.fill("input[name=lon]", f"{lon:.6f}")
    page.fill("input[name=lat]", f"{lat:.6f}")
    page.fill("input[name=area_m2]", "0")
    page.select_option("select[name=origin]", "wall_opening")
    page.set_input_files("input[name=photos]", str(_photo(tmp_path)))
    page.get_by_test_id("space-new-submit").click()
    assert "面积应大于 0" in page.get_by_test_id("new-error").inner_text()
    assert page.input_value("input[name=name]") == "青槐东里12号开墙打洞封堵点"
    page.fill("input[name=area_m2]", "18.5")
    page.set_input_files("input[name=photos]", str(_photo(tmp_path)))
    shot(page, "spaces-new-phone", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("space-new-submit").click()
    page.wait_for_url(re.compile(r"/spaces/\d+/$"))
    space = Space.objects.get(name="青槐东里12号开墙打洞封堵点")
    assert space.origin == "wall_opening" and space.community_code.endswith("001001")
    assert page.locator(".sp-photos img").count() == 1
    shot(page, "spaces-new-detail-phone", full_page=True)
