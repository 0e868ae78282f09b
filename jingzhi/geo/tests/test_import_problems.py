"""Every bad input of issue #2 gets a specific Chinese message, and nothing is imported."""

import copy

import pytest

from jingzhi.core.models import AuditEvent
from jingzhi.geo import actions
from jingzhi.geo.exceptions import GeoImportError
from jingzhi.geo.models import BoundaryGeneration, Grid
from jingzhi.geo.readers import read_geojson_text
from jingzhi.geo.tests.factories import (
    COMMUNITY,
    DLAT,
    DLON,
    LAT0,
    LON0,
    box,
    build_city,
    feature,
    grid_features,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    gen = build_city(activate=True)
    return actions.do_create_generation(actor=None, description="草稿", copy_active=True), gen


def import_fails(level, features, generation, **kw) -> list[str]:
    before_grids = Grid.objects.count()
    before_audit = AuditEvent.objects.count()
    with pytest.raises(GeoImportError) as err:
        actions.do_import_places(actor=None, level=level, features=features, generation=generation, **kw)
    assert Grid.objects.count() == before_grids, "nothing may be imported"
    assert AuditEvent.objects.count() == before_audit
    assert err.value.problems and err.value.fields["problems"] == err.value.problems
    return err.value.problems


def test_malformed_geojson_text_is_reported_with_line_and_column():
    with pytest.raises(GeoImportError) as err:
        read_geojson_text('{"type": "FeatureCollection", "features": [\n  {"type": "Feature",, }]}')
    assert "GeoJSON 格式错误：第2行" in err.value.problems[0]


def test_geojson_with_wrong_top_level_type_is_rejected():
    with pytest.raises(GeoImportError) as err:
        read_geojson_text('{"type": "Topology"}')
    assert "FeatureCollection" in err.value.problems[0]


def test_malformed_features_are_each_reported(draft):
    gen, _ = draft
    features = grid_features()
    features[0] = "not a feature"
    del features[1]["geometry"]
    features[2]["geometry"] = {"type": "Polygon", "coordinates": [[["a", "b"]]]}
    features[3]["geometry"] = {"type": "Blob", "coordinates": []}
    problems = import_fails("grid", features, gen)
    text = "\n".join(problems)
    assert "第1个要素：要素应为 JSON 对象" in text
    assert "第2个要素（编码 110199001001002）：缺少 geometry 成员" in text
    assert "第3个要素（编码 110199001001003）：几何坐标格式错误" in text
    assert "「Blob」不是 GeoJSON 几何类型" in text


def test_self_intersecting_polygon_names_the_feature_and_where(draft):
    gen, _ = draft
    features = grid_features()
    x0, y0, x1, y1 = LON0, LAT0, LON0 + DLON, LAT0 + DLAT
    features[0]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]],
    }
    problems = import_fails("grid", features, gen)
    bowtie = [p for p in problems if "几何无效" in p]
    assert len(bowtie) == 1
    assert "第1个要素（编码 110199001001001）" in bowtie[0]
    assert "自相交" in bowtie[0] and "经度116.370585" in bowtie[0]


def test_overlapping_grids_are_reported_with_their_area(draft):
    gen, _ = draft
    features = grid_features()
    # Grid 2 stretched 20 m west over grid 1: ~20 m × 100 m = ~2,000 m² of overlap.
    features[1]["geometry"] = box(LON0 + DLON * 0.8, LAT0, LON0 + 2 * DLON, LAT0 + DLAT)
    problems = import_fails("grid", features, gen)
    overlaps = [p for p in problems if "重叠" in p]
    assert len(overlaps) == 1
    assert "110199001001001" in overlaps[0] and "110199001001002" in overlaps[0]
    area = float(overlaps[0].split("重叠 ")[1].split(" 平方米")[0])
    assert 1900 < area < 2100


def test_gaps_inside_the_community_are_reported_with_their_area(draft):
    gen, _ = draft
    features = grid_features()
    # Grid 4 shrunk by 10 m on its east side: a 10 m × 100 m gap, ~1,000 m².
    features[3]["geometry"] = box(LON0 + DLON, LAT0 + DLAT, LON0 + 1.9 * DLON, LAT0 + 2 * DLAT)
    problems = import_fails("grid", features, gen)
    gaps = [p for p in problems if "空隙" in p]
    assert len(gaps) == 1 and f"社区 {COMMUNITY}" in gaps[0]
    area = float(gaps[0].split("空隙 ")[1].split(" 平方米")[0])
    assert 950 < area < 1050


