"""The 腾退空间 pages: the registry (list, state/origin filters, tallies, a map drawn from the spaces' own
geometry on the offline map code), a space's page with its history, re-checks and merchants, the
phone-first re-check form (动态清零), the coverage map and gap table per service kind, the ledger export
and its printable monthly form, and the ledger and service-point imports.

Views are thin: reads through `spaces.queries` (scoped), objects through `spaces.permissions.access_space`
(missing and forbidden are the same 404), writes through `spaces.actions`; an `ApplicationError` becomes a
message on the page with its 4xx status, never a 500.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhi.core.errors import ApplicationError, NotFound
from jingzhi.web import mapdata

STATE_COLOURS = {
    "vacated": "#6b7280",
    "awaiting": "#ca8a04",
    "planning": "#2563eb",
    "building": "#7c3aed",
    "in_use": "#15803d",
    "rebound": "#dc2626",
}


def _space_or_404(user, pk):
    from jingzhi.spaces.permissions import access_space

    try:
        return access_space(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _require_viewer(user):
    from jingzhi.spaces.permissions import can_view_spaces

    if not can_view_spaces(user):
        raise Http404(_("页面不存在"))


def _bounds(spaces) -> list | None:
    points = [(s.lat, s.lon) for s in spaces]
    if not points:
        return None
    pad = 0.002
    return [
        [min(p[0] for p in points) - pad, min(p[1] for p in points) - pad],
        [max(p[0] for p in points) + pad, max(p[1] for p in points) + pad],
    ]


def _grid_bounds(user) -> list | None:
    from jingzhi.geo.queries import grids_for

    boxes = [
        b for b in grids_for(user).values_list("min_lon", "min_lat", "max_lon", "max_lat") if None not in b
    ]
    if not boxes:
        return None
    return [
        [min(b[1] for b in boxes), min(b[0] for b in boxes)],
        [max(b[3] for b in boxes), max(b[2] for b in boxes)],
    ]


# --------------------------------------------------------------------------------------------- registry
@login_required
def spaces(request):
    from jingzhi.spaces import permissions, queries
    from jingzhi.spaces.workflow import Origin, State

    _require_viewer(request.user)
    f = {k: (request.GET.get(k) or "").strip() for k in ("state", "origin", "subdistrict", "q")}
    rows = list(queries.spaces_for(request.user, **f))
    context = {
        "rows": rows,
        "f": f,
        "states": State.choices,
        "origins": Origin.choices,
        "board": queries.dashboard(request.user),
        "overdue": list(queries.overdue_rechecks(request.user)[:50]),
        "colours": STATE_COLOURS,
        "can_import": permissions.can_register_spaces(request.user),
        "map_config": {
            **mapdata.tile_config(settings),
            "geojson": reverse("web:spaces_geojson") + "?" + request.GET.urlencode(),
            # Community outlines from the places map, so the spaces sit in their neighbourhoods without tiles.
            "outlines": reverse("web:geojson") + "?level=community",
            "bounds": _bounds(rows) or _grid_bounds(request.user),
            "colours": STATE_COLOURS,
            "labels": {k: str(v) for k, v in State.choices},
        },
    }
    return render(request, "web/spaces/list.html", context)


@require_GET
def spaces_geojson(request):
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "message": _("请先登录"), "fields": {}}, status=401)
    from jingzhi.spaces import queries

    f = {k: (request.GET.get(k) or "").strip() for k in ("state", "origin", "subdistrict", "q")}
    data = queries.space_features(queries.spaces_for(request.user, **f)[:5000])
    for feature in data["features"]:
        feature["properties"]["url"] = reverse("web:space_detail", args=[feature["properties"]["id"]])
        feature["properties"]["colour"] = STATE_COLOURS.get(feature["properties"]["state"], "#6b7280")
    return JsonResponse(data)


@login_required
def ledger_export(request):
    from jingzhi.spaces import queries

    _require_viewer(request.user)
    f = {k: (request.GET.get(k) or "").strip() for k in ("state", "origin", "subdistrict", "q")}
    data = queries.ledger_xlsx(queries.spaces_for(request.user, **f))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="spaces-ledger.xlsx"'
    return response


@login_required
def ledger_print(request):
    """The monthly ledger on paper: every space with its state, and what changed in the month."""
    from jingzhi.spaces import queries
    from jingzhi.spaces.models import SpaceEvent

    _require_viewer(request.user)
    today = queries.today()
    raw = (request.GET.get("month") or f"{today:%Y-%m}").strip()
    try:
        year, month = (int(x) for x in raw.split("-"))
        start = date(year, month, 1)
    except ValueError:
        start, raw = date(today.year, today.month, 1), f"{today:%Y-%m}"
        messages.error(request, _("月份应为 YYYY-MM，已显示本月"))
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    rows = list(queries.spaces_for(request.user))
    events = (
        SpaceEvent.objects.filter(space__in=rows, at__date__gte=start, at__date__lt=end)
        .select_related("space")
        .order_by("at")
    )
    context = {"rows": rows, "events": events, "month": raw, "board": queries.dashboard(request.user)}
    return render(request, "web/spaces/print.html", context)


@login_required
@require_POST
def ledger_import(request):
    from jingzhi.spaces.actions import do_import_ledger

    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择台账文件"))
        return redirect("web:spaces")
    try:
        created = do_import_ledger(actor=request.user, file=upload)
    except ApplicationError as exc:
        return _list_with_error(request, exc)
    messages.success(request, _("已导入 %(n)d 处腾退空间") % {"n": len(created)})
    return redirect("web:spaces")


def _list_with_error(request, exc: ApplicationError):
    problems = (exc.fields or {}).get("problems") or []
    messages.error(request, exc.message if not problems else _("导入失败，未写入任何数据："))
    for problem in problems[:50]:
        messages.error(request, problem)
    response = spaces(request)
    response.status_code = exc.status
    return response


@login_required
def space_new(request):
    """Register a vacated space in the field: where (this phone's location or typed coordinates), how big,
    from what, with photos."""
    from jingzhi.spaces import actions, permissions, queries
    from jingzhi.spaces.workflow import Origin

    if not permissions.can_register_spaces(request.user):
        raise Http404(_("页面不存在"))
    context = {
        "origins": Origin.choices,
        "uses": list(queries.uses()),
        "posted": {},
        "today": queries.today().isoformat(),
    }
    if request.method == "POST":
        post = request.POST
        try:
            space = actions.do_register_space(
                actor=request.user,
                name=post.get("name", ""),
                address=post.get("address", ""),
                area_m2=post.get("area_m2", ""),
                origin=post.get("origin", ""),
                vacated_on=post.get("vacated_on", ""),
                lon=post.get("lon") or None,
                lat=post.get("lat") or None,
                underground=post.get("underground") == "1",
                owner=post.get("owner", ""),
                manager=post.get("manager", ""),
                planned_use=post.get("planned_use") or None,
                photos=request.FILES.getlist("photos"),
            )
        except ApplicationError as exc:
            context.update(error=exc.message, posted=post)
            return render(request, "web/spaces/new.html", context, status=exc.status)
        messages.success(request, _("已登记腾退空间 %(n)s") % {"n": space.number})
        return redirect("web:space_detail", pk=space.pk)
    return render(request, "web/spaces/new.html", context)


# ------------------------------------------------------------------------------------------------ detail
def _detail_context(request, space) -> dict:
    from jingzhi.core.attachments import attachments_for
    from jingzhi.spaces import permissions, queries, workflow
    from jingzhi.spaces.models import Livelihood

    events = queries.history(space)
    for e in events:
        e.from_label = workflow.label(e.from_state) if e.from_state else ""
        e.to_label = workflow.label(e.to_state) if e.to_state else ""
    rechecks = queries.rechecks_of(space)
    for r in rechecks:
        r.photos = list(attachments_for(r))
        r.case_url = reverse("web:case_detail", args=[r.case_id]) if r.case_id else ""
    return {
        "space": space,
        "events": events,
        "rechecks": rechecks,
        "merchants": list(queries.merchants_for(request.user, space=space)),
        # Residents' names are personal data: only the staff who manage the space see them.
        "livelihoods": list(space.livelihoods.select_related("case"))
        if permissions.can_manage_space(request.user, space)
        else [],
        "impacts": Livelihood.Impact.choices,
        "photos": list(attachments_for(space)),
        "can_manage": permissions.can_manage_space(request.user, space),
        "can_recheck": permissions.can_recheck_space(request.user, space),
        "targets": [(s, workflow.label(s)) for s in workflow.allowed_targets(space.state)],
        "uses": list(queries.uses()),
        "overdue": workflow.is_overdue(space.next_recheck_on, queries.today()),
        "today": queries.today().isoformat(),
        "colour": STATE_COLOURS.get(space.state),
        "map_config": {
            **mapdata.tile_config(settings),
            "grid": _grid_geometry(space.grid_code),
            "feature": {
                "type": "Feature",
                "geometry": space.geometry,
                "properties": {"colour": STATE_COLOURS.get(space.state)},
            },
            "bounds": [[space.lat - 0.002, space.lon - 0.002], [space.lat + 0.002, space.lon + 0.002]],
        },
    }


def _grid_geometry(code: str) -> dict | None:
    from jingzhi.geo.models import Grid

    return (
        Grid.objects.filter(generation__is_active=True, code=code).values_list("geometry", flat=True).first()
    )


@login_required
def space_detail(request, pk):
    space = _space_or_404(request.user, pk)
    return render(request, "web/spaces/detail.html", _detail_context(request, space))


def _merchant_of(user, space, post) -> int:
    """The posted merchant id, when it is one of this space's merchants (else the access helper's 404)."""
    from jingzhi.spaces.permissions import access_merchant

    merchant = access_merchant(user, post.get("merchant", ""))
    if merchant.space_id != space.pk:
        access_merchant(user, 0)
    return merchant.pk


@login_required
@require_POST
def space_act(request, pk, name):
    """One form on the space's page: change state, record the safety conditions, relocated merchants (add,
    follow up, support delivered, close)."""
    from jingzhi.spaces import actions

    space = _space_or_404(request.user, pk)
    post = request.POST
    try:
        if name == "state":
            actions.do_change_space_state(
                actor=request.user,
                space_id=space.pk,
                to_state=post.get("to_state", ""),
                reason=post.get("reason", ""),
                planned_use=post.get("planned_use") or None,
                actual_use=post.get("actual_use") or None,
                expected_version=post.get("version"),
            )
            messages.success(request, _("状态已更新"))
        elif name == "edit":
            actions.do_edit_space(
                actor=request.user,
                space_id=space.pk,
                reason=post.get("reason", ""),
                expected_version=post.get("version"),
                # The fields the form sent; the action's EDITABLE decides what may change (uses change with the
                # state form, which sends none of these).
                **{key: post.get(key, "") for key in actions.EDITABLE if key in post},
            )
            messages.success(request, _("登记信息已修改"))
        elif name == "safety":
            actions.do_record_safety(
                actor=request.user, space_id=space.pk, record=post.get("safety_record", "")
            )
            messages.success(request, _("安全条件已登记"))
        elif name == "merchant":
            item = (post.get("support_item") or "").strip()
            actions.do_add_merchant(
                actor=request.user,
                space_id=space.pk,
                name=post.get("merchant_name", ""),
                destination=post.get("destination", ""),
                business=post.get("business", ""),
                contact=post.get("contact", ""),
                support=[(item, post.get("promised_on", ""))] if item else [],
            )
            messages.success(request, _("外迁商户已登记"))
        elif name == "follow_up":
            actions.do_add_follow_up(
                actor=request.user,
                merchant_id=_merchant_of(request.user, space, post),
                on=post.get("on", ""),
                note=post.get("note", ""),
            )
            messages.success(request, _("回访已记录"))
        elif name == "deliver":
            actions.do_deliver_support(
                actor=request.user, support_id=post.get("support", ""), delivered_on=post.get("on", "")
            )
            messages.success(request, _("扶持事项已兑现"))
        elif name == "livelihood":
            row = actions.do_record_livelihood(
                actor=request.user,
                space_id=space.pk,
                person=post.get("person", ""),
                impact=post.get("impact", ""),
                assistance=post.get("assistance", ""),
                needs_action=post.get("needs_action") == "1",
                request=post.get("request", ""),
            )
            if row.case_id:
                messages.success(request, _("已登记，并生成案件 %(n)s") % {"n": row.case.number})
            else:
                messages.success(request, _("已登记受影响居民"))
        elif name == "close_merchant":
            actions.do_close_merchant(
                actor=request.user, merchant_id=_merchant_of(request.user, space, post), on=post.get("on", "")
            )
            messages.success(request, _("已结束跟踪"))
        else:
            raise Http404(_("页面不存在"))
    except ApplicationError as exc:
        space = _space_or_404(request.user, pk)
        context = _detail_context(request, space)
        context["error"] = exc.message
        context["edit_error"] = name == "edit"
        return render(request, "web/spaces/detail.html", context, status=exc.status)
    return redirect("web:space_detail", pk=space.pk)


@login_required
def space_recheck(request, pk):
    """The re-check form, made for a phone in the field: the result, a note, photos and the location."""
    from jingzhi.spaces import actions, permissions, queries

    space = _space_or_404(request.user, pk)
    if not permissions.can_recheck_space(request.user, space):
        raise Http404(_("页面不存在"))
    context = {"space": space, "today": queries.today().isoformat(), "posted": {}}
    if request.method == "POST":
        post = request.POST
        try:
            recheck = actions.do_record_recheck(
                actor=request.user,
                space_id=space.pk,
                checked_on=post.get("checked_on", ""),
                outcome=post.get("outcome", ""),
                note=post.get("note", ""),
                photos=request.FILES.getlist("photos"),
                lon=post.get("lon") or None,
                lat=post.get("lat") or None,
            )
        except ApplicationError as exc:
            context.update(error=exc.message, posted=post)
            return render(request, "web/spaces/recheck.html", context, status=exc.status)
        if recheck.case_id:
            messages.warning(
                request, _("已记录反弹，并生成案件 %(n)s，将按职责清单派遣") % {"n": recheck.case.number}
            )
        else:
            messages.success(request, _("复查已记录：未反弹"))
        return redirect("web:space_detail", pk=space.pk)
    return render(request, "web/spaces/recheck.html", context)


# ------------------------------------------------------------------------------------------------ coverage
@login_required
def coverage_page(request):
    from jingzhi.spaces import permissions, queries

    _require_viewer(request.user)
    kinds = list(queries.service_kinds())
    chosen = (request.GET.get("kind") or "").strip()
    result = queries.coverage_for(request.user)
    shares = [(k, result.share(k.code)) for k in kinds]
    current = next((k for k in kinds if k.code == chosen), None)
    gaps = [g for g in result.gaps if current is None or g.kind.code == current.code]
    context = {
        "kinds": kinds,
        "current": current,
        "shares": shares,
        "gaps": gaps,
        "result": result,
        "can_import": permissions.can_configure(request.user),
        "map_config": {
            **mapdata.tile_config(settings),
            "geojson": reverse("web:spaces_coverage_geojson") + (f"?kind={current.code}" if current else ""),
            "bounds": _grid_bounds(request.user),
        },
    }
    return render(request, "web/spaces/coverage.html", context)


@require_GET
def coverage_geojson(request):
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "message": _("请先登录"), "fields": {}}, status=401)
    from jingzhi.spaces import permissions, queries
    from jingzhi.spaces.models import ServicePoint

    if not permissions.can_view_spaces(request.user):
        return JsonResponse({"code": "not_found", "message": _("页面不存在"), "fields": {}}, status=404)
    kinds = list(queries.service_kinds())
    code = (request.GET.get("kind") or "").strip() or (kinds[0].code if kinds else "")
    result = queries.coverage_for(request.user, kind_codes=[code])
    grids = result.grid_features(code)
    points = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": name, "point": True},
        }
        for name, lon, lat in ServicePoint.objects.filter(kind__code=code).values_list("name", "lon", "lat")[
            :20000
        ]
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": grids["features"] + points,
            "method": result.method,
            "note": result.note,
        }
    )


@login_required
@require_POST
def points_import(request):
    from jingzhi.spaces.actions import do_import_service_points

    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ApplicationError(_("请选择网点文件"))
        made = do_import_service_points(
            actor=request.user, file=upload, filename=upload.name, replace=request.POST.get("replace") == "1"
        )
    except ApplicationError as exc:
        for problem in [exc.message, *((exc.fields or {}).get("problems") or [])[:50]]:
            messages.error(request, problem)
        return redirect("web:spaces_coverage")
    messages.success(request, _("已导入便民网点 %(n)d 个") % {"n": len(made)})
    return redirect("web:spaces_coverage")


@login_required
@require_POST
def network_import(request):
    from jingzhi.spaces.actions import do_import_walk_network

    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ApplicationError(_("请选择路网文件"))
        row = do_import_walk_network(actor=request.user, file=upload, filename=upload.name)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:spaces_coverage")
    if row.connected:
        messages.success(request, _("步行路网已导入（%(n)d 段），覆盖按路网距离计算") % {"n": row.segments})
    else:
        messages.warning(
            request, _("步行路网已导入，但未采用：%(why)s；覆盖仍按直线距离计算") % {"why": row.message}
        )
    return redirect("web:spaces_coverage")


@login_required
def gaps_export(request):
    from jingzhi.spaces import queries

    _require_viewer(request.user)
    kind = (request.GET.get("kind") or "").strip()
    result = queries.coverage_for(request.user, kind_codes=[kind] if kind else None)
    response = HttpResponse(
        queries.gaps_xlsx(result),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="service-gaps.xlsx"'
    return response
