"""The browser under the site's Content-Security-Policy: imported names on the map stay text, the violation
guard in conftest really catches a violation, the admin's pages run without one, and the error pages wear the
site's layout on a phone. Screenshots: var/screenshots/security-*.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
XSS = "<img src=x onerror=alert(1)>"
GRID = "110199001002012"


def test_imported_names_in_map_tooltips_and_labels_are_text_not_html(
    page_factory, login, demo_city, live_server, shot
):
    """A grid and the streets named like an HTML payload (a boundary file can say anything) are shown as
    those characters: no <img> appears in the map, no dialog opens, no inline handler is even attempted
    (the CSP guard would fail the test)."""
    from django.core.cache import cache

    from jingzhi.geo.models import Grid, Street

    grid = Grid.objects.get(code=GRID, generation__is_active=True)
    Grid.objects.filter(pk=grid.pk).update(name=XSS)
    Street.objects.filter(generation__is_active=True).update(name=XSS)
    cache.clear()  # the map's GeoJSON is cached per generation

    page = page_factory(PHONE)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/places/grid/{grid.pk}/")
    page.wait_for_selector("#map[data-loaded-grid][data-loaded-street]")
    # At the grid page's zoom the lanes are named on the map itself (permanent tooltips).
    labels = page.locator("#map .street-label")
    assert labels.count() > 0
    assert labels.first.inner_text() == XSS
    # The grid's own tooltip, opened as a hover would.
    opened = page.evaluate(
        """code => { let n = 0; window.jingzhiMap.eachLayer(l => {
             if (l.feature && l.feature.properties.code === code && l.getTooltip()) { l.openTooltip(); n++; } });
           return n; }""",
        GRID,
    )
    assert opened == 1
    tooltip = page.locator(".leaflet-tooltip:not(.map-label)")
    assert tooltip.inner_text().startswith(XSS + " · " + GRID)
    assert page.locator("#map img:not(.leaflet-tile)").count() == 0
    assert dialogs == []
    page.wait_for_timeout(300)
    shot(page, "security-map-names-phone")


def test_the_guard_catches_a_csp_violation(page_factory, live_server):
    """Proof that the page fixture's guard is live: an inline script injected into a page is refused by the
    browser and reported. (Emptied afterwards, or this test would fail at teardown — as every other would.)"""
    page = page_factory(PHONE)
    page.goto("/login/")
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                   document.body.appendChild(s); }"""
    )
    page.wait_for_function("() => true")
    for _ in range(20):
        if page.csp_violations:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("() => window.ran") is None
    assert any(
        v.get("directive", "").startswith("script-src") or "Content Security Policy" in v.get("console", "")
        for v in page.csp_violations
    )
    page.csp_violations.clear()


def test_admin_pages_run_under_the_csp(page_factory, login, demo_city, live_server):
    from jingzhi.accounts.models import User

    User.objects.create_superuser("root", password="root-pass-1234")
    page = page_factory(DESKTOP)
    login(page, "root", "root-pass-1234")
    page.wait_for_url(re.compile(r"/$"))
    for path in (
        "/admin/",
        "/admin/taxonomy/category/",
        "/admin/taxonomy/category/add/",
        "/admin/core/calendaryear/",
        "/admin/accounts/user/",
        "/admin/duties/dutyrule/",
    ):
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("load")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_404_page_in_the_sites_layout_on_a_phone(page_factory, login, demo_city, live_server, shot, language):
    page = page_factory(PHONE)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    if language == "en":
        page.click("button[name=language][value=en]")
        page.wait_for_selector("html[lang=en]")
    response = page.goto("/cases/JZ0000000000/")
    assert response.status == 404
    assert page.locator(".site-header").is_visible()
    reason = page.get_by_test_id("error-reason").inner_text()
    if language == "en":
        assert page.locator("h1").inner_text() == "Page not found"
        assert "JZ0000000000" in reason and not re.search(r"[\u4e00-\u9fff]", reason)
    else:
        assert page.locator("h1").inner_text() == "页面不存在"
        assert reason == "案件不存在，或您无权查看（JZ0000000000）"
    # Phone friendly: nothing wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"security-404-phone-{language}", full_page=True)


def test_api_documentation_viewers_still_work_under_their_own_policy(page_factory, live_server):
    """Swagger UI and ReDoc are third-party viewers with an inline bootstrap: the only two pages whose policy
    allows inline script (jingzhi.web.csp). They must render, and load nothing from another host: ReDoc's
    attribution logo on its CDN is refused by the policy — the one violation expected here, and the point."""
    page = page_factory(DESKTOP)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    page.goto("/api/redoc/")
    page.wait_for_selector("redoc .api-info h1")
    page.wait_for_timeout(300)
    refused = [v for v in page.csp_violations if "cdn.redoc.ly" in str(v)]
    page.csp_violations[:] = [v for v in page.csp_violations if v not in refused]
    # Chromium reports the refused request as attempted; it never reached the network.
    blocked = {v.get("blocked") for v in refused}
    foreign = [
        u for u in page.requests if not u.startswith(live_server.url) and not u.startswith(("data:", "blob:"))
    ]
    assert set(foreign) <= blocked
