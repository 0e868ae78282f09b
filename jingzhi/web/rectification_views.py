"""The 十无一创建 pages: the street list and grade map, a street's page, the phone-first inspection form, an
inspection's result, the chief's dashboard, the steward's quick patrol log, Excel exports, and the two
pages anyone may open without logging in — the printable responsibility board (with a QR code) and the
street's public page, where a resident can report a problem on that street.

Views are thin: reads through `rectification.queries` (scoped), writes through `rectification.actions`;
an `ApplicationError` becomes a message on the page (and a 4xx status), never a 500. Streets are addressed
by code in URLs, so a printed QR code keeps working across boundary generations.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jingzhi.core.clientip import client_ip
from jingzhi.core.errors import ApplicationError, NotFound, RateLimited
from jingzhi.web import charts, mapdata

GRADE_CHOICES = [
    ("premium", gettext_lazy("精品")),
    ("fine", gettext_lazy("优美")),
    ("standard", gettext_lazy("达标")),
    ("failing", gettext_lazy("不达标")),
    ("", gettext_lazy("未定级")),
]


def _q():
    from jingzhi.rectification import queries

    return queries


def _street_or_404(user, code):
    from jingzhi.rectification.permissions import access_street

    try:
        return access_street(user, code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _case_url(case) -> str:
    from jingzhi.cases.actions import case_link

    return case_link(case)


def _with_links(cases):
    for case in cases:
        case.url = _case_url(case)
    return cases


# ------------------------------------------------------------------------------------------------ list and map
@login_required
def streets(request):
    from jingzhi.geo.queries import subdistricts_for

    queries = _q()
    sub = (request.GET.get("subdistrict") or "").strip()
    grade = request.GET.get("grade")
    q = (request.GET.get("q") or "").strip()
    all_rows = queries.street_rows_for(request.user, subdistrict_code=sub, q=q)
    rows = [r for r in all_rows if grade is None or grade == "all" or r.grade == grade]
    first = next((r.street for r in all_rows), None)
    context = {
        "rows": rows,
        "summary": queries.grade_summary(all_rows),
        "q": q,
        "grade": grade,
        "sub": sub,
        "subdistricts": list(subdistricts_for(request.user).order_by("code")),
        "grade_choices": GRADE_CHOICES,
        "can_export": _can_export(request.user),
        "map_config": {
            **mapdata.tile_config(settings),
            "geojson": reverse("web:streets_geojson"),
            "bounds": _bounds_of(request.user, sub),
            "colours": queries.GRADE_COLOURS,
            "labels": {g: str(label) for g, label in GRADE_CHOICES},
        },
        "first": first,
    }
    return render(request, "web/streets/list.html", context)


def _can_export(user) -> bool:
    from jingzhi.rectification.permissions import can_export

    return can_export(user)


def _bounds_of(user, sub_code):
    rows = _q().viewable_streets(user)
    if sub_code:
        rows = rows.filter(code__startswith=sub_code)
    values = rows.values_list("min_lon", "min_lat", "max_lon", "max_lat")
    boxes = [v for v in values if None not in v]
    if not boxes:
        return None
    return [
        [min(b[1] for b in boxes), min(b[0] for b in boxes)],
        [max(b[3] for b in boxes), max(b[2] for b in boxes)],
    ]


@require_GET
def streets_geojson(request):
    """Streets in the user's jurisdiction, each with its grade and colour (for the grade map)."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "message": _("请先登录"), "fields": {}}, status=401)
    queries = _q()
    try:
        box = mapdata.parse_bbox(request.GET.get("bbox"))
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    rows = (
        mapdata.in_box(queries.viewable_streets(request.user), box)
        .order_by("code")
        .values("code", "name", "geometry")[:5000]
    )
    rows = list(rows)
    from jingzhi.rectification.models import StreetRecord

    records = {
        r.street_code: r for r in StreetRecord.objects.filter(street_code__in=[r["code"] for r in rows])
    }
    features = []
    for row in rows:
        record = records.get(row["code"])
        grade = record.grade if record else ""
        features.append(
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": mapdata.simplify(row["geometry"], 0),
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "grade": grade,
                    "grade_label": queries.rules.grade_label(grade),
                    "colour": queries.GRADE_COLOURS.get(grade, "#9ca3af"),
                    "score": float(record.last_score) if record and record.last_score is not None else None,
                    "url": reverse("web:street_detail", args=[row["code"]]),
                },
            }
        )
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False}
    )


