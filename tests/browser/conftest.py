"""Browser journeys: Playwright (sync API) drives Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in this thread, which Django's async-safety guard would refuse, hence
DJANGO_ALLOW_ASYNC_UNSAFE. Screenshots go to var/screenshots/ so a person can look at what the browser saw.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("JINGZHI_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture(scope="session")
def chromium(browser_launch_args):
    if not Path(CHROMIUM).exists():
        if os.environ.get("JINGZHI_REQUIRE_BROWSER") in ("1", "true", "yes"):
            pytest.fail(f"JINGZHI_REQUIRE_BROWSER=1 but there is no browser at {CHROMIUM}")
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=browser_launch_args)
        yield browser
        browser.close()


# Runs in every page before its own scripts (Playwright injects it through the DevTools protocol, so the
# page's Content-Security-Policy does not apply to it) and reports each CSP violation to the test.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__jzCspViolation({directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
                           line: e.lineNumber, sample: e.sample, page: document.location.href});
});
"""


@pytest.fixture
def page_factory(chromium, live_server):
    """New pages at a given viewport; every request the page makes is recorded on `page.requests`.

    Every page is watched for Content-Security-Policy violations (the `securitypolicyviolation` event and
    Chromium's console report) and uncaught script errors: any of them fails the test at teardown, so a page
    that only works with inline script, or whose moved script broke, cannot pass. A test that provokes a
    violation on purpose empties `page.csp_violations` itself."""
    contexts = []
    pages = []

    def make(viewport=None, locale="zh-CN", **options):
        # `options` go to the browser context (has_touch=True, is_mobile=True: a touch phone).
        context = chromium.new_context(
            viewport=viewport or PHONE, locale=locale, base_url=live_server.url, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.requests = []
        page.csp_violations = []
        page.script_errors = []
        page.on("request", lambda request: page.requests.append(request.url))
        context.expose_binding("__jzCspViolation", lambda _source, report: page.csp_violations.append(report))
        context.add_init_script(_CSP_LISTENER)
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append({"console": message.text})
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: page.script_errors.append(str(error)))
        pages.append(page)
        return page

    yield make
    problems = []
    for page in pages:
        problems += [f"CSP violation: {v}" for v in page.csp_violations]
        problems += [f"script error: {e}" for e in page.script_errors]
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name, full_page=False):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def demo_city(transactional_db, settings, tmp_path):
    """The demo district, loaded the way `jingzhi demo` loads it."""
    from django.core.cache import cache

    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    cache.clear()
    result = build_demo(case_count=0)
    yield result
    cache.clear()


@pytest.fixture
def login():
    def go(page, username, password="jingzhi-demo"):
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button.primary")

    return go


def click_nav(page, key: str) -> None:
    """Click the header link `key`, opening 更多 first when a phone's short menu keeps it there."""
    link = page.locator(f'.site-nav [data-nav="{key}"]')
    if not link.is_visible():
        page.get_by_test_id("nav-more").click()
    link.click()
