"""The 每月一题 and 治理类街乡 pages of 考核: a month's candidates for next month's topic (confirm or dismiss),
a confirmed topic's tracking, a quarter's focus list and one focus subdistrict's improvement plan.

Views are thin: reads go through `assessment.queries` (scoped to the reader), writes through
`assessment.actions`; an `ApplicationError` becomes the page again with the message and a 4xx (a NotFound a
404, the same for another subdistrict's plan as for a missing one), never a 500.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhi.core.errors import ApplicationError, NotFound
from jingzhi.web import charts


def _q():
    from jingzhi.assessment import queries

    return queries


def _problem(request, exc: ApplicationError):
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    return render(request, "web/assessment/problem.html", {"message": exc.message}, status=exc.status)


# ------------------------------------------------------------------------------------------------ 每月一题
@login_required
@require_http_methods(["GET", "POST"])
def topics(request):
    from jingzhi.assessment import actions, permissions, topic_rules

    queries = _q()
    if not permissions.can_view_assessment(request.user):
        raise Http404()
    data = request.POST if request.method == "POST" else request.GET
    month = (data.get("month") or "").strip() or queries.default_month()
    district = (data.get("district") or "").strip()
    error, status = "", 200
    if request.method == "POST":
        dimension, _sep, key = (request.POST.get("candidate") or "").partition("|")
        try:
            if request.POST.get("do") == "dismiss":
                actions.do_dismiss_topic(
                    actor=request.user,
                    district_code=district,
                    source_month=month,
                    dimension=dimension,
                    key=key,
                    note=request.POST.get("note", ""),
                )
            else:
                actions.do_confirm_topic(
                    actor=request.user,
                    district_code=district,
                    source_month=month,
                    dimension=dimension,
                    key=key,
                    title=request.POST.get("title", ""),
                    note=request.POST.get("note", ""),
                )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(
                reverse("web:assessment_topics") + "?" + urlencode({"month": month, "district": district})
            )
    if not month:
        return render(request, "web/assessment/topics.html", {"month": ""})
    try:
        board = queries.topic_board(request.user, month, district)
    except ApplicationError as exc:
        return _problem(request, exc)
    months = sorted(set(queries.problem_months()) | set(queries.months_filled()), reverse=True)
    return render(
        request,
        "web/assessment/topics.html",
        {
            "month": month,
            "months": months,
            "board": board,
            "districts": queries.topic_districts(request.user),
            "dimensions": topic_rules.DIMENSIONS,
            "recent": list(queries.topics_visible(request.user)[:12]),
            "error": error,
            "posted": request.POST if error else None,
        },
        status=status,
    )


@login_required
@require_GET
def topic(request, topic_id: int):
    from jingzhi.assessment import topic_rules

    try:
        got = _q().topic_tracking(request.user, topic_id)
    except ApplicationError as exc:
        return _problem(request, exc)
    chart = None
    if got.trend:
        chart = charts.chart(
            "ColumnChart",
            [
                {"name": _("案件数"), "data": [(m, n) for m, n, _c in got.trend]},
                {"name": _("已结案"), "data": [(m, c) for m, _n, c in got.trend]},
            ],
            height="220px",
            loading=_("图表加载中…"),
        )
    records = []
    for row in got.records:
        link = row.get("link")
        try:
            url = reverse(link[0], args=link[1]) if link else ""
        except Exception:  # noqa: BLE001 - a source naming a page this build lacks shows no link
            url = ""
        records.append({**row, "url": url})
    return render(
        request,
        "web/assessment/topic.html",
        {
            "got": got,
            "t": got.topic,
            "records": records,
            "chart": chart,
            "dimension_label": topic_rules.DIMENSIONS.get(got.topic.dimension, got.topic.dimension),
        },
    )


# ------------------------------------------------------------------------------------------------ 治理类街乡
@login_required
@require_http_methods(["GET", "POST"])
def focus(request):
    from jingzhi.assessment import actions, permissions, topic_rules

    queries = _q()
    if not permissions.can_view_assessment(request.user):
        raise Http404()
    data = request.POST if request.method == "POST" else request.GET
    quarter = (data.get("quarter") or "").strip() or queries.default_quarter()
    error, status = "", 200
    if request.method == "POST":
        try:
            actions.do_compute_focus(quarter, actor=request.user, trigger="web")
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(reverse("web:assessment_focus") + "?" + urlencode({"quarter": quarter}))
    if not quarter:
        return render(request, "web/assessment/focus.html", {"quarter": ""})
    try:
        rows = queries.focus_list(request.user, quarter)
    except ApplicationError as exc:
        if error:
            return render(request, "web/assessment/problem.html", {"message": error}, status=status)
        return _problem(request, exc)
    rule = topic_rules.pick_focus_rule(actions.focus_rules_configured(), quarter)
    return render(
        request,
        "web/assessment/focus.html",
        {
            "quarter": quarter,
            "quarters": queries.focus_quarters(),
            "months": topic_rules.quarter_months(quarter),
            "rows": rows,
            "rule": rule,
            "can_compute": permissions.can_fill(request.user),
            "error": error,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, quarter: str, code: str):
    from jingzhi.accounts.models import Department
    from jingzhi.assessment import actions, topic_rules

    queries = _q()
    error, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("do") == "update":
                actions.do_update_plan_item(
                    actor=request.user,
                    quarter=quarter,
                    unit_code=code,
                    item_id=request.POST.get("item", ""),
                    status=request.POST.get("status") or None,
                    note=request.POST.get("note", ""),
                )
            else:
                actions.do_add_plan_item(
                    actor=request.user,
                    quarter=quarter,
                    unit_code=code,
                    what=request.POST.get("what", ""),
                    department=request.POST.get("department") or None,
                    due_date=request.POST.get("due_date", ""),
                    note=request.POST.get("note", ""),
                )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("web:assessment_plan", quarter=quarter, code=code)
    try:
        got = queries.focus_plan(request.user, quarter, code)
    except ApplicationError as exc:
        return _problem(request, exc)
    departments = (
        Department.objects.filter(is_active=True, district_code=got.entry.district_code).order_by("code")
        if got.can_edit
        else []
    )
    start, _after = topic_rules.quarter_bounds(got.entry.quarter)
    return render(
        request,
        "web/assessment/plan.html",
        {
            "got": got,
            "e": got.entry,
            "departments": departments,
            "states": topic_rules.PLAN_STATES.items(),
            "quarter_start": start,
            "error": error,
            "posted": request.POST if error else None,
            "overdue": sum(1 for r in got.items if r.overdue),
        },
        status=status,
    )
