"""The 考核 pages: the leader's dashboard (rankings with the change from last month, the district's trend,
hot-spot grids), a unit's monthly report (printable on A4, and as an Excel workbook), and "explain" — the
records behind any figure. Views are thin: every read goes through `assessment.queries`, which reads the
snapshot tables and scopes to the reader; an `ApplicationError` becomes a message and a 4xx, never a 500.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhi.core.errors import ApplicationError, InvalidInput, NotFound
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
    hot = _hot_map(request, month)
    context = {
        "month": month,
        "months": queries.months_filled(),
        "previous_month": rules.shift_month(month, -1),
        "kind": kind,
        "kind_label": rules.UNIT_KINDS.get(kind, kind),
        "tabs": [(k, rules.UNIT_KINDS[k]) for k in KIND_TABS],
        "side": side,
        "rows": _ranking_rows(rows, side, kind, month),
        "explain_title": _("查看构成"),
        "chart": chart,
        "hot": hot,
        "hot_rows": _hot_rows(hot),
        "people_kinds": queries.people_kinds(request.user),
        "last_fill": queries.last_fill(month),
        "districts": districts,
    }
    return render(request, "web/assessment/dashboard.html", context)


def _can_rank(user) -> bool:
    from jingzhi.assessment import permissions

    return permissions.can_view_assessment(user)


def _ranking_rows(rows, side, kind: str, month: str) -> list[dict]:
    """The ranking table's rows with their links: each link pattern reversed once and filled per unit
    (a ranking lists hundreds of units with three figures each; reversing per cell was most of the page's
    rendering)."""
    queries = _aq()
    mark = "UNITCODE0"
    report = reverse("web:assessment_report", args=[kind, mark]) + f"?month={month}"
    explain = {i.code: reverse("web:assessment_explain", args=[kind, mark, i.code]) for i in side}
    out = []
    for r in rows:
        code = quote(r.score.unit_code, safe=RFC3986_SUBDELIMS + "/~:@")
        cells = []
        for i in side:
            figure = r.figures.get(i.code)
            text = queries.display(i, figure.value if figure is not None else None)
            link = explain[i.code].replace(mark, code) + f"?month={month}" if figure is not None else ""
            cells.append((i, figure, text, link))
        out.append({"row": r, "link": report.replace(mark, code), "cells": cells})
    return out


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
        {
            "report": report,
            "month": month,
            "chart": chart,
            "kind_label": queries.kind_label(kind),
            "is_person": kind in queries.PERSON_KINDS,
            "can_list_people": bool(queries.people_kinds(request.user)),
            "can_rank": _can_rank(request.user),
        },
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


# ------------------------------------------------------------------------------------------------ hot-spot map
def _hot_map(request, month: str) -> dict:
    """The hot-spot map's data: grids coloured by cases received (snapshot rows), outlines simplified for
    drawing, the tile settings the place map uses (none by default: nothing fetched from outside)."""
    from django.conf import settings

    from jingzhi.web import mapdata

    data = _aq().hot_grid_map(request.user, month)
    for feature in data["features"]:
        feature["geometry"] = mapdata.simplify(feature["geometry"], 0.00001)
    data["features"] = [f for f in data["features"] if f["geometry"]]
    for outline in data["outlines"]:
        outline["geometry"] = mapdata.simplify(outline["geometry"], 0.0002)
    data["tiles"] = mapdata.tile_config(settings)
    data["labels"] = {"count": _("受理量"), "none": _("无底图")}
    return data


def _hot_rows(data: dict, limit: int = 10) -> list[dict]:
    """The accessible table beside the map: the busiest grids, most cases first."""
    rows = sorted(data["features"], key=lambda f: (-f["properties"]["count"], f["id"]))
    return [f["properties"] for f in rows[:limit]]


# ------------------------------------------------------------------------------------------------ people
@login_required
@require_GET
def my_assessment(request):
    """我的考核: the signed-in staff member's own monthly figures (inspector, operator, dispatcher, handler)."""
    from jingzhi.assessment import actions, rules

    queries = _aq()
    month = (request.GET.get("month") or "").strip() or rules.shift_month(actions.current_month(), -1)
    try:
        reports = queries.my_reports(request.user, month)
    except ApplicationError as exc:
        return _problem(request, exc)
    return render(
        request,
        "web/assessment/me.html",
        {
            "month": month,
            "previous_month": rules.shift_month(month, -1),
            "next_month": rules.shift_month(month, 1),
            "reports": [{"report": r, "kind_label": queries.kind_label(r.kind)} for r in reports],
        },
    )


