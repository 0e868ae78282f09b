"""The 考核 pages: the leader's dashboard (rankings with the change from last month, the district's trend,
hot-spot grids), a unit's monthly report (printable on A4, and as an Excel workbook), and "explain" — the
records behind any figure. Views are thin: every read goes through `assessment.queries`, which reads the
snapshot tables and scopes to the reader; an `ApplicationError` becomes a message and a 4xx, never a 500.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhi.core.errors import ApplicationError, NotFound
from jingzhi.web import charts

KIND_TABS = ("subdistrict", "department", "community", "street")


def _aq():
    from jingzhi.assessment import queries

    return queries


def _month(request) -> str:
    return (request.GET.get("month") or "").strip() or _aq().default_month()


def _problem(request, exc: ApplicationError, template="web/assessment/problem.html"):
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    return render(request, template, {"message": exc.message}, status=exc.status)


@login_required
@require_GET
def dashboard(request):
    from jingzhi.assessment import permissions, registry, rules

    queries = _aq()
    if not permissions.can_view_assessment(request.user):
        raise Http404()
    month = _month(request)
    kind = (request.GET.get("kind") or "subdistrict").strip()
    if not month:
        return render(request, "web/assessment/dashboard.html", {"month": "", "months": []})
    try:
        rows = queries.ranking(request.user, month, kind)
    except ApplicationError as exc:
        return _problem(request, exc)
    side = [registry.indicator(c) for c in queries.SIDE_BY_SIDE.get(kind, ())]
    side = [i for i in side if i is not None]
    districts = permissions.district_codes(request.user)
    trend = queries.district_trend(request.user, month)
    chart = None
    if trend:
        chart = charts.chart(
            "LineChart",
            [{"name": str(label), "data": points} for label, points in trend],
            height="240px",
            discrete=True,
            suffix="%",
            min=0,
            max=100,
            loading=_("图表加载中…"),
            xtitle=_("月份"),
        )
    context = {
        "month": month,
        "months": queries.months_filled(),
        "previous_month": rules.shift_month(month, -1),
        "kind": kind,
        "kind_label": rules.UNIT_KINDS.get(kind, kind),
        "tabs": [(k, rules.UNIT_KINDS[k]) for k in KIND_TABS],
        "side": side,
        "rows": [
            {
                "row": r,
                "cells": [
                    (
                        i,
                        r.figures.get(i.code),
                        queries.display(i, r.figures[i.code].value if i.code in r.figures else None),
                    )
                    for i in side
                ],
            }
            for r in rows
        ],
        "chart": chart,
        "hot_grids": queries.hot_grids(request.user, month),
        "last_fill": queries.last_fill(month),
        "districts": districts,
    }
    return render(request, "web/assessment/dashboard.html", context)


@login_required
@require_GET
def report(request, kind: str, code: str):
    queries = _aq()
    month = _month(request)
    try:
        report = queries.unit_report(request.user, kind, code, month)
    except ApplicationError as exc:
        return _problem(request, exc)
    rates = [r for r in report.rows if r.indicator.kind == "rate"]
    chart = None
    if rates:
        chart = charts.chart(
            "LineChart",
            [
                {
                    "name": str(r.indicator.label),
                    "data": [(m, float(v * 100) if v is not None else None) for m, v in r.trend],
                }
                for r in rates[:6]
            ],
            height="260px",
            discrete=True,
            suffix="%",
            min=0,
            max=100,
            loading=_("图表加载中…"),
        )
    return render(
        request,
        "web/assessment/report.html",
        {"report": report, "month": month, "chart": chart, "kind_label": queries.kind_label(kind)},
    )


@login_required
@require_GET
def explain(request, kind: str, code: str, indicator: str):
    queries = _aq()
    month = _month(request)
    try:
        got = queries.explain(request.user, month, indicator, kind, code)
    except ApplicationError as exc:
        return _problem(request, exc)
    records = []
    for row in got.records:
        link = row.get("link")
        url = ""
        if link:
            try:
                url = reverse(link[0], args=link[1])
            except Exception:  # noqa: BLE001 - a source naming a page this build lacks shows no link
                url = ""
        records.append({**row, "url": url})
    return render(
        request,
        "web/assessment/explain.html",
        {
            "got": got,
            "records": records,
            "month": month,
            "kind": kind,
            "code": code,
            "kind_label": queries.kind_label(kind),
            "value_text": queries.display(got.indicator, got.figure.value),
        },
    )


def _xlsx(data: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


@login_required
@require_GET
def export_rankings(request):
    from jingzhi.assessment import excel, permissions

    queries = _aq()
    if not permissions.can_view_assessment(request.user):
        raise Http404()
    month = _month(request)
    try:
        rankings = {kind: queries.ranking(request.user, month, kind) for kind in KIND_TABS}
    except ApplicationError as exc:
        return _problem(request, exc)
    return _xlsx(excel.rankings_workbook(rankings, month), f"assessment-rankings-{month}")


@login_required
@require_GET
def export_report(request, kind: str, code: str):
    from jingzhi.assessment import excel

    month = _month(request)
    try:
        report = _aq().unit_report(request.user, kind, code, month)
    except ApplicationError as exc:
        return _problem(request, exc)
    return _xlsx(excel.report_workbook(report), f"assessment-{kind}-{code}-{month}")
