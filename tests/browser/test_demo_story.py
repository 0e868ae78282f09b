"""The operator's first look at the built demo (issue 11 §4): a short 待核实 queue, not hundreds of unverified
inspection findings, and a warning that one case can be taken by no one — followed to the case itself."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story_demo(transactional_db, settings, tmp_path):
    from django.core.cache import cache

    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    cache.clear()
    yield build_demo(case_count=40, street_months=0)
    cache.clear()


def test_the_operator_sees_a_short_verify_queue_and_the_case_no_one_can_take(
    page_factory, story_demo, login, shot
):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_factory(viewport=viewport)
        login(page, "operator")
        page.goto("/cases/")
        tab = page.get_by_test_id("tab-verify")
        count = int(re.sub(r"\D", "", tab.locator(".count").inner_text()))
        assert 1 <= count <= 10
        assert (
            page.locator('[data-testid="queue"][data-queue="verify"] [data-testid="case-row"]').count()
            == count
        )
        warning = page.get_by_test_id("no-taker-warning")
        assert warning.is_visible()
        assert "无人可接" in warning.inner_text()
        shot(page, f"demo-story-operator-verify-{name}")

        page.get_by_test_id("no-taker-response").click()
        page.wait_for_url(re.compile(r"queue=response.*taker=none"))
        rows = page.get_by_test_id("case-row")
        assert rows.count() == 1
        badge = rows.first.get_by_test_id("no-taker")
        assert badge.inner_text() == "无人可接"
        assert badge.get_attribute("title") == "无人可接：已派部门没有在岗的处置人员"
        shot(page, f"demo-story-operator-no-taker-{name}")

        rows.first.locator("a.case-no").click()
        notice = page.get_by_test_id("no-taker")
        assert notice.inner_text() == "无人可接：已派部门没有在岗的处置人员"
        assert "通信" in page.content()
        shot(page, f"demo-story-case-no-taker-{name}")
