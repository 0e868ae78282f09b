"""The locate endpoints: inside, outside, GCJ-02 input, batch, and bad coordinates."""

import pytest

from jingzhi.geo.coords import wgs84_to_gcj02

from .conftest import C11, C21, S1, S2, centre_of_grid

pytestmark = pytest.mark.django_db


def test_a_point_in_a_grid_names_the_whole_chain_and_the_street(root_client, city):
    lon, lat = centre_of_grid(C11, 1)
    body = root_client.get("/api/v1/locate/", {"lon": lon, "lat": lat}).json()
    assert body["inside"] is True
    assert body["grid"]["code"] == f"{C11}001"
    assert body["community"]["code"] == C11
    assert body["subdistrict"]["code"] == S1
    assert body["district"]["code"] == "110199"
    assert body["street"]["code"] == f"{S1}S001"
    assert body["street"]["distance_m"] < 1
    assert body["message"] == ""


def test_a_point_outside_every_grid_is_a_clear_answer_not_an_error(root_client, city):
    response = root_client.get("/api/v1/locate/", {"lon": 121.47, "lat": 31.23})
    assert response.status_code == 200
    body = response.json()
    assert body["inside"] is False
    assert body["grid"] is None and body["district"] is None and body["street"] is None
    assert "不在" in body["message"]


def test_a_gcj02_point_from_a_phone_map_is_converted(root_client, city):
    lon, lat = centre_of_grid(C21, 2)
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert abs(glon - lon) > 0.001  # the offset is hundreds of metres: far more than a grid
    body = root_client.get("/api/v1/locate/", {"lon": glon, "lat": glat, "crs": "gcj02"}).json()
    assert body["grid"]["code"] == f"{C21}002"
    assert abs(body["lon"] - lon) < 1e-6 and abs(body["lat"] - lat) < 1e-6
    wrong = root_client.get("/api/v1/locate/", {"lon": glon, "lat": glat}).json()
    assert wrong["grid"] is None or wrong["grid"]["code"] != f"{C21}002"


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lon": "east", "lat": 39.9}, {"lon"}),
        ({"lon": 181, "lat": 39.9}, {"lon"}),
        ({"lon": 116.3, "lat": -91}, {"lat"}),
        ({"lon": "nan", "lat": "inf"}, {"lon", "lat"}),
        ({"lat": 39.9}, {"lon"}),
        ({"lon": 116.3, "lat": 39.9, "crs": "bd09"}, {"crs"}),
    ],
)
def test_bad_coordinates_are_400_naming_the_field(root_client, city, params, fields):
    response = root_client.get("/api/v1/locate/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == fields


def test_the_batch_answers_in_order(root_client, city):
    points = [centre_of_grid(C21, 1), (0.0, 0.0), centre_of_grid(C11, 2)]
    response = root_client.post(
        "/api/v1/locate/batch/", {"points": [{"lon": x, "lat": y} for x, y in points]}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3 and body["inside_count"] == 2
    assert [r["grid"] and r["grid"]["code"] for r in body["results"]] == [f"{C21}001", None, f"{C11}002"]
    assert body["results"][0]["subdistrict"]["code"] == S2


def test_the_batch_takes_at_most_1000_points(root_client, city):
    point = {"lon": 116.37, "lat": 39.91}
    ok = root_client.post("/api/v1/locate/batch/", {"points": [point] * 1000}, format="json")
    assert ok.status_code == 200 and ok.json()["count"] == 1000
    too_many = root_client.post("/api/v1/locate/batch/", {"points": [point] * 1001}, format="json")
    assert too_many.status_code == 400
    assert "points" in too_many.json()["fields"]
    empty = root_client.post("/api/v1/locate/batch/", {"points": []}, format="json")
    assert empty.status_code == 400


def test_locate_needs_a_signed_in_user(city):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/locate/", {"lon": 116.37, "lat": 39.91}).status_code == 401