def test_slivers_below_the_tolerance_are_accepted(draft, settings):
    gen, _ = draft
    settings.JINGZHI_GEO_SLIVER_M2 = 5.0
    features = grid_features()
    # 3 cm overlap along a 100 m edge: ~3 m², below the 5 m² tolerance.
    features[1]["geometry"] = box(LON0 + DLON - 0.00000035, LAT0, LON0 + 2 * DLON, LAT0 + DLAT)
    report = actions.do_import_places(actor=None, level="grid", features=features, generation=gen)
    assert report.updated == 1


def test_grid_overlapping_one_already_in_the_generation_is_reported(draft):
    gen, _ = draft
    intruder = feature(
        f"{COMMUNITY}009", "新网格", box(LON0 + 0.5 * DLON, LAT0, LON0 + 1.5 * DLON, LAT0 + DLAT)
    )
    problems = import_fails("grid", [intruder], gen)
    assert any("该版本已有" in p and "重叠" in p for p in problems)
    assert any("--replace" in p for p in problems)


def test_duplicate_codes_are_reported(draft):
    gen, _ = draft
    features = grid_features()
    features[3]["properties"]["code"] = features[0]["properties"]["code"]
    problems = import_fails("grid", features, gen)
    assert any("编码 110199001001001 重复：第1个要素 与 第4个要素" in p for p in problems)


def test_codes_that_disagree_with_their_parent_are_reported(draft):
    gen, _ = draft
    features = grid_features()
    features[0]["properties"]["parent_code"] = "110199001002"
    problems = import_fails("grid", features, gen)
    assert any("上级编码「110199001002」与编码前12位「110199001001」不一致" in p for p in problems)


def test_grid_whose_community_does_not_exist_is_reported(draft):
    gen, _ = draft
    stray = feature("110199001077001", "无主网格", box(LON0 + 5 * DLON, LAT0, LON0 + 6 * DLON, LAT0 + DLAT))
    problems = import_fails("grid", [stray], gen)
    assert any("所属社区 110199001077 在该边界版本中不存在" in p for p in problems)


@pytest.mark.parametrize("code,why", [("11019900100100", "15位数字"), ("11019900100100X", "15位数字")])
def test_grid_codes_of_wrong_length_or_with_letters_are_reported(draft, code, why):
    gen, _ = draft
    features = grid_features()
    features[0]["properties"]["code"] = code
    problems = import_fails("grid", features, gen)
    assert any(why in p and code in p for p in problems)


def test_projected_metres_are_recognised_and_the_crs_option_explained(draft):
    gen, _ = draft
    features = grid_features()
    for f in features:
        f["geometry"] = box(39500000, 4420000, 39500100, 4420100)
    problems = import_fails("grid", features, gen)
    assert len(problems) == 1
    assert "投影坐标" in problems[0] and "--crs" in problems[0] and "EPSG:4527" in problems[0]


def test_every_problem_is_reported_not_just_the_first(draft):
    gen, _ = draft
    features = grid_features()
    features[0]["properties"]["code"] = "123"
    features[1]["properties"]["name"] = ""
    features[2]["geometry"] = box(LON0 + 0.5 * DLON, LAT0, LON0 + 1.5 * DLON, LAT0 + DLAT)  # overlaps 1 and 2
    problems = import_fails("grid", features, gen)
    text = "\n".join(problems)
    assert "123" in text and "缺少名称" in text and "重叠" in text


def test_nothing_is_imported_when_one_feature_of_many_is_bad():
    before = BoundaryGeneration.objects.count()
    gen = build_city(activate=False)
    features = copy.deepcopy(grid_features(cols=3, rows=3))
    features[-1]["properties"]["code"] = "oops"
    with pytest.raises(GeoImportError):
        actions.do_import_places(actor=None, level="grid", features=features, generation=gen, replace=True)
    assert Grid.objects.filter(generation=gen).count() == 4
    assert BoundaryGeneration.objects.count() == before + 1


def test_a_generation_once_activated_takes_no_imports(draft):
    _, active = draft
    from jingzhi.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        actions.do_import_places(actor=None, level="grid", features=grid_features(), generation=active)
    assert "已经启用过" in err.value.message
