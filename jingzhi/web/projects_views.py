"""The 民意立项 pages: the project list (the resident's own projects first), a project's public page with the
resident's and the office's panels, the phone-first vote page, the 民意立项路线图, the printable publicity
notice with its QR code, the household register (import and export) and the Excel exports.

Views are thin: reads through `projects.queries` and `projects.permissions`, writes through
`projects.actions`; an `ApplicationError` becomes a message on the page with a 4xx status, never a 500.
Personal data (households' representatives, phones, objectors' names) appears only in the office's panels.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhi.core.errors import ApplicationError, NotFound
from jingzhi.core.text import listing
from jingzhi.projects import actions, permissions, queries, workflow
from jingzhi.projects import notice as project_notice
from jingzhi.projects.models import Attendee, Ballot, ProjectKind, Round

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _project_or_404(user, pk, *, staff: bool = False):
    try:
        return permissions.access_project(user, pk, staff=staff)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _my_ballot(round_, user):
    """The user's unit's counted ballot in `round_` (shown to that household only), or None."""
    entry = queries.unit_of_user(round_, user) if round_ else None
    if entry is None:
        return entry, None
    digest = actions.unit_digest(round_.pk, entry.unit)
    return entry, Ballot.objects.filter(round=round_, unit_digest=digest, counted=True).first()


def _result(round_):
    return project_notice.round_result(round_)


# ------------------------------------------------------------------------------------------------ list
@login_required
def project_list(request):
    user = request.user
    mine = queries.my_projects(user)
    office = list(queries.projects_for_office(user)[:200]) if permissions.is_office_user(user) else []
    shown = {p.pk for p in mine} | {p.pk for p in office}
    others = [p for p in queries.public_projects()[:200] if p.pk not in shown]
    return render(
        request,
        "web/projects/list.html",
        {
            "mine": mine,
            "office": office,
            "others": others,
            "can_create": permissions.is_office_user(user),
            "can_declare": bool(permissions.household_ids_of(user)),
        },
    )


def route(request):
    """民意立项路线图: the transition table drawn, readable without logging in."""
    rows = [
        {
            "from": workflow.state_label(s),
            "action": workflow.action_label(a),
            "to": workflow.state_label(t.to),
            "who": listing(
                str(workflow.ACTOR_LABELS[x])
                for x in (workflow.OFFICE, workflow.RESIDENT, workflow.SYSTEM)
                if x in t.actors
            ),
            "types": listing(workflow.type_label(k) for k in workflow.TYPES if k in t.types),
        }
        for (s, a), t in workflow.TRANSITIONS.items()
    ]
    return render(
        request,
        "web/projects/route.html",
        {"svg": mark_safe(workflow.diagram_svg()), "rows": rows},  # noqa: S308 - drawn by us, escaped
    )


# ------------------------------------------------------------------------------------------------ create
@login_required
def project_new(request):
    from jingzhi.geo.queries import communities_for, subdistricts_for

    user = request.user
    office = permissions.is_office_user(user)
    if not office and not permissions.household_ids_of(user):
        raise Http404(_("只有街道/区管理员或已登记的居民可以发起项目"))
    kinds = ProjectKind.objects.filter(is_active=True)
    error, fields, posted = "", {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            project = actions.do_create_project(
                actor=user,
                kind=request.POST.get("kind", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                reason=request.POST.get("reason", ""),
                scope_code=request.POST.get("scope_code", ""),
                scope_buildings=request.POST.get("scope_buildings", ""),
                project_type=workflow.SOLICIT
                if office and request.POST.get("as") != "declare"
                else workflow.DECLARE,
            )
        except ApplicationError as exc:
            error, fields = exc.message, exc.fields
        else:
            messages.success(request, _("项目已创建"))
            return HttpResponseRedirect(reverse("web:project_detail", args=[project.pk]))
    scopes = []
    if office:
        scopes = [(s.code, s.name) for s in subdistricts_for(user)] + [
            (c.code, c.name) for c in communities_for(user)
        ]
    else:
        from jingzhi.projects.models import Household

        for h in Household.objects.filter(pk__in=permissions.household_ids_of(user)):
            scopes.append((h.community_code, h.building))
    response = render(
        request,
        "web/projects/new.html",
        {
            "kinds": kinds,
            "office": office,
            "error": error,
            "fields": fields,
            "posted": posted,
            "scopes": scopes,
        },
    )
    if error:
        response.status_code = 400
    return response


# ------------------------------------------------------------------------------------------------ a project
def project_detail(request, pk):
    """The project's page. Public part for anyone (no personal data); the resident's panel for households
    in scope; the office's consoles for its staff."""
    user = request.user
    project = _project_or_404(user, pk)
    kinds = permissions.actors_for(user, project) if user.is_authenticated else set()
    round_ = queries.current_round(project)
    entry, my_ballot = _my_ballot(round_, user) if user.is_authenticated else (None, None)
    office = workflow.OFFICE in kinds
    rules = workflow.Rules.from_data(round_.rules if round_ else project.rules)
    context = {
        "project": project,
        "kinds": kinds,
        "office": office,
        "resident": workflow.RESIDENT in kinds,
        "round": round_,
        "entry": entry,
        "my_ballot": my_ballot,
        "rules": rules,
        "support_text": workflow.percent(rules.support),
        "turnout_text": workflow.percent(rules.turnout),
        "unit_label": workflow.UNIT_LABELS.get(rules.unit, rules.unit),
        "result": _result(round_),
        "events": project.events.all(),
        "meetings": _with_photos(project.meetings.prefetch_related("items", "attendees"), "projects.meeting"),
        "objections": project.objections.all(),
        "milestones": _with_photos(project.milestones.all(), "projects.milestone"),
        "satisfaction": queries.satisfaction_of(project),
        "allowed": workflow.allowed_actions(project.type, project.state, kinds),
        "state_label": workflow.state_label(project.state),
        "type_label": workflow.type_label(project.type),
        "households_in_scope": queries.households_in_scope(project).count(),
        "co_applicants": project.co_applicants.count(),
        "evidence": list(project.evidence_cases.all()[:50]) if office else [],
    }
    if office:
        context.update(
            {
                "reconciliation": queries.reconciliation(round_) if round_ else [],
                "register": list(round_.register.select_related("household").order_by("household__address"))
                if round_
                else [],
                "groups": Attendee.Group.choices,
                "choices": workflow.CHOICE_LABELS.items(),
                "departments": _departments(project),
                # An objection upheld under a kind that says so: approval is refused, only a re-vote remains.
                "revote_required": project.state == workflow.PUBLICITY
                and workflow.Rules.from_data(project.rules).revote_on_objection
                and project.objections.filter(upheld=True).exists(),
            }
        )
    return render(request, "web/projects/detail.html", context)


