"""Read endpoints for places: districts, subdistricts, communities, grids and streets of the active boundary
generation, and the jurisdiction tree. Every row comes through `geo.queries` (`*_for(user)`,
`access_place`), so a person sees only their jurisdiction; a place outside it is a 404 exactly like a
missing one.
"""

from __future__ import annotations

import importlib
from collections import defaultdict

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from jingzhi.api.base import ApiDetailView, ApiListView, ApiView
from jingzhi.api.schema import error_responses
from jingzhi.core.errors import NotFound
from jingzhi.core.ids import MAX_ID  # larger ids cannot exist: a 404 before the database driver sees them
from jingzhi.geo.models import Community, District, Grid, Street, Subdistrict

PLACE_MODELS = {
    "district": District,
    "subdistrict": Subdistrict,
    "community": Community,
    "grid": Grid,
    "street": Street,
}


def geo_queries():
    # Imported when called: the URLconf must load even while geo is being rebuilt underneath.
    return importlib.import_module("jingzhi.geo.queries")


# --- serializers -------------------------------------------------------------------------------------------


class PlaceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "number"},
        "minItems": 4,
        "maxItems": 4,
        "nullable": True,
        "description": str(_("外包框 [最小经度, 最小纬度, 最大经度, 最大纬度]，WGS84")),
    }
)
class BboxField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        box = [obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat]
        return None if any(v is None for v in box) else box


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "additionalProperties": True,
        "description": str(_("GeoJSON 几何（WGS84 经纬度）；列表中仅在 geometry=1 时给出，详情中总是给出")),
    }
)
class GeometryField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        if not self.context.get("geometry"):
            return None
        return obj.geometry


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    generation = serializers.IntegerField(source="generation_id", read_only=True, help_text=_("边界版本编号"))
    bbox = BboxField()
    geometry = GeometryField()


class DistrictSerializer(PlaceSerializer):
    pass


class SubdistrictSerializer(PlaceSerializer):
    district = PlaceRefSerializer(read_only=True)


class CommunitySerializer(PlaceSerializer):
    subdistrict = PlaceRefSerializer(read_only=True)


class GridSerializer(PlaceSerializer):
    community = PlaceRefSerializer(read_only=True)
    area_m2 = serializers.FloatField(read_only=True, allow_null=True, help_text=_("面积（平方米）"))


class StreetSerializer(PlaceSerializer):
    subdistrict = PlaceRefSerializer(read_only=True)
    kind = serializers.CharField(read_only=True, help_text=_("类型：street 街、alley 巷、hutong 胡同"))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    length_m = serializers.FloatField(read_only=True, allow_null=True, help_text=_("长度（米）"))


class ListQuerySerializer(serializers.Serializer):
    geometry = serializers.BooleanField(
        required=False, default=False, help_text=_("为 1 时附带 GeoJSON 几何（数据量大，按需使用）")
    )


# --- list and detail endpoints -----------------------------------------------------------------------------


class _PlaceList(ApiListView):
    level = ""  # geo level name, as access_place knows it
    query_name = ""  # the geo.queries function
    parent_param = ""  # query parameter naming the parent, "" for none
    parent_level = ""
    related = ()  # parents to join

    query_serializer = ListQuerySerializer

    def query_input(self) -> dict:
        serializer = self.query_serializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["geometry"] = getattr(self, "_geometry", False)
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation only wants the model; it must not query (or even connect to) the database.
            return PLACE_MODELS[self.level].objects.none()
        params = self.query_input()
        self._geometry = params.get("geometry", False)
        queries = geo_queries()
        kwargs = {}
        if self.parent_param and params.get(self.parent_param):
            kwargs[self.parent_param] = queries.access_place(
                self.request.user, self.parent_level, params[self.parent_param]
            )
        qs = getattr(queries, self.query_name)(self.request.user, **kwargs)
        if self.related:
            qs = qs.select_related(*self.related)
        if not self._geometry:
            qs = qs.defer("geometry")
        return qs.order_by("code", "id")


