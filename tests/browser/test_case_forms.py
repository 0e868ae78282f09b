"""The case page's forms in a real browser (issue 11 §3): the 立案 form's conditions follow the chosen
category (a condition of the old category cannot stay selected), Ctrl/⌘+Enter submits from a text area while
plain Enter adds a line, as the page's keyboard guide says; and a closed case says when handling was due and
whether it finished on time. Screenshots: var/screenshots/cases-file-form-desktop.png and
cases-closed-desktop.png."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 860}


def _two_categories():
    """Two active categories that each have filing conditions of their own."""
    from jingzhi.taxonomy.models import FilingCondition

    seen = []
    for condition in FilingCondition.objects.filter(is_active=True, category__is_active=True).order_by("id"):
        if condition.category_id not in seen:
            seen.append(condition.category_id)
        if len(seen) == 2:
            break
    from jingzhi.taxonomy.models import Category

    return Category.objects.get(pk=seen[0]), Category.objects.get(pk=seen[1])


def _spot():
    from jingzhi.geo.models import Grid

    grid = Grid.objects.filter(code__startswith="110199001001").order_by("code")[5]
    return (grid.min_lon + grid.max_lon) / 2, (grid.min_lat + grid.max_lat) / 2


def _staff(page_factory, login, username):
    page = page_factory(DESKTOP)
    login(page, username)
    page.wait_for_url(re.compile(r"/$"))
    return page


def _shown_condition_categories(form):
    return form.locator("select[name=filing_condition] option").evaluate_all(
        "os => os.filter(o => o.dataset.category && !o.hidden && !o.disabled).map(o => o.dataset.category)"
    )


def test_filing_conditions_follow_the_category_and_ctrl_enter_submits(
    page_factory, login, demo_city, live_server, shot
):
    from jingzhi.accounts.models import User
    from jingzhi.cases.actions import do_open_case, do_verify_case
    from jingzhi.cases.models import Case
    from jingzhi.taxonomy.models import FilingCondition

    first, second = _two_categories()
    lon, lat = _spot()
    case = do_open_case(
        actor=User.objects.get(username="inspector"),
        source="patrol",
        description="巡查发现问题",
        lon=lon,
        lat=lat,
        category=first,
    )
    case = do_verify_case(actor=User.objects.get(username="inspector"), case_id=case.pk, note="属实")
    assert case.state == "pending_filing"

    lead = _staff(page_factory, login, "shift_lead")
    lead.goto(f"/cases/{case.number}/")
    form = lead.get_by_test_id("action-file")
    assert "Enter" in lead.get_by_test_id("case-keyboard-hints").inner_text()
    assert "Ctrl" in lead.get_by_test_id("case-keyboard-hints").inner_text()
    # Only the case's own category's conditions are offered, its first one chosen.
    assert set(_shown_condition_categories(form)) == {str(first.pk)}
    assert form.get_by_test_id("filing-condition").input_value() != ""

    # Another category: the old condition is cleared and only the new category's conditions are offered.
    form.get_by_test_id("file-category").select_option(str(second.pk))
    assert form.get_by_test_id("filing-condition").input_value() == ""
    assert set(_shown_condition_categories(form)) == {str(second.pk)}
    wanted = (
        FilingCondition.objects.filter(category=second, is_active=True).order_by("sort_order", "id").first()
    )
    form.get_by_test_id("filing-condition").select_option(str(wanted.pk))
    shot(lead, "cases-file-form-desktop")

    # Plain Enter in the note adds a line; Ctrl+Enter submits the form.
    note = form.locator("textarea[name=note]")
    note.click()
    note.type("分类改正")
    note.press("Enter")
    note.type("按新分类立案")
    assert note.input_value() == "分类改正\n按新分类立案"
    assert Case.objects.get(pk=case.pk).state == "pending_filing"
    note.press("Control+Enter")
    lead.wait_for_selector(".messages")
    assert lead.get_by_test_id("case-state").inner_text() == "待派遣"
    case.refresh_from_db()
    assert case.category_id == second.pk and case.filing_condition_id == wanted.pk


def test_meta_enter_submits_a_text_area_too(page_factory, login, demo_city, live_server):
    from jingzhi.accounts.models import User
    from jingzhi.cases.actions import do_open_case

    lon, lat = _spot()
    case = do_open_case(
        actor=User.objects.get(username="resident"),
        source="resident_web",
        description="路边垃圾没人清",
        lon=lon,
        lat=lat,
    )
    op = _staff(page_factory, login, "operator")
    op.goto(f"/cases/{case.number}/")
    note = op.get_by_test_id("action-not_file").locator("textarea[name=note]")
    note.fill("重复上报")
    note.press("Meta+Enter")
    op.wait_for_selector(".messages")
    assert op.get_by_test_id("case-state").inner_text() == "不予立案"


def test_a_closed_case_says_when_handling_was_due_and_whether_on_time(
    page_factory, login, demo_city, live_server, shot
):
    from jingzhi.accounts.models import User
    from jingzhi.cases import actions

    users = {
        u.username: u for u in User.objects.filter(username__in=["inspector", "shift_lead", "dispatcher"])
    }
    lon, lat = _spot()
    case = actions.do_open_case(
        actor=users["inspector"], source="patrol", description="人行道上堆物堆料", lon=lon, lat=lat
    )
    actions.do_verify_case(actor=users["inspector"], case_id=case.pk, note="属实")
    actions.do_file_case(actor=users["shift_lead"], case_id=case.pk)
    case = actions.do_dispatch_case(actor=users["dispatcher"], case_id=case.pk)
    handler = User.objects.filter(
        role_assignments__department=case.lead_department, role_assignments__role="handler"
    ).first()
    actions.do_accept_case(actor=handler, case_id=case.pk)
    actions.do_feedback_case(actor=handler, case_id=case.pk, note="已清理")
    actions.do_check_pass_case(actor=users["inspector"], case_id=case.pk, note="核查属实")
    case = actions.do_close_case(actor=users["shift_lead"], case_id=case.pk, note="结案")
    assert case.state == "closed"

    lead = _staff(page_factory, login, "shift_lead")
    lead.goto(f"/cases/{case.number}/")
    due = lead.get_by_test_id("handle-deadline").inner_text()
    assert due.startswith("应于 ") and "前办结" in due and "按期办结" in due and "无时限" not in due
    shot(lead, "cases-closed-desktop", full_page=True)
