"""The resident's pages, mobile first: report a problem (/report/) with photos and a location, while the page
suggests a category and shows open reports of the same kind nearby (htmx, `assist`), so a resident can follow
one of them instead of filing a duplicate; and "my reports" (/my/reports/): own and followed cases in plain
words, with rate and reopen when allowed.

The location is explicit (issue 11): "use my location", a tap on the map, a place picked by name from our own
streets and communities (`report_places`), or the street a board's QR code names (`?street=`). A pin merely
shown at the map's centre is none of these and is not sent. Photos are kept as the resident's drafts
(core.attachments) the moment they arrive, so a report that fails (no location, outside the district, a rate
limit) shows them again with the location, and the report that goes through claims them. An anonymous
visitor is sent to sign in or up by phone (web.phone_login) and comes back to this form, `?street=` and all.

Nothing here shows a reporter's name or phone: duplicates list the problem, its state and distance only.
"""

from __future__ import annotations

import html
import unicodedata
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhi.cases import actions, deadlines, permissions, queries, workflow
from jingzhi.cases.models import Rating, Source
from jingzhi.core.clientip import client_ip
from jingzhi.core.errors import ApplicationError, RateLimited
from jingzhi.web.casepages.common import case_link, error_context, error_status, resident_state_words
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


# Where the location came from; anything else (a pin merely shown at the map's centre) is no location.
LOCATION_SOURCES = ("gps", "map", "place", "street")


def _location_error(exc: ApplicationError) -> str | None:
    """The resident's words for a location problem (never coordinates or the word 经纬度), or None."""
    from jingzhi.cases.exceptions import OutsideJurisdiction

    if getattr(exc, "code", "") == "location_required":
        return _(
            "还不知道问题在哪里。请点“使用我的位置”，或在地图上点一下问题所在的地方，"
            "或输入街巷、社区名称后从列表中选择。"
        )
    if isinstance(exc, OutsideJurisdiction):
        return _("这个位置不在本区的管辖范围内。请在地图上重新选择；如确实在本区，请拨打 12345 热线。")
    fields = exc.fields if isinstance(exc.fields, dict) else {}
    if "lon" in fields or "lat" in fields:
        return _("这个位置无法识别，请在地图上重新选择。")
    return None


def _street_preset(request):
    """The street a board's QR code names (?street=, kept through the form as a hidden field), or None."""
    from jingzhi.geo.queries import public_street

    code = (request.POST.get("street") or request.GET.get("street") or "").strip()
    return public_street(code) if code else None


def _location(post, street) -> dict:
    """The location the form holds: posted (kept across a failed submit) or the QR code's street."""
    source = post.get("location_source", "")
    lon, lat = _float(post.get("lon")), _float(post.get("lat"))
    if lon is not None and lat is not None:
        # The page fills lon/lat only once the resident has said where (never the map's centre); a client
        # that posts coordinates without saying how it chose them is taken as having picked them.
        source = source if source in LOCATION_SOURCES else "map"
        return {"lon": lon, "lat": lat, "source": source, "name": post.get("place_name", "")[:100]}
    if street is not None:
        return {"lon": street.lon, "lat": street.lat, "source": "street", "name": street.name}
    return {"lon": None, "lat": None, "source": "", "name": ""}


def _kept_drafts(user, post) -> list[int]:
    """Drop the drafts the resident removed from the form; the ids still kept, oldest first."""
    from jingzhi.core.attachments import do_discard_drafts, drafts_for

    kept = {int(v) for v in post.getlist("draft_photos") if str(v).isdigit()}
    mine = list(drafts_for(user).values_list("pk", flat=True))
    removed = [pk for pk in mine if pk not in kept]
    if removed:
        do_discard_drafts(actor=user, ids=removed)
    return [pk for pk in mine if pk in kept]


def report(request):
    user = request.user
    if not user.is_authenticated:
        # Residents sign in (or up) by phone here; the form, with its ?street=, is where they come back to.
        from django.utils.http import urlencode

        return redirect(f"{reverse('web:phone_login')}?{urlencode({'next': request.get_full_path()})}")
    if not _may_report(user):
        raise DjangoPermissionDenied(_("请以居民身份登录后上报问题"))
    from jingzhi.core.attachments import do_store_drafts, drafts_for

    street = _street_preset(request)
    config = map_config(None)
    config["bounds"] = street.bounds if street is not None else _report_bounds(user)
    config["highlight"] = ""
    config["public"] = True
    post = request.POST if request.method == "POST" else {}
    context = {
        "map_config": config,
        "max_length": deadlines.description_max(),
        "posted": post,
        "street": street,
        "location": _location(request.POST, street) if post else _location({}, street),
        "idempotency_key": uuid.uuid4().hex,
    }
    if request.method != "POST":
        context["drafts"] = list(drafts_for(user))
        return render(request, "web/cases/report.html", context)
    location = context["location"]
    draft_ids: list[int] = []
    try:
        draft_ids = _kept_drafts(user, post)
        uploads = request.FILES.getlist("photos")
        if uploads:
            # Kept at once as drafts: if the report fails below, the photos are still there next time.
            draft_ids += [a.pk for a in do_store_drafts(actor=user, uploads=uploads)]
        case = actions.do_open_case(
            actor=user,
            # an inspector's quick report from their home is an inspector's report (监督员上报), not a resident's
            source=Source.INSPECTOR
            if permissions.can_file_under(user, Source.INSPECTOR)
            else Source.RESIDENT_WEB,
            description=post.get("description", ""),
            lon=location["lon"],
            lat=location["lat"],
            address=post.get("address", ""),
            draft_photos=draft_ids,
            idempotency_key=post.get("idempotency_key", ""),
            duplicate_of=post.get("duplicate_of") or None,
            client_ip=client_ip(request) or "",
        )
    except ApplicationError as exc:
        error = error_context(exc)
        error["message"] = _location_error(exc) or error["message"]
        context.update(
            {
                "error": error,
                "drafts": list(drafts_for(user)),
                "idempotency_key": post.get("idempotency_key") or context["idempotency_key"],
            }
        )
        response = render(request, "web/cases/report.html", context, status=error_status(exc))
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if case.state == workflow.MERGED and case.merged_into_id:
        messages.success(request, _("已关注案件 %(n)s，处理进展会通知您。") % {"n": case.merged_into.number})
    else:
        messages.success(request, _("已提交，案件编号 %(n)s。处理进展会通知您。") % {"n": case.number})
    return redirect("web:my_reports")


