"""Readers: boundary files on disk → GeoJSON Feature dicts in WGS84, ready for `do_import_places`.

Formats: GeoJSON (FeatureCollection or a single Feature), GeoPackage and Shapefile (also zipped) through
pyogrio, and Excel attribute sheets through openpyxl. Whatever the format, properties are mapped onto the
names the importer uses — `code`, `name`, `parent_code`, `kind` — from English or Chinese column names
(编码/名称/上级编码/类型). Files that carry a CRS other than longitude/latitude (EPSG:4326/4490) are
reprojected with pyproj; `crs=` names the CRS of a file that does not say (or says wrongly). `gcj02=True`
converts coordinates taken from Chinese phone maps. Readers report every problem they can see in one
`GeoImportError`; the content checks themselves live in `geo.validation`.

An Excel sheet (or a CSV) has one header row with the columns 编码 and 名称 (required), 上级编码 and 类型
(optional) and WKT (optional, WGS84 well-known text), read through `core.tabular`. A row with WKT creates or replaces that place's geometry; a row
without it only updates the name/attributes of a place that already exists in the target generation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.utils.translation import gettext as _

from jingzhi.core import tabular
from jingzhi.core.text import listing
from jingzhi.geo.coords import gcj02_coords_to_wgs84
from jingzhi.geo.exceptions import GeoImportError

GEOGRAPHIC = {"EPSG:4326", "EPSG:4490", "OGC:CRS84", "EPSG:4979", "EPSG:4480"}
ALIASES = {
    "code": ("code", "编码", "代码", "网格编码", "地点编码", "bm", "dm"),
    "name": ("name", "名称", "网格名称", "地点名称", "mc"),
    "parent_code": ("parent_code", "parent", "上级编码", "父级编码", "所属编码"),
    "kind": ("kind", "类型", "街巷类型"),
}
_ALIAS_OF = {alias.lower(): key for key, names in ALIASES.items() for alias in names}


@dataclass
class ReadResult:
    features: list[dict]
    source_crs: str | None = None
    attribute_only: bool = False  # no feature carries a geometry (an Excel sheet without WKT)
    notes: list[str] = field(default_factory=list)


def map_properties(props: dict | None) -> dict | None:
    if not isinstance(props, dict):
        return props
    out = dict(props)
    for key, value in props.items():
        canonical = _ALIAS_OF.get(str(key).strip().lower())
        if canonical and canonical not in out:
            out[canonical] = value
    return out


# ---------------------------------------------------------------------------------------------- transforms


def _transformer(source: str):
    try:
        import pyproj
    except ImportError:  # pragma: no cover - pyproj ships with the project's dependencies
        raise GeoImportError(
            [_("文件坐标系为 %(crs)s，需要 pyproj 才能换算为经纬度，请安装 pyproj") % {"crs": source}]
        ) from None
    try:
        crs = pyproj.CRS.from_user_input(source)
    except pyproj.exceptions.CRSError:
        raise GeoImportError(
            [_("无法识别坐标系「%(crs)s」，请写成 EPSG:xxxx 的形式，如 EPSG:4547") % {"crs": source}]
        ) from None
    if crs.is_geographic and crs.to_epsg() in (4326, 4490, 4480, 4979):
        return None
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return apply


def _is_geographic_name(source: str | None) -> bool:
    return source is None or source.upper().replace(" ", "") in GEOGRAPHIC


def transform_geometries(geoms: np.ndarray, *, source_crs: str | None, gcj02: bool) -> np.ndarray:
    """Reproject an array of shapely geometries to WGS84 lon/lat and undo the GCJ-02 offset if asked."""
    if source_crs and not _is_geographic_name(source_crs):
        fn = _transformer(source_crs)
        if fn is not None:
            geoms = shapely.transform(geoms, fn)
    if gcj02:
        geoms = shapely.transform(geoms, gcj02_coords_to_wgs84)
    return geoms


def _transform_feature_geometries(features: list, *, source_crs, gcj02) -> None:
    if not gcj02 and (source_crs is None or _is_geographic_name(source_crs)):
        return
    slots, geoms = [], []
    for f in features:
        if isinstance(f, dict) and isinstance(f.get("geometry"), dict):
            try:
                geoms.append(shapely.from_geojson(json.dumps(f["geometry"])))
                slots.append(f)
            except Exception:  # noqa: BLE001, S112 - left unconverted; validation names the feature
                continue
    if not geoms:
        return
    converted = transform_geometries(np.array(geoms, dtype=object), source_crs=source_crs, gcj02=gcj02)
    for f, g in zip(slots, converted, strict=True):
        f["geometry"] = json.loads(shapely.to_geojson(g))


# ---------------------------------------------------------------------------------------------- GeoJSON


def read_geojson_text(text: str | bytes, *, crs: str | None = None, gcj02: bool = False) -> ReadResult:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GeoImportError(
                [_("GeoJSON 文件不是 UTF-8 编码（第%(pos)d字节处无法解码）") % {"pos": exc.start}]
            ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoImportError(
            [
                _("GeoJSON 格式错误：第%(line)d行第%(col)d列：%(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ]
        ) from None
    if not isinstance(doc, dict):
        raise GeoImportError([_("GeoJSON 格式错误：顶层应为对象（FeatureCollection 或 Feature）")])
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise GeoImportError([_("GeoJSON 格式错误：FeatureCollection 缺少 features 数组")])
    elif kind == "Feature":
        features = [doc]
    else:
        raise GeoImportError(
            [
                _("GeoJSON 格式错误：顶层 type 应为 FeatureCollection 或 Feature，实际为 %(type)r")
                % {"type": kind}
            ]
        )
    file_crs = None
    named = doc.get("crs")
    if isinstance(named, dict):
        name = (named.get("properties") or {}).get("name", "")
        # "urn:ogc:def:crs:EPSG::4547" → "EPSG:4547"
        if "EPSG" in name:
            file_crs = "EPSG:" + name.rsplit(":", 1)[-1]
        elif "CRS84" in name:
            file_crs = "OGC:CRS84"
    source = crs or file_crs
    for f in features:
        if isinstance(f, dict):
            f["properties"] = map_properties(f.get("properties"))
    _transform_feature_geometries(features, source_crs=source, gcj02=gcj02)
    attribute_only = all(isinstance(f, dict) and f.get("geometry") is None for f in features)
    return ReadResult(features=features, source_crs=source, attribute_only=attribute_only)


# ---------------------------------------------------------------------------------------------- GIS files


def list_layers(path: str | Path) -> list[str]:
    import pyogrio

    return [str(row[0]) for row in pyogrio.list_layers(str(path))]


def read_ogr(
    path: str | Path, *, layer: str | None = None, crs: str | None = None, gcj02: bool = False
) -> ReadResult:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = list_layers(path)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise GeoImportError([_("无法读取文件：%(err)s") % {"err": exc}]) from None
    if layer is None and len(layers) > 1:
        raise GeoImportError(
            [_("文件有多个图层：%(layers)s，请用 --layer 指定要导入的图层") % {"layers": listing(layers)}]
        )
    if layer is not None and layer not in layers:
        raise GeoImportError(
            [
                _("文件中没有图层「%(layer)s」；已有图层：%(layers)s")
                % {"layer": layer, "layers": listing(layers)}
            ]
        )
    try:
        meta, _fids, wkb, columns = pyogrio.raw.read(str(path), layer=layer)
    except (DataSourceError, DataLayerError) as exc:
        raise GeoImportError([_("无法读取文件：%(err)s") % {"err": exc}]) from None
    source = crs or meta.get("crs")
    names = [str(n) for n in meta.get("fields", [])]
    geoms = shapely.from_wkb(wkb) if wkb is not None else np.full(len(columns[0]) if columns else 0, None)
    present = ~shapely.is_missing(geoms)
    if present.any():
        geoms[present] = transform_geometries(geoms[present], source_crs=source, gcj02=gcj02)
    geojson = [json.loads(shapely.to_geojson(g)) if g is not None else None for g in geoms]
    values = [np.asarray(col).tolist() for col in columns]
    features = []
    for i, geometry in enumerate(geojson):
        props = {name: values[j][i] for j, name in enumerate(names)}
        features.append({"type": "Feature", "properties": map_properties(props), "geometry": geometry})
    return ReadResult(
        features=features, source_crs=source, attribute_only=bool(features) and not present.any()
    )


# ---------------------------------------------------------------------------------------------- Excel


EXCEL_SPEC = [
    tabular.Column("code", "编码", ALIASES["code"], tabular.code(), required=True, default=""),
    tabular.Column("name", "名称", ALIASES["name"], required=True, default=""),
    tabular.Column("parent_code", "上级编码", ALIASES["parent_code"], tabular.code(), default=""),
    tabular.Column("kind", "类型", ALIASES["kind"], default=""),
    tabular.Column("wkt", "WKT", ("几何",), default=""),
]


def read_excel(path, *, layer: str | None = None, gcj02: bool = False) -> ReadResult:
    """An attribute sheet (.xlsx, or CSV in UTF-8/GB18030, told apart by content) as features."""
    book = tabular.open_book(path, error=GeoImportError)
    if layer is not None and layer not in book.sheetnames:
        raise GeoImportError(
            [
                _("Excel 文件中没有工作表「%(sheet)s」；已有：%(sheets)s")
                % {"sheet": layer, "sheets": listing(book.sheetnames)}
            ]
        )
    problems = tabular.Problems(GeoImportError)
    rows = tabular.read_sheet(book.sheets[layer or book.first()], EXCEL_SPEC, problems)
    features = []
    for row in rows:
        geometry = None
        if row["wkt"]:
            try:
                geom = shapely.from_wkt(row["wkt"])
                if gcj02:
                    geom = shapely.transform(geom, gcj02_coords_to_wgs84)
                geometry = json.loads(shapely.to_geojson(geom))
            except Exception as exc:  # noqa: BLE001 - the cell's fault, reported with its row
                problems.add(_("WKT 无法解析（%(err)s）") % {"err": exc}, row=row.number, column="WKT")
                continue
        props = {key: row[key] for key in ("code", "name", "parent_code", "kind")}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": geometry,
                "_label": _("第 %(n)d 行") % {"n": row.number},
            }
        )
    problems.raise_if_any()
    return ReadResult(
        features=features, source_crs="EPSG:4326", attribute_only=all(f["geometry"] is None for f in features)
    )


# ---------------------------------------------------------------------------------------------- dispatch


def read_file(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    gcj02: bool = False,
    filename: str | None = None,
) -> ReadResult:
    """Read any supported file. A spreadsheet is known by its content (an .xlsx under any name) or a .csv
    name; the GIS formats by `filename` (the uploaded name) or the path's suffix."""
    suffix = Path(filename or str(path)).suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(4)
    if suffix in (".xlsx", ".xlsm", ".csv") or (
        head == b"PK\x03\x04" and tabular.sniff(Path(path).read_bytes()) == tabular.XLSX
    ):
        return read_excel(path, layer=layer, gcj02=gcj02)
    if suffix in (".geojson", ".json"):
        return read_geojson_text(Path(path).read_bytes(), crs=crs, gcj02=gcj02)
    if suffix in (".gpkg", ".shp", ".zip", ".fgb"):
        return read_ogr(path, layer=layer, crs=crs, gcj02=gcj02)
    raise GeoImportError(
        [
            _(
                "不支持的文件类型「%(suffix)s」：请用 GeoJSON（.geojson/.json）、GeoPackage（.gpkg）、"
                "Shapefile（.shp 或打包的 .zip）、Excel（.xlsx）或 CSV"
            )
            % {"suffix": suffix or "?"}
        ]
    )