@login_required
@require_GET
def people(request):
    """The figures of the people the reader covers (permissions.person_q), one person kind at a time."""
    from jingzhi.assessment import permissions, registry, rules

    queries = _aq()
    kinds = permissions.person_kinds_for(request.user)
    if not kinds:
        raise Http404()
    month = _month(request)
    kind = (request.GET.get("kind") or ("handler" if "handler" in kinds else kinds[0])).strip()
    if kind not in permissions.PERSON_KINDS:
        return _problem(
            request,
            InvalidInput(
                _("人员类型“%(k)s”不存在，可选：%(all)s。")
                % {"k": kind, "all": "、".join(permissions.PERSON_KINDS)}
            ),
        )
    if kind not in kinds:  # a kind this reader lists no one of (a department head: handlers only)
        raise Http404()
    rows = []
    if month:
        try:
            rows = queries.ranking(request.user, month, kind)
        except ApplicationError as exc:
            return _problem(request, exc)
    side = [i for i in (registry.indicator(c) for c in queries.SIDE_BY_SIDE.get(kind, ())) if i is not None]
    return render(
        request,
        "web/assessment/people.html",
        {
            "month": month,
            "months": queries.months_filled(),
            "kind": kind,
            "kind_label": rules.UNIT_KINDS[kind],
            "tabs": [(k, rules.UNIT_KINDS[k]) for k in kinds],
            "can_rank": permissions.can_view_assessment(request.user),
            "departments": sorted(permissions.headed_department_codes(request.user)),
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
        },
    )


# ------------------------------------------------------------------------------------------------ big screen
SCREEN_REFRESH_SECONDS = 300


@login_required
@require_GET
def screen(request):
    """大屏: the leader's wall screen (1920×1080, dark), refreshed by a meta refresh — no script of its own
    beyond the local chart and map files. Shows the month being filled (the latest with a snapshot)."""
    from jingzhi.assessment import permissions

    queries = _aq()
    if not permissions.can_view_assessment(request.user):
        raise Http404()
    month = (request.GET.get("month") or "").strip() or queries.latest_month()
    context: dict = {"month": month, "refresh": SCREEN_REFRESH_SECONDS}
    if month:
        try:
            got = queries.screen(request.user, month)
        except ApplicationError as exc:
            return _problem(request, exc)
        axis = {"ticks": {"color": "#cbd5e1", "font": {"size": 18}}, "grid": {"color": "#334155"}}
        context.update(
            {
                "got": got,
                "rates": [(i, f, queries.display(i, f.value if f else None)) for i, f in got.rates],
                "chart": charts.chart(
                    "LineChart",
                    [{"name": str(label), "data": points} for label, points in got.trend],
                    height="560px",
                    discrete=True,
                    suffix="%",
                    min=0,
                    max=100,
                    colors=["#38bdf8", "#4ade80", "#facc15"],
                    library={
                        "plugins": {"legend": {"labels": {"color": "#e2e8f0", "font": {"size": 20}}}},
                        "scales": {"x": axis, "y": axis},
                        "elements": {"line": {"borderWidth": 4}, "point": {"radius": 5}},
                    },
                    loading=_("图表加载中…"),
                )
                if got.trend
                else None,
                "hot": _hot_map(request, month),
                "last_fill": queries.last_fill(month),
            }
        )
        context["hot_rows"] = _hot_rows(context["hot"], 8)
    response = render(request, "web/assessment/screen.html", context)
    response["Refresh"] = str(SCREEN_REFRESH_SECONDS)
    return response


# ------------------------------------------------------------------------------------------------ public
PUBLIC_CACHE_SECONDS = 300


def _public_data(month: str) -> dict:
    """The public page's rows, cached per month (the snapshot changes at most every fill): one reader or a
    thousand cost the database the same few queries per five minutes."""
    from django.core.cache import cache

    queries = _aq()
    key = f"assessment:public:{month}"
    data = cache.get(key)
    if data is None:
        data = {kind: queries.public_ranking(month, kind) for kind in queries.PUBLIC_KINDS}
        cache.set(key, data, PUBLIC_CACHE_SECONDS)
    return data


def _public_months() -> list[str]:
    from django.core.cache import cache

    months = cache.get("assessment:public:months")
    if months is None:
        months = _aq().public_months()
        cache.set("assessment:public:months", months, PUBLIC_CACHE_SECONDS)
    return months


@require_GET
def public_ranking(request):
    """The public monthly ranking (no login): subdistricts and departments with the three rates and
    grades. Names of units only — no person, no case, no link into staff pages. Cached, and marked
    cacheable for five minutes for proxies and browsers."""
    from django.utils.cache import patch_cache_control

    from jingzhi.assessment import registry, rules

    queries = _aq()
    months = _public_months()
    from jingzhi.assessment import actions

    this = actions.current_month()
    complete = [m for m in months if m < this]
    month = (request.GET.get("month") or "").strip() or (
        complete[0] if complete else (months[0] if months else "")
    )
    context: dict = {"month": month, "months": months}
    if month:
        try:
            month = rules.parse_month(month)
        except ApplicationError as exc:
            return render(request, "web/assessment/problem.html", {"message": exc.message}, status=exc.status)
        data = _public_data(month)
        sections = []
        for kind in queries.PUBLIC_KINDS:
            side = [
                i.label for i in (registry.indicator(c) for c in queries.SIDE_BY_SIDE[kind]) if i is not None
            ]
            rows = [{**r, "cells": list(zip(side, r["figures"], strict=False))} for r in data[kind]]
            sections.append({"kind": kind, "label": rules.UNIT_KINDS[kind], "side": side, "rows": rows})
        context["sections"] = sections
    response = render(request, "web/assessment/public.html", context)
    patch_cache_control(response, public=True, max_age=PUBLIC_CACHE_SECONDS)
    return response
