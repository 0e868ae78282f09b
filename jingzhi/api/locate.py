"""`locate`: which grid, community, subdistrict and district a point falls in, and the nearest street.

Coordinates are WGS84 longitude/latitude; a point read from a Chinese phone map (高德/腾讯, GCJ-02) must say
`crs=gcj02` and is converted on the way in. A point outside every grid is a normal answer (`inside` false,
with a Chinese `message`), never an error. Locating is open to every signed-in user — a resident filing a
report needs it — and reveals only place names and codes, which are public.
"""

from __future__ import annotations

import importlib
import math

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from jingzhi.api.base import ApiView
from jingzhi.api.places import PlaceRefSerializer
from jingzhi.api.schema import error_responses

BATCH_LIMIT = 1000
CRS_CHOICES = [("wgs84", "WGS84"), ("gcj02", gettext_lazy("GCJ-02（高德/腾讯地图）"))]


def geo_module(name: str):
    return importlib.import_module(f"jingzhi.geo.{name}")


class FiniteFloatField(serializers.FloatField):
    default_error_messages = {"not_finite": gettext_lazy("必须是有限的数值")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


def lon_field(**kwargs):
    return FiniteFloatField(
        min_value=-180, max_value=180, help_text=gettext_lazy("经度（-180 到 180）"), **kwargs
    )


def lat_field(**kwargs):
    return FiniteFloatField(
        min_value=-90, max_value=90, help_text=gettext_lazy("纬度（-90 到 90）"), **kwargs
    )


class LocateQuerySerializer(serializers.Serializer):
    lon = lon_field()
    lat = lat_field()
    crs = serializers.ChoiceField(
        choices=CRS_CHOICES,
        default="wgs84",
        help_text=gettext_lazy("坐标系：wgs84（默认）或 gcj02（高德/腾讯地图）"),
    )


class PointSerializer(serializers.Serializer):
    lon = lon_field()
    lat = lat_field()


class LocateBatchInputSerializer(serializers.Serializer):
    crs = serializers.ChoiceField(
        choices=CRS_CHOICES, default="wgs84", help_text=gettext_lazy("所有点的坐标系")
    )
    points = PointSerializer(
        many=True,
        allow_empty=False,
        max_length=BATCH_LIMIT,
        help_text=gettext_lazy("待定位的点，最多 1000 个；结果按相同顺序返回"),
    )


class StreetRefSerializer(PlaceRefSerializer):
    distance_m = serializers.FloatField(help_text=gettext_lazy("点到街巷的距离（米）"))


class LocationSerializer(serializers.Serializer):
    lon = serializers.FloatField(help_text=gettext_lazy("用于定位的 WGS84 经度（gcj02 输入已换算）"))
    lat = serializers.FloatField(help_text=gettext_lazy("用于定位的 WGS84 纬度"))
    inside = serializers.BooleanField(help_text=gettext_lazy("是否落在辖区内某个网格中"))
    grid = PlaceRefSerializer(allow_null=True)
    community = PlaceRefSerializer(allow_null=True)
    subdistrict = PlaceRefSerializer(allow_null=True)
    district = PlaceRefSerializer(allow_null=True)
    street = StreetRefSerializer(
        allow_null=True, help_text=gettext_lazy("设定距离内最近的街巷；没有则为 null")
    )
    message = serializers.CharField(allow_blank=True, help_text=gettext_lazy("不在辖区内时的中文说明"))


class LocateBatchOutputSerializer(serializers.Serializer):
    crs = serializers.CharField()
    count = serializers.IntegerField()
    inside_count = serializers.IntegerField()
    results = LocationSerializer(many=True)


def _place(value) -> dict | None:
    if not value:
        return None
    return {"id": value.get("id"), "code": value.get("code"), "name": value.get("name")}


def location_dict(location, lon: float, lat: float) -> dict:
    street = getattr(location, "street", None)
    if street:
        distance = street.get("distance_m", getattr(location, "distance_m", None))
        street = {**_place(street), "distance_m": distance if distance is not None else 0.0}
    inside = bool(getattr(location, "inside", False))
    message = getattr(location, "message", "") or ""
    if not inside and not message:
        message = _("该点不在任何网格内，超出辖区范围")
    return {
        "lon": lon,
        "lat": lat,
        "inside": inside,
        "grid": _place(getattr(location, "grid", None)),
        "community": _place(getattr(location, "community", None)),
        "subdistrict": _place(getattr(location, "subdistrict", None)),
        "district": _place(getattr(location, "district", None)),
        "street": street or None,
        "message": message,
    }


def _wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    if crs == "gcj02":
        lon, lat = geo_module("coords").gcj02_to_wgs84(lon, lat)
    return float(lon), float(lat)


_TAGS = [str(gettext_lazy("定位"))]


class LocateView(ApiView):
    @extend_schema(
        operation_id="locate",
        summary=str(gettext_lazy("坐标定位")),
        description=str(
            gettext_lazy(
                "给出一个点所在的网格、社区、街道、区，以及设定距离内最近的街巷。坐标默认为 WGS84；"
                "来自高德/腾讯地图的坐标是 GCJ-02，须传 crs=gcj02，由服务端换算。"
                "点不在任何网格内时 inside 为 false，message 说明原因，这不是错误。"
            )
        ),
        parameters=[LocateQuerySerializer],
        responses={200: LocationSerializer, **error_responses(400)},
        tags=_TAGS,
    )
    def get(self, request):
        query = LocateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        crs = query.validated_data["crs"]
        location = geo_module("locate").locate(
            query.validated_data["lon"], query.validated_data["lat"], crs=crs
        )
        lon, lat = _wgs84(query.validated_data["lon"], query.validated_data["lat"], crs)
        return Response(LocationSerializer(location_dict(location, lon, lat)).data)


class LocateBatchView(ApiView):
    @extend_schema(
        operation_id="locate_batch",
        summary=str(gettext_lazy("批量坐标定位")),
        description=str(gettext_lazy("一次定位至多 1000 个点，结果与输入顺序一致。坐标系规则同单点定位。")),
        request=LocateBatchInputSerializer,
        responses={200: LocateBatchOutputSerializer, **error_responses(400)},
        examples=[
            OpenApiExample(
                "两个点",
                request_only=True,
                value={
                    "crs": "wgs84",
                    "points": [{"lon": 116.37, "lat": 39.91}, {"lon": 116.38, "lat": 39.92}],
                },
            )
        ],
        tags=_TAGS,
    )
    def post(self, request):
        data = LocateBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        crs = data.validated_data["crs"]
        points = [(p["lon"], p["lat"]) for p in data.validated_data["points"]]
        locations = geo_module("locate").locate_many(points, crs=crs)
        results = [
            location_dict(loc, *_wgs84(lon, lat, crs))
            for loc, (lon, lat) in zip(locations, points, strict=True)
        ]
        body = {
            "crs": crs,
            "count": len(results),
            "inside_count": sum(r["inside"] for r in results),
            "results": results,
        }
        return Response(LocateBatchOutputSerializer(body).data)
