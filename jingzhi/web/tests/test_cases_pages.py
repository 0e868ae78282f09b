"""The case pages: scoping (another department's case is not found), exactly the allowed actions as forms,
actions posted through the table (a forbidden one is a clear 403, a stale one a 409 with a reload link),
reporter data only for those who need it, a workbench whose query count does not grow with the queue, and
the resident's report, duplicates, my reports and rating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jingzhi.cases.testing import IN_SUB1, T0
from jingzhi.web.testing import page, png, report, to_handling

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------- scoping
def test_a_handler_of_another_department_gets_not_found_on_the_case_page(client, w):
    case = to_handling(w, report(w))
    assert page(client, w.p.handler, case).status_code == 200
    assert page(client, w.p.other_handler, case).status_code == 404


def test_a_missing_case_is_not_found_like_a_forbidden_one(client, w):
    client.force_login(w.p.operator)
    assert client.get(reverse("web:case_detail", args=["JZ2099010100001"])).status_code == 404
    assert client.get(reverse("web:case_detail", args=[999999])).status_code == 404


def test_the_case_page_opens_by_id_as_notifications_link_it(client, w):
    case = report(w)
    client.force_login(w.p.operator)
    response = client.get(reverse("web:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert case.number in response.content.decode()


# ---------------------------------------------------------------------------------------------------- actions
def test_the_operator_sees_exactly_the_allowed_actions_with_keyboard_hints(client, w):
    case = report(w)
    body = page(client, w.p.operator, case).content.decode()
    assert 'data-testid="action-verify_request"' in body
    assert 'data-testid="action-not_file"' in body
    assert 'data-testid="action-file"' not in body
    assert 'data-testid="action-dispatch"' not in body
    assert '<kbd title="快捷键">1</kbd> 派核实' in body
    assert "按数字键选择操作" in body


def test_the_primary_action_comes_first_and_every_action_folds_behind_its_title(client, w):
    case = to_handling(w, report(w))
    body = page(client, w.p.handler, case).content.decode()
    feedback = body.index('data-testid="action-feedback"')
    assert feedback < body.index('data-testid="action-return"')
    assert feedback < body.index('data-testid="action-request_extension"')
    assert body.count("data-primary") == 1
    assert body.index("data-primary") > feedback and body.index("data-primary") < body.index(
        'data-testid="action-return"'
    )
    assert body.count('class="action-fold" open') == body.count('class="action-form')
    assert '<kbd title="快捷键">1</kbd> 处置反馈' in body
    assert "web/case_actions.js" in body


def test_posting_an_allowed_action_moves_the_case_and_shows_it_on_the_timeline(client, w):
    case = report(w)
    client.force_login(w.p.operator)
    response = client.post(
        reverse("web:case_act", args=[case.number, "verify_request"]),
        {"expected_version": case.version, "note": "请赵磊核实"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "verifying"
    body = client.get(reverse("web:case_detail", args=[case.number])).content.decode()
    assert "请赵磊核实" in body and "待核实 → 核实中" in body


def test_a_forbidden_action_is_a_clear_403_naming_what_is_allowed_not_a_500(client, w):
    case = report(w)
    client.force_login(w.p.operator)
    response = client.post(
        reverse("web:case_act", args=[case.number, "file"]), {"expected_version": case.version}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "不能“立案”" in body and "派核实" in body
    case.refresh_from_db()
    assert case.state == "reported"


def test_an_unknown_action_is_a_clear_400(client, w):
    case = report(w)
    client.force_login(w.p.operator)
    response = client.post(reverse("web:case_act", args=[case.number, "explode"]), {})
    assert response.status_code == 400
    assert "未知的案件操作" in response.content.decode()


def test_a_stale_version_says_someone_else_acted_and_offers_a_reload(client, w):
    case = report(w)
    client.force_login(w.p.operator)
    stale = case.version
    from jingzhi.cases.actions import do_request_verification

    do_request_verification(actor=w.p.operator, case_id=case.pk)
    response = client.post(
        reverse("web:case_act", args=[case.number, "not_file"]), {"expected_version": stale, "note": "重复"}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "该案件已被他人处理，请刷新后重试" in body
    assert 'data-testid="reload"' in body


def test_a_return_without_a_reason_is_refused_on_its_form(client, w):
    case = to_handling(w, report(w))
    client.force_login(w.p.handler)
    response = client.post(
        reverse("web:case_act", args=[case.number, "return"]), {"expected_version": case.version, "note": " "}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "须填写理由" in body
    assert 'class="action-form has-error"' in body


def test_dispatch_shows_the_routing_reason_before_and_after(client, w):
    from jingzhi.cases import actions

    case = report(w)
    actions.do_verify_case(actor=w.p.inspector, case_id=case.pk)
    case = actions.do_file_case(actor=w.p.shift_lead, case_id=case.pk, filing_condition=w.t.condition.pk)
    body = page(client, w.p.dispatcher, case).content.decode()
    assert 'data-testid="route-preview"' in body and "市政市容委" in body
    response = client.post(
        reverse("web:case_act", args=[case.number, "dispatch"]),
        {"expected_version": case.version, "mode": "auto"},
    )
    assert response.status_code == 302
    body = client.get(reverse("web:case_detail", args=[case.number])).content.decode()
    assert 'data-testid="routing-reason"' in body
    case.refresh_from_db()
    assert case.state == "pending_response" and case.routing["reason"] in body


def test_manual_dispatch_to_several_departments_needs_a_lead(client, w):
    from jingzhi.cases import actions

    case = report(w)
    actions.do_verify_case(actor=w.p.inspector, case_id=case.pk)
    case = actions.do_file_case(actor=w.p.shift_lead, case_id=case.pk)
    client.force_login(w.p.dispatcher)
    url = reverse("web:case_act", args=[case.number, "dispatch"])
    response = client.post(
        url, {"expected_version": case.version, "mode": "manual", "departments": [w.p.szsr.pk, w.p.zls.pk]}
    )
    assert response.status_code == 400 and "须指定牵头部门" in response.content.decode()
    response = client.post(
        url,
        {
            "expected_version": case.version,
            "mode": "manual",
            "departments": [w.p.szsr.pk, w.p.zls.pk],
            "lead": w.p.zls.pk,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.lead_department_id == w.p.zls.pk


def test_feedback_with_an_after_photo_shows_its_thumbnail(client, w):
    case = to_handling(w, report(w))
    client.force_login(w.p.handler)
    response = client.post(
        reverse("web:case_act", args=[case.number, "feedback"]),
        {"expected_version": case.version, "note": "已补装井盖", "photos": [png()]},
    )
    assert response.status_code == 302
    body = client.get(reverse("web:case_detail", args=[case.number])).content.decode()
    assert 'data-testid="photo-after"' in body
    src = body.split('data-testid="photo-after"')[0].rsplit('src="', 1)[1].split('"')[0]
    assert client.get(src).status_code == 200


def test_an_action_that_takes_photos_offers_the_phone_picker_with_its_own_input(client, w):
    case = to_handling(w, report(w))
    client.force_login(w.p.handler)
    body = client.get(reverse("web:case_detail", args=[case.number])).content.decode()
    form = body.split('data-testid="submit-feedback"')[0].rsplit("<form", 1)[1]
    # The shared picker (camera or gallery, previews, remove), one input id per action form on the page.
    assert 'id="photos-feedback"' in form and 'data-previews="photos-feedback-previews"' in form
    assert 'data-testid="photo-add"' in form and "capture" not in form
    assert body.count(' id="photos-feedback"') == 1 and "web/photos.js" in body


def test_a_file_that_is_not_an_image_is_refused_with_its_name(client, w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = to_handling(w, report(w))
    client.force_login(w.p.handler)
    bad = SimpleUploadedFile("报告.png", b"not an image at all", content_type="image/png")
    response = client.post(
        reverse("web:case_act", args=[case.number, "feedback"]),
        {"expected_version": case.version, "note": "已补装", "photos": [bad]},
    )
    assert response.status_code == 400
    assert "报告.png" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "handling"


# ---------------------------------------------------------------------------------------------------- reporter data
def test_reporter_name_and_phone_show_to_the_staff_working_the_case(client, w):
    case = report(w, reporter_phone="13911112222")
    body = page(client, w.p.operator, case).content.decode()
    assert "13911112222" in body


def test_reporter_name_and_phone_never_show_to_another_resident_who_follows_the_case(client, w):
    from jingzhi.cases.actions import do_follow_case

    case = report(w, reporter_phone="13911112222")
    do_follow_case(actor=w.p.other_resident, case_id=case.pk)
    response = page(client, w.p.other_resident, case)
    body = response.content.decode()
    assert response.status_code == 200
    assert "13911112222" not in body and ">wang<" not in body
    assert 'data-testid="state-words"' in body  # the resident's page, in plain words
    assert "action-verify_request" not in body


def test_duplicate_suggestions_show_no_reporter_data(client, w):
    report(w, reporter_name="王阿姨本名", reporter_phone="13911112222")
    client.force_login(w.p.other_resident)
    response = client.get(
        reverse("web:case_report_assist"), {"description": "井盖丢了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    )
    body = response.content.decode()
    assert "公用设施 › 上水井盖" in body
    assert 'data-testid="follow-duplicate"' in body
    assert "王阿姨本名" not in body and "13911112222" not in body


# ---------------------------------------------------------------------------------------------------- workbench
def _workbench_queries(client, user, queue):
    client.force_login(user)
    client.get(reverse("web:cases_workbench"), {"queue": queue})  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("web:cases_workbench"), {"queue": queue})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_workbench_query_count_does_not_grow_with_the_queue(client, w):
    for _ in range(2):
        report(w)
    few, body = _workbench_queries(client, w.p.operator, "verify")
    assert body.count('data-testid="case-row"') == 2
    for _ in range(10):
        report(w)
    many, body = _workbench_queries(client, w.p.operator, "verify")
    assert body.count('data-testid="case-row"') == 12
    assert many == few
    # the budget: session, user, roles; the queue counts (on PostgreSQL inside a savepoint with two SET LOCAL);
    # the page of rows (on PostgreSQL inside a savepoint with SET LOCAL join_collapse_limit), the no-taker
    # flags of its rows; filters' places; the header's links — every app's memberships in one statement —
    # and the inbox badge. 25 on SQLite, 32 on PostgreSQL (the four EXISTS of the header are one statement now).
    assert many <= 32


def _page_queries(client, user, url):
    client.force_login(user)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_workbench_rows_and_category_filter_keep_their_links_and_labels(client, w):
    case = report(w)
    _n, body = _workbench_queries(client, w.p.operator, "verify")
    link = reverse("web:case_detail", args=[case.number])
    assert f'data-href="{link}"' in body and f'<a href="{link}" class="case-no">{case.number}</a>' in body
    category = w.t.cover
    expected = f'<option value="{category.pk}">{category.get_kind_display()} · {category.path_name}</option>'
    assert expected in body
    chosen = client.get(reverse("web:cases_workbench"), {"queue": "verify", "category": category.pk})
    assert f'<option value="{category.pk}" selected>' in chosen.content.decode()


def test_case_page_query_count_does_not_grow_with_the_timeline(client, w):
    from jingzhi.cases import actions

    short = to_handling(w, report(w))
    long = report(w)
    p = w.p
    actions.do_verify_case(actor=p.inspector, case_id=long.pk, note="属实")
    actions.do_file_case(actor=p.shift_lead, case_id=long.pk, filing_condition=w.t.condition.pk)
    for _ in range(3):  # dispatched and returned three times: more events and assignments
        actions.do_dispatch_case(actor=p.dispatcher, case_id=long.pk)
        actions.do_return_case(actor=p.handler, case_id=long.pk, reason="不属于本部门")
    actions.do_dispatch_case(actor=p.dispatcher, case_id=long.pk)
    long = actions.do_accept_case(actor=p.handler, case_id=long.pk)
    few, body = _page_queries(client, p.handler, reverse("web:case_detail", args=[short.number]))
    many, long_body = _page_queries(client, p.handler, reverse("web:case_detail", args=[long.number]))
    assert long_body.count('<li data-action="return">') == 3 and '<li data-action="return">' not in body
    assert many == few
    # session, user, roles; the case (a savepoint with SET LOCAL on PostgreSQL) and its assignments; the
    # timeline and its photos; routing rules; assignments; whistles; supervisions; a pending extension; the
    # header's memberships and the inbox badge.
    assert many <= 18


def test_the_timeline_shows_each_moment_and_fact_as_the_template_filters_did():
    """The case page's timeline takes its times and facts from the view (issue 16: the template's date filter
    and its lookups of missing facts were most of the timeline's rendering): the same text as before."""
    from datetime import UTC, datetime

    from django.template import engines

    from jingzhi.web.casepages.detail import _Facts, _when

    template = engines["django"].from_string('{{ d|date:"m-d H:i" }}')
    for moment in (
        datetime(2026, 12, 31, 16, 0, 1, tzinfo=UTC),  # the next day (and year) in Beijing
        datetime(2026, 3, 8, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    ):
        assert _when(moment) == template.render({"d": moment})
    facts = engines["django"].from_string(
        "{% if f.days %}{{ f.days }}{% endif %}|{% if f.minutes is not None %}{{ f.minutes }}{% endif %}"
    )
    assert facts.render({"f": _Facts({"days": 3, "minutes": 0})}) == "3|0"
    assert facts.render({"f": _Facts({})}) == facts.render({"f": {}}) == "|"


def test_my_reports_query_count_does_not_grow_with_the_reports_and_links_each(client, w):
    from jingzhi.cases import actions

    first = report(w)
    few, body = _page_queries(client, w.p.resident, reverse("web:my_reports"))
    assert body.count('data-testid="my-report"') == 1
    for _ in range(4):
        report(w)
    done = to_handling(w, report(w))
    actions.do_feedback_case(actor=w.p.handler, case_id=done.pk, note="已补装")
    done = actions.do_check_pass_case(actor=w.p.inspector, case_id=done.pk)
    many, body = _page_queries(client, w.p.resident, reverse("web:my_reports"))
    assert body.count('data-testid="my-report"') == 6
    assert many == few
    # session, user, the count and the page, roles, the header's memberships, the inbox badge
    assert many == 7
    assert f'<a href="{reverse("web:case_detail", args=[first.number])}" class="title">' in body
    assert f'action="{reverse("web:case_act", args=[done.number, "rate"])}"' in body
    assert 'data-testid="rating-satisfied"' in body and "满意" in body


def test_my_reports_cards_keep_the_markup_the_template_gave_them(client, w):
    """Issue 16: the cards are built in the view (`resident._report_heads`); each one is exactly what the
    template's lookups and filters gave — here a followed, rated case with a long description to escape and
    cut, and a short one of the resident's own."""
    from django.template import Context, Template

    from jingzhi.cases import actions

    mine = report(w, description="短")
    case = to_handling(
        w, report(w, actor=w.p.other_resident, description='井盖<没了> & "危险"' + "，很危险" * 12)
    )
    actions.do_follow_case(actor=w.p.resident, case_id=case.pk)
    actions.do_feedback_case(actor=w.p.handler, case_id=case.pk, note="已补装")
    case = actions.do_check_pass_case(actor=w.p.inspector, case_id=case.pk)
    case = actions.do_rate_case(actor=w.p.other_resident, case_id=case.pk, rating="basic")
    _n, body = _page_queries(client, w.p.resident, reverse("web:my_reports"))
    # The card as `my_reports.html` wrote it before (issue 16).
    card = Template(
        '{% load i18n %}  <li class="card" data-testid="my-report" data-number="{{ r.case.number }}">\n'
        '    <a href="{{ r.url }}" class="title">{{ r.case.description|truncatechars:40 }}</a>\n'
        '    <p class="state-words">{{ r.words }}</p>\n'
        '    <p class="muted">{{ r.case.number }} · {{ r.case.reported_at|date:"Y-m-d H:i" }}{% if not r.mine %}'
        ' · {% translate "我关注的" %}{% endif %}{% if r.case.rating %} · {% translate "已评价" %}'
        '{% translate "：" %}{{ r.case.get_rating_display }}{% endif %}</p>\n'
    )
    for one, words in ((case, "已办结"), (mine, "已收到，等待现场核实")):
        url = reverse("web:case_detail", args=[one.number])
        row = {"case": one, "url": url, "words": words, "mine": one.reporter_id == w.p.resident.pk}
        assert card.render(Context({"r": row})) in body
    assert "&lt;没了&gt; &amp; &quot;危险&quot;，很危险" in body and "我关注的 · 已评价：基本满意" in body


def test_workbench_shows_counts_keyboard_hints_and_map_points(client, w):
    report(w)
    _n, body = _workbench_queries(client, w.p.operator, "verify")
    assert 'data-testid="keyboard-hints"' in body and "<kbd>j</kbd>" in body
    assert 'data-testid="tab-verify"' in body and '待核实 <span class="count">1</span>' in body
    assert 'id="case-points"' in body and '"level": "green"' in body


def test_an_overdue_case_shows_red_with_its_overdue_multiple(client, w, clock_at):
    case = report(w)
    clock_at(T0 + timedelta(days=3))
    _n, body = _workbench_queries(client, w.p.operator, "verify")
    assert 'data-level="red"' in body and "超时" in body
    body = page(client, w.p.operator, case).content.decode()
    assert 'data-testid="overdue-multiple"' in body


def test_workbench_filters_answer_htmx_with_only_the_panel(client, w):
    report(w)
    report(w, description="路灯不亮了，晚上很黑")
    client.force_login(w.p.operator)
    response = client.get(
        reverse("web:cases_workbench"),
        {"queue": "verify", "q": "路灯"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="queue-panel",
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.count('data-testid="case-row"') == 1 and "路灯" in body


def test_residents_do_not_get_the_workbench(client, w):
    client.force_login(w.p.resident)
    assert client.get(reverse("web:cases_workbench")).status_code == 403


def test_a_handler_starts_on_the_response_queue_of_their_department_only(client, w):
    from jingzhi.cases import actions

    case = report(w)
    actions.do_verify_case(actor=w.p.inspector, case_id=case.pk)
    actions.do_file_case(actor=w.p.shift_lead, case_id=case.pk)
    actions.do_dispatch_case(actor=w.p.dispatcher, case_id=case.pk)
    client.force_login(w.p.handler)
    body = client.get(reverse("web:cases_workbench")).content.decode()
    assert 'data-queue="response"' in body and case.number in body
    client.force_login(w.p.other_handler)
    assert case.number not in client.get(reverse("web:cases_workbench")).content.decode()


# ---------------------------------------------------------------------------------------------------- residents
def test_a_resident_reports_with_a_photo_and_a_location(client, w):
    client.force_login(w.p.resident)
    form = client.get(reverse("web:case_report")).content.decode()
    # No capture attribute: a phone then offers both the camera and the gallery (issue 11).
    assert 'accept="image/*"' in form and "capture" not in form and 'data-testid="photo-add"' in form
    response = client.post(
        reverse("web:case_report"),
        {
            "description": "井盖没了，很危险",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "location_source": "map",
            "idempotency_key": "k1",
            "photos": [png()],
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:my_reports")
    from jingzhi.cases.models import Case

    case = Case.objects.get()
    assert case.source == "resident_web" and case.reporter_id == w.p.resident.pk
    # The same submission again (a double tap) creates nothing new.
    client.post(
        reverse("web:case_report"),
        {
            "description": "井盖没了，很危险",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "location_source": "map",
            "idempotency_key": "k1",
        },
    )
    assert Case.objects.count() == 1
    body = client.get(reverse("web:my_reports")).content.decode()
    assert case.number in body and "已收到，等待现场核实" in body


def test_a_report_outside_every_grid_says_so_in_chinese(client, w):
    client.force_login(w.p.resident)
    response = client.post(
        reverse("web:case_report"),
        {"description": "井盖没了", "lon": 116.5, "lat": 39.95, "location_source": "map"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "不在本区的管辖范围内" in body and "经度" not in body and "经纬度" not in body


def test_following_a_duplicate_instead_of_filing(client, w):
    original = report(w)
    client.force_login(w.p.other_resident)
    response = client.post(
        reverse("web:case_report"),
        {
            "description": "井盖丢了",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "location_source": "gps",
            "duplicate_of": original.pk,
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("web:my_reports")).content.decode()
    assert original.number in body and "我关注的" in body


def test_the_reporter_rates_from_my_reports_and_may_reopen_once_when_dissatisfied(client, w):
    from jingzhi.cases import actions

    case = to_handling(w, report(w))
    actions.do_feedback_case(actor=w.p.handler, case_id=case.pk, note="已补装")
    case = actions.do_check_pass_case(actor=w.p.inspector, case_id=case.pk)
    client.force_login(w.p.resident)
    body = client.get(reverse("web:my_reports")).content.decode()
    assert 'data-testid="rate-form"' in body
    response = client.post(
        reverse("web:case_act", args=[case.number, "rate"]),
        {"expected_version": case.version, "rating": "dissatisfied", "next": reverse("web:my_reports")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:my_reports")
    case.refresh_from_db()
    assert case.state == "closed" and case.rating == "dissatisfied"
    body = client.get(reverse("web:case_detail", args=[case.number])).content.decode()
    assert 'data-testid="reopen-form"' in body and 'data-testid="rate-form"' not in body
    client.post(
        reverse("web:case_act", args=[case.number, "reopen"]),
        {"expected_version": case.version, "note": "井盖又松了"},
    )
    case.refresh_from_db()
    assert case.state == "pending_dispatch"


def test_someone_who_is_not_the_reporter_cannot_rate(client, w):
    from jingzhi.cases import actions

    case = to_handling(w, report(w))
    actions.do_feedback_case(actor=w.p.handler, case_id=case.pk, note="已补装")
    case = actions.do_check_pass_case(actor=w.p.inspector, case_id=case.pk)
    client.force_login(w.p.operator)
    response = client.post(
        reverse("web:case_act", args=[case.number, "rate"]),
        {"expected_version": case.version, "rating": "satisfied"},
    )
    assert response.status_code == 403
    assert "上报人" in response.content.decode()


# ---------------------------------------------------------------------------------------------------- whistle
def test_whistle_report_in_and_rating_through_the_pages(client, w, clock_at):
    case = to_handling(w, report(w))
    body = page(client, w.p.sub_admin, case).content.decode()
    assert 'data-testid="whistle-form"' in body
    response = client.post(
        reverse("web:case_whistle", args=[case.number]),
        {"departments": [w.p.szsr.pk, w.p.zls.pk], "limit_minutes": "30", "note": "水管爆裂"},
    )
    assert response.status_code == 302
    from jingzhi.cases.models import WhistleSummons

    szsr = WhistleSummons.objects.get(department=w.p.szsr)
    zls = WhistleSummons.objects.get(department=w.p.zls)
    clock_at(T0 + timedelta(minutes=10))
    client.force_login(w.p.handler)
    assert 'data-testid="report-in-form"' in client.get(reverse("web:cases_workbench")).content.decode()
    client.post(reverse("web:case_report_in", args=[szsr.pk]), {"place": "槐柏树胡同口"})
    # 自来水 is not on the case, but it was summoned: its page shows where to go and the report-in.
    clock_at(T0 + timedelta(minutes=41))
    summoned = page(client, w.p.other_handler, case)
    assert summoned.status_code == 200 and 'data-testid="report-in-form"' in summoned.content.decode()
    client.post(reverse("web:case_report_in", args=[zls.pk]), {"lon": IN_SUB1[0], "lat": IN_SUB1[1]})
    szsr.refresh_from_db()
    zls.refresh_from_db()
    assert szsr.reported_at and not szsr.is_late
    assert zls.reported_at and zls.is_late
    body = page(client, w.p.sub_admin, case).content.decode()
    assert body.count('data-testid="late"') == 1
    assert body.count('data-testid="rate-whistle"') == 2
    client.post(reverse("web:case_rate_whistle", args=[zls.pk]), {"rating": "3", "comment": "迟到"})
    zls.refresh_from_db()
    assert zls.rating == 3


def test_a_department_that_was_not_summoned_still_gets_not_found(client, w):
    case = to_handling(w, report(w))
    from jingzhi.cases.actions import do_blow_whistle

    do_blow_whistle(actor=w.p.sub_admin, case_ids=[case.pk], department_ids=[w.p.szsr.pk])
    assert page(client, w.p.other_handler, case).status_code == 404


# ---------------------------------------------------------------------------------------------------- help
def test_the_help_page_draws_the_loop_from_the_table_with_a_legend(client, db):
    body = client.get(reverse("web:loop_help")).content.decode()
    assert "<svg" in body and "案件办理流程" in body
    assert 'data-testid="state-legend"' in body and "待核实" in body
    assert 'data-testid="action-legend"' in body and "退单" in body and "处置部门" in body


# ---------------------------------------------------------------------------------------------------- filing
def _second_category(w):
    """A category beside 上水井盖 with a condition of its own (the 立案 form offers both)."""
    from jingzhi.taxonomy import actions
    from jingzhi.taxonomy.limits import TimeLimit

    lamp = actions.do_create_category(
        actor=None, kind="component", code="0102", name="路灯", parent=w.t.public
    )
    condition = actions.do_save_filing_condition(
        actor=None, category=lamp, text="灯不亮", limit=TimeLimit(2, "working_days")
    )
    return lamp, condition


def _to_filing(w):
    from jingzhi.cases import actions

    case = report(w, category=w.t.cover)
    return actions.do_verify_case(actor=w.p.inspector, case_id=case.pk, note="属实")


def test_the_filing_form_offers_each_categorys_conditions_tagged_with_their_category(client, w):
    lamp, lamp_condition = _second_category(w)
    case = _to_filing(w)
    body = page(client, w.p.shift_lead, case).content.decode()
    assert f'<option value="{w.t.condition.pk}" data-category="{w.t.cover.pk}" selected>' in body
    assert f'<option value="{lamp_condition.pk}" data-category="{lamp.pk}">' in body
    assert f'data-current="{w.t.cover.pk}"' in body


def test_filing_with_another_categorys_condition_is_refused_and_the_form_keeps_the_choice(client, w):
    lamp, lamp_condition = _second_category(w)
    case = _to_filing(w)
    client.force_login(w.p.shift_lead)
    response = client.post(
        reverse("web:case_act", args=[case.number, "file"]),
        {"expected_version": case.version, "category": lamp.pk, "filing_condition": w.t.condition.pk},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "所选立案条件不属于分类“路灯”或已停用" in body
    # The re-rendered form shows what was posted, not the case's old category and condition.
    assert f'<option value="{lamp.pk}" selected>' in body
    assert f'<option value="{w.t.condition.pk}" data-category="{w.t.cover.pk}" selected>' in body
    case.refresh_from_db()
    assert case.state == "pending_filing" and case.category_id == w.t.cover.pk
    # The right pair files under the new category.
    response = client.post(
        reverse("web:case_act", args=[case.number, "file"]),
        {"expected_version": case.version, "category": lamp.pk, "filing_condition": lamp_condition.pk},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "pending_dispatch" and case.filing_condition_id == lamp_condition.pk


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_a_malformed_filing_condition_is_refused_naming_the_field(client, w):
    case = _to_filing(w)
    client.force_login(w.p.shift_lead)
    response = client.post(
        reverse("web:case_act", args=[case.number, "file"]),
        # The real condition's id in full-width digits: int() would take it, parse_id does not.
        {"expected_version": case.version, "filing_condition": str(w.t.condition.pk).translate(_FULL_WIDTH)},
    )
    assert response.status_code == 400 and "立案条件" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "pending_filing"


# ---------------------------------------------------------------------------------------------------- closed
def _close(w, case):
    from jingzhi.cases import actions

    actions.do_feedback_case(actor=w.p.handler, case_id=case.pk, note="已补装")
    actions.do_check_pass_case(actor=w.p.inspector, case_id=case.pk)
    return actions.do_rate_case(actor=w.p.resident, case_id=case.pk, rating="satisfied")


def test_a_case_closed_on_time_says_when_handling_was_due_and_that_it_was_on_time(client, w):
    case = _close(w, to_handling(w, report(w)))
    body = page(client, w.p.operator, case).content.decode()
    due = timezone.localtime(case.handle_deadline).strftime("%Y-%m-%d %H:%M")
    assert f"应于 {due} 前办结" in body and "按期办结" in body
    assert "超期" not in body


def test_a_case_closed_late_says_by_how_much(client, w, clock_at):
    case = to_handling(w, report(w))
    clock_at(T0 + timedelta(days=30))
    case = _close(w, case)
    body = page(client, w.p.operator, case).content.decode()
    assert 'data-testid="handle-outcome">超期' in body and "按期办结" not in body


# ---------------------------------------------------------------------------------------------------- search
def _search(client, user, q, **extra):
    client.force_login(user)
    params = {"queue": "verify", "q": q, **extra}
    client.get(reverse("web:cases_workbench"), params)  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("web:cases_workbench"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_workbench_search_finds_cases_in_every_queue_and_names_each_hit_tab(client, w):
    waiting = report(w, description="井盖松动，车过哐哐响")
    handled = to_handling(w, report(w, description="井盖缺失，很危险"))
    other = report(w, description="路灯不亮了")
    _n, body = _search(client, w.p.operator, "井盖")
    assert 'data-testid="search-note"' in body and 'data-queue="search"' in body
    assert body.count('data-testid="case-row"') == 2
    assert waiting.number in body and handled.number in body and other.number not in body
    assert 'data-testid="hit-tab-verify"' in body and 'data-testid="hit-tab-handling"' in body
    # Without a search term the tab is the tab.
    _n, body = _workbench_queries(client, w.p.operator, "verify")
    assert handled.number not in body and 'data-testid="search-note"' not in body


def test_workbench_search_labels_an_overdue_case_with_its_queue_and_supervision(client, w, clock_at):
    case = report(w, description="井盖松动")
    clock_at(T0 + timedelta(days=3))
    _n, body = _search(client, w.p.operator, case.number)
    assert 'data-testid="hit-tab-verify"' in body and 'data-testid="hit-tab-supervision"' in body


def test_workbench_search_is_scoped_like_the_queues(client, w):
    mine = to_handling(w, report(w, description="井盖缺失"))
    reported = report(w, description="井盖松动")
    _n, body = _search(client, w.p.handler, "井盖")
    assert mine.number in body and reported.number not in body
    assert 'data-testid="hit-tab-handling"' in body and "hit-tab-verify" not in body
    _n, body = _search(client, w.p.other_handler, "井盖")
    assert mine.number not in body and reported.number not in body
    assert "你能看到的队列中没有符合的案件。" in body


def test_workbench_search_query_count_does_not_grow_with_the_hits(client, w):
    report(w, description="井盖松动")
    to_handling(w, report(w, description="井盖缺失"))
    few, body = _search(client, w.p.operator, "井盖")
    assert body.count('data-testid="case-row"') == 2
    for _ in range(5):
        report(w, description="井盖又坏了")
    for _ in range(3):
        to_handling(w, report(w, description="井盖不见了"))
    many, body = _search(client, w.p.operator, "井盖")
    assert body.count('data-testid="case-row"') == 10
    assert many == few
    hfew, _body = _search(client, w.p.handler, "井盖")
    to_handling(w, report(w, description="井盖碎了"))
    hmany, body = _search(client, w.p.handler, "井盖")
    assert hmany == hfew and body.count('data-testid="case-row"') == 5
