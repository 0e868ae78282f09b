"""The server-rendered interface: login, a home page per role, the jurisdiction browser and the grid map.

Views are thin. Every place is fetched through `geo.queries` (`*_for(user)`, `access_place`), so a page shows
only what the user's role assignments cover, and a place outside them answers 404 exactly like a missing one.
Lists are one template with a named partial (django-template-partials): an htmx request for the list (the name
filter) gets only the partial back.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET
from shapely.geometry import shape

from jingzhi.core.errors import ApplicationError, NotFound
from jingzhi.web import charts, mapdata
from jingzhi.web.context_processors import roles_for


def _login_form():
    try:
        from jingzhi.accounts.forms import LoginForm
    except ImportError:
        return AuthenticationForm
    return LoginForm


def login_view(request):
    view = auth_views.LoginView.as_view(
        template_name="web/login.html", authentication_form=_login_form(), redirect_authenticated_user=True
    )
    return view(request)


logout_view = auth_views.LogoutView.as_view()


def _role_labels(roles):
    from jingzhi.accounts.models import Role

    labels = dict(Role.choices)
    return [{"code": r, "label": labels.get(r, r)} for r in Role.values if r in roles]


@login_required
def home(request):
    """Each person lands on their own work: one block per role they hold, most actionable first, from the
    installed apps' `nav.py` (`jingzhi.web.navigation`). Anonymous visitors go to the login page."""
    from jingzhi.web.navigation import home_blocks_for

    return render(
        request,
        "web/home.html",
        {"roles": _role_labels(roles_for(request.user)), "blocks": home_blocks_for(request.user)},
    )