def _with_photos(rows, owner_type: str) -> list:
    """Each row with `.photos`: its attachments; the thumbnails open only for whom the owner's rule allows,
    so the page lists them only for the office and the households in scope (meetings) or anyone (progress)."""
    from jingzhi.core.attachments import Attachment

    rows = list(rows)
    by_owner: dict[str, list] = {}
    for photo in Attachment.objects.filter(owner_type=owner_type, owner_id__in=[str(r.pk) for r in rows]):
        by_owner.setdefault(photo.owner_id, []).append(photo)
    for row in rows:
        row.photos = by_owner.get(str(row.pk), [])
    return rows


def _departments(project):
    from jingzhi.accounts.models import Department

    return Department.objects.filter(is_active=True, district_code=project.subdistrict_code[:6])


@login_required
def vote(request, pk):
    """The resident's vote page, phone first: one tap per choice; shows what has been recorded."""
    project = _project_or_404(request.user, pk)
    round_ = queries.current_round(project)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            actions.do_cast_ballot(
                actor=request.user, project_id=project.pk, choice=request.POST.get("choice", "")
            )
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("已记录您家的投票，截止前可以修改"))
            return HttpResponseRedirect(reverse("web:project_vote", args=[project.pk]))
    entry, my_ballot = _my_ballot(round_, request.user)
    rules = workflow.Rules.from_data(round_.rules) if round_ else None
    choices = [
        (c, label)
        for c, label in workflow.CHOICE_LABELS.items()
        if c != workflow.PARTIAL or (rules and rules.partial_allowed)
    ]
    response = render(
        request,
        "web/projects/vote.html",
        {
            "project": project,
            "round": round_,
            "entry": entry,
            "my_ballot": my_ballot,
            "choices": choices,
            "open": project.state == workflow.VOTING
            and round_ is not None
            and round_.status == Round.Status.OPEN,
            "error": error,
            "in_scope": workflow.RESIDENT in permissions.actors_for(request.user, project),
        },
    )
    response.status_code = status
    return response


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace("，", ",").replace("\n", ",").split(",") if n.strip()]


