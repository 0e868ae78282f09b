"""The web shell's pages: who gets in, what each role sees, and what stays hidden."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["web:home", "web:places", "web:map"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_anonymous_visitor_is_sent_to_login_from_a_place_page(client, tree):
    response = client.get(reverse("web:community", args=[tree["communities"][0].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_login_page_is_chinese_and_loads_no_third_party_asset(client):
    body = client.get(reverse("web:login")).content.decode()
    assert "登录精治" in body
    assert "http://" not in body.replace("http://www.w3.org", "") and "https://" not in body
    assert "django_htmx/htmx-2.min.js" in body


def test_subdistrict_admin_sees_only_their_own_subdistrict_in_the_district(sub_admin_client, tree):
    body = sub_admin_client.get(reverse("web:district", args=[tree["district"].pk])).content.decode()
    assert "青槐街道" in body
    assert "丰泽街道" not in body
    assert "2 个社区 · 8 个网格" in body


def test_another_subdistricts_community_page_is_not_found(sub_admin_client, tree):
    foreign = tree["communities"][2]  # in 丰泽街道
    assert sub_admin_client.get(reverse("web:community", args=[foreign.pk])).status_code == 404
    assert sub_admin_client.get(reverse("web:subdistrict", args=[foreign.subdistrict.pk])).status_code == 404
    foreign_grid = tree["grids"][8]
    assert sub_admin_client.get(reverse("web:grid", args=[foreign_grid.pk])).status_code == 404


def test_a_missing_place_is_not_found_like_a_forbidden_one(sub_admin_client):
    assert sub_admin_client.get(reverse("web:community", args=[999999])).status_code == 404


def test_subdistrict_page_lists_communities_with_grid_counts_a_chart_and_streets(sub_admin_client, tree):
    body = sub_admin_client.get(
        reverse("web:subdistrict", args=[tree["subdistricts"][0].pk])
    ).content.decode()
    assert "青槐东社区" in body and "青槐西社区" in body
    assert "4 个网格" in body
    assert "chartkick/Chart.bundle.js" in body and "BarChart" in body
    assert "槐柏树街" in body and "丰盛胡同" not in body
    assert "leaflet/leaflet.js" in body


def test_community_page_lists_its_grids_with_breadcrumbs(sub_admin_client, tree):
    com = tree["communities"][0]
    body = sub_admin_client.get(reverse("web:community", args=[com.pk])).content.decode()
    for g in tree["grids"][:4]:
        assert g.code in body
    assert tree["grids"][4].code not in body
    assert reverse("web:district", args=[tree["district"].pk]) in body
    assert reverse("web:subdistrict", args=[com.subdistrict.pk]) in body


def test_name_filter_answers_htmx_with_only_the_children_partial(sub_admin_client, tree):
    url = reverse("web:subdistrict", args=[tree["subdistricts"][0].pk])
    response = sub_admin_client.get(url, {"q": "西"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="children")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="children">')
    assert "<html" not in body
    assert "青槐西社区" in body and "青槐东社区" not in body


def test_grid_page_shows_code_community_area_and_neighbours_across_community_lines(sub_admin_client, tree):
    grid = tree["grids"][1]  # north-east cell of the first community; its east neighbour is in the second
    body = sub_admin_client.get(reverse("web:grid", args=[grid.pk])).content.decode()
    assert grid.code in body and "青槐东社区" in body and "9000 平方米" in body
    west, south, east = tree["grids"][0], tree["grids"][3], tree["grids"][4]
    for n in (west, south, east):
        assert n.code in body
    assert tree["grids"][2].code not in body  # touches only at a corner
    assert f'"highlight": "{grid.code}"' in body


def test_home_names_the_users_roles_and_the_nav_offers_their_pages(sub_admin_client):
    body = sub_admin_client.get(reverse("web:home")).content.decode()
    assert 'data-role="subdistrict_admin">街道管理员' in body
    assert 'data-nav="places"' in body and 'data-nav="map"' in body
    assert 'data-nav="api"' in body and 'data-block="month"' in body


def test_home_for_a_resident_has_no_admin_links(client, tree):
    from jingzhi.web.tests.conftest import _user

    client.force_login(_user("wang", "resident", "community", tree["communities"][0].code))
    body = client.get(reverse("web:home")).content.decode()
    assert "居民" in body
    assert "管理后台" not in body and "接口文档" not in body


def test_demo_banner_appears_when_the_demo_flag_exists(sub_admin_client, settings, tmp_path):
    from jingzhi.web import context_processors

    settings.JINGZHI_DEMO = False
    settings.VAR_DIR = tmp_path
    context_processors.forget_demo_flag()
    assert "演示数据" not in sub_admin_client.get(reverse("web:home")).content.decode()
    (tmp_path / "demo.flag").write_text("demo")
    context_processors.forget_demo_flag()
    assert "演示数据 — 虚构的城区，仅供体验" in sub_admin_client.get(reverse("web:home")).content.decode()
    context_processors.forget_demo_flag()


def test_map_page_uses_local_leaflet_and_no_tiles_by_default(sub_admin_client, settings):
    settings.JINGZHI_MAP_TILES = "none"
    body = sub_admin_client.get(reverse("web:map")).content.decode()
    assert "/static/leaflet/leaflet.js" in body and "/static/web/map.js" in body
    assert '"tiles": "none"' in body
    assert "openstreetmap" not in body and "tianditu" not in body


def test_tianditu_tiles_need_a_key_and_then_carry_it(settings):
    from jingzhi.web.mapdata import tile_config

    settings.JINGZHI_MAP_TILES = "tianditu"
    settings.JINGZHI_TIANDITU_KEY = ""
    settings.JINGZHI_MAP_TILE_URL = ""
    assert tile_config(settings)["tiles"] == "none"
    settings.JINGZHI_TIANDITU_KEY = "abc123"
    config = tile_config(settings)
    assert config["tiles"] == "tianditu" and "tk=abc123" in config["url"] and "cva_w" in config["annotation"]


def test_logout_is_a_post_and_ends_the_session(sub_admin_client):
    response = sub_admin_client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert sub_admin_client.get(reverse("web:home")).status_code == 302


def test_switching_language_to_english_translates_the_shell(sub_admin_client):
    response = sub_admin_client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    body = response.content.decode()
    assert '<html lang="en"' in body
    assert "Places" in body and "Grid map" in body


def test_static_asset_check_finds_every_asset_the_pages_load():
    from jingzhi.web.checks import static_assets_present

    assert static_assets_present() == []


def test_community_page_query_count_does_not_grow_with_its_grids(
    sub_admin_client, tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert (
            sub_admin_client.get(reverse("web:community", args=[tree["communities"][0].pk])).status_code
            == 200
        )
