import json

import numpy as np
import openpyxl
import pyogrio.raw
import pytest
import shapely
from django.core.management import CommandError, call_command

from jingzhi.core.models import AuditEvent
from jingzhi.geo import actions
from jingzhi.geo.coords import wgs84_to_gcj02
from jingzhi.geo.exceptions import GeoImportError
from jingzhi.geo.models import BoundaryGeneration, Grid
from jingzhi.geo.readers import read_excel, read_file
from jingzhi.geo.tests.factories import COMMUNITY, DLAT, DLON, LAT0, LON0, build_city, grid_features

pytestmark = pytest.mark.django_db


def write_ogr(path, features, *, driver, crs="EPSG:4326", layer=None, transform=None):
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    if transform is not None:
        geoms = shapely.transform(geoms, transform)
    pyogrio.raw.write(
        str(path),
        shapely.to_wkb(geoms),
        [
            np.array([f["properties"]["code"] for f in features], dtype=object),
            np.array([f["properties"]["name"] for f in features], dtype=object),
        ],
        ["编码", "名称"],
        crs=crs,
        geometry_type="Polygon",
        driver=driver,
        layer=layer,
        encoding="UTF-8",
    )


@pytest.fixture
def draft():
    build_city(activate=True)
    return actions.do_create_generation(actor=None, description="草稿")


def renamed(prefix="改名网格"):
    return grid_features(prefix=prefix)


def names(gen):
    return sorted(Grid.objects.filter(generation=gen).values_list("name", flat=True))


def test_geojson_file_imports_through_the_command_into_the_draft(tmp_path, draft):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": renamed()}), encoding="utf-8")
    call_command("import-geo", "--level", "grid", str(path), verbosity=0)
    assert names(draft) == ["改名网格1", "改名网格2", "改名网格3", "改名网格4"]
    assert AuditEvent.objects.filter(verb="geo.import_places", target_id=str(draft.pk)).count() == 1


def test_geopackage_layer_imports(tmp_path, draft):
    path = tmp_path / "grids.gpkg"
    write_ogr(path, renamed("包网格"), driver="GPKG", layer="grids")
    write_ogr(path, renamed("别的"), driver="GPKG", layer="other")
    with pytest.raises(GeoImportError) as err:
        read_file(path)
    assert "多个图层" in err.value.problems[0] and "grids" in err.value.problems[0]
    call_command("import-geo", "--level", "grid", str(path), "--layer", "grids", verbosity=0)
    assert names(draft)[0] == "包网格1"


def test_shapefile_in_a_projected_crs_is_reprojected(tmp_path, draft):
    import pyproj

    to_4548 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    path = tmp_path / "grids.shp"
    write_ogr(
        path,
        renamed("投影网格"),
        driver="ESRI Shapefile",
        crs="EPSG:4548",
        transform=lambda c: np.column_stack(to_4548.transform(c[:, 0], c[:, 1])),
    )
    call_command("import-geo", "--level", "grid", str(path), verbosity=0)
    grid = Grid.objects.get(generation=draft, code=f"{COMMUNITY}001")
    assert grid.name == "投影网格1"
    assert grid.min_lon == pytest.approx(LON0, abs=1e-7) and grid.min_lat == pytest.approx(LAT0, abs=1e-7)
    assert 9500 < grid.area_m2 < 10500


