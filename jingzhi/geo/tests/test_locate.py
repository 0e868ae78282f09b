import math

import pytest

from jingzhi.core.models import AuditEvent
from jingzhi.geo import actions, locate
from jingzhi.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from jingzhi.geo.exceptions import InvalidCoordinates
from jingzhi.geo.models import Grid
from jingzhi.geo.tests.factories import DLAT, DLON, LAT0, LON0, build_city, grid_features

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    locate.invalidate()
    yield
    locate.invalidate()


def test_locate_finds_grid_community_subdistrict_district_and_nearby_street():
    build_city()
    where = locate.locate(LON0 + 0.5 * DLON, LAT0 + 0.8 * DLAT)  # ~18 m south of the street line
    assert where.inside
    assert where.grid["code"] == "110199001001001"
    assert where.community["code"] == "110199001001"
    assert where.subdistrict["code"] == "110199001"
    assert where.district["code"] == "110199"
    assert where.street["code"] == "110199001S001"
    assert 15 < where.street["distance_m"] < 25


def test_locate_leaves_street_out_beyond_the_snap_distance(settings):
    settings.JINGZHI_STREET_SNAP_METRES = 10
    build_city()
    where = locate.locate(LON0 + 0.5 * DLON, LAT0 + 0.5 * DLAT)  # ~45 m from the street
    assert where.inside and where.street is None


def test_locate_outside_every_grid_says_so_and_does_not_crash():
    build_city()
    where = locate.locate(116.0, 39.0)
    assert not where.inside
    assert where.grid is None
    assert "不在本辖区任何网格内" in where.message and "116.000000" in where.message


def test_locate_without_any_active_generation_answers_clearly():
    where = locate.locate(116.37, 39.91)
    assert not where.inside and "尚未启用" in where.message


@pytest.mark.parametrize("lon,lat", [(200, 39.9), (116.3, 95), ("abc", 39.9), (float("nan"), 39.9)])
def test_locate_rejects_numbers_that_are_not_longitude_latitude(lon, lat):
    with pytest.raises(InvalidCoordinates) as err:
        locate.locate(lon, lat)
    assert "经" in err.value.message or "纬" in err.value.message


def test_locate_many_answers_each_point_in_order():
    build_city()
    points = [(LON0 + 1.5 * DLON, LAT0 + 1.5 * DLAT), (100.0, 20.0), (LON0 + 0.5 * DLON, LAT0 + 0.2 * DLAT)]
    found = locate.locate_many(points)
    assert [f.inside for f in found] == [True, False, True]
    assert found[0].grid["code"] == "110199001001004"
    assert found[2].grid["code"] == "110199001001001"
    assert found[2].street is None  # ~63 m from the street, beyond the default 50 m
    assert "不在本辖区" in found[1].message


def test_locate_many_names_the_points_out_of_range():
    build_city()
    with pytest.raises(InvalidCoordinates) as err:
        locate.locate_many([(116.3, 39.9), (116.3, 139.9)])
    assert "第2个点" in err.value.message


def test_locate_agrees_with_locate_many():
    build_city()
    pts = [(LON0 + (i % 7) * 0.0003, LAT0 + (i % 5) * 0.0004) for i in range(35)]
    assert [locate.locate(*p) for p in pts] == locate.locate_many(pts)


def test_activating_a_new_generation_switches_locate_results(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        build_city()
    point = (LON0 + 0.5 * DLON, LAT0 + 0.5 * DLAT)
    assert locate.locate(*point).grid["name"] == "网格1"
    draft = actions.do_create_generation(actor=None, description="新边界")
    assert Grid.objects.filter(generation=draft).count() == 4
    renamed = grid_features(prefix="新网格")
    actions.do_import_places(actor=None, level="grid", features=renamed, generation=draft)
    assert locate.locate(*point).grid["name"] == "网格1"  # a draft changes nothing until activated
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_activate_generation(actor=None, generation=draft)
    found = locate.locate(*point)
    assert found.grid["name"] == "新网格1" and found.generation_id == draft.pk
    assert AuditEvent.objects.filter(verb="geo.activate_generation").count() == 2


def test_locate_accepts_gcj02_input():
    build_city()
    lon, lat = LON0 + 0.5 * DLON, LAT0 + 0.5 * DLAT
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert locate.locate(g_lon, g_lat).grid is None  # read as WGS84 it lies ~500 m away, outside
    assert locate.locate(g_lon, g_lat, crs="gcj02").grid["code"] == "110199001001001"


def _metres(lon1, lat1, lon2, lat2):
    dx = (lon2 - lon1) * 111195 * math.cos(math.radians(lat1))
    dy = (lat2 - lat1) * 111195
    return math.hypot(dx, dy)


@pytest.mark.parametrize("lon,lat", [(116.37, 39.91), (121.47, 31.23), (113.26, 23.13), (87.6, 43.8)])
def test_gcj02_round_trip_is_within_half_a_metre(lon, lat):
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert _metres(lon, lat, g_lon, g_lat) > 100  # the offset is real
    back = gcj02_to_wgs84(g_lon, g_lat)
    assert _metres(lon, lat, *back) < 0.5


def test_gcj02_has_no_offset_outside_china():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
