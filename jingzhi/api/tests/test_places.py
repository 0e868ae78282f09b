"""Place endpoints: lists, details and the tree, each cut to the caller's jurisdiction."""

import pytest

from .conftest import C11, C12, C21, S1, S2, D, token_client, user_with

pytestmark = pytest.mark.django_db


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_a_superuser_sees_every_place_of_the_active_generation(root_client, city):
    assert codes(root_client.get("/api/v1/districts/")) == [D]
    assert codes(root_client.get("/api/v1/subdistricts/")) == [S1, S2]
    assert codes(root_client.get("/api/v1/communities/")) == [C11, C12, C21]
    assert len(codes(root_client.get("/api/v1/grids/"))) == 6
    assert codes(root_client.get("/api/v1/streets/")) == [f"{S1}S001", f"{S2}S001"]


def test_a_subdistrict_admin_sees_only_their_subdistricts_communities(s1_client, city):
    assert codes(s1_client.get("/api/v1/communities/")) == [C11, C12]
    assert codes(s1_client.get("/api/v1/streets/")) == [f"{S1}S001"]
    assert all(code.startswith(S1) for code in codes(s1_client.get("/api/v1/grids/")))
    assert S2 not in codes(s1_client.get("/api/v1/subdistricts/"))


def test_another_subdistricts_community_is_404_like_a_missing_one(s1_client, city):
    other = city.place("community", C21)
    response = s1_client.get(f"/api/v1/communities/{other.pk}/")
    assert response.status_code == 404
    missing = s1_client.get("/api/v1/communities/999999/")
    assert missing.status_code == 404
    assert response.json()["code"] == missing.json()["code"] == "not_found"
    assert response.json()["message"] == missing.json()["message"]
    own = city.place("community", C11)
    body = s1_client.get(f"/api/v1/communities/{own.pk}/").json()
    assert body["code"] == C11
    assert body["subdistrict"]["code"] == S1
    assert body["geometry"]["type"] == "Polygon"


def test_filtering_by_a_parent_outside_the_jurisdiction_is_404(s1_client, city):
    s2 = city.place("subdistrict", S2)
    response = s1_client.get("/api/v1/communities/", {"subdistrict": s2.pk})
    assert response.status_code == 404
    s1 = city.place("subdistrict", S1)
    assert codes(s1_client.get("/api/v1/communities/", {"subdistrict": s1.pk})) == [C11, C12]


def test_lists_filter_by_parent(root_client, city):
    c11 = city.place("community", C11)
    assert codes(root_client.get("/api/v1/grids/", {"community": c11.pk})) == [f"{C11}001", f"{C11}002"]
    s2 = city.place("subdistrict", S2)
    assert codes(root_client.get("/api/v1/streets/", {"subdistrict": s2.pk})) == [f"{S2}S001"]
    district = city.place("district", D)
    assert codes(root_client.get("/api/v1/subdistricts/", {"district": district.pk})) == [S1, S2]


def test_geometry_is_only_sent_on_request_in_lists(root_client, city):
    plain = root_client.get("/api/v1/grids/").json()["results"][0]
    assert plain["geometry"] is None
    assert len(plain["bbox"]) == 4
    full = root_client.get("/api/v1/grids/", {"geometry": 1}).json()["results"][0]
    assert full["geometry"]["type"] == "Polygon"
    assert full["area_m2"] > 5000


def test_lists_are_paginated(root_client, city):
    first = root_client.get("/api/v1/grids/", {"page_size": 4}).json()
    assert first["count"] == 6 and len(first["results"]) == 4
    assert first["previous"] is None and "page=2" in first["next"]
    second = root_client.get("/api/v1/grids/", {"page_size": 4, "page": 2}).json()
    assert len(second["results"]) == 2 and second["next"] is None


def test_a_bad_filter_is_400_with_its_field(root_client, city):
    response = root_client.get("/api/v1/grids/", {"community": "abc", "geometry": "maybe"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"community", "geometry"}


def test_streets_say_their_kind_in_chinese(root_client, city):
    street = root_client.get("/api/v1/streets/").json()["results"][0]
    assert street["kind"] == "alley" and street["kind_label"] == "巷"
    assert street["length_m"] > 100


def test_the_tree_nests_places_with_counts(root_client, city):
    body = root_client.get("/api/v1/jurisdiction/tree/").json()
    assert body["generation"] == city.generation.pk
    [district] = body["districts"]
    assert district["code"] == D and district["grid_count"] == 6 and district["street_count"] == 2
    s1, s2 = district["subdistricts"]
    assert (s1["code"], s1["grid_count"], s1["street_count"]) == (S1, 4, 1)
    assert [(c["code"], c["grid_count"]) for c in s1["communities"]] == [(C11, 2), (C12, 2)]
    assert [(c["code"], c["grid_count"]) for c in s2["communities"]] == [(C21, 2)]


def test_the_tree_of_a_subdistrict_admin_holds_only_their_subdistrict(s1_client, city):
    [district] = s1_client.get("/api/v1/jurisdiction/tree/").json()["districts"]
    assert [s["code"] for s in district["subdistricts"]] == [S1]
    assert district["grid_count"] == 4


def test_an_inspector_of_one_grid_sees_the_way_down_to_it(city):
    inspector = user_with("zhao", ("inspector", "grid", f"{C12}001"))
    client = token_client(inspector)
    [district] = client.get("/api/v1/jurisdiction/tree/").json()["districts"]
    [subdistrict] = district["subdistricts"]
    assert [(c["code"], c["grid_count"]) for c in subdistrict["communities"]] == [(C12, 1)]
    assert codes(client.get("/api/v1/grids/")) == [f"{C12}001"]
    assert client.get(f"/api/v1/grids/{city.place('grid', f'{C12}002').pk}/").status_code == 404


def test_a_user_without_roles_sees_nothing(city):
    client = token_client(user_with("nobody"))
    assert codes(client.get("/api/v1/districts/")) == []
    assert client.get("/api/v1/jurisdiction/tree/").json()["districts"] == []


def test_the_list_reads_a_constant_number_of_queries(root_client, city, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = root_client.get("/api/v1/grids/", {"page_size": 500})
    assert len(response.json()["results"]) == 6


def test_an_absurd_id_is_404_not_a_crash(root_client, city):
    assert root_client.get(f"/api/v1/grids/{2**70}/").status_code == 404
