"""Case handling in a real browser (JOURNEYS.md 1 and 2): a resident reports on a phone, staff verify, file,
dispatch (routing reason on screen), the department returns it once, is re-dispatched, handles it with an
after-photo, the inspector checks it, the resident rates it 满意; an overdue case shows red on the
workbench; a whistle summons two departments, one reports in on time and one late. Screenshots go to
var/screenshots/cases-*.png."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def city(transactional_db, settings, tmp_path):
    """The demo district without its generated case history (the journeys make their own cases)."""
    from django.core.cache import cache

    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield build_demo(case_count=0)
    cache.clear()


def _png() -> dict:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(buffer, format="PNG")
    return {"name": "photo.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def _spot():
    """The centre of a grid in the demo community 柳荫 (110199001001), where the inspector walks."""
    from jingzhi.geo.models import Grid

    grid = Grid.objects.filter(code__startswith="110199001001").order_by("code")[5]
    return (grid.min_lon + grid.max_lon) / 2, (grid.min_lat + grid.max_lat) / 2


def _staff(page_factory, login, username, viewport=DESKTOP):
    page = page_factory(viewport)
    login(page, username)
    page.wait_for_url(re.compile(r"/$"))
    return page


def _open(page, number):
    page.goto(f"/cases/{number}/")
    page.wait_for_selector("[data-testid=case-state]")


def _act(page, action, note=None, photo=False, shot=None):
    form = page.locator(f"[data-testid=action-{action}]")
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    if photo:
        form.locator("input[type=file]").set_input_files(_png())
        # The shared phone picker draws the chosen photo with a remove button before it is sent.
        form.locator("[data-testid=new-photo]").first.wait_for()
        if shot:
            shot(page, f"cases-{action}-photo-phone", full_page=True)
    form.locator(f"[data-testid=submit-{action}]").click()
    page.wait_for_selector(".messages")


def test_journey_1_a_resident_report_goes_round_the_loop_to_a_rating(
    page_factory, login, city, live_server, shot
):
    from jingzhi.cases.actions import do_open_case
    from jingzhi.cases.models import Case
    from jingzhi.core import clock

    lon, lat = _spot()
    # An old report nobody verified: its deadline passed long ago, so it must show red.
    from jingzhi.accounts.models import User

    old = do_open_case(
        actor=User.objects.get(username="inspector"),
        source="patrol",
        description="路灯不亮，已坏多日",
        lon=lon + 0.0004,
        lat=lat,
        reported_at=clock.now() - timedelta(days=10),
    )

    # 1. The resident reports on a phone: description, photo, location from the browser.
    page = page_factory(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 15})
    login(page, "resident")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/report/")
    page.fill("#id_description", "楼下有人乱堆杂物，堆物堆料占了人行道")
    page.set_input_files("#id_photos", _png())
    page.click("[data-testid=locate-me]")
    page.wait_for_function("() => document.getElementById('id_lon').value !== ''")
    page.wait_for_selector("[data-testid=suggestion]")
    assert "堆物堆料" in page.get_by_test_id("suggestion").inner_text()
    shot(page, "cases-report-phone", full_page=True)
    page.click("[data-testid=submit-report]")
    page.wait_for_url(re.compile(r"/my/reports/$"))
    case = Case.objects.filter(source="resident_web", reporter__username="resident").latest("pk")
    assert page.locator(f"[data-number='{case.number}']").is_visible()
    shot(page, "cases-my-reports-phone", full_page=True)

    # 2. The operator's workbench: the old report is red; j + Enter opens the most urgent row.
    op = _staff(page_factory, login, "operator")
    op.goto("/cases/")
    op.wait_for_selector("[data-testid=case-row]")
    # (the demo's own council patrol finding waits in the same queue, so rows are found by number)
    rows = op.locator("[data-testid=case-row]")
    assert rows.first.locator("a.case-no").inner_text() == old.number  # the most overdue comes first
    assert rows.first.locator(".light[data-level=red]").count() == 1
    assert op.get_by_test_id("keyboard-hints").is_visible()
    op.wait_for_selector(f"#map[data-case-markers='{rows.count()}']")
    shot(op, "cases-workbench-desktop")
    op.keyboard.press("j")
    op.keyboard.press("Enter")
    op.wait_for_url(re.compile(r"/cases/JZ\d+/$"))
    assert op.get_by_test_id("overdue-multiple").is_visible()
    _open(op, case.number)
    op.keyboard.press("1")  # 派核实 is the first action: its key focuses the form's button
    op.keyboard.press("Enter")
    op.wait_for_selector(".messages")
    assert op.get_by_test_id("case-state").inner_text() == "核实中"

    # 3. The inspector verifies on site with a photo; 4. the shift lead files it.
    ins = _staff(page_factory, login, "inspector", PHONE)
    _open(ins, case.number)
    _act(ins, "verify", "现场属实", photo=True)
    assert ins.get_by_test_id("case-state").inner_text() == "待立案"
    lead = _staff(page_factory, login, "shift_lead")
    _open(lead, case.number)
    _act(lead, "file")
    assert lead.get_by_test_id("case-state").inner_text() == "待派遣"

    # 5. The dispatcher sees why the responsibility list picks 城管执法, and dispatches.
    dis = _staff(page_factory, login, "dispatcher")
    _open(dis, case.number)
    assert "城管执法" in dis.get_by_test_id("route-preview").inner_text()
    _act(dis, "dispatch")
    assert "城管执法" in dis.get_by_test_id("routing-reason").inner_text()
    shot(dis, "cases-dispatched-desktop", full_page=True)

    # 6. The department returns it once (with a reason), is dispatched again, accepts and gives feedback.
    han = _staff(page_factory, login, "handler", PHONE)
    _open(han, case.number)
    # On a phone 接单 comes first and open; 退单 is one tap away.
    assert han.locator("form.action-form").first.get_attribute("data-action") == "accept"
    han.get_by_test_id("open-return").click()
    han.locator("[data-testid=action-return] [data-testid=submit-return]").click()  # no reason: refused
    assert han.locator("[data-testid=action-return] textarea:invalid").count() == 1
    _act(han, "return", "人行道占道应由街道先行劝导")
    assert han.get_by_test_id("case-state").inner_text() == "待派遣"
    _open(dis, case.number)
    _act(dis, "dispatch", "经核实属城管执法职责")
    _open(han, case.number)
    _act(han, "accept")
    # The handler's workbench holds only the department's queues, the case under 处置中.
    han.goto("/cases/")
    assert han.get_by_test_id("queue").get_attribute("data-queue") == "response"  # where a handler starts
    han.get_by_test_id("tab-handling").click()
    han.wait_for_selector("[data-testid=queue][data-queue=handling]")
    assert han.get_by_test_id("tab-verify").count() == 0 and han.get_by_test_id("tab-dispatch").count() == 0
    assert han.get_by_test_id("tab-response").count() == 1
    assert "1" in han.get_by_test_id("tab-handling").inner_text()
    assert case.number in han.get_by_test_id("queue").inner_text()
    shot(han, "cases-handler-workbench-phone", full_page=True)
    _open(han, case.number)
    _act(han, "feedback", "杂物已清走，恢复通行", photo=True, shot=shot)
    assert han.get_by_test_id("case-state").inner_text() == "待核查"
    shot(han, "cases-handler-phone", full_page=True)

    # 7. The inspector checks: passes.
    _open(ins, case.number)
    _act(ins, "check_pass", "现场已清理", photo=True)
    assert ins.get_by_test_id("case-state").inner_text() == "待回访"

    # 8. The resident rates 满意 on the phone: the case closes.
    page.goto("/my/reports/")
    page.click(f"[data-number='{case.number}'] [data-testid=rating-satisfied]")
    page.click(f"[data-number='{case.number}'] [data-testid=submit-rate]")
    page.wait_for_selector(".messages")
    page.goto(f"/cases/{case.number}/")
    assert page.get_by_test_id("state-words").inner_text() == "已办结"
    assert page.locator("[data-testid=photo-after]").count() >= 1
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "退单" not in timeline  # the office's internal traffic is not the resident's business
    shot(page, "cases-resident-closed-phone", full_page=True)
    case.refresh_from_db()
    assert case.state == "closed" and case.rating == "satisfied" and case.return_count == 1

    _open(dis, case.number)
    timeline = dis.get_by_test_id("timeline").inner_text()
    for step in ("上报", "派核实", "核实", "立案", "派遣", "退单", "响应", "处置反馈", "核查通过", "评价"):
        assert step in timeline
    shot(dis, "cases-timeline-desktop", full_page=True)


def test_journey_2_a_whistle_summons_two_departments_who_report_in_one_late(
    page_factory, login, city, live_server, shot
):
    from jingzhi.accounts.actions import do_assign_role, do_create_user
    from jingzhi.accounts.models import Department, User
    from jingzhi.cases.actions import do_open_case
    from jingzhi.cases.models import Whistle, WhistleSummons

    lon, lat = _spot()
    case = do_open_case(
        actor=User.objects.get(username="inspector"),
        source="inspector",
        description="自来水管爆裂，胡同积水严重",
        lon=lon,
        lat=lat,
    )
    water = Department.objects.get(code="110199-ZLS")
    plumber = do_create_user(
        actor=None, username="water_handler", password="jingzhi-demo", display_name="钱师傅"
    )
    do_assign_role(actor=None, user=plumber, role="handler", scope_kind="department", department=water)

    admin = _staff(page_factory, login, "subdistrict_admin")
    _open(admin, case.number)
    form = admin.get_by_test_id("whistle-form")
    form.locator("input[data-name='城管执法']").check()
    form.locator("input[data-name='自来水']").check()
    form.locator("textarea[name=note]").fill("水管爆裂，请立即到场")
    form.get_by_test_id("blow-whistle").click()
    admin.wait_for_selector(".messages")
    assert admin.locator("[data-testid=summons]").count() == 2

    # 城管执法 reports in from a phone, on time, with the browser's position.
    han = page_factory(PHONE)
    han.context.grant_permissions(["geolocation"])
    han.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 10})
    login(han, "handler")
    han.wait_for_url(re.compile(r"/$"))
    han.goto("/cases/")
    han.wait_for_selector("[data-testid=pending-summonses]")
    han.click("[data-testid=geo-button]")
    han.wait_for_function("() => document.querySelector('.geo-lon').value !== ''")
    han.click("[data-testid=report-in]")
    han.wait_for_selector(".messages")
    assert "按时报到" in han.locator(".messages").inner_text()

    # Forty minutes pass (the stored times move back: the live server's clock cannot be pinned from here).
    whistle = Whistle.objects.get()
    Whistle.objects.filter(pk=whistle.pk).update(blown_at=whistle.blown_at - timedelta(minutes=40))
    for summons in WhistleSummons.objects.filter(whistle=whistle):
        WhistleSummons.objects.filter(pk=summons.pk).update(
            report_deadline=summons.report_deadline - timedelta(minutes=40),
            reported_at=summons.reported_at - timedelta(minutes=40) if summons.reported_at else None,
        )

    # 自来水 is not on the case, but was summoned: the case link opens its report-in page.
    water_page = page_factory(PHONE)
    login(water_page, "water_handler")
    water_page.wait_for_url(re.compile(r"/$"))
    _open_summoned = f"/cases/{case.number}/"
    water_page.goto(_open_summoned)
    water_page.fill("input[name=place]", "胡同东口")
    water_page.click("[data-testid=report-in]")
    water_page.wait_for_selector(".messages")
    assert "迟到" in water_page.locator(".messages").inner_text()
    shot(water_page, "cases-report-in-phone", full_page=True)

    _open(admin, case.number)
    assert admin.locator("[data-testid=late]").count() == 1
    late_row = admin.locator("[data-testid=summons][data-department='自来水公司']")
    assert late_row.locator("[data-testid=late]").count() == 1
    late_row.locator("select[name=rating]").select_option("2")
    late_row.locator("button[type=submit]").click()
    admin.wait_for_selector(".messages")
    assert "2/5" in admin.locator("[data-testid=summons][data-department='自来水公司']").inner_text()
    timeline = admin.get_by_test_id("timeline").inner_text()
    assert "吹哨" in timeline and "部门报到" in timeline and "迟到" in timeline
    shot(admin, "cases-whistle-desktop", full_page=True)


def test_the_loop_help_page_shows_the_diagram_in_chinese(page_factory, city, shot):
    page = page_factory(DESKTOP)
    page.goto("/help/loop/")
    page.wait_for_selector("[data-testid=loop-diagram] svg")
    assert page.locator("[data-testid=loop-diagram] svg g[data-state]").count() == 13
    shot(page, "cases-help-loop-desktop", full_page=True)
