"""The case page: facts, map, deadlines, routing reason, departments, photos, timeline, whistle panel and
exactly the actions `permissions.allowed_actions_for` gives this person — each a small form posting to
`act`, which calls the named action and shows its ApplicationError on the form (a stale version: the
"changed, reload" message with a reload link). Residents (the reporter, a follower) get their own template:
plain-word state, a timeline without staff-only details, and the rate / reopen forms when allowed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from jingzhi.cases import actions, deadlines, permissions, queries, workflow
from jingzhi.cases.models import Rating
from jingzhi.core import prepared
from jingzhi.core.errors import ApplicationError, InvalidInput, NotFound
from jingzhi.core.ids import is_code, parse_count, parse_id
from jingzhi.core.text import in_reader_language
from jingzhi.web import mapdata
from jingzhi.web.casepages.common import (
    error_context,
    error_status,
    get_case,
    is_staff_viewer,
    resident_state_words,
    sla_view,
)

# Keyboard: the n-th allowed action answers to its key (shown beside the button).
ACTION_KEYS = "123456789"
# Actions whose form carries photos (multiple files, camera on phones).
PHOTO_ACTIONS = {workflow.VERIFY, workflow.FEEDBACK, workflow.CHECK_PASS, workflow.CHECK_FAIL}
# What a resident's timeline shows: progress, not the office's internal traffic (returns, supervision,
# extension requests, whistles, reminders are staff matters).
RESIDENT_EVENTS = {
    workflow.OPEN,
    workflow.VERIFY,
    workflow.FILE,
    workflow.NOT_FILE,
    workflow.VOID_ACTION,
    workflow.MERGE,
    workflow.DISPATCH,
    workflow.ACCEPT,
    workflow.PARK,
    workflow.UNPARK,
    workflow.FEEDBACK,
    workflow.CHECK_PASS,
    workflow.CHECK_FAIL,
    workflow.CALLBACK,
    workflow.CLOSE,
    workflow.RATE,
    workflow.REOPEN,
}
RESIDENT_NOTES = {workflow.NOT_FILE, workflow.VOID_ACTION, workflow.FEEDBACK, workflow.PARK}


def map_config(case, *, draggable=False) -> dict:
    """The Leaflet component's settings, centred on the case (grids and streets come from /map/geojson/)."""
    bounds = None
    if case is not None and case.lat is not None:
        pad = 0.0012
        bounds = [[case.lat - pad, case.lon - pad], [case.lat + pad, case.lon + pad]]
    return {
        **mapdata.tile_config(settings),
        "geojson": reverse("web:geojson"),
        "bounds": bounds,
        "highlight": getattr(case, "grid_code", "") or "",
        "level": "grid",
        "labels": {
            "grid": pgettext("地图图层", "网格"),
            "street": pgettext("地图图层", "街巷"),
            "community": pgettext("地图图层", "社区"),
            "none": _("无底图"),
        },
    }


def _int(value, field: str, label: str):
    """A whole number from a form field (ASCII digits only), None when blank."""
    if value in (None, ""):
        return None
    number = parse_count(str(value).strip())
    if number is None:
        raise InvalidInput(
            _("%(label)s须为整数，收到“%(v)s”") % {"label": label, "v": str(value)[:20]},
            fields={field: "invalid"},
        )
    return number


def _ints(values, field: str, label: str) -> list[int]:
    return [n for n in (_int(v, field, label) for v in values) if n is not None]


def run_action(user, case, action: str, post, files):
    """The form of `action` → `actions.do_transition`, the one dispatch keyed by the transition table that
    the API calls too. The form's fields are read as `workflow.ACTION_INPUTS` names them and passed on as
    text; the action parses and checks them. Raises ApplicationError as the action does."""
    data = {}
    for name in workflow.ACTION_INPUTS.get(action, ()):
        data[name] = post.getlist(name) if name == "departments" else post.get(name)
    if action == workflow.DISPATCH and post.get("mode", "auto") != "manual":
        data.pop("departments", None), data.pop("lead", None)  # automatic: by the responsibility list
    return actions.do_transition(
        actor=user,
        case_id=case.pk,
        action=action,
        expected_version=post.get("expected_version") or None,
        note=(post.get("note") or "").strip(),
        photos=files.getlist("photos") if files is not None else [],
        **data,
    )