# ------------------------------------------------------------------------------------------------ one street
@login_required
def street_detail(request, code):
    from jingzhi.accounts import access
    from jingzhi.rectification import permissions

    queries = _q()
    street = _street_or_404(request.user, code)
    row = queries.street_rows_for(request.user, codes=[street.code])[0]
    series = queries.score_series(street.code)
    version = queries.current_version()
    line = float(version.downgrade_below) if version else 90.0
    chart = (
        charts.chart(
            "LineChart",
            [
                {"name": _("得分"), "data": [(m, float(s)) for m, s in series]},
                {"name": _("降档线"), "data": [(m, line) for m, _s in series]},
            ],
            min=max(0, min([float(s) for _m, s in series] + [line]) - 10) if series else 0,
            max=100,
            height="240px",
            discrete=True,
            colors=["#1d5fa8", "#dc2626"],
            loading=_("图表加载中…"),
            xtitle=_("月份"),
            ytitle=_("分"),
        )
        if series
        else None
    )
    plan, plan_items = queries.plan_for(street.code)
    user = request.user
    context = {
        "street": street,
        "row": row,
        "record": row.record,
        "chart": chart,
        "series": series,
        "open_cases": _with_links(queries.open_cases_for_street(user, street.code)),
        "history": queries.grade_history(street.code),
        "chiefs": queries.chief_history(street.code),
        "chief": row.chief,
        "letters": queries.task_letters(street.code),
        "ledger": queries.ledger(street.code),
        "plan": plan,
        "plan_items": plan_items,
        "proposals": queries.proposals_for(street.code),
        "stewards": queries.stewards_for(street.code),
        "patrols": queries.patrol_log(street.code, 10),
        "inspections": queries.inspections_for_street(street.code, 12),
        "kinds": permissions.inspectable_kinds(user, street.code),
        "can_manage": permissions.can_manage_street(user, street.code),
        "can_ledger": permissions.can_keep_ledger(user, street.code),
        "can_patrol": permissions.can_log_patrol(user, street.code),
        "is_chief": bool(row.chief and row.chief.user_id == user.pk),
        "ranks": _choices("ChiefRank"),
        "ledger_kinds": _choices("LedgerKind"),
        "award_choices": GRADE_CHOICES[:3],
        "items": queries.standard_items(version),
        "candidates": _candidates(user, street.code)
        if permissions.can_manage_street(user, street.code)
        else [],
        "is_superuser": access.is_superuser(user),
    }
    return render(request, "web/streets/detail.html", context)


def _choices(name):
    from jingzhi.rectification import models

    return getattr(models, name).choices


def _candidates(user, street_code):
    """People an admin may appoint as chief or steward (the same query the API's candidate list uses)."""
    from jingzhi.rectification.queries import chief_candidates

    return list(chief_candidates(street_code)[:200])


ACTS = {}


def act(name):
    def register(fn):
        ACTS[name] = fn
        return fn

    return register


def _user_by_id(raw):
    from jingzhi.accounts.models import User
    from jingzhi.core.errors import InvalidInput
    from jingzhi.core.ids import parse_id as row_id

    user = User.objects.filter(pk=row_id(raw), is_active=True).first()
    if user is None:
        raise InvalidInput(_("请选择人员"), fields={"user": "required"})
    return user


@act("award")
def _act_award(request, code, actions):
    actions.do_award_grade(
        actor=request.user,
        street_code=code,
        grade=request.POST.get("grade", ""),
        reason=request.POST.get("reason", ""),
    )
    return _("等级已评定")


@act("appoint")
def _act_appoint(request, code, actions):
    actions.do_appoint_chief(
        actor=request.user,
        street_code=code,
        user=_user_by_id(request.POST.get("user")),
        rank=request.POST.get("rank", ""),
        title=request.POST.get("title", ""),
    )
    return _("街巷长已任命")