class _PlaceDetail(ApiDetailView):
    level = ""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["geometry"] = True
        return context

    def get_queryset(self):
        # Only schema generation asks: objects are fetched by get_object through access_place.
        return PLACE_MODELS[self.level].objects.none()

    def get_object(self):
        pk = self.kwargs["pk"]
        if pk > MAX_ID:
            raise NotFound()
        return geo_queries().access_place(self.request.user, self.level, pk)


LEVELS = {
    # url segment: (level, query function, serializer, parent param, parent level, joins, Chinese name)
    "districts": ("district", "districts_for", DistrictSerializer, "", "", (), _("区")),
    "subdistricts": (
        "subdistrict",
        "subdistricts_for",
        SubdistrictSerializer,
        "district",
        "district",
        ("district",),
        _("街道"),
    ),
    "communities": (
        "community",
        "communities_for",
        CommunitySerializer,
        "subdistrict",
        "subdistrict",
        ("subdistrict",),
        _("社区"),
    ),
    "grids": ("grid", "grids_for", GridSerializer, "community", "community", ("community",), _("单元网格")),
    "streets": (
        "street",
        "streets_for",
        StreetSerializer,
        "subdistrict",
        "subdistrict",
        ("subdistrict",),
        _("街巷"),
    ),
}


def _make_views():
    views = {}
    for segment, (
        level,
        query_name,
        serializer,
        parent_param,
        parent_level,
        related,
        label,
    ) in LEVELS.items():
        parent_label = next((v[6] for v in LEVELS.values() if v[0] == parent_level), parent_level)
        parent_doc = (
            _("按上级%(p)s的编号（id）筛选；该%(p)s不存在或不在辖区内时 404") % {"p": parent_label}
            if parent_param
            else ""
        )
        query_fields = {}
        if parent_param:
            query_fields[parent_param] = serializers.IntegerField(
                required=False, min_value=1, max_value=MAX_ID, help_text=str(parent_doc)
            )
        query_serializer = type(f"{level.title()}ListQuery", (ListQuerySerializer,), query_fields)
        list_view = type(
            f"{level.title()}ListView",
            (_PlaceList,),
            {
                "level": level,
                "query_name": query_name,
                "parent_param": parent_param,
                "parent_level": parent_level,
                "related": related,
                "serializer_class": serializer,
                "query_serializer": query_serializer,
                "__doc__": f"List of {level} in the caller's jurisdiction.",
            },
        )
        list_view = extend_schema_view(
            get=extend_schema(
                operation_id=f"{segment}_list",
                summary=str(_("%(label)s列表") % {"label": label}),
                description=str(
                    _("当前启用的边界版本中，您辖区内的%(label)s，按编码排序、分页。") % {"label": label}
                ),
                parameters=[query_serializer],
                responses={200: serializer(many=True), **error_responses(400, 404)},
                tags=[str(_("地理"))],
            )
        )(list_view)
        detail_view = type(
            f"{level.title()}DetailView",
            (_PlaceDetail,),
            {"level": level, "serializer_class": serializer, "__doc__": f"One {level}."},
        )
        detail_view = extend_schema_view(
            get=extend_schema(
                operation_id=f"{segment}_retrieve",
                summary=str(_("%(label)s详情") % {"label": label}),
                description=str(
                    _("一个%(label)s，含 GeoJSON 几何。不存在或不在辖区内时均返回 404。") % {"label": label}
                ),
                responses={200: serializer, **error_responses(404)},
                tags=[str(_("地理"))],
            )
        )(detail_view)
        views[segment] = (list_view, detail_view)
    return views


PLACE_VIEWS = _make_views()


# --- jurisdiction tree -------------------------------------------------------------------------------------


class TreeCommunitySerializer(PlaceRefSerializer):
    grid_count = serializers.IntegerField(help_text=_("辖区内可见的网格数"))