def _attendees(text: str) -> list[tuple[str, str]]:
    """One attendee per line: 姓名 身份 (身份 by its Chinese label or code)."""
    groups = {str(label): code for code, label in Attendee.Group.choices} | {
        c: c for c, _l in Attendee.Group.choices
    }
    people = []
    for line in text.splitlines():
        parts = line.replace("，", " ").replace(",", " ").split()
        if parts:
            people.append((parts[0], groups.get(parts[1], parts[1]) if len(parts) > 1 else "representative"))
    return people


def _items(request) -> list[dict]:
    items = []
    for n in range(1, 4):
        title = request.POST.get(f"item{n}_title", "").strip()
        if title:
            items.append(
                {
                    "title": title,
                    "notes": request.POST.get(f"item{n}_notes", ""),
                    "for": request.POST.get(f"item{n}_for") or 0,
                    "against": request.POST.get(f"item{n}_against") or 0,
                    "abstain": request.POST.get(f"item{n}_abstain") or 0,
                }
            )
    return items


def _rules_from(request) -> dict:
    data = {}
    for key in ("support", "turnout", "unit", "publicity_days"):
        if request.POST.get(key):
            data[key] = request.POST[key]
    return data


ACTS = {
    "decide": lambda r, u, p: (
        actions.do_decide(actor=u, project_id=p, action=r.POST.get("action", ""), note=r.POST.get("note", ""))
        and _("已办理")
    ),
    "cosign": lambda r, u, p: actions.do_cosign(actor=u, project_id=p) and _("您家已联署"),
    "meeting": lambda r, u, p: (
        actions.do_record_meeting(
            actor=u,
            project_id=p,
            title=r.POST.get("title", ""),
            held_at=r.POST.get("held_at", ""),
            place=r.POST.get("place", ""),
            notice=r.POST.get("notice", ""),
            invited_groups=r.POST.getlist("invited_groups"),
            quorum=r.POST.get("quorum") or 1,
            attendees=_attendees(r.POST.get("attendees", "")),
            items=_items(r),
            minutes=r.POST.get("minutes", ""),
            photos=r.FILES.getlist("photos"),
        )
        and _("议事协商会已记录")
    ),
    "confirm": lambda r, u, p: (
        actions.do_confirm_minutes(
            actor=u, meeting_id=r.POST.get("meeting", ""), names=_names(r.POST.get("names", ""))
        )
        and _("纪要确认已记录")
    ),
    "open_vote": lambda r, u, p: (
        actions.do_open_vote(
            actor=u,
            project_id=p,
            question=r.POST.get("question", ""),
            closes_at=r.POST.get("closes_at", ""),
            rules=_rules_from(r),
        )
        and _("表决已开启，名册已冻结")
    ),
    "new_round": lambda r, u, p: (
        actions.do_new_round(actor=u, project_id=p, rules=_rules_from(r), reason=r.POST.get("reason", ""))
        and _("已按新规则开启新一轮表决")
    ),
    "paper": lambda r, u, p: (
        actions.do_cast_ballot(
            actor=u,
            project_id=p,
            choice=r.POST.get("choice", ""),
            channel=r.POST.get("channel", "paper"),
            household_id=r.POST.get("household", ""),
            signed_name=r.POST.get("signed_name", ""),
        )
        and _("选票已录入")
    ),
    "close_vote": lambda r, u, p: actions.do_close_vote(actor=u, project_id=p) and _("表决已结束并计票"),
    "object": lambda r, u, p: (
        actions.do_object(actor=u, project_id=p, grounds=r.POST.get("grounds", ""))
        and _("异议已提交，答复将在本页公开")
    ),
    "answer": lambda r, u, p: (
        actions.do_answer_objection(
            actor=u,
            objection_id=r.POST.get("objection", ""),
            answer=r.POST.get("answer", ""),
            upheld=bool(r.POST.get("upheld")),
        )
        and _("异议已答复")
    ),
    "revote": lambda r, u, p: (
        actions.do_revote(
            actor=u, project_id=p, reason=r.POST.get("reason", ""), closes_at=r.POST.get("closes_at", "")
        )
        and _("已重新开启表决")
    ),
    "approve": lambda r, u, p: (
        actions.do_approve(actor=u, project_id=p, note=r.POST.get("note", "")) and _("已立项")
    ),
    "delivery": lambda r, u, p: (
        actions.do_start_delivery(
            actor=u,
            project_id=p,
            department=r.POST.get("department") or None,
            vendor=r.POST.get("vendor", ""),
            budget=r.POST.get("budget", ""),
        )
        and _("已开始实施")
    ),
    "milestone": lambda r, u, p: (
        actions.do_record_milestone(
            actor=u,
            project_id=p,
            title=r.POST.get("title", ""),
            progress=r.POST.get("progress", ""),
            note=r.POST.get("note", ""),
            case_number=r.POST.get("case_number", ""),
            photos=r.FILES.getlist("photos"),
        )
        and _("进度已记录")
    ),
    "accept": lambda r, u, p: (
        actions.do_accept_delivery(
            actor=u,
            project_id=p,
            note=r.POST.get("note", ""),
            representatives=r.POST.get("representatives", ""),
        )
        and _("已验收")
    ),
    "rate": lambda r, u, p: (
        actions.do_rate(
            actor=u, project_id=p, score=r.POST.get("score", ""), comment=r.POST.get("comment", "")
        )
        and _("感谢您的评价")
    ),
}