# ---------------------------------------------------------------------------------------------------- context
def _photos(events):
    before, after = [], []
    for event in events:
        for item in getattr(event, "attachments_list", []):
            (after if item.kind in ("after", "check") else before).append(item)
    return before, after


def _routing(case) -> dict | None:
    routing = case.routing or {}
    if not routing:
        return None
    from jingzhi.duties.models import DutyRule

    ids = [routing.get("rule")] + [b.get("rule") for b in routing.get("beaten_rules", [])]
    rules = prepared.fetch(
        ("case_page_rules",),
        lambda pks: DutyRule.objects.filter(pk__in=pks).select_related("category"),
        [i for i in dict.fromkeys(ids) if i],
    )
    labels = {r.pk: str(r) for r in rules}
    return {
        "reason": in_reader_language(routing.get("reasons"), routing.get("reason", "")),
        "manual": routing.get("manual", False),
        "fallback": routing.get("fallback", False),
        "rule": labels.get(routing.get("rule"), f"#{routing['rule']}" if routing.get("rule") else ""),
        "beaten": [
            {"rule": labels.get(b.get("rule"), f"#{b.get('rule')}"), "why": b.get("why", "")}
            for b in routing.get("beaten_rules", [])
        ],
        "departments": routing.get("departments", []),
    }


def _route_preview(case) -> dict:
    """What automatic dispatch would do now (read only): departments and the reason, or why it cannot."""
    from jingzhi.duties.loader import route
    from jingzhi.duties.routing import Place

    if case.category is None:
        return {"error": _("案件尚无分类，须先确定分类")}
    place = Place(
        grid=case.grid_code or None,
        community=case.community_code or None,
        subdistrict=case.subdistrict_code or None,
        district=case.district_code or None,
        street=case.street_code or None,
        label=case.grid.name if case.grid_id else case.address,
    )
    try:
        decision = route(case.category, place)
    except ApplicationError as exc:
        return {"error": exc.message}
    return {
        "reason": decision.reason,
        "departments": [d.name for d in decision.departments],
        "fallback": decision.fallback,
        "ok": bool(decision.departments),
    }


def _departments_for(case):
    from jingzhi.accounts.models import Department

    qs = Department.objects.filter(is_active=True)
    if case.district_code:
        qs = qs.filter(district_code__in=[case.district_code, ""])
    return list(qs.order_by("is_fallback", "code"))


def _entries(case, allowed):
    out = []
    for i, action in enumerate(allowed):
        transition = workflow.TRANSITIONS.get((case.state, action))
        requires = transition.requires if transition else ()
        out.append(
            {
                "name": action,
                "label": workflow.action_label(action),
                "key": ACTION_KEYS[i] if i < len(ACTION_KEYS) else "",
                "text_required": "reason" in requires or "note" in requires,
                "text_label": _("理由") if "reason" in requires else _("说明"),
                "photos": action in PHOTO_ACTIONS,
            }
        )
    return out


def _whistle_panel(user, case):
    from jingzhi.accounts import access

    whistles = queries.whistles_of(case)
    mine = access.department_ids(user, roles=[workflow.HANDLER])
    for whistle in whistles:
        whistle.can_rate = permissions.can_rate_whistle(user, whistle)
        for summons in whistle.summonses.all():
            summons.mine = (
                summons.department_id in mine or access.is_superuser(user)
            ) and summons.reported_at is None
            summons.rateable = (
                whistle.can_rate
                and summons.rating is None
                and (summons.reported_at is not None or case.state in workflow.FINISHED)
            )
    return whistles


def _file_choice(case, conditions, error, posted) -> dict:
    """What the 立案 form shows selected: after a refused 立案, what the shift lead posted (so a failed submit
    never silently falls back to the old category); otherwise the case's own condition, or the first
    condition of its category."""
    if error and error.get("action") == workflow.FILE and posted is not None:
        return {
            "category": parse_id(posted.get("category")),
            "condition": parse_id(posted.get("filing_condition")),
        }
    condition = case.filing_condition_id
    if condition is None and case.category_id:
        condition = next((c.pk for c in conditions if c.category_id == case.category_id), None)
    return {"category": None, "condition": condition}