@act("letter")
def _act_letter(request, code, actions):
    actions.do_issue_task_letter(
        actor=request.user,
        street_code=code,
        title=request.POST.get("title", ""),
        targets=request.POST.get("targets", ""),
        starts_on=request.POST.get("starts_on"),
        due_on=request.POST.get("due_on"),
        target_grade=request.POST.get("target_grade") or "standard",
    )
    return _("任务书已下达，等待街巷长签署")


@act("sign")
def _act_sign(request, code, actions):
    actions.do_sign_task_letter(actor=request.user, letter_id=request.POST.get("letter"))
    return _("任务书已签署")


@act("end_letter")
def _act_end_letter(request, code, actions):
    actions.do_end_task_letter(
        actor=request.user, letter_id=request.POST.get("letter"), reason=request.POST.get("reason", "")
    )
    return _("任务书已终止")


@act("end_chief")
def _act_end_chief(request, code, actions):
    actions.do_end_chief(actor=request.user, street_code=code, reason=request.POST.get("reason", ""))
    return _("已免去街巷长")


@act("retire_ledger")
def _act_retire_ledger(request, code, actions):
    actions.do_retire_ledger_entry(actor=request.user, entry_id=request.POST.get("entry"))
    return _("台账条目已注销")


@act("end_steward")
def _act_end_steward(request, code, actions):
    actions.do_end_steward(
        actor=request.user,
        assignment_id=request.POST.get("assignment"),
        reason=request.POST.get("reason", ""),
    )
    return _("小巷管家安排已结束")


@act("ledger")
def _act_ledger(request, code, actions):
    actions.do_record_ledger_entry(
        actor=request.user,
        street_code=code,
        kind=request.POST.get("kind", ""),
        label=request.POST.get("label", ""),
        quantity=request.POST.get("quantity") or 0,
        note=request.POST.get("note", ""),
    )
    return _("台账已记录")


@act("board")
def _act_board(request, code, actions):
    from jingzhi.rectification.actions import BOARD_FIELDS

    actions.do_update_board(
        actor=request.user,
        street_code=code,
        **{f: request.POST.get(f, "") for f in BOARD_FIELDS if f in request.POST},
    )
    return _("公示牌信息已更新")


@act("plan")
def _act_plan(request, code, actions):
    actions.do_save_plan(
        actor=request.user,
        street_code=code,
        title=request.POST.get("title", ""),
        summary=request.POST.get("summary", ""),
    )
    return _("一街一策已保存")


@act("plan_item")
def _act_plan_item(request, code, actions):
    cases = [v for v in request.POST.get("cases", "").replace("，", ",").split(",") if v.strip()]
    actions.do_add_plan_item(
        actor=request.user,
        street_code=code,
        text=request.POST.get("text", ""),
        owner_name=request.POST.get("owner_name", ""),
        deadline=request.POST.get("deadline"),
        standard_code=request.POST.get("standard_code", ""),
        case_ids=cases,
    )
    return _("整治事项已添加")


@act("progress")
def _act_progress(request, code, actions):
    actions.do_update_plan_item(
        actor=request.user,
        item_id=request.POST.get("item"),
        progress=request.POST.get("progress"),
        note=request.POST.get("note", ""),
    )
    return _("进度已更新")


@act("decide")
def _act_decide(request, code, actions):
    proposal = actions.do_decide_proposal(
        actor=request.user,
        proposal_id=request.POST.get("proposal"),
        accept=request.POST.get("decision") == "accept",
        reason=request.POST.get("reason", ""),
    )
    return _("已决定：%(s)s") % {"s": proposal.get_status_display()}


@act("steward")
def _act_steward(request, code, actions):
    actions.do_assign_steward(
        actor=request.user, street_code=code, user=_user_by_id(request.POST.get("user"))
    )
    return _("小巷管家已安排")


@login_required
@require_POST
def street_act(request, code, name):
    """One small form on the street page → one action → back to the page with a message."""
    from jingzhi.rectification import actions

    street = _street_or_404(request.user, code)
    handler = ACTS.get(name)
    if handler is None:
        raise Http404()
    try:
        messages.success(request, handler(request, street.code, actions))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(
        reverse("web:street_detail", args=[street.code]) + f"#{request.POST.get('anchor', '')}"
    )


