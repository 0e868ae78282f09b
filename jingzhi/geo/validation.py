"""Validation of place features before import — pure: features and a context in, every problem out.

`check_features` never stops at the first problem: a person fixing a boundary file gets the whole list, each
in Chinese, naming the feature (its position, or its row in a sheet) and its code, and saying where on the
map a geometric problem lies. The caller (`geo.actions.do_import_places`) gathers the context from the
database — which parent codes exist in the target generation, which grids stay beside the imported ones,
the communities' outlines — so that this module needs no ORM and its rules are tested directly.

Checks: malformed GeoJSON features; codes (format, duplicates, disagreement with a given parent code, parent
missing); coordinates that are projected metres rather than degrees; invalid or self-intersecting polygons;
grids that overlap each other or leave gaps inside their community, each with its area in m² (slivers below
`sliver_m2` are tolerated).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from shapely.geometry import shape

from jingzhi.core.text import listing
from jingzhi.geo.levels import STREET_KINDS, get_level
from jingzhi.geo.measure import area_m2, equal_area_to_lonlat, length_m, to_equal_area

GEOJSON_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}
MAX_LISTED = 10  # how many feature labels a file-wide problem names before saying "等"

_REASONS = [
    ("Ring Self-intersection", gettext_noop("环自相交")),
    ("Self-intersection", gettext_noop("边自相交")),
    ("Too few points", gettext_noop("点数太少，不能构成多边形")),
    ("Hole lies outside shell", gettext_noop("内环（洞）位于外环之外")),
    ("Nested holes", gettext_noop("内环（洞）互相嵌套")),
    ("Interior is disconnected", gettext_noop("内部被分割成不相连的部分")),
    ("Nested shells", gettext_noop("多个外环互相嵌套")),
    ("Duplicate Rings", gettext_noop("存在重复的环")),
    ("Ring is not closed", gettext_noop("环未闭合")),
    ("Invalid Coordinate", gettext_noop("坐标无效（非数字或无穷大）")),
    ("Too few points in geometry component", gettext_noop("几何部件的点数太少")),
]


@dataclass
class PlaceRow:
    """One feature that passed the structural checks, ready to be written."""

    index: int
    label: str
    code: str
    name: str
    parent_code: str | None
    kind: str = "alley"
    geometry: dict | None = None  # normalised GeoJSON geometry (WGS84); None = keep the stored one
    shape: object = None
    bounds: tuple | None = None
    area_m2: float | None = None
    length_m: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Context:
    """What the target generation already holds, as far as the checks need it."""

    parent_codes: set[str] | None = None  # codes of the parent level; None = do not check (district level)
    existing_codes: set[str] = field(default_factory=set)  # codes of this level already in the generation
    other_grids: dict[str, object] = field(
        default_factory=dict
    )  # grids that stay beside the file's (code → shape)
    community_shapes: dict[str, object] = field(default_factory=dict)  # community code → shape or None
    sliver_m2: float = 1.0
    geometric: bool = True  # run the (slower) geometric checks: validity, overlaps, gaps


def where(lon: float, lat: float) -> str:
    return _("经度%(lon).6f，纬度%(lat).6f") % {"lon": lon, "lat": lat}


def translate_reason(reason: str) -> str:
    """shapely's explain_validity text ("Self-intersection[116.37 39.91]") → Chinese with the place."""
    match = re.match(r"^(.*?)\s*\[\s*([-\d.eE+]+)\s+([-\d.eE+]+)\s*\]\s*$", reason)
    text, point = (
        (match.group(1), (float(match.group(2)), float(match.group(3)))) if match else (reason, None)
    )
    chinese = next((zh for en, zh in _REASONS if text.strip().lower() == en.lower()), None)
    if chinese is None:
        chinese = next((zh for en, zh in _REASONS if text.strip().lower().startswith(en.lower())), text)
    chinese = _(chinese)
    if point is not None:
        return _("%(why)s，位置：%(where)s") % {"why": chinese, "where": where(*point)}
    return chinese


def _code_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _label(feature, index: int, template: str) -> str:
    if isinstance(feature, dict) and feature.get("_label"):
        return str(feature["_label"])
    return template % {"n": index}


def _who(label: str, code: str) -> str:
    return _("%(label)s（编码 %(code)s）") % {"label": label, "code": code} if code else label


