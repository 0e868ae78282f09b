"""GeoJSON for the map component: scoped, limited to a bounding box, simplified, cached.

The map asks for one level (grid, street, community, subdistrict) inside the visible box. Rows come from
`geo.queries.*_for(user)`, so a user never receives a place outside their jurisdiction; the box filter uses the
bounding-box columns stored beside every geometry, so no spatial database is needed. Geometries are simplified
to about a screen pixel of the box and rounded to 6 decimals (~0.1 m) to keep the answer small on a cheap phone.
Answers are cached per (generation, scope, level, snapped box) — the snapped box is a superset of the asked one.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape

from jingzhi.core.errors import InvalidInput
from jingzhi.core.text import listing
from jingzhi.geo.models import Street

LEVELS = ("grid", "street", "community", "subdistrict")
PUBLIC_LEVELS = ("grid", "street", "community")
MAX_FEATURES = 5000
CACHE_SECONDS = 600
_SNAP = (
    0.005  # degrees (~500 m): boxes are widened to this lattice so neighbouring requests share a cache entry
)
# A whole city in one answer is never useful on a phone: beyond this box size (degrees) grids are refused.
MAX_BOX_DEGREES = {"grid": 0.25, "street": 0.5, "community": 2.0, "subdistrict": 5.0}


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @property
    def width(self) -> float:
        return max(self.max_lon - self.min_lon, self.max_lat - self.min_lat)

    def snapped(self) -> BBox:
        return BBox(
            math.floor(self.min_lon / _SNAP) * _SNAP,
            math.floor(self.min_lat / _SNAP) * _SNAP,
            math.ceil(self.max_lon / _SNAP) * _SNAP,
            math.ceil(self.max_lat / _SNAP) * _SNAP,
        )


def parse_bbox(raw: str | None) -> BBox | None:
    """`min_lon,min_lat,max_lon,max_lat` in WGS84 degrees; None when not given."""
    if not raw:
        return None
    parts = raw.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInput(
            _("bbox 应为“最小经度,最小纬度,最大经度,最大纬度”四个数字，收到：%(raw)s") % {"raw": raw[:80]},
            fields={"bbox": raw[:80]},
        )
    box = BBox(*values)
    if not (-180 <= box.min_lon <= box.max_lon <= 180 and -90 <= box.min_lat <= box.max_lat <= 90):
        raise InvalidInput(
            _("bbox 超出经纬度范围或最小值大于最大值：%(raw)s") % {"raw": raw[:80]}, fields={"bbox": raw[:80]}
        )
    return box


def parse_level(raw: str | None) -> str:
    level = raw or "grid"
    if level not in LEVELS:
        raise InvalidInput(
            _("level 只能是 %(levels)s 之一，收到：%(raw)s") % {"levels": listing(LEVELS), "raw": level[:40]},
            fields={"level": level[:40]},
        )
    return level


def _rows(user, level: str, public: bool = False):
    from jingzhi.geo import queries

    if public:
        rows = queries.public_places(level)
    elif level == "grid":
        rows = queries.grids_for(user)
    elif level == "street":
        rows = queries.streets_for(user)
    elif level == "community":
        rows = queries.communities_for(user)
    else:
        rows = queries.subdistricts_for(user)
    # values(): the queries pre-join parents for pages, but decoding every parent's geometry JSON again for
    # each row cost 4x the time here (measured: 1.1 s of 1.9 s for 600 grids).
    fields = ["id", "code", "name", "geometry"]
    if level == "grid":
        fields.append("community__name")
    if level == "street":
        fields.append("kind")
    return rows.select_related(None), fields


def in_box(rows, box: BBox | None):
    if box is None:
        return rows
    return rows.filter(
        max_lon__gte=box.min_lon, min_lon__lte=box.max_lon, max_lat__gte=box.min_lat, min_lat__lte=box.max_lat
    )


def _round(coords, digits=6):
    if isinstance(coords, (float, int)):
        return round(coords, digits)
    return [_round(c, digits) for c in coords]


def _count_points(coords) -> int:
    if coords and isinstance(coords[0], (float, int)):
        return 1
    return sum(_count_points(c) for c in coords)


def simplify(geometry: dict | None, tolerance: float) -> dict | None:
    if not geometry:
        return None
    # A small shape (a unit grid is a 5-point ring) has nothing to simplify; only round it.
    if tolerance > 0 and _count_points(geometry["coordinates"]) > 16:
        geometry = mapping(shape(geometry).simplify(tolerance, preserve_topology=True))
    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}


def _scope_key(user) -> str:
    try:
        from jingzhi.accounts.access import scope_codes

        codes = scope_codes(user)
    except ImportError:  # pragma: no cover
        codes = []
    label = "all" if codes is None else ",".join(sorted(codes))
    return hashlib.sha1(label.encode()).hexdigest()[:16]


def _url_pattern(level: str) -> str | None:
    """The place page URL with a "{}" for the id: one reverse() per answer, not one per feature."""
    if level == "street":
        return None
    return reverse(f"web:{level}", args=[987654321]).replace("987654321", "{}")


def feature_collection(user, level: str, box: BBox | None, *, public: bool = False) -> dict:
    """The GeoJSON answer for one level and box, for this user (cached). `public`: the public outlines of
    communities, grids and streets (`geo.queries.public_places`) without page links, whoever asks — the
    report page's map, where a resident may pick a spot outside their own community."""
    if public and level not in PUBLIC_LEVELS:
        raise InvalidInput(
            _("公开地图只提供 %(levels)s，收到：%(raw)s") % {"levels": listing(PUBLIC_LEVELS), "raw": level},
            fields={"level": level},
        )
    from jingzhi.geo.queries import active_generation

    generation = active_generation()
    if generation is None:
        return {"type": "FeatureCollection", "features": [], "truncated": False}
    if box is not None and box.width > MAX_BOX_DEGREES[level]:
        return {
            "type": "FeatureCollection",
            "features": [],
            "truncated": True,
            "message": _("范围太大，请放大地图后再显示%(level)s") % {"level": level},
        }
    query_box = box.snapped() if box is not None else None
    key = "web:geojson:{}:{}:{}:{}".format(
        generation.pk,
        "public" if public else _scope_key(user),
        level,
        "all"
        if query_box is None
        else ",".join(
            f"{v:.3f}" for v in (query_box.min_lon, query_box.min_lat, query_box.max_lon, query_box.max_lat)
        ),
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    tolerance = (query_box.width / 3000) if query_box is not None else 0.00001
    rows, fields = _rows(user, level, public)
    rows = in_box(rows, query_box).order_by("code").values(*fields)
    url = None if public else _url_pattern(level)
    kinds = dict(Street.Kind.choices)
    features = []
    truncated = False
    for row in rows[: MAX_FEATURES + 1]:
        if len(features) == MAX_FEATURES:
            truncated = True
            break
        geometry = simplify(row["geometry"], tolerance)
        if geometry is None:
            continue
        properties = {
            "id": row["id"],
            "code": row["code"],
            "name": row["name"],
            "level": level,
            "url": url.format(row["id"]) if url else None,
        }
        if level == "grid":
            properties["community"] = row["community__name"]
        if level == "street":
            properties["kind"] = str(kinds.get(row["kind"], row["kind"]))
        features.append(
            {"type": "Feature", "id": row["code"], "properties": properties, "geometry": geometry}
        )
    answer = {"type": "FeatureCollection", "features": features, "truncated": truncated}
    cache.set(key, answer, CACHE_SECONDS)
    return answer


def tile_config(settings) -> dict:
    """What map.js needs to draw base tiles (or none): never a request to a tile server when tiles = none."""
    tiles = (getattr(settings, "JINGZHI_MAP_TILES", "none") or "none").lower()
    url = getattr(settings, "JINGZHI_MAP_TILE_URL", "") or ""
    key = getattr(settings, "JINGZHI_TIANDITU_KEY", "") or ""
    if tiles == "osm":
        return {
            "tiles": "osm",
            "url": url or "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attribution": "© OpenStreetMap",
            "subdomains": "",
        }
    if tiles == "tianditu" and (key or url):
        base = url or (
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            "&TILECOL={x}&tk=" + key
        )
        annotation = "" if url else base.replace("vec_w", "cva_w").replace("LAYER=vec", "LAYER=cva")
        return {
            "tiles": "tianditu",
            "url": base,
            "annotation": annotation,
            "attribution": "© 天地图",
            "subdomains": "01234567",
        }
    return {"tiles": "none"}
