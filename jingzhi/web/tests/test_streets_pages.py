"""The 十无一创建 pages: list and grade map, street page, the inspection form posted from a phone, the chief's
dashboard, the public board (no login, QR code to the public page), exports and refusals on the page."""

import pytest

from jingzhi.rectification import actions
from jingzhi.rectification import testing as rect
from jingzhi.rectification.testing import STREET1, day

pytestmark = pytest.mark.django_db


def test_the_street_list_shows_grades_and_only_the_users_streets(client, appointed):
    client.force_login(appointed.p.sub_admin)
    html = client.get("/streets/").content.decode()
    assert "槐柏树街" in html and "丰盛胡同" not in html and "未定级" in html
    data = client.get("/streets/map.geojson").json()
    assert [f["properties"]["code"] for f in data["features"]] == [STREET1]
    assert data["features"][0]["properties"]["colour"]


def test_an_inspection_posted_from_the_form_opens_cases_and_shows_the_result(client, appointed):
    client.force_login(appointed.p.assessor)
    form = client.get(f"/streets/{STREET1}/inspect/")
    assert form.status_code == 200 and "无乱停车" in form.content.decode()
    # Each item has its own phone picker posting photos_<item>.
    assert 'name="photos_illegal_parking" id="photos_illegal_parking"' in form.content.decode()
    assert 'data-previews="photos_piled_materials-previews"' in form.content.decode()
    response = client.post(
        f"/streets/{STREET1}/inspect/",
        {
            "kind": "city_monthly",
            "inspected_on": "2025-06-11",
            "fail_illegal_parking": "1",
            "count_illegal_parking": "3",
            "deduction_illegal_parking": "6",
            "fail_piled_materials": "1",
            "count_piled_materials": "3",
            "deduction_piled_materials": "6",
            "note_piled_materials": "建筑垃圾",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "88" in page and "不达标" not in page.split('data-testid="inspection-grade"')[0][-50:]
    assert "降档" in page and "无乱停车" in page and "无堆物堆料" in page


def test_a_refused_inspection_shows_why_and_keeps_the_form(client, appointed):
    client.force_login(appointed.p.assessor)
    response = client.post(
        f"/streets/{STREET1}/inspect/",
        {
            "kind": "city_monthly",
            "inspected_on": "2025-06-11",
            "fail_road_damage": "1",
            "deduction_road_damage": "15",
        },
    )
    assert response.status_code == 400 and "超过该项分值" in response.content.decode()


def test_the_inspection_form_is_not_for_people_outside_the_street(client, appointed):
    client.force_login(appointed.p.assessor2)
    assert client.get(f"/streets/{STREET1}/inspect/").status_code == 404
    assert client.get(f"/streets/{STREET1}/").status_code == 404


def test_the_chief_sees_the_downgrade_and_the_cases_on_the_dashboard(client, appointed):
    actions.do_record_inspection(
        actor=appointed.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=day(2025, 6, 11).date(),
        results=[
            {"item": "illegal_parking", "passed": False, "count": 6},
            {"item": "piled_materials", "passed": False, "count": 1},
        ],
    )
    client.force_login(appointed.p.chief)
    html = client.get("/streets/mine/").content.decode()
    assert "槐柏树街" in html and "不达标" in html and "无乱停车" in html and "JZ2025" in html
    detail = client.get(f"/streets/{STREET1}/").content.decode()
    assert "降档" in detail and "得分趋势" in detail


def test_the_board_is_public_with_the_chief_and_a_qr_code_to_the_public_page(client, appointed):
    response = client.get(f"/streets/{STREET1}/board/")
    html = response.content.decode()
    assert response.status_code == 200 and "sun" in html and "010-6600 1234" in html and "青槐物业" in html
    assert "<svg" in html and f"/s/{STREET1}/" in html
    assert "13800000000" not in html  # the chief's own phone is never published
    public = client.get(f"/s/{STREET1}/")
    assert public.status_code == 200 and "反映" in public.content.decode()
    assert client.get("/streets/110199001S999/board/").status_code == 404


def test_a_logged_in_resident_reports_from_the_public_page(client, appointed):
    client.force_login(appointed.p.resident)
    response = client.post(f"/s/{STREET1}/", {"description": "路灯不亮，晚上看不清", "token": "abc"})
    from jingzhi.cases.models import Case

    case = Case.objects.get()
    assert case.street_code == STREET1 and case.source == "resident_web"
    assert response.status_code == 200 and case.number in response.content.decode()


def test_a_decision_without_authority_is_refused_on_the_page(client, appointed, at):
    for month in (5, 6):
        at(day(2025, month))
        actions.do_record_inspection(
            actor=appointed.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=day(2025, month).date(),
            results=[
                {"item": "illegal_construction", "passed": False, "count": 2},
                {"item": "wall_openings", "passed": False, "count": 1},
            ],
        )
    from jingzhi.rectification.models import AccountabilityProposal

    proposal = AccountabilityProposal.objects.get()
    client.force_login(appointed.p.chief)
    response = client.post(
        f"/streets/{STREET1}/act/decide/",
        {"proposal": proposal.pk, "decision": "accept", "reason": "好"},
        follow=True,
    )
    assert "管理员决定" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_the_exports_download_as_excel(client, appointed):
    client.force_login(appointed.p.district_admin)
    response = client.get("/streets/export.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get("/streets/inspections/export.xlsx").status_code == 200
    client.force_login(appointed.p.chief)
    assert client.get("/streets/export.xlsx").status_code == 404


def test_an_admin_relieves_the_chief_retires_a_ledger_entry_and_ends_a_steward_from_the_street_page(
    client, appointed
):
    """`do_end_chief`, `do_retire_ledger_entry` and `do_end_steward` had no caller (issue 9 §7)."""
    from jingzhi.rectification.models import ChiefAssignment, LedgerEntry, StewardAssignment

    p = appointed.p
    entry = actions.do_record_ledger_entry(
        actor=None, street_code=STREET1, kind="bins", label="垃圾桶", quantity=4
    )
    steward = actions.do_assign_steward(actor=None, street_code=STREET1, user=p.steward)
    client.force_login(p.sub_admin)
    page = client.get(f"/streets/{STREET1}/").content.decode()
    assert 'data-testid="end-chief"' in page and 'data-testid="retire-ledger"' in page
    assert 'data-testid="end-steward"' in page
    act = f"/streets/{STREET1}/act/"
    client.post(act + "retire_ledger/", {"entry": entry.pk})
    client.post(act + "end_steward/", {"assignment": steward.pk, "reason": "搬家"})
    response = client.post(act + "end_chief/", {"reason": "调任"}, follow=True)
    assert "已免去街巷长" in response.content.decode()
    assert not ChiefAssignment.objects.filter(street_code=STREET1, is_active=True).exists()
    assert LedgerEntry.objects.get(pk=entry.pk).is_current is False
    assert StewardAssignment.objects.get(pk=steward.pk).is_active is False


def test_ending_a_steward_of_a_street_out_of_reach_looks_like_a_missing_one(client, appointed):
    from jingzhi.rectification.models import StewardAssignment

    p = appointed.p
    steward = actions.do_assign_steward(actor=None, street_code=STREET1, user=p.steward)
    client.force_login(p.sub_admin2)
    act = f"/streets/{rect.STREET2}/act/end_steward/"
    hidden = client.post(act, {"assignment": steward.pk}, follow=True).content.decode()
    missing = client.post(act, {"assignment": steward.pk + 99}, follow=True).content.decode()
    assert "小巷管家安排不存在，或您无权查看" in hidden and "小巷管家安排不存在，或您无权查看" in missing
    assert StewardAssignment.objects.get(pk=steward.pk).is_active is True


def test_a_chief_may_not_relieve_themself(client, appointed):
    from jingzhi.rectification.models import ChiefAssignment

    client.force_login(appointed.p.chief)
    response = client.post(f"/streets/{STREET1}/act/end_chief/", {"reason": "不干了"}, follow=True)
    assert "只有该街巷所在街道或区的管理员可以免去街巷长" in response.content.decode()
    assert ChiefAssignment.objects.filter(street_code=STREET1, is_active=True).exists()