@login_required
@require_POST
def project_act(request, pk, name):
    """One small form → one action → back to the project page with a message (an error keeps its 4xx)."""
    project = _project_or_404(request.user, pk)
    handler = ACTS.get(name)
    if handler is None:
        raise Http404()
    anchor = request.POST.get("anchor", "")
    try:
        messages.success(request, handler(request, request.user, project.pk))
    except ApplicationError as exc:
        # The project page again with the refusal on it, answered with the refusal's 4xx status.
        messages.error(request, exc.message)
        if request.headers.get("HX-Request"):
            return HttpResponse(exc.message, status=exc.status)
        request.method = "GET"
        response = project_detail(request, project.pk)
        response.status_code = exc.status
        return response
    return HttpResponseRedirect(
        reverse("web:project_detail", args=[project.pk]) + (f"#{anchor}" if anchor else "")
    )


# ------------------------------------------------------------------------------------------------ print and export
def notice(request, pk):
    """The printable publicity notice (A4, Chinese) with a QR code to the project's page."""
    try:
        project = project_notice.access_notice(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    url = request.build_absolute_uri(reverse("web:project_detail", args=[project.pk]))
    return render(
        request,
        "web/projects/notice.html",
        {
            "project": project,
            "url": url,
            "qr": mark_safe(project_notice.qr_svg(url)),  # noqa: S308 - our own SVG
            **project_notice.notice_facts(project),
        },
    )


@login_required
def register(request):
    """The office's household register: import a spreadsheet (all or nothing) and export it."""
    if not permissions.is_office_user(request.user):
        raise Http404(_("只有街道/区管理员可以管理住户登记"))
    error, problems, status = "", [], 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ApplicationError(_("请选择要导入的 Excel 文件"), fields={"file": "required"})
            saved = actions.do_import_register(actor=request.user, source=upload)
        except ApplicationError as exc:
            error, status = exc.message, exc.status
            problems = exc.fields.get("problems", [])
        else:
            messages.success(request, _("已导入 %(n)d 户") % {"n": len(saved)})
            return HttpResponseRedirect(reverse("web:projects_register"))
    households = queries.register_for(request.user)
    if request.GET.get("format") == "xlsx":
        data = actions.export_register(households.prefetch_related("people__user"))
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="register.xlsx"'
        return response
    response = render(
        request,
        "web/projects/register.html",
        {"households": households[:300], "count": households.count(), "error": error, "problems": problems},
    )
    response.status_code = status
    return response


@login_required
def export_results(request, pk):
    """Results and ballots of every round as a spreadsheet (`actions.export_results`: as each round's
    secrecy allows); the office only."""
    project = _project_or_404(request.user, pk, staff=True)
    response = HttpResponse(actions.export_results(project), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="project-{project.pk}.xlsx"'
    return response
