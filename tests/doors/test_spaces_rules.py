"""Every rule of 腾退空间 gives the same answer through every door that reaches it: the web pages and the REST
API (Open311 does not reach spaces). Each test is one rule parametrised over the doors; errors come as a 4xx
with a Chinese message — the API's in the one error body {code, message, fields, details}."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook

from jingzhi.api.testing import token_client
from jingzhi.spaces.models import Recheck, Space
from jingzhi.spaces.testing import IN_COMM1, IN_COMM2, OUTSIDE, T0, make_world, register

pytestmark = pytest.mark.django_db
DOORS = ["web", "api"]


@pytest.fixture
def sw(db):
    from jingzhi.core import clock

    with clock.frozen(T0):
        yield make_world()


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def transition(door, user, space, to_state, **extra):
    body = {"to_state": to_state, "reason": "推进", **extra}
    if door == "web":
        r = _web(user).post(f"/spaces/{space.pk}/act/state/", body)
        return (200 if r.status_code == 302 else r.status_code), r.content.decode()
    r = token_client(user).post(f"/api/v1/spaces/{space.pk}/transition/", body, format="json")
    return r.status_code, r.json()


def recheck(door, user, space, **body):
    if door == "web":
        r = _web(user).post(f"/spaces/{space.pk}/recheck/", body)
        return (201 if r.status_code == 302 else r.status_code), r.content.decode()
    r = token_client(user).post(f"/api/v1/spaces/{space.pk}/rechecks/", body, format="json")
    return r.status_code, r.json()


def _message(body) -> str:
    return body if isinstance(body, str) else body["message"]


@pytest.mark.parametrize("door", DOORS)
def test_a_transition_the_table_forbids_names_the_allowed_states(door, sw):
    space = register(sw.p.sub_admin)
    status, body = transition(door, sw.p.sub_admin, space, "in_use")
    assert status == 400 and "当前可改为：待利用" in _message(body)
    if door == "api":
        assert body["code"] == "transition_not_allowed" and body["details"]["allowed"] == ["awaiting"]
        assert "to_state" in body["fields"]
    assert Space.objects.get().state == "vacated"


@pytest.mark.parametrize("door", DOORS)
def test_underground_space_is_not_put_to_use_without_its_safety_record(door, sw):
    from jingzhi.spaces.actions import do_change_space_state

    space = register(sw.p.sub_admin, underground=True, origin="basement")
    for state, extra in (("awaiting", {}), ("planning", {"planned_use": "parking"}), ("building", {})):
        do_change_space_state(actor=None, space_id=space.pk, to_state=state, reason="推进", **extra)
    status, body = transition(door, sw.p.sub_admin, space, "in_use", actual_use="parking")
    assert status == 400 and "安全条件" in _message(body)
    assert Space.objects.get().state == "building"


@pytest.mark.parametrize("door", DOORS)
def test_a_recheck_dated_before_vacating_is_refused_and_nothing_written(door, sw):
    space = register(sw.p.sub_admin, vacated_on="2025-05-06")
    status, body = recheck(door, sw.p.inspector, space, checked_on="2025-05-01", outcome="clear")
    assert status == 400 and "早于该空间的腾退日期 2025-05-06" in _message(body)
    assert not Recheck.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_rebound_recheck_records_rebound_and_opens_one_case(door, sw):
    space = register(sw.p.sub_admin)
    status, _body = recheck(
        door, sw.p.inspector, space, checked_on="2025-06-11", outcome="reoccupied", note="复建棚屋"
    )
    assert status == 201
    made = Recheck.objects.get()
    assert made.case is not None and made.case.category.shiwu_item == "illegal_construction"
    assert Space.objects.get().state == "rebound"


@pytest.mark.parametrize("door", DOORS)
def test_missing_and_forbidden_spaces_give_the_same_404(door, sw):
    other = register(sw.p.sub_admin2, where=IN_COMM2)
    for pk in (other.pk, 999999):
        if door == "web":
            statuses = [_web(sw.p.inspector).get(f"/spaces/{pk}/").status_code]
            statuses.append(
                _web(sw.p.inspector).post(f"/spaces/{pk}/recheck/", {"outcome": "clear"}).status_code
            )
        else:
            client = token_client(sw.p.inspector)
            statuses = [client.get(f"/api/v1/spaces/{pk}/").status_code]
            r = client.post(
                f"/api/v1/spaces/{pk}/rechecks/",
                {"checked_on": "2025-06-11", "outcome": "clear"},
                format="json",
            )
            statuses.append(r.status_code)
            assert r.json()["code"] == "not_found"
        assert statuses == [404, 404]
    assert not Recheck.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_only_admins_of_the_place_change_state(door, sw):
    space = register(sw.p.sub_admin)
    status, _body = transition(door, sw.p.inspector, space, "awaiting")
    assert status == 403
    status, _body = transition(door, sw.p.sub_admin2, space, "awaiting")
    assert status == 404
    assert Space.objects.get().state == "vacated"


@pytest.mark.parametrize("door", DOORS)
def test_people_without_a_staff_role_see_no_space(door, sw):
    register(sw.p.sub_admin)
    for user in (sw.p.resident, sw.p.nobody):
        if door == "web":
            assert _web(user).get("/spaces/").status_code == 404
        else:
            assert token_client(user).get("/api/v1/spaces/").json()["count"] == 0


def _ledger(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["名称", "地址", "经度", "纬度", "面积（平方米）", "来源", "腾退日期"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "ledger.xlsx"
    return buf


@pytest.mark.parametrize("door", DOORS)
def test_a_ledger_with_bad_rows_names_each_row_and_imports_nothing(door, sw):
    rows = [
        ["好", "好地址", *IN_COMM1, 20, "拆违", "2025-05-01"],
        ["零", "零地址", *IN_COMM1, 0, "拆违", "2025-05-01"],
        ["外", "外地址", *OUTSIDE, 20, "拆违", "2025-05-01"],
    ]
    if door == "web":
        r = _web(sw.p.sub_admin).post("/spaces/ledger/import/", {"file": _ledger(rows)})
        text = r.content.decode()
    else:
        r = token_client(sw.p.sub_admin).post(
            "/api/v1/spaces/ledger/", {"file": _ledger(rows)}, format="multipart"
        )
        body = r.json()
        text = " ".join(body["fields"]["problems"])
        assert body["code"] == "import_problems"
    assert r.status_code == 400
    assert "第 3 行" in text and "面积" in text and "第 4 行" in text and "网格" in text
    assert not Space.objects.exists()


def test_registering_through_the_api_refuses_zero_area_and_a_place_outside_every_grid(sw):
    client = token_client(sw.p.sub_admin)
    base = {"name": "甲", "address": "甲地址", "origin": "demolition", "vacated_on": "2025-05-01"}
    r = client.post(
        "/api/v1/spaces/", {**base, "area_m2": "0", "lon": IN_COMM1[0], "lat": IN_COMM1[1]}, format="json"
    )
    assert r.status_code == 400 and "area_m2" in r.json()["fields"] and "面积" in r.json()["message"]
    r = client.post(
        "/api/v1/spaces/", {**base, "area_m2": "10", "lon": OUTSIDE[0], "lat": OUTSIDE[1]}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "outside_jurisdiction"
    r = client.post(
        "/api/v1/spaces/", {**base, "area_m2": "10", "lon": IN_COMM1[0], "lat": IN_COMM1[1]}, format="json"
    )
    assert (
        r.status_code == 201 and r.json()["state"] == "vacated" and r.json()["allowed_states"] == ["awaiting"]
    )
    assert not Space.objects.filter(area_m2__lte=0).exists()


def test_a_network_that_does_not_connect_the_grids_is_labelled_in_the_api(sw):
    import json

    client = token_client(sw.p.district_admin)
    lines = {
        "type": "MultiLineString",
        "coordinates": [[[116.30, 39.905], [116.31, 39.905]], [[116.33, 39.905], [116.34, 39.905]]],
    }
    upload = io.BytesIO(json.dumps(lines).encode())
    upload.name = "net.geojson"
    r = client.post("/api/v1/spaces/network/import/", {"file": upload}, format="multipart")
    assert r.status_code == 201 and r.json()["connected"] is False
    body = client.get("/api/v1/spaces/coverage/").json()
    assert body["method"] == "straight" and "直线" in body["note"]
