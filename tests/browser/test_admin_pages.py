"""Administrators' pages added for daily use, in a real browser: the phone header's 更多, registering a
property company (with a category on the responsibility list) on a desktop, and editing a vacated space's
details on a phone. Screenshots: var/screenshots/admin-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def test_a_long_phone_menu_opens_under_more(page_factory, login, demo_city, shot):
    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    extra = page.locator(".site-nav a.nav-extra")
    assert extra.count() >= 1 and not extra.first.is_visible()
    shot(page, "admin-nav-phone")
    page.get_by_test_id("nav-more").click()
    assert extra.first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "admin-nav-more-phone")


def test_a_subdistrict_admin_registers_a_property_company(page_factory, login, demo_city, shot):
    from jingzhi.councils.models import PropertyCompany
    from jingzhi.demo.councils import COMMUNITY1
    from jingzhi.duties.models import DutyRule

    page = page_factory(DESKTOP)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/councils/meetings/")
    page.get_by_test_id("property-link").click()
    page.wait_for_url(re.compile(r"/councils/property/$"))
    page.get_by_text("登记物业公司").click()
    form = page.get_by_test_id("property-form")
    form.locator("input[name=name]").fill("青槐物业服务中心")
    form.locator("input[name=code]").fill("WY-QHFW")
    form.locator("input[name=places]").fill(COMMUNITY1)
    first = form.locator("select[name=categories] option").first.get_attribute("value")
    form.locator("select[name=categories]").select_option([first])
    shot(page, "admin-property-form-desktop", full_page=True)
    form.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r"/councils/property/$"))
    assert "青槐物业服务中心" in page.get_by_test_id("companies").inner_text()
    company = PropertyCompany.objects.get(name="青槐物业服务中心")
    assert DutyRule.objects.filter(departments=company.department, scope_code=COMMUNITY1).count() == 1
    shot(page, "admin-property-list-desktop", full_page=True)


@pytest.fixture
def space(demo_city):
    from jingzhi.demo.spaces import _cell_centre
    from jingzhi.spaces.actions import do_register_space

    lon, lat = _cell_centre(3, 3)  # in 青槐东里社区
    return do_register_space(
        actor=None,
        name="青槐东里9号违建拆除点",
        address="青槐东里9号",
        area_m2="64",
        origin="demolition",
        vacated_on="2025-03-01",
        lon=lon,
        lat=lat,
    )


def test_a_space_is_edited_on_a_phone(page_factory, login, space, shot):
    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/spaces/{space.pk}/")
    page.get_by_text("修改登记信息").click()
    form = page.get_by_test_id("edit-form")
    form.locator("input[name=name]").fill("青槐东里9号（已清理）")
    form.locator("input[name=owner]").fill("区住建委")
    form.locator("input[name=reason]").fill("现场核对产权")
    shot(page, "admin-space-edit-phone", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    form.get_by_role("button", name="保存修改").click()
    page.wait_for_url(re.compile(rf"/spaces/{space.pk}/$"))
    assert "青槐东里9号（已清理）" in page.locator("h1").inner_text()
    assert "区住建委" in page.content()


def test_the_hotline_import_page_on_a_phone_names_a_bad_file(page_factory, login, demo_city, shot, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["不是工单的表头"])
    book.active.append(["随便写的一行"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/cases/hotline/import/")
    assert page.get_by_test_id("import-file").count() == 1
    shot(page, "admin-hotline-import-phone", full_page=True)
    page.set_input_files("[data-testid=import-file]", str(path))
    page.get_by_test_id("import-submit").click()
    error = page.get_by_test_id("import-error")
    error.wait_for()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text())
    # The headline once, then each problem once (the headline used to repeat the list).
    assert page.locator("#import-progress").inner_text().count("缺少列") == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "admin-hotline-import-error-phone", full_page=True)