def test_projected_file_without_crs_fails_the_command_with_the_hint(tmp_path, draft):
    path = tmp_path / "metres.geojson"
    features = renamed()
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        f["geometry"]["coordinates"][0] = [
            [500000 + (x - LON0) * 85000, 4420000 + (y - LAT0) * 111000] for x, y in ring
        ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(CommandError) as err:
        call_command("import-geo", "--level", "grid", str(path), verbosity=0)
    assert "未导入任何数据" in str(err.value) and "--crs" in str(err.value)
    assert names(draft)[0] == "网格1"


def test_gcj02_flag_converts_coordinates(tmp_path, draft):
    features = renamed("高德网格")
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        f["geometry"]["coordinates"][0] = [list(wgs84_to_gcj02(x, y)) for x, y in ring]
    path = tmp_path / "gcj.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    call_command("import-geo", "--level", "grid", str(path), "--gcj02", verbosity=0)
    grid = Grid.objects.get(generation=draft, code=f"{COMMUNITY}001")
    assert grid.min_lon == pytest.approx(LON0, abs=1e-6)


def write_sheet(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_excel_attribute_sheet_renames_existing_places(tmp_path, draft):
    path = tmp_path / "names.xlsx"
    write_sheet(path, ["编码", "名称", "上级编码"], [[f"{COMMUNITY}002", "表格网格", COMMUNITY]])
    call_command("import-geo", "--level", "grid", str(path), verbosity=0)
    grid = Grid.objects.get(generation=draft, code=f"{COMMUNITY}002")
    assert grid.name == "表格网格" and grid.geometry is not None  # geometry kept
    assert Grid.objects.filter(generation=draft).count() == 4


def test_excel_sheet_with_wkt_creates_places(tmp_path, draft):
    path = tmp_path / "new.xlsx"
    wkt = shapely.box(LON0 + 2 * DLON, LAT0, LON0 + 3 * DLON, LAT0 + DLAT).wkt
    write_sheet(path, ["编码", "名称", "WKT"], [[f"{COMMUNITY}005", "表格新网格", wkt]])
    call_command("import-geo", "--level", "grid", str(path), "--no-validate", verbosity=0)
    assert Grid.objects.get(generation=draft, code=f"{COMMUNITY}005").area_m2 > 9000


def test_excel_sheet_with_missing_and_extra_columns_names_them_with_rows(tmp_path):
    path = tmp_path / "bad.xlsx"
    write_sheet(
        path, ["编码", "面积", "备注"], [["110199001001001", 100, "x"], ["110199001001002", 1, "y", "溢出"]]
    )
    with pytest.raises(GeoImportError) as err:
        read_excel(path)
    text = "\n".join(err.value.problems)
    assert "表头（第 1 行）缺少列：名称" in text
    assert "有多余的列：面积（B 列）、备注（C 列）" in text
    # With a good header, data under no column name is named by its row (the shared tabular layer stops
    # at a wrong header, so this is checked apart).
    write_sheet(path, ["编码", "名称"], [["110199001001001", "甲"], ["110199001001002", "乙", "溢出"]])
    with pytest.raises(GeoImportError) as err:
        read_excel(path)
    assert err.value.problems == ["第 3 行：在没有列名的列（C）中有数据"]


def test_excel_row_with_a_new_grid_but_no_geometry_is_refused_by_row(tmp_path, draft):
    path = tmp_path / "new.xlsx"
    write_sheet(path, ["编码", "名称"], [[f"{COMMUNITY}001", "好"], [f"{COMMUNITY}099", "没有几何"]])
    with pytest.raises(CommandError):
        call_command("import-geo", "--level", "grid", str(path), verbosity=0)
    assert names(draft)[0] == "网格1"


def test_replace_drops_grids_the_file_no_longer_lists(tmp_path, draft):
    # Two wide grids replace the four small ones of the community.
    from jingzhi.geo.tests.factories import box, feature

    wide = [
        feature(f"{COMMUNITY}011", "北", box(LON0, LAT0 + DLAT, LON0 + 2 * DLON, LAT0 + 2 * DLAT)),
        feature(f"{COMMUNITY}012", "南", box(LON0, LAT0, LON0 + 2 * DLON, LAT0 + DLAT)),
    ]
    path = tmp_path / "wide.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": wide}))
    with pytest.raises(CommandError):  # without --replace the old grids still overlap
        call_command("import-geo", "--level", "grid", str(path), verbosity=0)
    call_command("import-geo", "--level", "grid", str(path), "--replace", "--activate", verbosity=0)
    draft.refresh_from_db()
    assert draft.is_active
    assert names(draft) == ["北", "南"]


def test_geo_generations_command_lists_and_activates(draft, capsys):
    call_command("geo-generations", "list")
    out = capsys.readouterr().out
    assert f"#{draft.pk}\t草稿" in out and "网格 4" in out
    call_command("geo-generations", "activate", str(draft.pk))
    assert BoundaryGeneration.objects.get(pk=draft.pk).is_active
    with pytest.raises(CommandError):
        call_command("geo-generations", "activate", "999999")


def test_an_excel_sheet_with_several_bad_rows_lists_each_and_imports_nothing(tmp_path, draft):
    path = tmp_path / "bad-rows.xlsx"
    wkt = shapely.box(LON0 + 2 * DLON, LAT0, LON0 + 3 * DLON, LAT0 + DLAT).wkt
    write_sheet(
        path,
        ["编码", "名称", "WKT"],
        [
            [f"{COMMUNITY}005", "好", wkt],
            [f"{COMMUNITY}006", "坏几何", "POLYGON((1 2"],
            ["1.10199E+14", "科学计数法", ""],
        ],
    )
    with pytest.raises(GeoImportError) as err:
        read_excel(path)
    assert [p.split("：")[0] for p in err.value.problems] == ["第 3 行", "第 4 行"]
    with pytest.raises(CommandError):
        call_command("import-geo", "--level", "grid", str(path), "--no-validate", verbosity=0)
    assert not Grid.objects.filter(generation=draft, code=f"{COMMUNITY}005").exists()


def test_a_csv_attribute_sheet_is_read_like_an_excel_one(tmp_path, draft):
    path = tmp_path / "names.csv"
    path.write_bytes(f"编码,名称\n{COMMUNITY}002,表格网格\n".encode("gb18030"))
    call_command("import-geo", "--level", "grid", str(path), verbosity=0)
    assert Grid.objects.get(generation=draft, code=f"{COMMUNITY}002").name == "表格网格"