class _Facts(dict):
    """An event's data for the timeline: a fact it lacks reads as None, as a missing one does in `{% if %}`
    (so the template only tests facts through it, and prints them under such a test). The template asks each
    event for half a dozen facts few events have, and a missing key cost the template engine three exceptions."""

    def __missing__(self, key):
        return None


def _when(moment) -> str:
    """`moment|date:"m-d H:i"` in the reader's time zone, without the template filter's formatter."""
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


def staff_context(request, case, *, error=None, posted=None) -> dict:
    user = request.user
    allowed = permissions.allowed_actions_for(user, case)
    events = queries.timeline(case)
    for event in events:
        event.from_label = workflow.state_label(event.from_state) if event.from_state else ""
        event.to_label = workflow.state_label(event.to_state) if event.to_state else ""
        event.when = _when(event.created_at)
        event.facts = _Facts(event.data if isinstance(event.data, dict) else {})
    before, after = _photos(events)
    entries = _entries(
        case, workflow.main_path_first(case.state, [a for a in allowed if a != workflow.WHISTLE])
    )
    context = {
        "case": case,
        "sla": sla_view(case.sla()),
        "handle_sla": sla_view(deadlines.handle_sla(case)),
        "handle_outcome": sla_view(deadlines.handle_outcome(case)),
        "roles": sorted(str(workflow.ROLE_LABELS.get(r, r)) for r in permissions.roles_on_case(user, case)),
        "show_reporter": permissions.can_view_reporter(user, case),
        "no_taker": workflow.no_taker_reason(case.state) if queries.has_no_taker(case) else "",
        "events": events,
        "photos_before": before,
        "photos_after": after,
        "routing": _routing(case),
        "assignments": queries.assignments_of(case),
        "actions": entries,
        "action_names": [e["name"] for e in entries],
        "can_whistle": workflow.WHISTLE in allowed,
        "whistles": _whistle_panel(user, case),
        "supervisions": queries.supervisions_of(case),
        "pending_extension": queries.pending_extension_of(case),
        "ratings": Rating.choices,
        "error": error,
        "posted": posted or {},
        "map_config": map_config(case),
        "whistle_limit": deadlines.whistle_limit_minutes(),
        "max_extension": deadlines.max_extension_days() - case.extension_days,
    }
    if workflow.DISPATCH in allowed or workflow.WHISTLE in allowed:
        context["departments"] = _departments_for(case)
    if workflow.DISPATCH in allowed:
        context["route_preview"] = _route_preview(case)
    if workflow.FILE in allowed:
        from jingzhi.taxonomy.queries import active_categories, filing_conditions_of

        context["categories"] = list(
            active_categories().select_related("parent__parent").order_by("kind", "code")
        )
        offered = [*context["categories"], *([case.category] if case.category_id else [])]
        context["conditions"] = filing_conditions_of(offered)
        context["file_choice"] = _file_choice(case, context["conditions"], error, posted)
    return context


def resident_context(request, case, *, error=None, posted=None) -> dict:
    user = request.user
    allowed = permissions.allowed_actions_for(user, case)
    events = [e for e in queries.timeline(case) if e.action in RESIDENT_EVENTS]
    for event in events:
        event.show_note = event.action in RESIDENT_NOTES
        event.state_words = resident_state_words(event.to_state) if event.to_state else ""
    before, after = _photos(events)
    return {
        "case": case,
        "state_words": resident_state_words(case.state),
        "events": events,
        "photos_before": before,
        "photos_after": after,
        "is_reporter": case.reporter_id == user.pk,
        "can_rate": workflow.RATE in allowed,
        "can_reopen": workflow.REOPEN in allowed,
        "ratings": Rating.choices,
        "error": error,
        "posted": posted or {},
        "departments": [a.department.name for a in getattr(case, "active_assignments", [])],
    }


