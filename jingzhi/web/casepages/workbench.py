"""The staff workbench (/cases/): one tab per work queue with its count, filters, warning lights, a page of
the queue and a map of it; htmx swaps only the queue panel (django-template-partials `panel`) when a tab,
a filter or a page changes. Keyboard: j/k move, Enter opens, `/` searches (static web/cases.js).

Every row comes from `cases.queries.queue_for` (scoped, pre-joined): the page costs a fixed number of
queries whatever the queue's length. Warning levels are computed from the stored deadlines at read time;
"red" is a SQL filter (past the step deadline), "yellow"/"green" need the working calendar, so they are
sorted out in Python among the most urgent rows (the queue is ordered by deadline, so they come first).
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jingzhi.accounts import access
from jingzhi.cases import deadlines, queries, workflow
from jingzhi.cases.models import Source
from jingzhi.core.ids import parse_id
from jingzhi.web.casepages.common import LEVEL_COLOURS, case_link, is_staff_viewer, sla_view

PAGE_SIZE = 25
MAP_POINTS = 300
COUNT_CAP = 1000  # a tab counts at most this many cases and then shows "999+"
# The queues in the order of the loop, then the side queues.
TABS = (
    "verify",
    "filing",
    "dispatch",
    "response",
    "handling",
    "check",
    "callback",
    "supervision",
    "parked",
    "closed",
)
# Where each role starts its day.
ROLE_START = (
    ("operator", "verify"),
    ("inspector", "verify"),
    ("shift_lead", "filing"),
    ("dispatcher", "dispatch"),
    ("handler", "response"),
    ("subdistrict_admin", "supervision"),
    ("district_admin", "supervision"),
)
LEVEL_CHOICES = (
    (workflow.RED, gettext_lazy("超时（红）")),
    (workflow.YELLOW, gettext_lazy("临期（黄）")),
    (workflow.GREEN, gettext_lazy("正常（绿）")),
)


def default_queue(user, counts: dict[str, int], tabs=TABS) -> str:
    roles = access.roles_of(user)
    for role, queue in ROLE_START:
        if role in roles and queue in tabs:
            return queue
    return next((name for name in tabs if counts.get(name)), tabs[0] if tabs else "verify")


def _filters(request) -> dict:
    get = request.GET
    category = get.get("category", "").strip()
    return {
        "q": get.get("q", "").strip()[:100],
        "category": parse_id(category),
        "subdistrict": get.get("subdistrict", "").strip()[:32],
        "community": get.get("community", "").strip()[:32],
        "source": get.get("source", "").strip() if get.get("source", "") in Source.values else "",
        "level": get.get("level", "") if get.get("level", "") in dict(LEVEL_CHOICES) else "",
        # "none": only the cases no one can take (cases.queries.no_taker_q).
        "taker": "none" if get.get("taker", "") == "none" else "",
    }


def filtered_queue(user, queue: str, f: dict, now):
    qs = queries.queue_for(
        user,
        queue,
        category=f["category"],
        subdistrict_code=f["subdistrict"],
        source=f["source"],
        search=f["q"],
        now=now,
        overdue=True if f["level"] == workflow.RED else (False if f["level"] else None),
        no_taker=True if f["taker"] == "none" else None,
    )
    if f["community"]:
        qs = qs.filter(community_code=f["community"])
    return qs


def searched_queues(user, names, f: dict, now):
    """The search `f["q"]` over all the queues `names`, narrowed by the other filters like a queue is."""
    qs = queries.search_queues(user, f["q"], names=names, now=now)
    if f["category"] is not None:
        qs = qs.filter(category_id=f["category"])
    for field in ("subdistrict", "community"):
        if f[field]:
            qs = qs.filter(**{f"{field}_code": f[field]})
    if f["source"]:
        qs = qs.filter(source=f["source"])
    if f["taker"] == "none":
        qs = qs.filter(queries.no_taker_q())
    if f["level"] == workflow.RED:
        qs = qs.filter(step_deadline__lt=now)
    elif f["level"]:
        qs = qs.exclude(step_deadline__lt=now)
    return qs


def _light(case, now):
    sla = sla_view(case.sla(now))
    return sla


@login_required
@require_GET
def workbench(request):
    user = request.user
    if not is_staff_viewer(user):
        raise DjangoPermissionDenied(_("工作台仅供工作人员使用；居民请在“我的上报”查看进度。"))
    from jingzhi.core import clock

    now = clock.now()
    queue = request.GET.get("queue", "")
    # A department user's tabs are its department queues (`queries.queue_names_for`); a queue outside them
    # still opens when asked for by name, and then has its tab too.
    tabs = [n for n in TABS if n in queries.queue_names_for(user) or n == queue]
    # 已结案 is history that grows without end: counted only when it is the tab being looked at.
    names = [n for n in tabs if n != "closed" or queue == "closed"]
    counts = queries.queue_counts(user, now=now, names=names, cap=COUNT_CAP)
    if queue not in queries.QUEUES:
        queue = default_queue(user, counts, tabs)
    f = _filters(request)
    # A search looks in every queue the user works from, each hit labelled with its tabs.
    searched = list(queries.queue_names_for(user)) if f["q"] else []
    qs = searched_queues(user, searched, f, now) if searched else filtered_queue(user, queue, f, now)
    if f["level"] in (workflow.YELLOW, workflow.GREEN):
        rows = queries.at_warning_level(qs, f["level"], now)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    link = case_link()
    for case in cases:
        case.url = f"{link}{case.number}/"
        case.light = _light(case, now)
        case.no_taker_reason = workflow.no_taker_reason(case.state) if case.no_taker else ""
        if searched:
            case.hit_tabs = [
                {"name": n, "label": queries.queue_label(n)} for n in queries.queues_of(case, searched, now)
            ]
    points = _points(qs, now)
    context = {
        "queue": queue,
        "queue_label": queries.queue_label(queue),
        "searching": bool(searched),
        "page": page,
        "cases": cases,
        "page_total": _count_label(page.paginator.count),
        "page_capped": page.paginator.count >= COUNT_CAP,
        "tabs": [
            {"name": n, "label": queries.queue_label(n), "count": _count_label(counts.get(n))} for n in tabs
        ],
        "filters": f,
        "levels": LEVEL_CHOICES,
        "sources": Source.choices,
        "points": points,
        "map_config": _map_config(points),
        "query_string": _query_string(request, drop=("page",)),
        # While searching, a tab leaves the search for that queue (with the other filters kept).
        "tab_query": _query_string(request, drop=("page", "queue", "q") if searched else ("page", "queue")),
        "tab_query_no_q": _query_string(request, drop=("page", "queue", "q")),
        "summonses": _pending_summonses(user),
        "no_taker": _no_taker_warning(user, tabs),
    }
    if getattr(request, "htmx", False) and request.htmx.target == "queue-panel":
        return render(request, "web/cases/workbench.html#panel", context)
    from jingzhi.geo import queries as geo_queries
    from jingzhi.taxonomy.queries import active_categories

    categories = active_categories().select_related("parent__parent").order_by("kind", "code")
    context.update(
        {
            "category_options": category_options(categories, f["category"]),
            "subdistricts": list(
                geo_queries.subdistricts_for(user).order_by("code").values("code", "name")[:100]
            ),
            "communities": list(
                geo_queries.communities_for(user).order_by("code").values("code", "name")[:300]
            ),
        }
    )
    return render(request, "web/cases/workbench.html", context)


class CappedPaginator(Paginator):
    """Pages of a queue whose total is counted only up to COUNT_CAP, like its tab ("999+"): the first 40
    pages are reachable, and a longer queue is narrowed with the filters. Counting a backlog of hundreds of
    thousands to print its exact size cost more than the rest of the page."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "values"):
            return rows.order_by().values("pk")[:COUNT_CAP].count()
        return len(rows)