def _parse_geometry(geometry, who: str, problems: list[str], fast=None):
    if fast is not None and geometry.get("type") in GEOJSON_TYPES:
        # Parsed already by the vectorised reader; only the checks that name a feature remain.
        geom = fast
        if geom.is_empty:
            problems.append(_("%(who)s：几何为空") % {"who": who})
            return None
        return geom
    if not isinstance(geometry, dict):
        problems.append(
            _("%(who)s：geometry 应为对象（含 type 与 coordinates），实际为 %(got)s")
            % {"who": who, "got": type(geometry).__name__}
        )
        return None
    gtype = geometry.get("type")
    if gtype not in GEOJSON_TYPES:
        problems.append(_("%(who)s：几何类型「%(type)s」不是 GeoJSON 几何类型") % {"who": who, "type": gtype})
        return None
    key = "geometries" if gtype == "GeometryCollection" else "coordinates"
    if key not in geometry:
        problems.append(_("%(who)s：几何缺少 %(key)s 成员") % {"who": who, "key": key})
        return None
    try:
        geom = shape(geometry)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the file's fault and is reported as such
        problems.append(_("%(who)s：几何坐标格式错误（%(err)s）") % {"who": who, "err": exc})
        return None
    coords = shapely.get_coordinates(geom)
    if len(coords) and not np.all(np.isfinite(coords)):
        problems.append(_("%(who)s：坐标中有非数字或无穷大的值") % {"who": who})
        return None
    if geom.is_empty:
        problems.append(_("%(who)s：几何为空") % {"who": who})
        return None
    return geom


