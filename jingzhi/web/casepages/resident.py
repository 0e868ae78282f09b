"""The resident's pages, mobile first: report a problem (/report/) with photos and a location — browser
geolocation or a pin dragged on the map — while the page suggests a category and shows open reports of the
same kind nearby (htmx, `assist`), so a resident can follow one of them instead of filing a duplicate; and
"my reports" (/my/reports/): own and followed cases in plain words, with rate and reopen when allowed.

Nothing here shows a reporter's name or phone: duplicates list the problem, its state and distance only.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhi.cases import actions, deadlines, permissions, queries, workflow
from jingzhi.cases.models import Rating, Source
from jingzhi.core.clientip import client_ip
from jingzhi.core.errors import ApplicationError, RateLimited
from jingzhi.web.casepages.common import error_context, error_status, resident_state_words
from jingzhi.web.casepages.detail import map_config

PAGE_SIZE = 20


def _may_report(user) -> bool:
    return permissions.can_file_under(user, Source.RESIDENT_WEB)


def _report_bounds(user):
    """Where the pin starts: the resident's own community when they have one, else the first district."""
    from jingzhi.geo import queries as geo_queries
    from jingzhi.geo.models import District

    box = ("min_lon", "min_lat", "max_lon", "max_lat")
    place = geo_queries.communities_for(user).order_by("code").values(*box).first()
    if place is None:
        generation = geo_queries.active_generation()
        place = (
            District.objects.filter(generation=generation).order_by("code").values(*box).first()
            if generation
            else None
        )
    if place is None or place["min_lon"] is None:
        return None
    return [[place["min_lat"], place["min_lon"]], [place["max_lat"], place["max_lon"]]]


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@login_required
def report(request):
    user = request.user
    if not _may_report(user):
        raise DjangoPermissionDenied(_("请以居民身份登录后上报问题"))
    config = map_config(None)
    config["bounds"] = _report_bounds(user)
    config["highlight"] = ""
    context = {
        "map_config": config,
        "max_length": deadlines.description_max(),
        "posted": {},
        "idempotency_key": uuid.uuid4().hex,
    }
    if request.method == "POST":
        post = request.POST
        try:
            case = actions.do_open_case(
                actor=user,
                source=Source.RESIDENT_WEB,
                description=post.get("description", ""),
                lon=_float(post.get("lon")),
                lat=_float(post.get("lat")),
                address=post.get("address", ""),
                photos=request.FILES.getlist("photos"),
                idempotency_key=post.get("idempotency_key", ""),
                duplicate_of=post.get("duplicate_of") or None,
                client_ip=client_ip(request) or "",
            )
        except ApplicationError as exc:
            context.update(
                {
                    "error": error_context(exc),
                    "posted": post,
                    "idempotency_key": post.get("idempotency_key") or context["idempotency_key"],
                }
            )
            response = render(request, "web/cases/report.html", context, status=error_status(exc))
            if isinstance(exc, RateLimited):
                response["Retry-After"] = str(exc.retry_after)
            return response
        if case.state == workflow.MERGED and case.merged_into_id:
            messages.success(
                request, _("已关注案件 %(n)s，处理进展会通知您。") % {"n": case.merged_into.number}
            )
        else:
            messages.success(request, _("已提交，案件编号 %(n)s。处理进展会通知您。") % {"n": case.number})
        return redirect("web:my_reports")
    return render(request, "web/cases/report.html", context)


@login_required
@require_GET
def report_assist(request):
    """htmx: the suggested category for the text so far, and open reports of that kind nearby."""
    from jingzhi.taxonomy.queries import suggest_categories

    text = request.GET.get("description", "")[: deadlines.description_max()]
    suggestions = suggest_categories(text, 3) if text.strip() else []
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    duplicates = []
    if suggestions and lon is not None and lat is not None:
        found = queries.find_duplicates(suggestions[0][0], lon, lat, limit=5)
        duplicates = [
            {"case": c, "metres": round(m), "state": resident_state_words(c.state)} for c, m in found
        ]
    return render(
        request,
        "web/cases/report.html#assist",
        {
            "suggestions": [{"name": c.path_name, "words": words} for c, _score, words in suggestions],
            "duplicates": duplicates,
            "located": lon is not None and lat is not None,
        },
    )


@login_required
@require_GET
def my_reports(request):
    page = Paginator(queries.my_reports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for case in page.object_list:
        allowed = (
            permissions.allowed_actions_for(request.user, case)
            if case.state in (workflow.PENDING_CALLBACK, workflow.CLOSED)
            else []
        )
        rows.append(
            {
                "case": case,
                "words": resident_state_words(case.state),
                "mine": case.reporter_id == request.user.pk,
                "can_rate": workflow.RATE in allowed,
                "can_reopen": workflow.REOPEN in allowed,
            }
        )
    return render(
        request, "web/cases/my_reports.html", {"page": page, "rows": rows, "ratings": Rating.choices}
    )
