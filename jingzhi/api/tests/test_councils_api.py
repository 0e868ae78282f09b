"""The 多元共治 REST endpoints: scoping (missing and forbidden are the same 404), a member's patrol from
check-in to a finding that becomes a case, rosters, bad input as a 400 naming the field, and property
companies registered as handling parties (optionally on the responsibility list)."""

from __future__ import annotations

from datetime import date

import pytest

from jingzhi.api.testing import token_client
from jingzhi.cases.models import Case
from jingzhi.core import clock
from jingzhi.councils import actions
from jingzhi.councils.models import PropertyCompany, Shift
from jingzhi.councils.testing import COMM1, ON_STREET, SUB1, T0, make_world

pytestmark = pytest.mark.django_db
API = "/api/v1/councils/"


@pytest.fixture
def cworld(db):
    with clock.frozen(T0):
        yield make_world()


def _published(cworld) -> Shift:
    roster = actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="2025-06")
    actions.do_publish_roster(actor=None, roster_id=roster.pk)
    return Shift.objects.select_related("member__user").get(council=cworld.council, day=date(2025, 6, 11))


def test_councils_are_listed_for_members_and_staff_and_hidden_from_others(cworld):
    assert token_client(cworld.u.xu).get(API).json()["count"] == 1
    assert token_client(cworld.p.sub_admin).get(API).json()["count"] == 1
    assert token_client(cworld.u.wan).get(API).json()["count"] == 0
    forbidden = token_client(cworld.u.wan).get(f"{API}{cworld.council.pk}/")
    missing = token_client(cworld.u.wan).get(f"{API}99999/")
    assert forbidden.status_code == missing.status_code == 404


def test_a_member_patrols_through_the_api_and_a_finding_becomes_a_case(cworld):
    shift = _published(cworld)
    client = token_client(shift.member.user)
    mine = client.get(f"{API}shifts/mine/").json()
    assert shift.pk in [s["id"] for s in mine["results"]]
    r = client.post(
        f"{API}shifts/{shift.pk}/check-in/", {"lon": ON_STREET[0], "lat": ON_STREET[1]}, format="json"
    )
    assert r.status_code == 201
    r = client.post(f"{API}shifts/{shift.pk}/findings/", {"description": ""}, format="json")
    assert r.status_code == 400 and "description" in r.json()["fields"]
    r = client.post(
        f"{API}shifts/{shift.pk}/findings/",
        {"description": "胡同口井盖没了", "idempotency_key": "k1"},
        format="json",
    )
    assert r.status_code == 201
    case = Case.objects.get(source="council")
    assert r.json()["case_number"] == case.number
    item = cworld.council.checklist[0]
    r = client.post(f"{API}shifts/{shift.pk}/check-out/", {"checklist": {item: True}}, format="json")
    assert r.status_code == 200, r.json()
    # Someone else's shift: the same 404 as a missing one.
    other = token_client(cworld.u.wan)
    assert other.post(f"{API}shifts/{shift.pk}/check-in/", {}, format="json").status_code == 404
    assert other.post(f"{API}shifts/99999/check-in/", {}, format="json").status_code == 404


def test_a_bad_roster_month_names_the_field(cworld):
    client = token_client(cworld.u.luo)
    r = client.post(f"{API}{cworld.council.pk}/rosters/", {"month": "2025-6"}, format="json")
    assert r.status_code == 400 and "month" in r.json()["fields"]


def test_an_administrator_registers_a_property_company_on_the_responsibility_list(cworld):
    client = token_client(cworld.p.sub_admin)
    body = {
        "name": "青槐物业",
        "code": "WY-QH",
        "subdistrict_code": SUB1,
        "places": [COMM1],
        "categories": [cworld.t.cover.code],
    }
    r = client.post(f"{API}property-companies/", body, format="json")
    assert r.status_code == 201, r.json()
    company = r.json()
    assert company["duties"] == [
        {
            "category_code": cworld.t.cover.code,
            "category_name": cworld.t.cover.name,
            "scope_kind": "community",
            "scope_code": COMM1,
        }
    ]
    listed = client.get(f"{API}property-companies/").json()
    assert [c["name"] for c in listed["results"]] == ["青槐物业"]
    assert token_client(cworld.u.wan).get(f"{API}property-companies/").json()["count"] == 0


def test_property_company_bad_input_and_permissions(cworld):
    client = token_client(cworld.p.sub_admin)
    r = client.post(
        f"{API}property-companies/",
        {
            "name": "A物业",
            "code": "WY-A",
            "subdistrict_code": SUB1,
            "places": [COMM1],
            "categories": ["NOPE"],
        },
        format="json",
    )
    assert r.status_code == 400 and "categories" in r.json()["fields"] and "NOPE" in r.json()["message"]
    r = client.post(f"{API}property-companies/", {"code": "WY-A"}, format="json")
    assert r.status_code == 400 and {"name", "subdistrict_code"} <= set(r.json()["fields"])
    r = token_client(cworld.u.xu).post(
        f"{API}property-companies/",
        {"name": "B物业", "code": "WY-B", "subdistrict_code": SUB1},
        format="json",
    )
    assert r.status_code == 403
    assert not PropertyCompany.objects.exists()


def test_a_finding_carries_photos_and_a_file_that_is_not_a_photo_is_a_400(cworld):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jingzhi.core.attachments import attachments_for

    shift = _published(cworld)
    client = token_client(shift.member.user)
    client.post(
        f"{API}shifts/{shift.pk}/check-in/", {"lon": ON_STREET[0], "lat": ON_STREET[1]}, format="json"
    )
    bad = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    r = client.post(
        f"{API}shifts/{shift.pk}/findings/", {"description": "井盖缺失", "photos": [bad]}, format="multipart"
    )
    assert r.status_code == 400 and r.json()["code"] == "not_an_image" and "x.png" in r.json()["message"]
    assert not Case.objects.filter(source="council").exists()
    r = client.post(
        f"{API}shifts/{shift.pk}/findings/",
        {"description": "井盖缺失", "photos": [png("a.png"), png("b.png")]},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    case = Case.objects.get(source="council")
    opened = case.events.order_by("id").first()
    assert len(list(attachments_for(opened))) == 2


def png(name="photo.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
