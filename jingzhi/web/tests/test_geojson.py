"""The map's GeoJSON endpoint: login required, scoped to the user's jurisdiction, limited to the box."""

from __future__ import annotations

import pytest

from jingzhi.web.tests.conftest import ORIGIN_LAT, ORIGIN_LON, STEP

pytestmark = pytest.mark.django_db
URL = "/map/geojson/"


def _codes(response):
    assert response.status_code == 200, response.content
    return {f["properties"]["code"] for f in response.json()["features"]}


def _bbox(col0, row0, col1, row1):
    """A box from lattice positions (fractions allowed)."""
    return ",".join(
        str(v)
        for v in (
            ORIGIN_LON + col0 * STEP,
            ORIGIN_LAT - row1 * STEP,
            ORIGIN_LON + col1 * STEP,
            ORIGIN_LAT - row0 * STEP,
        )
    )


def test_anonymous_request_is_refused_with_a_json_error(client, tree):
    response = client.get(URL, {"level": "grid"})
    assert response.status_code == 401
    assert response.json()["message"] == "请先登录"


def test_district_admin_gets_every_grid_without_a_box(client, district_admin, tree):
    client.force_login(district_admin)
    assert _codes(client.get(URL, {"level": "grid"})) == {g.code for g in tree["grids"]}


def test_grids_are_scoped_to_the_users_subdistrict(sub_admin_client, tree):
    codes = _codes(sub_admin_client.get(URL, {"level": "grid", "bbox": _bbox(0, 0, 8, 2)}))
    assert codes == {g.code for g in tree["grids"][:8]}


def test_box_filter_returns_only_places_overlapping_the_box(client, district_admin, tree, monkeypatch):
    from jingzhi.web import mapdata

    client.force_login(district_admin)
    # Snapping would widen a box this small to the whole test tree; measure the filter itself.
    monkeypatch.setattr(mapdata, "_SNAP", 1e-9)
    codes = _codes(client.get(URL, {"level": "grid", "bbox": _bbox(4.2, 0.2, 4.8, 0.8)}))
    assert codes == {tree["grids"][8].code}
    assert _codes(client.get(URL, {"level": "grid", "bbox": "117.0,40.5,117.1,40.6"})) == set()


def test_streets_and_communities_come_as_their_own_levels(sub_admin_client, tree):
    streets = sub_admin_client.get(URL, {"level": "street", "bbox": _bbox(0, 0, 8, 2)}).json()["features"]
    assert [f["properties"]["name"] for f in streets] == ["槐柏树街"]
    assert streets[0]["geometry"]["type"] == "LineString"
    communities = _codes(sub_admin_client.get(URL, {"level": "community"}))
    assert communities == {c.code for c in tree["communities"][:2]}


def test_features_link_to_their_place_pages(sub_admin_client, tree):
    feature = sub_admin_client.get(URL, {"level": "grid"}).json()["features"][0]
    assert feature["properties"]["url"] == f"/places/grid/{tree['grids'][0].pk}/"
    assert feature["properties"]["community"] == tree["communities"][0].name


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "116.4,39.9,116.3,40.0", "nan,1,2,3"])
def test_a_malformed_box_is_refused_in_chinese(sub_admin_client, tree, bbox):
    response = sub_admin_client.get(URL, {"level": "grid", "bbox": bbox})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "bbox" in body["message"] and "bbox" in body["fields"]


def test_an_unknown_level_is_refused_in_chinese(sub_admin_client, tree):
    response = sub_admin_client.get(URL, {"level": "house"})
    assert response.status_code == 400
    assert "level 只能是" in response.json()["message"]


def test_a_box_too_large_for_grids_returns_nothing_and_says_so(sub_admin_client, tree):
    body = sub_admin_client.get(URL, {"level": "grid", "bbox": "115,39,118,41"}).json()
    assert body["features"] == [] and body["truncated"] is True and "放大" in body["message"]


def test_answers_are_cached_per_scope(client, district_admin, sub_admin, tree):
    client.force_login(sub_admin)
    scoped = _codes(client.get(URL, {"level": "grid"}))
    client.force_login(district_admin)
    everything = _codes(client.get(URL, {"level": "grid"}))
    assert len(scoped) == 8 and len(everything) == 16


def test_simplify_rounds_coordinates_and_keeps_rectangles():
    from jingzhi.web.mapdata import simplify

    ring = [
        [116.1234567891, 39.1],
        [116.2, 39.1],
        [116.2, 39.2],
        [116.1234567891, 39.2],
        [116.1234567891, 39.1],
    ]
    out = simplify({"type": "Polygon", "coordinates": [ring]}, 1e-6)
    assert out["coordinates"][0][0] == [116.123457, 39.1]
    assert len(out["coordinates"][0]) == 5
