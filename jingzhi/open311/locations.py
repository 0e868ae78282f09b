"""Where a POSTed request is: `lat`+`long`, or an `address_id`, or an `address_string`.

GeoReport v2 lets a client give any one of the three. Cases need a point, and Jingzhi has no street-address
geocoder, so the two address forms are resolved against our own places in the active boundary generation:
`address_id` is a place code (a 15-digit grid, 12-digit community, 9-digit subdistrict or a street code such
as `110199001S001`), and `address_string` must contain the name of one of our streets, communities or
subdistricts (the longest name found wins). The point is the middle of the street line or a point inside the
polygon. Anything else is a spec 400 that says which names are understood. Coordinates may be declared
GCJ-02 (`coordinate_system=gcj02`, what 高德 and 腾讯 maps give); the default is WGS84.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from django.utils.translation import gettext as _

from jingzhi.geo.locate import CRS_NAMES
from jingzhi.geo.models import Community, Grid, Street, Subdistrict
from jingzhi.geo.queries import active_generation
from jingzhi.open311.spec import Open311Error

COORDINATE_SYSTEMS = ("wgs84", "gcj02")


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    crs: str  # as given to cases.do_open_case
    address_id: str = ""
    place_name: str = ""


def coordinate_system(raw: str | None) -> str:
    name = CRS_NAMES.get((raw or "wgs84").strip().lower())
    if name is None:
        raise Open311Error(400, _("coordinate_system 只能是 wgs84 或 gcj02，收到“%(raw)s”") % {"raw": raw})
    return name


def _number(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(
            400,
            _("%(name)s 应为 %(low)g 到 %(high)g 之间的数字，收到“%(raw)s”")
            % {"name": name, "low": low, "high": high, "raw": raw},
        )
    return value


def _inside_point(geometry: dict) -> tuple[float, float]:
    shape = shapely.geometry.shape(geometry)
    if shape.geom_type in ("LineString", "MultiLineString"):
        point = shape.interpolate(0.5, normalized=True)
    else:
        point = shape.representative_point()
    return point.x, point.y


def _by_code(code: str):
    generation = active_generation()
    if generation is None:
        return None
    for model in (Grid, Street, Community, Subdistrict):
        place = model.objects.filter(generation=generation, code=code).first()
        if place is not None and place.geometry:
            return place
    return None


def _by_name(text: str):
    """The place whose name is the longest one contained in `text` (names only are read; one geometry)."""
    generation = active_generation()
    if generation is None:
        return None
    best = None  # (length, model, pk)
    for model in (Street, Community, Subdistrict):
        for pk, name in model.objects.filter(generation=generation).values_list("pk", "name"):
            if name and name in text and (best is None or len(name) > best[0]):
                best = (len(name), model, pk)
    if best is None:
        return None
    place = best[1].objects.filter(pk=best[2]).first()
    return place if place is not None and place.geometry else None


def resolve(*, lat: str, long: str, address_string: str, address_id: str, crs: str) -> Point:
    lat, long = (lat or "").strip(), (long or "").strip()
    if lat or long:
        if not (lat and long):
            raise Open311Error(400, _("lat 与 long 须同时提供"))
        return Point(
            lon=_number("long", long, -180, 180),
            lat=_number("lat", lat, -90, 90),
            crs=crs,
            address_id=(address_id or "").strip()[:64],
        )
    address_id = (address_id or "").strip()
    if address_id:
        place = _by_code(address_id)
        if place is None:
            raise Open311Error(
                400, _("address_id“%(id)s”不是本辖区的网格、社区、街道或街巷编码") % {"id": address_id}
            )
        lon, lat_ = _inside_point(place.geometry)
        return Point(lon=lon, lat=lat_, crs="wgs84", address_id=address_id, place_name=place.name)
    text = (address_string or "").strip()
    if text:
        place = _by_name(text)
        if place is None:
            raise Open311Error(
                400,
                _(
                    "无法从 address_string“%(text)s”确定位置：地址中须含本辖区的街巷、社区或街道名称，"
                    "或改为提供 lat 与 long"
                )
                % {"text": text[:100]},
            )
        lon, lat_ = _inside_point(place.geometry)
        return Point(lon=lon, lat=lat_, crs="wgs84", address_id=place.code, place_name=place.name)
    raise Open311Error(400, _("缺少位置：请提供 lat 与 long，或 address_string，或 address_id"))
