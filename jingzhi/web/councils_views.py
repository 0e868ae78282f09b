"""The 多元共治 pages: the councils list with my next patrols, a council's page (members, completion, missed
patrols, swaps to approve, meetings), the roster month calendar with its Excel export, the phone-first patrol
page (check in and out with location, checklist, a finding that becomes a case, a swap request), meetings
and joint meetings with printable minutes and action items, and the community task board for party members.

Views are thin: reads through `councils.queries` (scoped) and the access helpers of `councils.permissions`
(missing and forbidden are the same 404); writes through `councils.actions`. An `ApplicationError` becomes a
message on the page with a 4xx status, never a 500.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhi.core.clientip import client_ip
from jingzhi.core.errors import ApplicationError, NotFound


def _q():
    from jingzhi.councils import queries

    return queries


def _p():
    from jingzhi.councils import permissions

    return permissions


def _a():
    from jingzhi.councils import actions

    return actions


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _month(request) -> date:
    text = (request.GET.get("month") or "").strip()
    today = _q().today()
    if not text:
        return today.replace(day=1)
    try:
        return date.fromisoformat(f"{text}-01").replace(day=1)
    except ValueError:
        return today.replace(day=1)


def _shift_month(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


def _xlsx(data: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


def _case_url(case) -> str:
    from jingzhi.cases.actions import case_link

    return case_link(case)


# --------------------------------------------------------------------------------------------------- councils
@login_required
def councils(request):
    q = _q()
    shifts = q.my_shifts(request.user, limit=7)
    for s in shifts:
        s.status = q.shift_status(s)
    rows = list(q.councils_visible_to(request.user))
    return render(request, "web/councils/list.html", {"shifts": shifts, "councils": rows})


@login_required
def council_detail(request, pk):
    q, p = _q(), _p()
    council = _or_404(p.access_council, request.user, pk)
    month = q.today().replace(day=1)
    rates = q.completion_rates(council, month, q.today())
    members = q.council_members(council)
    for m in members:
        done, due, rate = rates["members"].get(m.pk, (0, 0, None))
        m.done, m.due, m.rate = done, due, rate
    context = {
        "council": council,
        "members": members,
        "rates": rates,
        "missed": q.missed_shifts(council, limit=20),
        "swaps": list(q.pending_swaps(council)) if p.can_decide_swap(request.user, council) else [],
        "meetings": list(council.meetings.order_by("-held_at")[:10]),
        "history": list(q.membership_history(council)),
        "can_organise": p.can_organise(request.user, council),
        "month": month,
    }
    return render(request, "web/councils/detail.html", context)


@login_required
def council_roster(request, pk):
    q, p = _q(), _p()
    council = _or_404(p.access_council, request.user, pk)
    month = _month(request)
    can_organise = p.can_organise(request.user, council)
    roster, weeks = q.roster_calendar(council, month, drafts=can_organise)
    if request.GET.get("format") == "xlsx":
        from jingzhi.councils import excel

        if roster is None:
            raise Http404(_("该月还没有排班表"))
        return _xlsx(excel.roster_workbook(council, roster, weeks), f"roster-{council.pk}-{month:%Y-%m}")
    me = p.membership(request.user, council)
    return render(
        request,
        "web/councils/roster.html",
        {
            "council": council,
            "roster": roster,
            "weeks": weeks,
            "month": month,
            "prev": _shift_month(month, -1),
            "next": _shift_month(month, 1),
            "can_organise": can_organise,
            "me": me,
            "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        },
    )


@login_required
@require_POST
def council_act(request, pk, name):
    """The organisers' buttons: generate / publish a roster, decide a swap."""
    p, a = _p(), _a()
    council = _or_404(p.access_council, request.user, pk)
    back = request.POST.get("next") or reverse("web:council_detail", args=[council.pk])
    if not back.startswith("/"):
        back = reverse("web:council_detail", args=[council.pk])
    try:
        if name == "generate":
            roster = a.do_generate_roster(
                actor=request.user, council_id=council.pk, month=request.POST.get("month")
            )
            messages.success(request, _("已生成%(m)s的排班表，请核对后发布") % {"m": f"{roster.month:%Y-%m}"})
        elif name == "publish":
            roster = a.do_publish_roster(actor=request.user, roster_id=request.POST.get("roster"))
            messages.success(request, _("排班表已发布，成员已收到通知"))
        elif name in ("approve", "reject"):
            a.do_decide_swap(actor=request.user, swap_id=request.POST.get("swap"), approve=name == "approve")
            messages.success(request, _("已审批换班申请"))
        else:
            raise Http404()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back, status=303)
    return HttpResponseRedirect(back)