def _access(user, level, pk):
    from jingzhi.geo.queries import access_place

    try:
        return access_place(user, level, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _filtered(rows, request):
    q = (request.GET.get("q") or "").strip()
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return rows, q


def _render_list(request, template, context):
    """Whole page, or just the children list when htmx asks for it (the name filter)."""
    if getattr(request, "htmx", False) and request.htmx.target == "children":
        return render(request, f"{template}#children", context)
    return render(request, template, context)


def _counts(rows, parent_field):
    return dict(rows.order_by().values_list(parent_field).annotate(n=Count("id")))


def _crumbs(**levels):
    """Links up the tree, district first (keyword order is kept)."""
    return [
        {"name": obj.name, "url": reverse(f"web:{level}", args=[obj.pk])} for level, obj in levels.items()
    ]


def _bounds(place):
    if place is None or place.min_lon is None:
        return None
    return [[place.min_lat, place.min_lon], [place.max_lat, place.max_lon]]


def _map_context(bounds, highlight="", level="grid"):
    return {
        "map_config": {
            **mapdata.tile_config(settings),
            "geojson": reverse("web:geojson"),
            "bounds": bounds,
            "highlight": highlight,
            "level": level,
            "labels": {
                "grid": pgettext("地图图层", "网格"),
                "street": pgettext("地图图层", "街巷"),
                "community": pgettext("地图图层", "社区"),
                "none": _("无底图"),
            },
        }
    }


@login_required
def places(request):
    """Where the browser starts: the districts this user sees (one district: straight into it)."""
    from jingzhi.geo import queries

    districts = list(queries.districts_for(request.user))
    sub_counts = _counts(queries.subdistricts_for(request.user), "district")
    for d in districts:
        d.child_count = sub_counts.get(d.pk, 0)
    return render(request, "web/places/index.html", {"districts": districts})


@login_required
def district(request, pk):
    from jingzhi.geo import queries

    place = _access(request.user, "district", pk)
    rows, q = _filtered(queries.subdistricts_for(request.user, district=place), request)
    children = list(rows.order_by("code"))
    community_counts = _counts(
        queries.communities_for(request.user).filter(subdistrict__district=place), "subdistrict"
    )
    grid_counts = _counts(
        queries.grids_for(request.user).filter(community__subdistrict__district=place),
        "community__subdistrict",
    )
    for c in children:
        c.child_count = community_counts.get(c.pk, 0)
        c.grid_count = grid_counts.get(c.pk, 0)
    context = {
        "place": place,
        "children": children,
        "q": q,
        "level": "district",
        "child_level": "subdistrict",
        "breadcrumbs": [],
        **_map_context(_bounds(place), level="community"),
    }
    return _render_list(request, "web/places/district.html", context)


@login_required
def subdistrict(request, pk):
    from jingzhi.geo import queries

    place = _access(request.user, "subdistrict", pk)
    rows, q = _filtered(queries.communities_for(request.user, subdistrict=place), request)
    children = list(rows.order_by("code"))
    grid_counts = _counts(queries.grids_for(request.user).filter(community__subdistrict=place), "community")
    for c in children:
        c.child_count = grid_counts.get(c.pk, 0)
    streets = queries.streets_for(request.user, subdistrict=place)
    chart = (
        charts.chart(
            "BarChart",
            [(c.name, c.child_count) for c in children],
            height=f"{max(160, 28 * len(children))}px",
            library={"plugins": {"legend": {"display": False}}},
            loading=_("图表加载中…"),
        )
        if children
        else None
    )
    context = {
        "place": place,
        "children": children,
        "q": q,
        "level": "subdistrict",
        "child_level": "community",
        "breadcrumbs": _crumbs(district=place.district),
        "street_count": streets.count(),
        "streets": list(streets.order_by("code")[:200]),
        "chart": chart,
        **_map_context(_bounds(place)),
    }
    return _render_list(request, "web/places/subdistrict.html", context)


@login_required
def community(request, pk):
    from jingzhi.geo import queries

    place = _access(request.user, "community", pk)
    rows, q = _filtered(queries.grids_for(request.user, community=place), request)
    children = list(rows.order_by("code"))
    total_area = sum(c.area_m2 or 0 for c in children)
    context = {
        "place": place,
        "children": children,
        "q": q,
        "level": "community",
        "child_level": "grid",
        "breadcrumbs": _crumbs(district=place.subdistrict.district, subdistrict=place.subdistrict),
        "total_area": total_area,
        **_map_context(_bounds(place)),
    }
    return _render_list(request, "web/places/community.html", context)


def neighbours_of(user, grid):
    """Grids sharing an edge with this one (across community lines too), within the user's scope."""
    from jingzhi.geo import queries

    if not grid.geometry:
        return []
    geom = shape(grid.geometry)
    pad = 1e-6
    box = mapdata.BBox(grid.min_lon - pad, grid.min_lat - pad, grid.max_lon + pad, grid.max_lat + pad)
    candidates = mapdata.in_box(queries.grids_for(user), box).exclude(pk=grid.pk).select_related("community")
    found = []
    for other in candidates.order_by("code"):
        if other.geometry and geom.intersection(shape(other.geometry)).length > 0:
            found.append(other)
    return found


@login_required
def grid(request, pk):
    place = _access(request.user, "grid", pk)
    community = place.community
    context = {
        "place": place,
        "level": "grid",
        "breadcrumbs": _crumbs(
            district=community.subdistrict.district, subdistrict=community.subdistrict, community=community
        ),
        "neighbours": neighbours_of(request.user, place),
        **_map_context(_bounds(place), highlight=place.code),
    }
    return render(request, "web/places/grid.html", context)


@login_required
def map_page(request):
    from jingzhi.geo import queries

    first = queries.districts_for(request.user).first()
    bounds = _bounds(first)
    if bounds is None:
        sub = queries.subdistricts_for(request.user).first()
        bounds = _bounds(sub)
    return render(request, "web/map.html", _map_context(bounds))


@require_GET
def geojson(request):
    """`/map/geojson/?bbox=minlon,minlat,maxlon,maxlat&level=grid|street|community|subdistrict`; with
    `scope=public` the public outlines of any community, grid or street, without links (the report map)."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "message": _("请先登录"), "fields": {}}, status=401)
    try:
        level = mapdata.parse_level(request.GET.get("level"))
        box = mapdata.parse_bbox(request.GET.get("bbox"))
        public = request.GET.get("scope") == "public"
        answer = mapdata.feature_collection(request.user, level, box, public=public)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    response = JsonResponse(answer, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    response["Cache-Control"] = "private, max-age=60"
    return response