# ------------------------------------------------------------------------------------------------ inspection
@login_required
def inspect(request, code):
    """The inspection form, made for a phone: one card per item, pass by default, tap to deduct."""
    from jingzhi.rectification import actions, permissions, rules

    queries = _q()
    street = _street_or_404(request.user, code)
    kinds = permissions.inspectable_kinds(request.user, street.code)
    if not kinds:
        raise Http404(_("您不能检查这条街巷"))
    version = queries.current_version()
    items = [i for i in queries.standard_items(version) if not i.is_creation_goal]
    error, fields, posted = "", {}, {}
    today = queries.today()
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        results = []
        for item in items:
            if request.POST.get(f"fail_{item.code}"):
                results.append(
                    {
                        "item": item.code,
                        "passed": False,
                        "count": request.POST.get(f"count_{item.code}") or 1,
                        "deduction": request.POST.get(f"deduction_{item.code}") or None,
                        "note": request.POST.get(f"note_{item.code}", ""),
                        "address": request.POST.get(f"address_{item.code}", ""),
                        "lon": request.POST.get(f"lon_{item.code}") or None,
                        "lat": request.POST.get(f"lat_{item.code}") or None,
                        "photos": request.FILES.getlist(f"photos_{item.code}"),
                    }
                )
        try:
            inspection = actions.do_record_inspection(
                actor=request.user,
                street_code=street.code,
                kind=kind,
                inspected_on=request.POST.get("inspected_on") or today,
                results=results,
                satisfaction=request.POST.get("satisfaction") or None,
                note=request.POST.get("note", ""),
            )
        except ApplicationError as exc:
            error, fields, posted = exc.message, exc.fields, request.POST
        else:
            return HttpResponseRedirect(reverse("web:inspection_detail", args=[inspection.pk]))
    context = {
        "street": street,
        "items": items,
        "version": version,
        "kinds": [(k, _kind_label(k)) for k in kinds],
        "today": today.isoformat(),
        "error": error,
        "fields": fields,
        "posted": posted,
        "period_hint": {k: rules.period_for(k, today) for k in kinds},
    }
    return render(request, "web/streets/inspect.html", context, status=400 if error else 200)


def _kind_label(kind):
    from jingzhi.rectification.models import InspectionKind

    return InspectionKind(kind).label


