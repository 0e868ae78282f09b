"""民意立项 in a real browser, after issue 12's finishing: 王阿姨 finds the vote's notice in her inbox on her
phone and follows it to the vote page; the delivered project's public page shows its progress photos on a
phone; the office, at a desk, is told that an upheld objection means a re-vote rather than approval.
Screenshots: var/screenshots/projects-inbox-phone.png, projects-photos-phone.png,
projects-revote-desktop.png."""

from __future__ import annotations

import io
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_vote_notice_leads_the_resident_to_the_vote_page(page_factory, login, demo_city, shot):
    from jingzhi.projects.models import Project

    gate = Project.objects.get(title="甲8号院单元门禁")
    page = page_factory(PHONE, has_touch=True, is_mobile=True)
    login(page, "resident")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/inbox/")
    notice = page.get_by_test_id("notification").filter(has_text="民意立项表决开始：甲8号院单元门禁")
    assert notice.count() == 1
    _no_sideways_scroll(page)
    shot(page, "projects-inbox-phone", full_page=True)
    with page.expect_navigation():
        notice.locator("a.title").tap()
    page.wait_for_url(re.compile(rf"/projects/{gate.pk}/vote/$"))
    assert page.get_by_test_id("choice-full").count() == 1


def test_progress_photos_show_on_the_public_page_on_a_phone(
    page_factory, demo_city, shot, settings, tmp_path
):
    from PIL import Image

    from jingzhi.core.attachments import do_store_image
    from jingzhi.projects.models import Project

    settings.MEDIA_ROOT = tmp_path
    parking = Project.objects.get(title="背街停车自治管理")
    milestone = parking.milestones.order_by("id").first()
    for colour in ((70, 130, 180), (200, 160, 60)):
        buffer = io.BytesIO()
        Image.new("RGB", (640, 480), colour).save(buffer, format="JPEG")
        buffer.name = "progress.jpg"
        buffer.seek(0)
        do_store_image(actor=None, upload=buffer, owner=milestone, kind="progress")
    page = page_factory(PHONE, has_touch=True, is_mobile=True)  # not logged in: the public page
    page.goto(f"/projects/{parking.pk}/")
    thumbs = page.locator("#delivery .pj-thumbs img")
    assert thumbs.count() == 2
    thumbs.first.scroll_into_view_if_needed()
    assert page.evaluate(
        "Array.from(document.querySelectorAll('#delivery .pj-thumbs img')).every(i => i.naturalWidth > 0)"
    )
    _no_sideways_scroll(page)
    shot(page, "projects-photos-phone", full_page=True)


def test_the_office_is_told_an_upheld_objection_means_a_revote(page_factory, login, demo_city, shot):
    from jingzhi.projects.models import Project

    market = Project.objects.get(title="社区便民菜站")
    Project.objects.filter(pk=market.pk).update(rules={**market.rules, "revote_on_objection": True})
    objection = market.objections.get()
    page = page_factory(DESKTOP)
    login(page, "subdistrict_admin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/projects/{market.pk}/")
    page.fill(f"#pj-answer-{objection.pk}", "异议成立：菜站改到院外东侧。")
    page.check("#objections input[name=upheld]")
    with page.expect_navigation():
        page.get_by_test_id(f"answer-{objection.pk}").click()
    assert "须重新表决" in page.get_by_test_id("revote-required").inner_text()
    assert page.get_by_test_id("approve").count() == 0  # only the re-vote is offered
    shot(page, "projects-revote-desktop", full_page=True)