# ---------------------------------------------------------------------------------------------------- patrols
@login_required
def shift_page(request, pk):
    q, p, a = _q(), _p(), _a()
    shift = _or_404(p.access_shift, request.user, pk)
    mine = p.can_patrol(request.user, shift)
    error = ""
    if request.method == "POST":
        if not mine:
            raise Http404()
        step = request.POST.get("step", "")
        lon, lat = request.POST.get("lon") or None, request.POST.get("lat") or None
        try:
            if step == "start":
                patrol = a.do_start_patrol(actor=request.user, shift_id=shift.pk, lon=lon, lat=lat)
                if patrol.start_outside_m:
                    messages.warning(
                        request,
                        _("已签到，但您的位置距巡查范围约%(d).0f米，已记录") % {"d": patrol.start_outside_m},
                    )
                else:
                    messages.success(request, _("已签到，开始巡查"))
            elif step == "finding":
                finding = a.do_report_finding(
                    actor=request.user,
                    shift_id=shift.pk,
                    description=request.POST.get("description", ""),
                    lon=lon,
                    lat=lat,
                    photos=request.FILES.getlist("photos"),
                    idempotency_key=request.POST.get("token", ""),
                    client_ip=client_ip(request),
                )
                messages.success(request, _("已上报，案件编号 %(n)s") % {"n": finding.case.number})
            elif step == "finish":
                checklist = {item: True for item in request.POST.getlist("checked")}
                a.do_finish_patrol(
                    actor=request.user,
                    shift_id=shift.pk,
                    lon=lon,
                    lat=lat,
                    checklist=checklist,
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("已签退，本次巡查完成"))
            elif step == "swap":
                a.do_request_swap(
                    actor=request.user,
                    shift_id=shift.pk,
                    to_member_id=request.POST.get("to_member"),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("换班申请已提交，等待理事长审批"))
            else:
                raise Http404()
        except ApplicationError as exc:
            error = exc.message
        else:
            return HttpResponseRedirect(reverse("web:council_shift", args=[shift.pk]))
    patrol = shift.round if q._has_round(shift) else None
    findings = list(patrol.findings.select_related("case")) if patrol else []
    for f in findings:
        f.url = _case_url(f.case)
    others = [m for m in q.council_members(shift.council) if m.pk != shift.member_id]
    return render(
        request,
        "web/councils/shift.html",
        {
            "shift": shift,
            "council": shift.council,
            "status": q.shift_status(shift),
            "patrol": patrol,
            "findings": findings,
            "mine": mine,
            "is_today": shift.day == q.today(),
            "others": others,
            "error": error,
            "token": uuid.uuid4().hex,
        },
        status=400 if error else 200,
    )


# --------------------------------------------------------------------------------------------------- meetings
@login_required
def meetings(request):
    from jingzhi.accounts.models import Department
    from jingzhi.councils import excel

    q = _q()
    items = q.action_items_for(request.user)
    if request.GET.get("format") == "xlsx":
        return _xlsx(excel.action_items_workbook(items, q.today()), f"meeting-actions-{q.today():%Y%m%d}")
    overdue = list(q.action_items_for(request.user, overdue_only=True)[:50])
    error = ""
    codes = _admin_codes(request.user)
    if request.method == "POST":
        try:
            meeting = _a().do_record_meeting(
                actor=request.user,
                kind=request.POST.get("kind", "joint"),
                area_code=request.POST.get("area_code", ""),
                title=request.POST.get("title", ""),
                held_at=request.POST.get("held_at", ""),
                location=request.POST.get("location", ""),
                invited_departments=request.POST.getlist("departments"),
                agenda=[{"title": t} for t in request.POST.get("agenda", "").splitlines() if t.strip()],
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("会议已记录"))
            return HttpResponseRedirect(reverse("web:meeting_detail", args=[meeting.pk]))
    return render(
        request,
        "web/councils/meetings.html",
        {
            "meetings": list(q.meetings_visible_to(request.user)[:50]),
            "overdue": overdue,
            "can_convene": bool(codes),
            "areas": codes,
            "departments": list(Department.objects.filter(is_active=True).order_by("code")) if codes else [],
            "error": error,
        },
        status=400 if error else 200,
    )


