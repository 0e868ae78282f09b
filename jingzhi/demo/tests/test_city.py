"""The demo district's geometry, as pure data: valid codes, exact tiling, believable size and names."""

from __future__ import annotations

from collections import Counter

import shapely
from shapely.geometry import shape

from jingzhi.demo import city

BUILT = city.build_city()


def _children(features, parent_code):
    return [f for f in features if f["properties"]["code"].startswith(parent_code)]


def test_the_district_is_fictional_and_lies_around_the_given_centre():
    props = BUILT.district["properties"]
    assert props == {"code": "110199", "name": "示范区"}
    centre = shape(BUILT.district["geometry"]).centroid
    assert abs(centre.x - 116.37) < 0.01 and abs(centre.y - 39.91) < 0.01


def test_sizes_match_the_brief():
    assert len(BUILT.subdistricts) >= 3
    assert len(BUILT.communities) >= 12
    assert 550 <= len(BUILT.grids) <= 650
    assert 75 <= len(BUILT.streets) <= 90


def test_grids_are_about_one_hundred_metres_square():
    from jingzhi.geo.measure import area_m2

    areas = area_m2([shape(g["geometry"]) for g in BUILT.grids[:50]])
    assert all(9_500 < a < 10_500 for a in areas), areas[:5]


def test_every_grid_code_is_a_valid_fifteen_digit_code_under_its_community():
    for community in BUILT.communities:
        code = community["properties"]["code"]
        grids = _children(BUILT.grids, code)
        assert grids, code
        assert all(city.grid_code_is_valid(g["properties"]["code"], code) for g in grids)
        sequences = [int(g["properties"]["code"][12:]) for g in grids]
        assert sequences == list(range(1, len(grids) + 1))


def test_codes_are_unique_and_agree_with_their_parents():
    codes = [
        f["properties"]["code"]
        for level in ("subdistrict", "community", "grid", "street")
        for f in BUILT.features(level)
    ]
    assert not [c for c, n in Counter(codes).items() if n > 1]
    for sub in BUILT.subdistricts:
        assert len(sub["properties"]["code"]) == 9 and sub["properties"]["code"].startswith("110199")
    for com in BUILT.communities:
        assert len(com["properties"]["code"]) == 12


def test_grids_are_numbered_west_to_east_then_north_to_south():
    grids = _children(BUILT.grids, BUILT.communities[0]["properties"]["code"])
    corners = [shape(g["geometry"]).bounds for g in grids]  # (minx, miny, maxx, maxy)
    keys = [(-round(b[3], 7), round(b[0], 7)) for b in corners]  # north first, then west
    assert keys == sorted(keys)


def test_grids_tile_each_community_with_no_gap_and_no_overlap():
    for community in BUILT.communities:
        outline = shape(community["geometry"])
        cells = [shape(g["geometry"]) for g in _children(BUILT.grids, community["properties"]["code"])]
        assert all(c.is_valid for c in cells)
        union = shapely.union_all(cells)
        assert union.symmetric_difference(outline).area == 0
        assert abs(sum(c.area for c in cells) - outline.area) < 1e-15  # no overlap either


def test_communities_tile_their_subdistrict_and_subdistricts_the_district():
    for sub in BUILT.subdistricts:
        parts = [shape(c["geometry"]) for c in _children(BUILT.communities, sub["properties"]["code"])]
        assert shapely.union_all(parts).symmetric_difference(shape(sub["geometry"])).area == 0
    whole = shapely.union_all([shape(s["geometry"]) for s in BUILT.subdistricts])
    assert whole.symmetric_difference(shape(BUILT.district["geometry"])).area == 0


def test_streets_lie_inside_their_subdistrict_and_have_believable_unique_names():
    names = [s["properties"]["name"] for s in BUILT.streets]
    assert len(set(names)) == len(names)
    assert all(n.endswith(("胡同", "街", "巷", "夹道")) for n in names)
    subs = {s["properties"]["code"]: shape(s["geometry"]) for s in BUILT.subdistricts}
    for street in BUILT.streets:
        code = street["properties"]["code"]
        assert subs[code[:9]].contains(shape(street["geometry"])), code
        assert street["properties"]["kind"] in ("street", "alley", "hutong")


def test_two_builds_are_identical():
    assert city.build_city() == BUILT