class TreeSubdistrictSerializer(PlaceRefSerializer):
    grid_count = serializers.IntegerField()
    street_count = serializers.IntegerField(help_text=_("可见的街巷数"))
    communities = TreeCommunitySerializer(many=True)


class TreeDistrictSerializer(PlaceRefSerializer):
    grid_count = serializers.IntegerField()
    street_count = serializers.IntegerField()
    subdistricts = TreeSubdistrictSerializer(many=True)


class TreeSerializer(serializers.Serializer):
    generation = serializers.IntegerField(
        allow_null=True, help_text=_("当前启用的边界版本编号；尚无启用版本时为 null")
    )
    districts = TreeDistrictSerializer(many=True)


def _ref(place) -> dict:
    return {"id": place.pk, "code": place.code, "name": place.name}


def jurisdiction_tree(user) -> dict:
    """District → subdistrict → community for what `user` may see, with grid and street counts. A parent
    outside the scope is still shown (name and code only) when something inside it is visible, so that a
    community-level user sees where their community sits."""
    queries = geo_queries()
    communities = list(
        queries.communities_for(user)
        .select_related("subdistrict__district")
        .defer("geometry", "subdistrict__geometry", "subdistrict__district__geometry")
    )
    subdistricts = list(
        queries.subdistricts_for(user).select_related("district").defer("geometry", "district__geometry")
    )
    districts = list(queries.districts_for(user).defer("geometry"))
    grid_counts = dict(
        queries.grids_for(user)
        .order_by()
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    street_counts = dict(
        queries.streets_for(user)
        .order_by()
        .values("subdistrict_id")
        .annotate(n=Count("id"))
        .values_list("subdistrict_id", "n")
    )

    district_nodes: dict[int, dict] = {}
    subdistrict_nodes: dict[int, dict] = {}
    children: dict[int, list] = defaultdict(list)

    def district_node(d):
        if d.pk not in district_nodes:
            district_nodes[d.pk] = {**_ref(d), "grid_count": 0, "street_count": 0, "subdistricts": []}
        return district_nodes[d.pk]

    def subdistrict_node(s):
        if s.pk not in subdistrict_nodes:
            node = {**_ref(s), "grid_count": 0, "street_count": street_counts.get(s.pk, 0), "communities": []}
            subdistrict_nodes[s.pk] = node
            children[s.district_id].append(node)
            district_node(s.district)
        return subdistrict_nodes[s.pk]

    for d in districts:
        district_node(d)
    for s in subdistricts:
        subdistrict_node(s)
    for c in communities:
        node = subdistrict_node(c.subdistrict)
        node["communities"].append({**_ref(c), "grid_count": grid_counts.get(c.pk, 0)})
    for node in subdistrict_nodes.values():
        node["communities"].sort(key=lambda n: n["code"])
        node["grid_count"] = sum(c["grid_count"] for c in node["communities"])
    for pk, node in district_nodes.items():
        node["subdistricts"] = sorted(children.get(pk, []), key=lambda n: n["code"])
        node["grid_count"] = sum(s["grid_count"] for s in node["subdistricts"])
        node["street_count"] = sum(s["street_count"] for s in node["subdistricts"])
    generation = queries.active_generation()
    return {
        "generation": generation.pk if generation is not None else None,
        "districts": sorted(district_nodes.values(), key=lambda n: n["code"]),
    }


class JurisdictionTreeView(ApiView):
    @extend_schema(
        operation_id="jurisdiction_tree",
        summary=str(_("辖区树")),
        description=str(
            _(
                "区 → 街道 → 社区 的嵌套树（当前启用的边界版本），附可见的网格数与街巷数。"
                "只含您辖区内的对象；为定位而显示的上级只给名称与编码。"
            )
        ),
        responses={200: TreeSerializer, **error_responses()},
        tags=[str(_("地理"))],
    )
    def get(self, request):
        return Response(TreeSerializer(jurisdiction_tree(request.user)).data)
