"""Journeys through the web shell in a real browser, at phone size and at desktop size."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import click_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def _local_only(page, live_server):
    foreign = [u for u in page.requests if not u.startswith(live_server.url) and not u.startswith("data:")]
    assert foreign == [], f"requests left this server: {foreign[:5]}"


def test_subdistrict_admin_browses_from_district_to_a_grid_on_a_phone(
    page_factory, login, demo_city, live_server, shot
):
    page = page_factory(PHONE)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_text("演示数据 — 虚构的城区，仅供体验").is_visible()
    assert page.locator(".role-chip").first.inner_text() == "街道管理员"
    shot(page, "home-phone", full_page=True)

    click_nav(page, "places")  # on a phone the long menu keeps it under 更多
    page.wait_for_url(re.compile(r"/places/$"))
    page.click("text=示范区")
    page.wait_for_url(re.compile(r"/places/district/\d+/"))
    assert page.locator("#children li").count() == 1  # only their own subdistrict
    page.click("#children >> text=青槐街道")
    page.wait_for_url(re.compile(r"/places/subdistrict/\d+/"))
    assert page.locator("#children li").count() == 4
    page.wait_for_selector(".chart canvas")
    shot(page, "subdistrict-phone", full_page=True)

    page.fill("input[name=q]", "柳荫")
    page.wait_for_function("() => document.querySelectorAll('#children li').length === 1")
    page.click("#children >> text=柳荫社区")
    page.wait_for_url(re.compile(r"/places/community/\d+/"))
    assert page.locator("#children li").count() == 50
    page.click("#children li >> nth=11")
    page.wait_for_url(re.compile(r"/places/grid/\d+/"))
    assert page.get_by_test_id("grid-code").inner_text() == "110199001002012"
    page.wait_for_selector("#map[data-loaded-grid][data-loaded-street]")
    drawn = page.eval_on_selector_all(
        "#map path.leaflet-interactive", "ps => ps.filter(p => p.getAttribute('d') !== 'M0 0').length"
    )
    assert drawn > 10  # the grid, its neighbours, streets and the community outline on screen
    assert page.locator("#map .street-label").count() > 0  # lanes named on the map at this zoom
    page.wait_for_timeout(400)
    shot(page, "grid-phone", full_page=True)
    _local_only(page, live_server)


def test_grid_map_draws_grids_and_streets_with_no_tile_server(
    page_factory, login, demo_city, live_server, shot, settings
):
    settings.JINGZHI_MAP_TILES = "none"
    page = page_factory(DESKTOP)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/map/")
    page.wait_for_selector("#map[data-loaded-grid]")
    page.wait_for_selector("#map[data-loaded-street]")
    assert int(page.get_attribute("#map", "data-loaded-grid")) > 100
    assert int(page.get_attribute("#map", "data-loaded-street")) > 20
    paths = page.locator("#map svg path.leaflet-interactive").count()
    assert paths > 100
    assert page.locator("img.leaflet-tile").count() == 0
    page.wait_for_timeout(300)
    shot(page, "map-desktop")
    _local_only(page, live_server)


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(page_factory, login, demo_city, shot):
    page = page_factory(PHONE)
    for _ in range(5):
        login(page, "operator", "wrong-password")
        page.wait_for_selector("[data-testid=login-errors]")
    message = page.get_by_test_id("login-errors").inner_text()
    assert "已锁定" in message
    # Even the right password is refused while locked.
    login(page, "operator")
    page.wait_for_selector("[data-testid=login-errors]")
    assert "已锁定" in page.get_by_test_id("login-errors").inner_text()
    shot(page, "login-locked-phone")


def test_language_switch_to_english(page_factory, login, demo_city, shot):
    page = page_factory(DESKTOP)
    login(page, "district_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    nav = page.locator(".site-nav").inner_text()
    for label in (
        "Home",
        "Places",
        "Grid map",
        "Case workbench",
        "Street rectification",
        "API docs",
        "Admin",
    ):
        assert label in nav
    assert not re.search(r"[\u4e00-\u9fff]", nav), nav
    assert page.get_by_text("DEMO DATA — a fictional district, for trying things out").is_visible()
    shot(page, "home-english-desktop")
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_selector("html[lang=zh-CN]")
    assert "辖区" in page.locator(".site-nav").inner_text()