def render_case(request, case, *, error=None, posted=None, status=200):
    if is_staff_viewer(request.user):
        return render(
            request,
            "web/cases/detail.html",
            staff_context(request, case, error=error, posted=posted),
            status=status,
        )
    return render(
        request,
        "web/cases/resident_case.html",
        resident_context(request, case, error=error, posted=posted),
        status=status,
    )


# ---------------------------------------------------------------------------------------------------- views
@login_required
@require_GET
def case_detail(request, ref):
    try:
        case = get_case(request.user, ref)
    except Http404:
        # A department summoned by a whistle may not be on the case: it still needs to know where to go.
        summons_page = _summoned_view(request, ref)
        if summons_page is not None:
            return summons_page
        raise
    return render_case(request, case)


def _summoned_view(request, ref):
    from jingzhi.cases.models import Case

    ref = str(ref)
    case = (
        Case.objects.filter(pk=parse_id(ref) or 0).first()
        if is_code(ref)
        else Case.objects.filter(number=ref).first()
    )
    if case is None:
        return None
    summonses = [
        s
        for s in queries.summonses_for(request.user).filter(whistle__cases=case)
        if permissions.can_report_in(request.user, s)
    ]
    if not summonses or request.user.is_superuser:
        return None
    return render(
        request,
        "web/cases/summoned.html",
        {"case": case, "summonses": summonses, "map_config": map_config(case)},
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def case_act(request, ref, action):
    case = get_case(request.user, ref)
    try:
        run_action(request.user, case, action, request.POST, request.FILES)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        error = {"action": action, "label": workflow.action_label(action), **error_context(exc)}
        fresh = get_case(request.user, case.pk)
        return render_case(request, fresh, error=error, posted=request.POST, status=error_status(exc))
    messages.success(request, _("已办理：%(action)s") % {"action": workflow.action_label(action)})
    return redirect(_safe_next(request, reverse("web:case_detail", args=[case.number])))


@login_required
@require_POST
def case_whistle(request, ref):
    case = get_case(request.user, ref)
    try:
        departments = _ints(request.POST.getlist("departments"), "departments", _("部门"))
        limit = _int(request.POST.get("limit_minutes"), "limit_minutes", _("报到时限"))
        actions.do_blow_whistle(
            actor=request.user,
            case_ids=[case.pk],
            department_ids=departments,
            limit_minutes=limit,
            note=request.POST.get("note", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        error = {"action": "whistle", "label": workflow.action_label(workflow.WHISTLE), **error_context(exc)}
        return render_case(request, case, error=error, posted=request.POST, status=error_status(exc))
    messages.success(request, _("已吹哨，已通知被召集部门"))
    return redirect("web:case_detail", case.number)


def _float(value, field):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(_("定位坐标不是数字"), fields={field: "invalid"}) from None


@login_required
@require_POST
def report_in(request, pk):
    """部门报到 from the case page, the summons page or the workbench's list."""
    try:
        summons = actions.do_report_in(
            actor=request.user,
            summons_id=pk,
            lon=_float(request.POST.get("lon"), "lon"),
            lat=_float(request.POST.get("lat"), "lat"),
            place=request.POST.get("place", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_safe_next(request, reverse("web:cases_workbench")), permanent=False)
    if summons.is_late:
        messages.warning(
            request, _("%(dept)s已报到（超过报到时限，记为迟到）") % {"dept": summons.department.name}
        )
    else:
        messages.success(request, _("%(dept)s已按时报到") % {"dept": summons.department.name})
    return redirect(_safe_next(request, reverse("web:cases_workbench")))


@login_required
@require_POST
def rate_whistle(request, pk):
    try:
        rating = _int(request.POST.get("rating"), "rating", _("评分"))
        if rating is None:
            raise InvalidInput(_("请选择评分（1–5）"), fields={"rating": "required"})
        summons = actions.do_rate_whistle_response(
            actor=request.user, summons_id=pk, rating=rating, comment=request.POST.get("comment", "")
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已评价%(dept)s的报到") % {"dept": summons.department.name})
    return redirect(_safe_next(request, reverse("web:cases_workbench")))