def _admin_codes(user) -> list[tuple[str, str]]:
    """The subdistricts a user may convene joint meetings for (code, name)."""
    from jingzhi.geo.queries import subdistricts_for

    p = _p()
    return [(s.code, s.name) for s in subdistricts_for(user)[:50] if p.can_administer(user, s.code)]


@login_required
def meeting_detail(request, pk):
    q, p, a = _q(), _p(), _a()
    meeting = _or_404(p.access_meeting, request.user, pk)
    can_record = p.can_record_meeting(request.user, meeting)
    error = ""
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "item" and can_record:
                a.do_add_action_item(
                    actor=request.user,
                    meeting_id=meeting.pk,
                    title=request.POST.get("title", ""),
                    due_on=request.POST.get("due_on", ""),
                    owner_department=request.POST.get("owner_department") or None,
                    owner_user=_member_user(meeting, request.POST.get("owner_user")),
                    decision_id=request.POST.get("decision") or None,
                )
                messages.success(request, _("任务已布置"))
            elif step == "minutes" and can_record:
                a.do_update_minutes(
                    actor=request.user,
                    meeting_id=meeting.pk,
                    minutes=request.POST.get("minutes", ""),
                    decisions=[t for t in request.POST.get("decisions", "").splitlines() if t.strip()],
                )
                messages.success(request, _("纪要已保存"))
            elif step == "done":
                a.do_complete_action_item(
                    actor=request.user, item_id=request.POST.get("item"), note=request.POST.get("note", "")
                )
                messages.success(request, _("任务已办结"))
            else:
                raise Http404()
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            error = exc.message
        else:
            return HttpResponseRedirect(reverse("web:meeting_detail", args=[meeting.pk]))
    meeting = q.meeting_detail(meeting)
    items = list(meeting.action_items.all())
    for item in items:
        item.overdue = q.is_overdue(item)
        item.can_close = p.can_close_item(request.user, item)
        item.case_url = _case_url(item.case) if item.case_id else ""
    for agenda in meeting.agenda.all():
        agenda.case_url = _case_url(agenda.case) if agenda.case_id else ""
    members = q.council_members(meeting.council) if meeting.council_id else []
    return render(
        request,
        "web/councils/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "can_record": can_record,
            "members": members,
            "departments": list(meeting.invited_departments.all())
            + ([meeting.property_company.department] if meeting.property_company_id else []),
            "error": error,
        },
        status=400 if error else 200,
    )


def _member_user(meeting, value):
    """The owner picked from the council's members (the form offers no one else)."""
    if not value or not meeting.council_id:
        return None
    member = meeting.council.members.filter(user_id=value, is_active=True).select_related("user").first()
    return member.user if member else None