def crs_hint(x: float, y: float) -> str:
    """A guess at the projected CRS from one coordinate, to put in the message."""
    ax = abs(x)
    zone = int(ax // 1.0e6)
    if 25 <= zone <= 45 and ax < 4.6e7:
        return _("横坐标带有带号 %(zone)d，可能是 CGCS2000 3度带高斯-克吕格投影：--crs EPSG:%(epsg)d") % {
            "zone": zone,
            "epsg": 4513 + zone - 25,
        }
    if 8.0e6 <= ax <= 1.6e7:
        hint = _("可能是 Web 墨卡托：--crs EPSG:3857")
        if zone >= 13:
            hint += _("；若横坐标前两位是6度带带号 %(zone)d，则为 --crs EPSG:%(epsg)d") % {
                "zone": zone,
                "epsg": 4491 + zone - 13,
            }
        return hint
    if 13 <= zone <= 23:
        return _("横坐标带有带号 %(zone)d，可能是 CGCS2000 6度带高斯-克吕格投影：--crs EPSG:%(epsg)d") % {
            "zone": zone,
            "epsg": 4491 + zone - 13,
        }
    return _(
        "例如 --crs EPSG:4548（CGCS2000 3度带 中央经线117°E，北京常用）或 --crs EPSG:32650（WGS84 UTM 50N）"
    )


def check_features(
    level_name: str, features, context: Context | None = None
) -> tuple[list[PlaceRow], list[str]]:
    """Every check at once; return (rows, problems). Rows are meaningful only when problems is empty."""
    ctx = context or Context()
    rows, problems = parse_features(level_name, features, ctx)
    # Rows with projected coordinates get no normalised geometry, so check_geometry passes over them.
    problems.extend(check_geometry(level_name, rows, ctx))
    return rows, problems


def parse_features(
    level_name: str, features, context: Context | None = None
) -> tuple[list[PlaceRow], list[str]]:
    """The cheap checks every import runs, even with validation off: structure, codes, parents, units.
    Fills each row's normalised geometry, bbox, and grid area / street length."""
    level = get_level(level_name)
    ctx = context or Context()
    problems: list[str] = []
    rows: list[PlaceRow] = []
    if not isinstance(features, list | tuple):
        return [], [_("GeoJSON 格式错误：features 应为数组")]
    if not features:
        return [], [_("文件中没有任何要素")]

    # GEOS parses GeoJSON text in one vectorised call, several times faster than shapely.geometry.shape per
    # feature; what it refuses (unclosed rings, bad numbers…) goes through shape() to get a precise message.
    texts = []
    for f in features:
        g = f.get("geometry") if isinstance(f, dict) else None
        try:
            texts.append(json.dumps(g, allow_nan=False) if isinstance(g, dict) else None)
        except (TypeError, ValueError):
            texts.append(None)
    fast = shapely.from_geojson(np.array(texts, dtype=object), on_invalid="ignore")
    seen: dict[str, str] = {}
    label_template = _("第%(n)d个要素")  # translated once: gettext per feature costs more than the checks
    for index, feature in enumerate(features, start=1):
        label = _label(feature, index, label_template)
        if not isinstance(feature, dict):
            problems.append(_("%(label)s：要素应为 JSON 对象") % {"label": label})
            continue
        if feature.get("type") != "Feature":
            problems.append(
                _('%(label)s：type 应为 "Feature"，实际为 %(type)r')
                % {"label": label, "type": feature.get("type")}
            )
        props = feature.get("properties")
        if not isinstance(props, dict):
            problems.append(
                _("%(label)s：缺少 properties 对象（至少要有 code 编码 和 name 名称）") % {"label": label}
            )
            props = {}
        code = _code_text(props.get("code"))
        name = _code_text(props.get("name"))
        who = _who(label, code)
        ok = True
        if not code:
            problems.append(_("%(label)s：缺少编码（code）") % {"label": label})
            ok = False
        else:
            why = level.code_problem(code)
            if why:
                problems.append(_("%(who)s：%(why)s") % {"who": who, "why": why})
                ok = False
            elif code in seen:
                problems.append(
                    _("编码 %(code)s 重复：%(first)s 与 %(second)s")
                    % {"code": code, "first": seen[code], "second": label}
                )
                ok = False
            else:
                seen[code] = label
        if not name:
            problems.append(_("%(who)s：缺少名称（name）") % {"who": who})
            ok = False
        parent = None
        if ok and level.parent:
            parent = level.parent_code(code)
            given = _code_text(props.get("parent_code"))
            if given and given != parent:
                problems.append(
                    _("%(who)s：上级编码「%(given)s」与编码前%(n)d位「%(parent)s」不一致")
                    % {"who": who, "given": given, "n": level.parent_digits, "parent": parent}
                )
                ok = False
            elif ctx.parent_codes is not None and parent not in ctx.parent_codes:
                from jingzhi.geo.levels import LEVELS

                problems.append(
                    _("%(who)s：所属%(plabel)s %(parent)s 在该边界版本中不存在，请先导入%(plabel)s")
                    % {"who": who, "plabel": LEVELS[level.parent].label, "parent": parent}
                )
                ok = False
        kind = "alley"
        if level.name == "street":
            raw_kind = _code_text(props.get("kind"))
            if raw_kind not in STREET_KINDS:
                problems.append(
                    _("%(who)s：街巷类型「%(kind)s」无效，应为 street/alley/hutong（街/巷/胡同）")
                    % {"who": who, "kind": raw_kind}
                )
                ok = False
            else:
                kind = STREET_KINDS[raw_kind]
        if "geometry" not in feature:
            problems.append(
                _('%(who)s：缺少 geometry 成员（没有几何时应写 "geometry": null）') % {"who": who}
            )
            continue
        geom = None
        if feature["geometry"] is None:
            if level.geometry_required and code not in ctx.existing_codes:
                problems.append(
                    _("%(who)s：新%(label)s必须有几何（边界或走向），该版本中也没有这个编码")
                    % {"who": who, "label": level.label}
                )
                ok = False
        else:
            geom = _parse_geometry(feature["geometry"], who, problems, fast[index - 1])
            if geom is None:
                ok = False
            elif geom.geom_type not in level.geometry_types:
                problems.append(
                    _("%(who)s：%(label)s的几何应为 %(types)s，实际为 %(type)s")
                    % {
                        "who": who,
                        "label": level.label,
                        "types": "/".join(sorted(level.geometry_types)),
                        "type": geom.geom_type,
                    }
                )
                ok = False
        if ok:
            rows.append(
                PlaceRow(
                    index=index, label=label, code=code, name=name, parent_code=parent, kind=kind, shape=geom
                )
            )

    shaped = [r for r in rows if r.shape is not None]
    if not shaped:
        return rows, problems
    shapes = np.array([r.shape for r in shaped], dtype=object)
    bounds = shapely.bounds(shapes)
    projected = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
    if projected.any():
        bad = [shaped[i] for i in np.flatnonzero(projected)]
        first = shapely.get_coordinates(bad[0].shape)[0]
        listed = listing(_who(r.label, r.code) for r in bad[:MAX_LISTED])
        more = _("等") if len(bad) > MAX_LISTED else ""
        problems.append(
            _(
                "坐标看起来是投影坐标（单位为米），不是经纬度（度）：%(n)d 个要素的坐标超出经纬度范围，"
                "如 %(first)s 的坐标 (%(x).1f, %(y).1f)；涉及 %(listed)s%(more)s。"
                "请用 --crs 指明文件的坐标系（管理后台上传页的“坐标系”一栏同理），%(hint)s；"
                "或先在 GIS 软件中转换为 WGS84/CGCS2000 经纬度（EPSG:4326/4490）"
            )
            % {
                "n": len(bad),
                "first": _who(bad[0].label, bad[0].code),
                "x": first[0],
                "y": first[1],
                "listed": listed,
                "more": more,
                "hint": crs_hint(first[0], first[1]),
            }
        )
        return rows, problems

    # One vectorised GeoJSON write and one parse for the whole file (per-feature json.loads dominated).
    normalised = json.loads("[" + ",".join(shapely.to_geojson(shapes).tolist()) + "]")
    for r, b, g in zip(shaped, bounds.tolist(), normalised, strict=True):
        r.bounds = tuple(b)
        r.geometry = g
    if level.name == "grid":
        areas = area_m2(shapes)
        for r, a in zip(shaped, areas, strict=True):
            r.area_m2 = round(float(a), 2)
    elif level.name == "street":
        for r, length in zip(shaped, length_m(shapes), strict=True):
            r.length_m = round(float(length), 2)

    return rows, problems


def check_geometry(level_name: str, rows: list[PlaceRow], context: Context | None = None) -> list[str]:
    """The geometric checks (validity; for grids also overlaps and gaps). Rows must come from
    `parse_features` without a projected-coordinates problem."""
    level = get_level(level_name)
    ctx = context or Context()
    if not ctx.geometric:
        return []
    shaped = [r for r in rows if r.shape is not None and r.geometry is not None]
    if not shaped:
        return []
    shapes = np.array([r.shape for r in shaped], dtype=object)
    problems: list[str] = []
    valid = shapely.is_valid(shapes)
    for i in np.flatnonzero(~valid):
        r = shaped[i]
        problems.append(
            _("%(who)s：几何无效——%(why)s")
            % {"who": _who(r.label, r.code), "why": translate_reason(shapely.is_valid_reason(r.shape))}
        )
    if level.name == "grid":
        good = [r for r, v in zip(shaped, valid, strict=True) if v and r.geometry is not None]
        problems.extend(_overlaps(good, ctx))
        problems.extend(_gaps(good, ctx))
    return problems


def _overlaps(rows: list[PlaceRow], ctx: Context) -> list[str]:
    """Pairs of grids whose interiors overlap by more than the sliver tolerance, each with its area."""
    file_codes = {r.code for r in rows}
    others = [(c, g) for c, g in ctx.other_grids.items() if c not in file_codes and g is not None]
    codes = [r.code for r in rows] + [c for c, _g in others]
    labels = [_who(r.label, r.code) for r in rows] + [
        _("网格 %(code)s（该版本已有，不在本文件中）") % {"code": c} for c, _g in others
    ]
    geoms = to_equal_area(np.array([r.shape for r in rows] + [g for _c, g in others], dtype=object))
    tree = shapely.STRtree(geoms)
    n_file = len(rows)
    left, right = tree.query(geoms[:n_file], predicate="intersects")
    keep = (right != left) & ((right >= n_file) | (right > left))
    left, right = left[keep], right[keep]
    if not len(left):
        return []
    interior = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    left, right = left[interior], right[interior]
    if not len(left):
        return []
    pieces = shapely.intersection(geoms[left], geoms[right])
    areas = shapely.area(pieces)
    problems = []
    hint_needed = False
    for a, b, piece, area in zip(left, right, pieces, areas, strict=True):
        if area < ctx.sliver_m2:
            continue
        pt = shapely.point_on_surface(piece)
        problems.append(
            _("%(a)s 与 %(b)s 重叠 %(area).1f 平方米，位置：%(where)s")
            % {
                "a": labels[a],
                "b": labels[b],
                "area": area,
                "where": where(*equal_area_to_lonlat(pt.x, pt.y)),
            }
        )
        hint_needed = hint_needed or b >= n_file
    if hint_needed:
        problems.append(
            _(
                "提示：如果本文件是其所涉社区的完整网格清单，请加 --replace（管理后台勾选“替换”），"
                "该版本中这些社区里文件没有列出的旧网格将被删除"
            )
        )
    del codes
    return problems


def _gaps(rows: list[PlaceRow], ctx: Context) -> list[str]:
    """Areas inside a community that its grids (the file's plus those staying) leave uncovered."""
    by_community: dict[str, list] = {}
    for r in rows:
        by_community.setdefault(r.parent_code, []).append(r.shape)
    file_codes = {r.code for r in rows}
    for code, geom in ctx.other_grids.items():
        if code not in file_codes and geom is not None and code[:12] in by_community:
            by_community[code[:12]].append(geom)
    problems = []
    for community in sorted(by_community):
        union = to_equal_area(shapely.union_all(np.array(by_community[community], dtype=object)))
        outline = ctx.community_shapes.get(community)
        if outline is not None and not shapely.is_empty(outline) and shapely.is_valid(outline):
            holes = shapely.difference(to_equal_area(outline), union)
        else:
            rings = [
                shapely.Polygon(ring)
                for poly in shapely.get_parts(union)
                if poly.geom_type == "Polygon"
                for ring in poly.interiors
            ]
            holes = shapely.union_all(np.array(rings, dtype=object)) if rings else None
        if holes is None or holes.is_empty:
            continue
        for part in shapely.get_parts(holes):
            if part.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            area = part.area
            if area < ctx.sliver_m2 or math.isnan(area):
                continue
            pt = shapely.point_on_surface(part)
            problems.append(
                _("社区 %(code)s 内有未被网格覆盖的空隙 %(area).1f 平方米，位置：%(where)s")
                % {"code": community, "area": area, "where": where(*equal_area_to_lonlat(pt.x, pt.y))}
            )
    return problems
