"""Service points in, coverage and gaps out: imports (Excel, GeoJSON), the gap table with population and
candidate spaces, and a walking network that does not connect the grids."""

import io
import json

import pytest
from openpyxl import Workbook

from jingzhi.core.errors import PermissionDenied
from jingzhi.spaces import actions, queries
from jingzhi.spaces.exceptions import NetworkImportError, PointImportError
from jingzhi.spaces.models import ServicePoint
from jingzhi.spaces.testing import COMM1, COMM2, OUTSIDE, grid_box, register

pytestmark = pytest.mark.django_db


def centre(n):
    lon0, lat0, lon1, lat1 = grid_box(n)
    return ((lon0 + lon1) / 2, (lat0 + lat1) / 2)


def points_xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["业态", "名称", "地址", "经度", "纬度"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_points_import_from_excel_and_geojson(world, at):
    admin = world.p.district_admin
    made = actions.do_import_service_points(
        actor=admin,
        file=points_xlsx([["菜站", "青槐菜站", "", *centre(0)], ["pharmacy", "同仁药店", "", *centre(5)]]),
        filename="p.xlsx",
    )
    assert [p.community_code for p in made] == [COMM1, COMM2]
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "早餐", "name": "包子铺"},
                "geometry": {"type": "Point", "coordinates": list(centre(1))},
            }
        ],
    }
    actions.do_import_service_points(actor=admin, file=json.dumps(geo).encode(), filename="p.geojson")
    assert ServicePoint.objects.count() == 3


def test_a_points_file_with_bad_rows_imports_nothing(world, at):
    data = points_xlsx(
        [["菜站", "好", "", *centre(0)], ["飞船站", "坏", "", *centre(0)], ["菜站", "远", "", *OUTSIDE]]
    )
    with pytest.raises(PointImportError) as err:
        actions.do_import_service_points(actor=world.p.district_admin, file=data, filename="p.xlsx")
    assert err.value.problems[0].startswith("第 3 行") and "飞船站" in err.value.problems[0]
    assert not ServicePoint.objects.exists()
    data = points_xlsx([["菜站", "远", "", *OUTSIDE]])
    with pytest.raises(PointImportError) as err:
        actions.do_import_service_points(actor=world.p.district_admin, file=data, filename="p.xlsx")
    assert "网格" in err.value.problems[0]
    with pytest.raises(PermissionDenied):
        actions.do_import_service_points(actor=world.p.sub_admin, file=data, filename="p.xlsx")


def test_gaps_by_community_with_population_and_candidate_spaces(world, at):
    admin = world.p.district_admin
    # One 菜站 at the west end: reach 923 m covers grids 0–2 (centres 0, 430, 860 m away), not 3–7.
    actions.do_import_service_points(
        actor=admin, file=points_xlsx([["菜站", "青槐菜站", "", *centre(0)]]), filename="p.xlsx"
    )
    actions.do_set_population(actor=admin, community_code=COMM2, population=8000)
    free = register(world.p.sub_admin2, where=centre(6), planned_use="convenience")
    register(world.p.sub_admin2, where=centre(7), planned_use="parking")  # cannot host a 菜站
    result = queries.coverage_for(admin, kind_codes=["vegetables"])
    assert result.method == "straight" and result.note == ""
    assert list(result.results["vegetables"].covered) == [True, True, True, False, False, False, False, False]
    assert result.share("vegetables") == pytest.approx(3 / 8)
    gaps = {g.community_code: g for g in result.gaps}
    assert gaps[COMM2].grids_uncovered == 4 and gaps[COMM2].affected == 8000
    assert gaps[COMM1].grids_uncovered == 1 and gaps[COMM1].population is None
    assert [c.space for c in gaps[COMM2].candidates] == [free]
    # A subdistrict admin sees only their own grids.
    mine = queries.coverage_for(world.p.sub_admin, kind_codes=["vegetables"])
    assert len(mine.grids) == 4 and {g.community_code for g in mine.gaps} == {COMM1}


def lines(*paths):
    return json.dumps(
        {"type": "MultiLineString", "coordinates": [list(map(list, p)) for p in paths]}
    ).encode()


def test_a_network_that_does_not_connect_the_grids_falls_back_to_straight_line_labelled(world, at):
    admin = world.p.district_admin
    west = [(116.30, 39.905), (116.32, 39.905)]
    east = [(116.321, 39.905), (116.34, 39.905)]  # a 85 m gap: two pieces
    row = actions.do_import_walk_network(actor=admin, file=lines(west, east), filename="net.geojson")
    assert not row.connected and "不连通" in row.message
    actions.do_import_service_points(
        actor=admin, file=points_xlsx([["菜站", "青槐菜站", "", *centre(0)]]), filename="p.xlsx"
    )
    result = queries.coverage_for(admin, kind_codes=["vegetables"])
    assert result.method == "straight" and "直线" in result.note and "不连通" in result.note


def test_a_connected_network_measures_along_the_streets(world, at):
    admin = world.p.district_admin
    row = actions.do_import_walk_network(
        actor=admin, file=lines([(116.30, 39.905), (116.34, 39.905)]), filename="net.geojson"
    )
    assert row.connected and row.message == ""
    actions.do_import_service_points(
        actor=admin, file=points_xlsx([["菜站", "青槐菜站", "", *centre(0)]]), filename="p.xlsx"
    )
    result = queries.coverage_for(admin, kind_codes=["vegetables"])
    # Reach along the street is 1,200 m: grid centres 0, 430, 860 m are in, 1,290 m is not.
    assert result.method == "network" and result.note == ""
    assert list(result.results["vegetables"].covered[:4]) == [True, True, True, False]


def test_a_network_file_without_lines_is_refused(world, at):
    with pytest.raises(NetworkImportError):
        actions.do_import_walk_network(
            actor=world.p.district_admin, file=b'{"type":"Point","coordinates":[1,2]}', filename="n.geojson"
        )
    with pytest.raises(NetworkImportError):
        actions.do_import_walk_network(actor=world.p.district_admin, file=b"not json", filename="n.geojson")


def test_a_network_in_a_geopackage_is_read(world, at, tmp_path):
    import numpy as np
    import pyogrio
    import shapely

    path = tmp_path / "walk.gpkg"
    line = shapely.LineString([(116.30, 39.905), (116.34, 39.905)])
    pyogrio.raw.write(
        str(path),
        geometry=np.array([shapely.to_wkb(line)], dtype=object),
        field_data=[],
        fields=[],
        driver="GPKG",
        geometry_type="LineString",
        crs="EPSG:4326",
    )
    row = actions.do_import_walk_network(
        actor=world.p.district_admin, file=path.read_bytes(), filename="walk.gpkg"
    )
    assert row.connected and row.segments == 1
    with pytest.raises(NetworkImportError):
        actions.do_import_walk_network(
            actor=world.p.district_admin, file=b"SQLite format 3\x00broken", filename="x.gpkg"
        )