@login_required
@require_GET
def report_places(request):
    """htmx: our own streets and communities whose name contains the text typed (public place names only),
    as buttons that put the pin there."""
    from jingzhi.geo.queries import public_places_named

    text = (request.GET.get("place") or "").strip()
    places = public_places_named(text, limit=8) if text else []
    return render(request, "web/cases/report.html#places", {"places": places, "place_text": text})


@login_required
@require_GET
def report_assist(request):
    """htmx: the suggested category for the text so far, and open reports of that kind nearby; with
    `part=where`, the chosen point named in plain words (community, nearby street) beside the map."""
    from jingzhi.taxonomy.queries import suggest_categories

    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    if request.GET.get("part") == "where":
        return render(request, "web/cases/report.html#where", {"where": _where(lon, lat)})
    text = request.GET.get("description", "")[: deadlines.description_max()]
    suggestions = suggest_categories(text, 3) if text.strip() else []
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


def _where(lon, lat) -> dict | None:
    """The community and nearby street of a point, or whether it lies outside the district; None without one."""
    if lon is None or lat is None:
        return None
    from jingzhi.geo.locate import locate

    try:
        found = locate(lon, lat)
    except ApplicationError:
        return None
    return {
        "inside": found.inside,
        "community": (found.community or {}).get("name", ""),
        "street": (found.street or {}).get("name", ""),
    }


@login_required
@require_GET
def my_reports(request):
    page = Paginator(queries.my_report_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    heads = _report_heads(page.object_list, request.user.pk)
    for case, head in zip(page.object_list, heads, strict=True):
        allowed = (
            permissions.allowed_actions_for(request.user, case)
            if case.state in (workflow.PENDING_CALLBACK, workflow.CLOSED)
            else []
        )
        rows.append(
            {
                "case": case,
                "head": head,
                "can_rate": workflow.RATE in allowed,
                "can_reopen": workflow.REOPEN in allowed,
                "rate_url": _act_url(case, workflow.RATE, allowed),
                "reopen_url": _act_url(case, workflow.REOPEN, allowed),
            }
        )
    return render(
        request,
        "web/cases/my_reports.html",
        # The rating labels translated once for the page, not once per form.
        {"page": page, "rows": rows, "ratings": [(v, str(label)) for v, label in Rating.choices]},
    )


# One report's card up to its forms: `my_reports.html` puts it where the card's markup was, and the output is
# the same. Built here rather than in the template: the template's lookups, filters and translations for a
# page of cards cost more than the rest of the page's Python. Every value is escaped (`html.escape`, what
# Django's `escape` does, without its per-call laziness checks: format_html's eight per card cost more than
# the rest of the card); the words are translated and escaped once for the page.
_HEAD = (
    '<li class="card" data-testid="my-report" data-number="{number}">\n'
    '    <a href="{url}" class="title">{title}</a>\n'
    '    <p class="state-words">{words}</p>\n'
    '    <p class="muted">{number} · {when}{followed}{rating}</p>'
)
TITLE_CHARS = 40


def _report_heads(cases, user_pk) -> list[str]:
    """The cards' markup."""
    link = case_link()  # one reverse for the page's links
    words: dict[tuple[str, str], str] = {}

    def word(kind: str, value: str) -> str:
        if (kind, value) not in words:
            if kind == "state":
                text = resident_state_words(value)
            elif kind == "followed":
                text = " · " + _("我关注的")
            else:  # a rating: its label, or the stored value itself as `get_FOO_display` shows one without
                text = " · " + _("已评价") + _("：") + str(dict(Rating.choices).get(value, value))
            words[kind, value] = html.escape(text)
        return words[kind, value]

    heads = []
    for case in cases:
        number = html.escape(case.number)
        heads.append(
            mark_safe(  # noqa: S308 - every value above is escaped
                _HEAD.format(
                    number=number,
                    url=html.escape(f"{link}{case.number}/"),
                    title=html.escape(_title(case.description)),
                    words=word("state", case.state),
                    # The template's `date:"Y-m-d H:i"`: in the current time zone.
                    when=localtime(case.reported_at).strftime("%Y-%m-%d %H:%M"),
                    followed="" if case.reporter_id == user_pk else word("followed", ""),
                    rating=word("rating", case.rating) if case.rating else "",
                )
            )
        )
    return heads


def _title(description: str) -> str:
    """The template's `truncatechars:40`. A text no longer than that comes back whole (NFC-normalised, as
    Truncator gives it) without Truncator's per-call translation of its ellipsis."""
    text = unicodedata.normalize("NFC", description)
    return text if len(text) <= TITLE_CHARS else Truncator(text).chars(TITLE_CHARS)


def _act_url(case, action: str, allowed) -> str:
    return reverse("web:case_act", args=[case.number, action]) if action in allowed else ""
