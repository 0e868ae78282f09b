import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhi.accounts.models import Department, Role, RoleAssignment, ScopeKind, User
from jingzhi.core.errors import NotFound
from jingzhi.geo import actions, queries
from jingzhi.geo.models import Grid, Street
from jingzhi.geo.tests.factories import COMMUNITY, DISTRICT, SUBDISTRICT, build_city, grid_features

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("geo-admin", password="x")
    client.force_login(user)
    return client


def upload(client, features, **extra):
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    data = {"level": "grid", "file": SimpleUploadedFile("grids.geojson", body), "validate": "on", **extra}
    return client.post(reverse("admin:geo_boundarygeneration_import"), data)


def test_admin_upload_imports_and_reports_counts(admin_client):
    gen = build_city()
    response = upload(admin_client, grid_features(prefix="后台网格"), activate="on")
    assert response.status_code == 302
    active = queries.active_generation()
    assert active.pk != gen.pk
    assert Grid.objects.get(generation=active, code=f"{COMMUNITY}001").name == "后台网格1"
    page = admin_client.get(response.url)
    assert "更新 4" in page.content.decode()


def test_admin_upload_shows_every_problem_and_imports_nothing(admin_client):
    build_city()
    features = grid_features()
    features[0]["properties"]["code"] = "1"
    features[1]["properties"]["name"] = ""
    response = upload(admin_client, features)
    html = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何数据" in html and html.count("<li>") >= 2
    assert "缺少名称" in html and "15位数字" in html


def test_admin_changelist_links_the_upload_page(admin_client):
    build_city()
    html = admin_client.get(reverse("admin:geo_boundarygeneration_changelist")).content.decode()
    assert "导入边界文件" in html
    assert admin_client.get(reverse("admin:geo_grid_changelist")).status_code == 200


def make_user(name, **assignment):
    user = User.objects.create_user(name, password="x")
    if assignment:
        RoleAssignment.objects.create(user=user, **assignment)
    return user


def test_places_are_scoped_to_the_jurisdiction():
    build_city()
    gen = actions.do_create_generation(actor=None)
    # A second community in the same subdistrict, east of the first, with two grids.
    from jingzhi.geo.tests.factories import DLON, LAT0, LON0, feature, outline

    other = "110199001002"
    actions.do_import_places(
        actor=None,
        level="community",
        generation=gen,
        features=[feature(other, "东社区", outline(2, 1, lon0=LON0 + 2 * DLON))],
    )
    actions.do_import_places(
        actor=None,
        level="grid",
        generation=gen,
        features=grid_features(other, cols=2, rows=1, lon0=LON0 + 2 * DLON, lat0=LAT0),
    )
    actions.do_activate_generation(actor=None, generation=gen)

    root = User.objects.create_superuser("root", password="x")
    inspector = make_user("ins", role=Role.INSPECTOR, scope_kind=ScopeKind.COMMUNITY, scope_code=other)
    nobody = make_user("nobody")
    dept = Department.objects.create(code="cg", name="城管执法局", district_code=DISTRICT)
    handler = make_user("handler", role=Role.HANDLER, scope_kind=ScopeKind.DEPARTMENT, department=dept)

    assert queries.grids_for(root).count() == 6
    assert sorted(g.code[:12] for g in queries.grids_for(inspector)) == [other, other]
    assert [c.code for c in queries.communities_for(inspector)] == [other]
    assert [s.code for s in queries.subdistricts_for(inspector)] == [SUBDISTRICT]  # the way down is visible
    assert [d.code for d in queries.districts_for(inspector)] == [DISTRICT]
    assert queries.grids_for(nobody).count() == 0
    assert queries.grids_for(handler).count() == 6
    assert queries.streets_for(inspector).count() == 0
    assert queries.streets_for(handler).count() == 1

    mine = Grid.objects.get(generation=gen, code=f"{other}001")
    theirs = Grid.objects.get(generation=gen, code=f"{COMMUNITY}001")
    assert queries.access_place(inspector, "grid", mine.pk) == mine
    with pytest.raises(NotFound) as forbidden:
        queries.access_place(inspector, "grid", theirs.pk)
    with pytest.raises(NotFound) as missing:
        queries.access_place(inspector, "grid", 10**9)
    assert forbidden.value.message == missing.value.message
    street = Street.objects.get(generation=gen)
    assert queries.access_place(handler, "street", street.pk) == street


def test_copy_of_a_generation_remaps_parents_to_the_copy():
    gen = build_city()
    draft = actions.do_create_generation(actor=None)
    copied = Grid.objects.select_related("community__subdistrict__district").filter(generation=draft)
    assert copied.count() == 4
    for grid in copied:
        assert grid.community.generation_id == draft.pk
        assert grid.community.subdistrict.district.generation_id == draft.pk
    assert Street.objects.get(generation=draft).subdistrict.generation_id == draft.pk
    assert Grid.objects.filter(generation=gen).count() == 4
