"""Each demo role lands on its own work (issue 11 §1), in Chinese, at desktop size and on a 390 px phone: the
home page opens on that role's work, the header offers only what the role can use, and nothing
scrolls sideways. On the phone, the inspector's tasks re-order nearest first once the page knows where
they stand. Screenshots of every role's home: var/screenshots/home-<role>-<desktop|phone>.png."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The block each demo login sees at the top, what it must say, and a header link it must not be offered.
FIRST = {
    "resident": ("resident", "反映问题", "cases_workbench"),
    "inspector": ("inspector", "待核实", "my_reports"),
    "operator": ("desk-operator", "待核实", "streets_mine"),
    "shift_lead": ("desk-shift_lead", "待立案", "streets_mine"),
    "dispatcher": ("desk-dispatcher", "待派遣", "streets_mine"),
    "handler": ("desk-handler", "待响应", "streets"),
    "street_chief": ("chief", "苇坑胡同", "api"),
    "steward": ("steward", "记巡查日志", "cases_workbench"),
    "council_member": ("council", "苇坑胡同", "cases_workbench"),
    "subdistrict_admin": ("month", "本月新增", "admin"),
    "district_admin": ("month", "按期处置率", "my_reports"),
    "assessor": ("street-checks", "尚未检查", "my_reports"),
}


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    from django.core.cache import cache

    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield build_demo(case_count=40, street_months=4)  # every queue has work, streets have a history
    cache.clear()


def test_every_demo_role_lands_on_its_work_at_desktop_and_phone_size(page_factory, login, city, shot):
    for role, (block, words, absent) in FIRST.items():
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = page_factory(viewport)
            login(page, role)
            page.wait_for_url(re.compile(r"/$"))
            blocks = page.locator('[data-testid="home-block"]')
            keys = [blocks.nth(i).get_attribute("data-block") for i in range(blocks.count())]
            # Its own work leads (another app's block for the same role may share the top).
            assert block in keys[:2], (role, size, keys)
            mine = page.locator(f'[data-testid="home-block"][data-block="{block}"]')
            assert mine.is_visible() and words in mine.inner_text(), (role, size)
            nav = page.locator(".site-nav [data-nav]")
            keys = [nav.nth(i).get_attribute("data-nav") for i in range(nav.count())]
            assert keys[0] == "home" and absent not in keys, (role, size, keys)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (role, size)
            shot(page, f"home-{role}-{size}", full_page=True)
            if role == "resident" and size == "phone":  # 反映问题 above the fold, a thumb-sized target
                box = page.locator('[data-testid="home-report"]').bounding_box()
                assert box["y"] + box["height"] < PHONE["height"] and box["height"] >= 44
                page.click('[data-testid="home-report"]')
                page.wait_for_url(re.compile(r"/report/$"))
            page.context.close()


def test_the_inspectors_tasks_come_nearest_first_once_the_phone_knows_where_they_are(
    page_factory, login, city, shot
):
    from jingzhi.accounts.models import User
    from jingzhi.cases import queries
    from jingzhi.cases.actions import do_open_case
    from jingzhi.geo.models import Grid

    # Two fresh reports at opposite ends of the inspector's community, so that the beat has tasks in
    # more than one place whatever the demo's history holds.
    grids = list(
        Grid.objects.filter(code__startswith="110199001001", generation__is_active=True).order_by("code")
    )
    for grid, words in ((grids[0], "井盖没了，很危险"), (grids[-1], "路灯不亮了")):
        do_open_case(
            actor=User.objects.get(username="resident"),
            source="resident_web",
            description=words,
            lon=(grid.min_lon + grid.max_lon) / 2,
            lat=(grid.min_lat + grid.max_lat) / 2,
        )
    tasks, _counts = queries.inspector_tasks(User.objects.get(username="inspector"))
    located = [c for c in tasks if c.lon is not None]
    assert len(located) >= 2
    target = located[-1]  # the least urgent: first only when sorted by distance
    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": target.lon, "latitude": target.lat, "accuracy": 10})
    login(page, "inspector")
    page.wait_for_url(re.compile(r"/$"))
    page.click('[data-testid="home-near"]')
    page.wait_for_selector('#inspector-tasks[data-sorted="distance"]')
    first = page.locator('[data-testid="inspector-task"]').first
    assert target.number in first.inner_text()
    assert re.search(r"\d+ 米", first.inner_text())
    assert "距离" in page.locator('[data-near-status="inspector-tasks"]').inner_text()
    shot(page, "home-inspector-nearest-phone", full_page=True)