def _count_label(count) -> str:
    if count is None:
        return ""
    return f"{COUNT_CAP - 1}+" if count >= COUNT_CAP else str(count)


def _query_string(request, drop=()) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def _points(qs, now) -> list[dict]:
    """The filtered queue's located cases for the map, coloured by warning level (one query)."""
    rows = (
        qs.prefetch_related(None)
        .exclude(lat__isnull=True)
        .values(
            "number",
            "lon",
            "lat",
            "state",
            "step",
            "step_started_at",
            "step_deadline",
            "step_limit_unit",
            "description",
        )[:MAP_POINTS]
    )
    out = []
    # One reverse for all the points, and the state labels translated once: per point they were a fifth of
    # the page's Python.
    link = case_link()
    labels: dict[str, str] = {}
    for row in rows:
        if (
            row["step"]
            and row["step_started_at"] is not None
            and row["step_deadline"] is not None
            and now > row["step_deadline"]
            and row["state"] not in workflow.FINISHED
        ):
            level = workflow.RED  # past its deadline: red, whatever the working time says (none to measure)
        else:
            level = deadlines.step_sla(SimpleNamespace(**row), now).level
        state = row["state"]
        if state not in labels:
            labels[state] = workflow.state_label(state)
        out.append(
            {
                "n": row["number"],
                "lon": round(row["lon"], 6),
                "lat": round(row["lat"], 6),
                "level": level,
                "c": LEVEL_COLOURS[level],
                "s": labels[state],
                "t": row["description"][:40],
                "u": f"{link}{row['number']}/",
            }
        )
    return out


def category_options(categories, selected) -> str:
    """The category filter's `<option>`s ("部件 · 大类 › 小类"), built in one pass: eighty options through
    the template's loop, tests and lookups cost more than the queue's rows."""
    kinds: dict[str, str] = {}
    rows = []
    for c in categories:
        if c.kind not in kinds:
            kinds[c.kind] = str(c.get_kind_display())
        rows.append((c.pk, " selected" if selected == c.pk else "", kinds[c.kind], c.path_name))
    return format_html_join("", '<option value="{}"{}>{} · {}</option>', rows)


def _map_config(points) -> dict:
    from jingzhi.web.casepages.detail import map_config

    config = map_config(None)
    if points:
        lats = [p["lat"] for p in points]
        lons = [p["lon"] for p in points]
        pad = 0.001
        config["bounds"] = [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]]
        config["highlight"] = ""
    return config


def _pending_summonses(user) -> list:
    if not access.department_ids(user, roles=[workflow.HANDLER]):
        return []
    return list(queries.summonses_for(user, pending_only=True).prefetch_related("whistle__cases")[:20])


def _no_taker_warning(user, tabs) -> list[dict]:
    """The queues holding cases no one can take, with their counts, for the warning above the queue: a
    department user works its own assignments and is not the one to re-staff a place, so sees none."""
    if "verify" not in queries.queue_names_for(user):  # a department user's queues
        return []
    counts = queries.no_taker_by_queue(user, cap=COUNT_CAP)
    return [
        {"name": n, "label": queries.queue_label(n), "count": _count_label(c)}
        for n, c in counts.items()
        if n in tabs
    ]
