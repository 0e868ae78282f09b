"""English mode in a real browser: each demo role logs in with the language cookie set to "en", walks to its
home and main pages, and no Chinese interface text may show apart from the data (place, people and category
names); a resident on a phone finds their location and reads the status in English. Screenshots of each
role's English home go to var/screenshots/en-home-<role>.png."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE

ROLES = {
    "resident": ["/", "/report/", "/my/reports/", "/inbox/", "/help/loop/"],
    "inspector": ["/", "/cases/", "/inbox/"],
    "operator": ["/", "/cases/", "/inbox/"],
    "shift_lead": ["/", "/cases/", "/inbox/"],
    "dispatcher": ["/", "/cases/", "/inbox/"],
    "handler": ["/", "/cases/", "/inbox/"],
    "subdistrict_admin": ["/", "/places/", "/streets/", "/inbox/"],
    "district_admin": ["/", "/cases/", "/streets/", "/inbox/"],
    "assessor": ["/", "/streets/", "/inbox/"],
}


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    from django.core.cache import cache

    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield build_demo(case_count=12)  # a little history, so the inboxes hold notifications
    cache.clear()


def _english_page(page_factory, live_server, viewport=None):
    page = page_factory(viewport, locale="en-GB")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return page


def test_every_demo_role_walks_its_pages_in_english(page_factory, login, city, live_server, shot):
    from jingzhi.core.models import Notification
    from jingzhi.web.tests.test_english import _chinese_chrome, _stored_text

    assert Notification.objects.filter(recipient__username="dispatcher").exists()  # written in Chinese
    data = _stored_text()
    for role, paths in ROLES.items():
        page = _english_page(page_factory, live_server)
        login(page, role)
        page.wait_for_url(re.compile(r"/$"))
        shot(page, f"en-home-{role}", full_page=True)
        for path in paths:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == "en", (role, path)
            text = page.locator("body").inner_text()
            assert _chinese_chrome(text, data) == [], (role, path)
            assert not re.search(r"[A-Za-z][：（）]", text), (role, path)
        page.context.close()


def test_a_resident_on_a_phone_reads_the_location_status_in_english(page_factory, login, city, live_server):
    from jingzhi.geo.models import Grid

    grid = Grid.objects.filter(code__startswith="110199001001").order_by("code")[5]
    page = _english_page(page_factory, live_server, PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(
        {
            "longitude": (grid.min_lon + grid.max_lon) / 2,
            "latitude": (grid.min_lat + grid.max_lat) / 2,
            "accuracy": 15,
        }
    )
    login(page, "resident")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/report/")
    page.click("[data-testid=locate-me]")
    page.wait_for_function("() => document.getElementById('id_lon').value !== ''")
    assert page.locator("#locate-status").inner_text() == "Located (to within about 15 m)"