@login_required
def inspection_detail(request, pk):
    queries = _q()
    try:
        inspection = queries.access_inspection(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    results = list(inspection.results.all())
    for result in results:
        result.case_url = _case_url(result.case) if result.case_id else ""
    record = queries.StreetRecord.objects.filter(street_code=inspection.street_code).first()
    changes = [c for c in queries.grade_history(inspection.street_code) if c.month == inspection.month]
    return render(
        request,
        "web/streets/inspection.html",
        {
            "inspection": inspection,
            "results": results,
            "failing": [r for r in results if not r.passed],
            "record": record,
            "changes": changes,
        },
    )


# ------------------------------------------------------------------------------------------------ chief's dashboard
@login_required
def mine(request):
    queries = _q()
    streets_ = queries.chief_dashboard(request.user)
    for s in streets_:
        _with_links(s.overdue_cases)
        for r in s.failing_items:
            r.case_url = _case_url(r.case) if r.case_id else ""
    stewarding = queries.stewarding_for(request.user)
    return render(
        request,
        "web/streets/mine.html",
        {
            "streets": streets_,
            "proposals": queries.pending_proposals_for(request.user),
            "stewarding": stewarding,
        },
    )


# ------------------------------------------------------------------------------------------------ steward patrol
@login_required
def patrol(request, code):
    from jingzhi.rectification import actions, permissions
    from jingzhi.rectification.models import PatrolDuty

    street = _street_or_404(request.user, code)
    if not permissions.can_log_patrol(request.user, street.code):
        raise Http404(_("您不能为这条街巷记录巡查"))
    error = ""
    if request.method == "POST":
        try:
            log = actions.do_log_patrol(
                actor=request.user,
                street_code=street.code,
                duty=request.POST.get("duty", ""),
                note=request.POST.get("note", ""),
                lon=request.POST.get("lon") or None,
                lat=request.POST.get("lat") or None,
                photos=request.FILES.getlist("photos"),
                idempotency_key=request.POST.get("token", ""),
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            if log.case_id:
                messages.success(request, _("已上报，案件编号 %(n)s") % {"n": log.case.number})
            else:
                messages.success(request, _("已记录：%(d)s") % {"d": log.get_duty_display()})
            return HttpResponseRedirect(reverse("web:street_patrol", args=[street.code]))
    import uuid

    return render(
        request,
        "web/streets/patrol.html",
        {
            "street": street,
            "duties": PatrolDuty.choices,
            "error": error,
            "token": uuid.uuid4().hex,
            "log": _q().patrol_log(street.code, 15),
        },
        status=400 if error else 200,
    )


# ------------------------------------------------------------------------------------------------ exports
@login_required
def export_streets(request):
    from jingzhi.rectification import excel

    if not _can_export(request.user):
        raise Http404()
    rows = _q().street_rows_for(request.user, subdistrict_code=(request.GET.get("subdistrict") or "").strip())
    return _xlsx(excel.streets_workbook(rows), "streets-grades")


@login_required
def export_inspections(request):
    from jingzhi.rectification import excel

    if not _can_export(request.user):
        raise Http404()
    qs = _q().inspections_for_export(
        request.user,
        month=(request.GET.get("month") or "").strip(),
        kind=(request.GET.get("kind") or "").strip(),
    )
    return _xlsx(excel.inspections_workbook(qs), "inspections")


def _xlsx(data: bytes, stem: str) -> HttpResponse:
    from jingzhi.core import clock

    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}-{clock.now():%Y%m%d}.xlsx"'
    return response


# ------------------------------------------------------------------------------------------------ public pages
def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


def _public_or_404(code):
    from jingzhi.rectification.permissions import public_street

    try:
        return public_street(code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def board(request, code):
    """The printable responsibility board (责任公示牌). No login: it hangs in the street."""
    from django.utils.safestring import mark_safe

    queries = _q()
    street = _public_or_404(code)
    data = queries.board(street.code)
    public_url = request.build_absolute_uri(reverse("web:street_public", args=[street.code]))
    return render(
        request,
        "web/streets/board.html",
        {
            "b": data,
            "street": street,
            "public_url": public_url,
            "qr": mark_safe(_qr_svg(public_url)),  # noqa: S308 - our own SVG
            "grade_label": queries.rules.grade_label(data.record.grade if data.record else ""),
        },
    )


def _report_page_exists() -> bool:
    from django.urls import NoReverseMatch

    for name in ("web:report", "web:case_report"):
        try:
            reverse(name)
            return True
        except NoReverseMatch:
            continue
    return False


def public_street(request, code):
    """The street's public page (where the board's QR code leads): chief, grade, and a way to report a
    problem on this street — the resident report page when it exists, else a short form here."""
    from jingzhi.cases.models import Source

    queries = _q()
    street = _public_or_404(code)
    data = queries.board(street.code)
    error, done, limited = "", None, None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return HttpResponseRedirect(reverse("web:login") + f"?next={request.path}")
        from jingzhi.cases.actions import do_open_case

        try:
            lon, lat = queries.point_on_street(street)
            done = do_open_case(
                actor=request.user,
                source=Source.RESIDENT_WEB,
                description=request.POST.get("description", ""),
                lon=request.POST.get("lon") or lon,
                lat=request.POST.get("lat") or lat,
                address=street.name,
                photos=request.FILES.getlist("photos"),
                idempotency_key=request.POST.get("token") or None,
                client_ip=client_ip(request) or "",
            )
        except ApplicationError as exc:
            error = exc.message
            limited = exc if isinstance(exc, RateLimited) else None
    import uuid

    response = render(
        request,
        "web/streets/public.html",
        {
            "b": data,
            "street": street,
            "error": error,
            "done": done,
            "token": uuid.uuid4().hex,
            "report_url": f"/report/?street={street.code}" if _report_page_exists() else "",
            "grade_label": queries.rules.grade_label(data.record.grade if data.record else ""),
            "board_url": reverse("web:street_board", args=[street.code]),
            "today": date.today(),
        },
        status=429 if limited else (400 if error else 200),
    )
    if limited:
        response["Retry-After"] = str(limited.retry_after)
    return response