# ---------------------------------------------------------------------------------------------- party members
@login_required
def community_tasks(request):
    from jingzhi.councils.models import TaskKind
    from jingzhi.geo.queries import communities_for

    q, a = _q(), _a()
    error = ""
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "register":
                a.do_register_party_member(
                    actor=request.user,
                    community_code=request.POST.get("community_code", ""),
                    organisation=request.POST.get("organisation", ""),
                    unit_name=request.POST.get("unit_name", ""),
                )
                messages.success(request, _("报到成功"))
            elif step == "publish":
                a.do_publish_task(
                    actor=request.user,
                    community_code=request.POST.get("community_code", ""),
                    kind=request.POST.get("kind", ""),
                    title=request.POST.get("title", ""),
                    starts_at=request.POST.get("starts_at", ""),
                    ends_at=request.POST.get("ends_at", ""),
                    slots=request.POST.get("slots", "5"),
                )
                messages.success(request, _("任务已发布"))
            elif step == "signup":
                a.do_sign_up(actor=request.user, task_id=request.POST.get("task"))
                messages.success(request, _("报名成功"))
            elif step == "in":
                a.do_task_check_in(actor=request.user, signup_id=request.POST.get("signup"))
                messages.success(request, _("已签到"))
            elif step == "out":
                s = a.do_task_check_out(actor=request.user, signup_id=request.POST.get("signup"))
                messages.success(request, _("已签退，本次服务 %(h)s 小时") % {"h": s.hours})
            else:
                raise Http404()
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            error = exc.message
        else:
            return HttpResponseRedirect(reverse("web:community_tasks"))
    p = _p()
    admin_communities = [
        (c.code, c.name)
        for c in communities_for(request.user)[:200]
        if p.can_publish_tasks(request.user, c.code)
    ]
    if request.GET.get("format") == "xlsx" and admin_communities:
        from jingzhi.councils import excel

        month = _month(request)
        return _xlsx(
            excel.hours_workbook(q.hours_by_unit(request.user, month), month), f"party-hours-{month:%Y-%m}"
        )
    signups = q.my_signups(request.user)
    tasks = q.task_board(request.user)
    for t in tasks:
        t.mine = signups.get(t.pk)
    return render(
        request,
        "web/councils/tasks.html",
        {
            "registrations": q.registrations_of(request.user),
            "tasks": tasks,
            "kinds": TaskKind.choices,
            "admin_communities": admin_communities,
            "all_communities": _communities_to_register(),
            "hours": q.hours_by_unit(request.user, q.today()) if admin_communities else [],
            "month": q.today().replace(day=1),
            "error": error,
        },
        status=400 if error else 200,
    )


def _communities_to_register():
    """Every community in the active boundary generation (a party member registers where they live)."""
    from jingzhi.geo.models import Community

    return list(
        Community.objects.filter(generation__is_active=True)
        .order_by("code")
        .values_list("code", "name")[:2000]
    )


# ------------------------------------------------------------------------------------------ property companies
@login_required
def property_companies(request):
    """Property companies in the user's jurisdiction with what the responsibility list sends them; an
    administrator registers one (a handling party, and optionally duty rules for its places)."""
    from jingzhi.geo.queries import subdistricts_for
    from jingzhi.taxonomy.models import Category

    q, p = _q(), _p()
    if not p.is_staff(request.user):
        raise Http404(_("页面不存在"))
    codes = _admin_codes(request.user)
    error, status = "", 200
    if request.method == "POST":
        if not codes:
            raise Http404(_("页面不存在"))
        try:
            company = _a().do_register_property_company(
                actor=request.user,
                name=request.POST.get("name", ""),
                code=request.POST.get("code", ""),
                subdistrict_code=request.POST.get("subdistrict_code", ""),
                places=[c for c in request.POST.get("places", "").replace("，", ",").split(",") if c.strip()],
                contact=request.POST.get("contact", ""),
                phone=request.POST.get("phone", ""),
                categories=request.POST.getlist("categories"),
            )
        except ApplicationError as exc:
            error = exc.message
            status = exc.status
        else:
            messages.success(request, _("物业公司“%(n)s”已登记") % {"n": company.name})
            return HttpResponseRedirect(reverse("web:property_companies"))
    companies = list(q.property_companies_visible_to(request.user)[:200])
    rules = q.company_duty_rules(companies)
    for company in companies:
        company.rules = rules.get(company.pk, [])
    names = {s.code: s.name for s in subdistricts_for(request.user)[:50]}
    for company in companies:
        company.subdistrict_name = names.get(company.subdistrict_code, company.subdistrict_code)
    return render(
        request,
        "web/councils/property.html",
        {
            "companies": companies,
            "areas": codes,
            "categories": list(
                Category.objects.filter(is_active=True).order_by("kind", "code").only("code", "name", "kind")
            )
            if codes
            else [],
            "error": error,
            "form": request.POST if error else {},
        },
        status=status,
    )
