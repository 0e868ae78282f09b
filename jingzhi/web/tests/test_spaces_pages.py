"""The 腾退空间 pages: scoped lists, the same 404 for missing and forbidden, forms that answer bad input with
a Chinese message and a 4xx, the re-check that records 反弹 and opens a case."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from jingzhi.spaces.models import Recheck, Space
from jingzhi.spaces.testing import IN_COMM1, IN_COMM2, OUTSIDE, T0, make_world, register


@pytest.fixture
def sw(db):
    from jingzhi.core import clock

    with clock.frozen(T0):
        yield make_world()


pytestmark = pytest.mark.django_db


@pytest.fixture
def two(sw):
    a = register(sw.p.sub_admin, name="青槐违建点")
    b = register(sw.p.sub_admin2, where=IN_COMM2, name="石碑地下室", underground=True, origin="basement")
    return a, b


def test_the_list_shows_only_the_users_spaces(client, sw, two):
    client.force_login(sw.p.inspector)
    page = client.get(reverse("web:spaces")).content.decode()
    assert "青槐违建点" in page and "石碑地下室" not in page
    data = client.get(reverse("web:spaces_geojson")).json()
    assert [f["properties"]["name"] for f in data["features"]] == ["青槐违建点"]


def test_people_without_a_staff_role_get_404(client, sw, two):
    for user in (sw.p.resident, sw.p.nobody):
        client.force_login(user)
        assert client.get(reverse("web:spaces")).status_code == 404
        assert client.get(reverse("web:space_detail", args=[two[0].pk])).status_code == 404


def test_missing_and_forbidden_spaces_are_the_same_404(client, sw, two):
    client.force_login(sw.p.inspector)
    forbidden = client.get(reverse("web:space_detail", args=[two[1].pk]))
    missing = client.get(reverse("web:space_detail", args=[99999]))
    assert forbidden.status_code == missing.status_code == 404
    assert client.get(reverse("web:space_recheck", args=[two[1].pk])).status_code == 404


def test_detail_shows_history_and_a_forbidden_transition_is_a_400_naming_the_allowed(client, sw, two):
    client.force_login(sw.p.sub_admin)
    url = reverse("web:space_act", args=[two[0].pk, "state"])
    response = client.post(url, {"to_state": "in_use", "reason": "试试", "version": 1})
    assert response.status_code == 400
    assert "当前可改为：待利用" in response.content.decode()
    response = client.post(url, {"to_state": "awaiting", "reason": "清理完毕", "version": 1})
    assert response.status_code == 302
    page = client.get(reverse("web:space_detail", args=[two[0].pk])).content.decode()
    assert "清理完毕" in page and "腾退 → 待利用" in page


def test_an_inspector_cannot_change_state(client, sw, two):
    client.force_login(sw.p.inspector)
    response = client.post(
        reverse("web:space_act", args=[two[0].pk, "state"]), {"to_state": "awaiting", "reason": "x"}
    )
    assert response.status_code == 403
    assert Space.objects.get(pk=two[0].pk).state == "vacated"


def test_a_rebound_recheck_from_the_form_opens_a_case(client, sw, two):
    client.force_login(sw.p.inspector)
    url = reverse("web:space_recheck", args=[two[0].pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"outcome": "reoccupied", "checked_on": "2025-06-11", "note": "又有人堆放杂物"}
    )
    assert response.status_code == 302
    recheck = Recheck.objects.get()
    assert recheck.case is not None and Space.objects.get(pk=two[0].pk).state == "rebound"
    page = client.get(reverse("web:space_detail", args=[two[0].pk])).content.decode()
    assert recheck.case.number in page


def test_a_recheck_before_vacating_is_a_400_with_the_dates(client, sw, two):
    client.force_login(sw.p.inspector)
    response = client.post(
        reverse("web:space_recheck", args=[two[0].pk]), {"outcome": "clear", "checked_on": "2025-01-01"}
    )
    assert response.status_code == 400
    assert "早于该空间的腾退日期" in response.content.decode()
    assert not Recheck.objects.exists()


def test_a_ledger_with_bad_rows_is_a_400_listing_rows(client, sw):
    wb = Workbook()
    ws = wb.active
    ws.append(["名称", "地址", "经度", "纬度", "面积（平方米）", "来源", "腾退日期"])
    ws.append(["甲", "甲地址", *IN_COMM1, -3, "拆违", "2025-05-01"])
    ws.append(["乙", "乙地址", *OUTSIDE, 10, "拆违", "2025-05-01"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = "ledger.xlsx"
    buf.seek(0)
    client.force_login(sw.p.sub_admin)
    response = client.post(reverse("web:spaces_ledger_import"), {"file": buf})
    page = response.content.decode()
    assert response.status_code == 400 and "第 2 行" in page and "第 3 行" in page
    assert not Space.objects.exists()


def test_the_ledger_exports_as_excel(client, sw, two):
    client.force_login(sw.p.district_admin)
    response = client.get(reverse("web:spaces_ledger"))
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert client.get(reverse("web:spaces_ledger_print")).status_code == 200


def test_coverage_page_and_map_data(client, sw, two):
    from jingzhi.spaces.actions import do_import_service_points

    do_import_service_points(
        actor=None,
        file='{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"vegetables","name":"青槐菜站"},"geometry":{"type":"Point","coordinates":[116.3025,39.905]}}]}'.encode(),
        filename="p.geojson",
    )
    client.force_login(sw.p.district_admin)
    page = client.get(reverse("web:spaces_coverage") + "?kind=vegetables").content.decode()
    assert "石碑社区" in page and "38%" in page
    data = client.get(reverse("web:spaces_coverage_geojson") + "?kind=vegetables").json()
    grids = [f for f in data["features"] if "covered" in f["properties"]]
    assert len(grids) == 8 and sum(f["properties"]["covered"] for f in grids) == 3
    assert data["method"] == "straight"


def test_registering_on_the_web_form(client, sw):
    base = {"name": "新拆违点", "address": "青槐东里9号", "origin": "demolition", "vacated_on": "2025-06-01"}
    client.force_login(sw.p.inspector)
    assert client.get(reverse("web:space_new")).status_code == 404
    client.force_login(sw.p.sub_admin)
    assert client.get(reverse("web:space_new")).status_code == 200
    r = client.post(
        reverse("web:space_new"), {**base, "area_m2": "0", "lon": IN_COMM1[0], "lat": IN_COMM1[1]}
    )
    assert r.status_code == 400 and "面积应大于 0" in r.content.decode()
    r = client.post(reverse("web:space_new"), {**base, "area_m2": "40", "lon": OUTSIDE[0], "lat": OUTSIDE[1]})
    assert r.status_code == 400 and "网格" in r.content.decode()
    r = client.post(
        reverse("web:space_new"), {**base, "area_m2": "40", "lon": IN_COMM2[0], "lat": IN_COMM2[1]}
    )
    assert r.status_code == 403  # 002 is not this admin's subdistrict
    assert not Space.objects.exists()
    r = client.post(
        reverse("web:space_new"),
        {**base, "area_m2": "40", "lon": IN_COMM1[0], "lat": IN_COMM1[1], "underground": "1"},
    )
    assert r.status_code == 302 and Space.objects.get().underground


def test_merchants_on_the_space_page(client, sw, two):
    from jingzhi.spaces.models import Merchant

    client.force_login(sw.p.sub_admin)
    act = lambda name: reverse("web:space_act", args=[two[0].pk, name])  # noqa: E731
    r = client.post(
        act("merchant"),
        {
            "merchant_name": "老王水果",
            "destination": "固安",
            "contact": "王师傅 13900000000",
            "support_item": "租金补贴",
            "promised_on": "2025-06-01",
        },
    )
    assert r.status_code == 302
    merchant = Merchant.objects.get()
    assert (
        client.post(
            act("follow_up"), {"merchant": merchant.pk, "on": "2025-06-10", "note": "已开业"}
        ).status_code
        == 302
    )
    r = client.post(act("close_merchant"), {"merchant": merchant.pk, "on": "2025-06-11"})
    assert r.status_code == 400 and "租金补贴" in r.content.decode()
    support = merchant.support.get()
    assert client.post(act("deliver"), {"support": support.pk, "on": "2025-06-05"}).status_code == 302
    assert (
        client.post(act("close_merchant"), {"merchant": merchant.pk, "on": "2025-06-11"}).status_code == 302
    )
    page = client.get(reverse("web:space_detail", args=[two[0].pk])).content.decode()
    assert "老王水果" in page and "13900000000" not in page
    # A merchant of another space cannot be acted on through this space's page.
    from jingzhi.spaces.actions import do_add_merchant

    other = do_add_merchant(actor=None, space_id=two[1].pk, name="别处", destination="天津")
    client.force_login(sw.p.district_admin)
    assert (
        client.post(act("follow_up"), {"merchant": other.pk, "on": "2025-06-10", "note": "x"}).status_code
        == 404
    )


def test_livelihoods_on_the_space_page_are_for_managers_only(client, sw, two):
    from jingzhi.spaces.models import Livelihood

    client.force_login(sw.p.sub_admin)
    act = reverse("web:space_act", args=[two[0].pk, "livelihood"])
    r = client.post(act, {"person": "张大姐", "impact": "stall", "needs_action": "1", "request": ""})
    assert r.status_code == 400 and "需要解决的事项" in r.content.decode()
    r = client.post(
        act, {"person": "张大姐", "impact": "stall", "needs_action": "1", "request": "推荐就业岗位"}
    )
    assert r.status_code == 302
    row = Livelihood.objects.get()
    assert row.case is not None and "张大姐" not in row.case.description
    assert "张大姐" in client.get(reverse("web:space_detail", args=[two[0].pk])).content.decode()
    client.force_login(sw.p.inspector)
    assert "张大姐" not in client.get(reverse("web:space_detail", args=[two[0].pk])).content.decode()


def test_a_network_that_does_not_connect_is_imported_and_labelled_on_the_coverage_page(client, sw):
    import json

    lines = {
        "type": "MultiLineString",
        "coordinates": [[[116.30, 39.905], [116.31, 39.905]], [[116.33, 39.905], [116.34, 39.905]]],
    }
    upload = io.BytesIO(json.dumps(lines).encode())
    upload.name = "net.geojson"
    client.force_login(sw.p.sub_admin)
    assert client.post(reverse("web:spaces_network_import"), {"file": upload}).status_code == 302
    assert (
        "不连通" not in client.get(reverse("web:spaces_coverage")).content.decode()
    )  # refused: not an admin of the district
    client.force_login(sw.p.district_admin)
    upload.seek(0)
    r = client.post(reverse("web:spaces_network_import"), {"file": upload}, follow=True)
    page = r.content.decode()
    assert "未采用" in page and "无法接入路网" in page and "按直线距离" in page


def test_the_gaps_export_names_the_community_people_and_candidate_spaces(client, sw, two):
    from openpyxl import load_workbook

    from jingzhi.spaces.actions import do_import_service_points, do_set_population

    do_import_service_points(
        actor=None,
        file=b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"vegetables","name":"a"},"geometry":{"type":"Point","coordinates":[116.3025,39.905]}}]}',
        filename="p.geojson",
    )
    do_set_population(actor=None, community_code="110199002001", population=5000)
    client.force_login(sw.p.district_admin)
    r = client.get(reverse("web:spaces_gaps_export") + "?kind=vegetables")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content))["便民缺口"].values)
    east = next(row for row in rows if row[2] == "石碑社区")
    assert east[5] == 4 and east[8] == 5000 and "石碑地下室" in east[9]
    client.force_login(sw.p.resident)
    assert client.get(reverse("web:spaces_gaps_export")).status_code == 404


def test_the_registry_page_costs_the_same_queries_for_few_or_many_spaces(client, sw, two):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(sw.p.district_admin)
    client.get(reverse("web:spaces"))  # warm the per-process caches (calendar, locate index)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:spaces"))
    for n in range(6):
        register(sw.p.sub_admin, name=f"另一处{n}", planned_use="green")
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("web:spaces")).status_code == 200
    assert len(many) == len(few)


def test_a_manager_edits_the_descriptive_fields_and_the_change_is_audited(client, sw, two):
    from jingzhi.core.models import AuditEvent

    client.force_login(sw.p.sub_admin)
    page = client.get(reverse("web:space_detail", args=[two[0].pk])).content.decode()
    assert 'data-testid="edit-form"' in page
    url = reverse("web:space_act", args=[two[0].pk, "edit"])
    fields = {"name": "青槐违建点（东）", "address": "青槐路 8 号", "area_m2": "120.5", "owner": "区房管局"}
    response = client.post(url, {**fields, "manager": "", "note": "", "project_ref": "", "version": 1})
    assert response.status_code == 302
    space = Space.objects.get(pk=two[0].pk)
    assert (space.name, space.address, str(space.area_m2), space.owner) == (
        "青槐违建点（东）",
        "青槐路 8 号",
        "120.50",
        "区房管局",
    )
    assert space.version == 2
    event = AuditEvent.objects.filter(verb="spaces.space_edited").latest("id")
    assert event.new_values["name"] == "青槐违建点（东）"


def test_bad_edits_are_a_4xx_naming_the_field_and_change_nothing(client, sw, two):
    client.force_login(sw.p.sub_admin)
    url = reverse("web:space_act", args=[two[0].pk, "edit"])
    response = client.post(url, {"name": "", "address": "青槐路 8 号", "version": 1})
    assert response.status_code == 400
    assert "名称不能为空" in response.content.decode()
    response = client.post(url, {"name": "新名", "area_m2": "很大", "version": 1})
    assert response.status_code == 400 and "面积" in response.content.decode()
    # A stale form (someone else saved first) is refused, not silently overwritten.
    response = client.post(url, {"name": "新名", "version": 7})
    assert response.status_code == 409
    assert Space.objects.get(pk=two[0].pk).name == "青槐违建点"


def test_edits_by_someone_who_may_not_manage_are_refused(client, sw, two):
    client.force_login(sw.p.inspector)
    response = client.post(reverse("web:space_act", args=[two[0].pk, "edit"]), {"name": "改名", "version": 1})
    assert response.status_code == 403
    client.force_login(sw.p.sub_admin)
    # Another subdistrict's space: the same 404 as a missing one.
    response = client.post(reverse("web:space_act", args=[two[1].pk, "edit"]), {"name": "改名", "version": 1})
    assert response.status_code == 404
    assert {s.name for s in Space.objects.all()} == {"青槐违建点", "石碑地下室"}
