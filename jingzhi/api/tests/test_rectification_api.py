"""The 十无一创建 endpoints: inspect over the API, read streets and their files, decide proposals, and the
refusals (outside the jurisdiction, a second official check, a deduction over the item's points, an item of
another version, a decision without authority) as the usual error body."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from jingzhi.accounts.actions import do_create_api_token
from jingzhi.rectification import actions
from jingzhi.rectification import testing as rect
from jingzhi.rectification.testing import STREET1, STREET2, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return rect.make_world()


@pytest.fixture
def at():
    with rect.pinned_clock() as go:
        yield go


URL = "/api/v1/rectification/"


def client_for(user) -> APIClient:
    _token, key = do_create_api_token(actor=None, user=user, name="测试")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def finding(item="illegal_parking", **extra):
    return {"item": item, "passed": False, "count": 2, **extra}


def test_an_assessor_scores_a_street_and_the_finding_becomes_a_case(world, at):
    response = client_for(world.p.assessor).post(
        URL + "inspections/",
        {
            "street": STREET1,
            "kind": "city_monthly",
            "inspected_on": "2025-06-11",
            "results": [finding(deduction="6", lon=116.3505, lat=39.9005)],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["score"] == 94 and body["period"] == "2025-06" and body["version"] == "2017"
    parking = next(r for r in body["results"] if r["item"] == "illegal_parking")
    assert parking["case_number"].startswith("JZ") and not parking["attached_to_open_case"]
    street = client_for(world.p.sub_admin).get(URL + f"streets/{STREET1}/").json()
    assert street["street"]["grade"] == "standard" and street["scores"] == [{"month": "2025-06", "score": 94}]
    assert street["street"]["open_cases"] == 1


@pytest.mark.parametrize("case", ["outside", "duplicate", "too_large", "other_version", "unknown_street"])
def test_bad_inspections_are_refused_with_the_error_body(world, at, case):
    client = client_for(world.p.assessor2 if case == "outside" else world.p.assessor)
    payload = {
        "street": STREET1,
        "kind": "city_monthly",
        "inspected_on": "2025-06-11",
        "results": [finding()],
    }
    if case == "duplicate":
        actions.do_record_inspection(
            actor=world.p.assessor, street_code=STREET1, kind="city_monthly", inspected_on=date(2025, 6, 2)
        )
    if case == "too_large":
        payload["results"] = [finding(deduction="11")]
    if case == "other_version":
        payload["results"] = [finding(item="disorder")]
        from jingzhi.rectification.rules import DEFAULT_ITEMS

        actions.do_create_standard_version(
            actor=None,
            code="2025",
            name="新版",
            effective_from="2025-01-01",
            make_current=False,
            items=[
                {"code": "disorder", "name": "无乱停乱放", "points": 20},
                *[
                    {"code": c, "name": n, "points": 10}
                    for c, n, *_r in DEFAULT_ITEMS
                    if c not in ("illegal_parking", "piled_materials")
                ],
            ],
        )
    if case == "unknown_street":
        payload["street"] = "110199001S999"
    response = client.post(URL + "inspections/", payload, format="json")
    expected = {
        "outside": (403, "不在您的检查范围内"),
        "duplicate": (409, "只能有一次正式检查"),
        "too_large": (400, "超过该项分值"),
        "other_version": (400, "属于标准版本“2025”"),
        "unknown_street": (404, "街巷不存在"),
    }[case]
    assert response.status_code == expected[0], response.json()
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and expected[1] in body["message"]


def test_streets_list_only_the_callers_jurisdiction_with_grades(world, at):
    rows = client_for(world.p.sub_admin2).get(URL + "streets/").json()["results"]
    assert [r["code"] for r in rows] == [STREET2]
    assert client_for(world.p.sub_admin2).get(URL + f"streets/{STREET1}/").status_code == 404
    assert client_for(world.p.district_admin).get(URL + "streets/?grade=failing").json()["results"] == []


def test_a_chief_is_appointed_signs_the_letter_and_sees_the_dashboard(world, at):
    admin, chief = client_for(world.p.sub_admin), client_for(world.p.chief)
    assert (
        admin.post(
            URL + f"streets/{STREET1}/chief/", {"user": world.p.chief.pk, "rank": "street"}, format="json"
        ).status_code
        == 201
    )
    letter = admin.post(
        URL + f"streets/{STREET1}/task-letters/",
        {"title": "任务书", "targets": ["十无达标"], "starts_on": "2025-06-01", "due_on": "2025-12-31"},
        format="json",
    ).json()
    again = admin.post(
        URL + f"streets/{STREET1}/task-letters/",
        {"title": "第二份", "targets": ["x"], "starts_on": "2025-06-01", "due_on": "2025-12-31"},
        format="json",
    )
    assert again.status_code == 409 and "已有有效的任务书" in again.json()["message"]
    assert admin.post(URL + f"task-letters/{letter['id']}/sign/").status_code == 403
    signed = chief.post(URL + f"task-letters/{letter['id']}/sign/").json()
    assert signed["signed_at"]
    mine = chief.get(URL + "mine/").json()["results"]
    assert [s["street"]["code"] for s in mine] == [STREET1] and mine[0]["letter"]["id"] == letter["id"]


def test_only_an_admin_of_the_street_decides_a_proposal(world, at):
    actions.do_appoint_chief(actor=None, street_code=STREET1, user=world.p.chief, rank="street")
    for month in (5, 6):
        at(day(2025, month))
        actions.do_record_inspection(
            actor=world.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=day(2025, month).date(),
            results=[
                {"item": "illegal_construction", "passed": False, "count": 2},
                {"item": "wall_openings", "passed": False, "count": 1},
            ],
        )
    proposals = client_for(world.p.sub_admin).get(URL + "proposals/").json()["results"]
    assert [p["kind"] for p in proposals] == ["talk"]
    pk = proposals[0]["id"]
    refused = client_for(world.p.chief).post(
        URL + f"proposals/{pk}/decision/", {"accept": False, "reason": "x"}, format="json"
    )
    assert refused.status_code == 403
    decided = client_for(world.p.district_admin).post(
        URL + f"proposals/{pk}/decision/", {"accept": True, "reason": "约谈"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"


def test_a_steward_reports_in_one_step_over_the_api(world, at):
    actions.do_assign_steward(actor=None, street_code=STREET1, user=world.p.steward)
    response = client_for(world.p.steward).post(
        URL + f"streets/{STREET1}/patrols/", {"duty": "report", "note": "门前堆放杂物"}, format="json"
    )
    assert response.status_code == 201 and response.json()["case_number"]


def test_the_exports_are_excel_for_assessors_only(world, at):
    actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        results=[finding()],
    )
    response = client_for(world.p.assessor).get(URL + "inspections/export/")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=1).value == STREET1 and sheet.cell(row=2, column=8).value == 96
    assert client_for(world.p.assessor).get(URL + "streets/export/").status_code == 200
    assert client_for(world.p.resident).get(URL + "streets/export/").status_code == 403
