"""The 腾退空间 REST endpoints: bodies, scoping, merchants without their contacts, and the schema."""

from __future__ import annotations

import pytest

from jingzhi.api.testing import token_client
from jingzhi.spaces.testing import IN_COMM2, T0, make_world, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def sw(db):
    from jingzhi.core import clock

    with clock.frozen(T0):
        yield make_world()


def test_detail_carries_history_rechecks_and_allowed_states(sw):
    space = register(sw.p.sub_admin)
    client = token_client(sw.p.sub_admin)
    r = client.post(
        f"/api/v1/spaces/{space.pk}/transition/",
        {"to_state": "awaiting", "reason": "清理完毕"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["state"] == "awaiting"
    body = client.get(f"/api/v1/spaces/{space.pk}/").json()
    assert [e["kind"] for e in body["history"]] == ["registered", "transition"]
    assert body["history"][1]["reason"] == "清理完毕" and body["allowed_states"] == ["planning"]
    r = token_client(sw.p.inspector).post(
        f"/api/v1/spaces/{space.pk}/rechecks/",
        {"checked_on": "2025-06-11", "outcome": "reoccupied", "note": "复建"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["case_number"]
    assert client.get(f"/api/v1/spaces/{space.pk}/").json()["rechecks"][0]["outcome"] == "reoccupied"


def test_lists_dashboard_and_overdue_are_scoped(sw):
    register(sw.p.sub_admin)
    register(sw.p.sub_admin2, where=IN_COMM2)
    assert token_client(sw.p.inspector).get("/api/v1/spaces/").json()["count"] == 1
    assert token_client(sw.p.district_admin).get("/api/v1/spaces/").json()["count"] == 2
    board = token_client(sw.p.district_admin).get("/api/v1/spaces/dashboard/").json()
    assert board["total"] == 2 and board["by_state"][0]["key"] == "vacated"
    assert token_client(sw.p.inspector).get("/api/v1/spaces/overdue/").json()["count"] == 0
    r = token_client(sw.p.inspector).get("/api/v1/spaces/?state=gone")
    assert r.status_code == 400 and "state" in r.json()["fields"]


def test_merchants_never_show_their_contact(sw):
    space = register(sw.p.sub_admin, origin="market")
    client = token_client(sw.p.sub_admin)
    r = client.post(
        f"/api/v1/spaces/{space.pk}/merchants/",
        {
            "name": "老王水果",
            "destination": "固安",
            "contact": "王师傅 13900000000",
            "support": [{"item": "租金补贴", "promised_on": "2025-06-01"}],
        },
        format="json",
    )
    assert r.status_code == 201 and "13900000000" not in r.content.decode()
    merchant = r.json()
    r = client.post(f"/api/v1/spaces/merchants/{merchant['id']}/close/", {"on": "2025-06-11"}, format="json")
    assert r.status_code == 400 and "租金补贴" in r.json()["message"]
    r = client.post(
        f"/api/v1/spaces/support/{merchant['support'][0]['id']}/deliver/", {"on": "2025-06-05"}, format="json"
    )
    assert r.status_code == 200
    assert (
        client.post(
            f"/api/v1/spaces/merchants/{merchant['id']}/close/", {"on": "2025-06-11"}, format="json"
        ).status_code
        == 200
    )
    listed = client.get("/api/v1/spaces/merchants/").content.decode()
    assert "13900000000" not in listed and "老王水果" in listed


def test_the_ledger_exports_and_the_schema_lists_the_endpoints(sw):
    register(sw.p.sub_admin)
    r = token_client(sw.p.sub_admin).get("/api/v1/spaces/ledger/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert token_client(sw.p.resident).get("/api/v1/spaces/ledger/").status_code == 403
    schema = token_client(sw.p.district_admin).get("/api/schema/?format=json").json()
    assert (
        "/api/v1/spaces/{id}/rechecks/" in schema["paths"] and "/api/v1/spaces/coverage/" in schema["paths"]
    )


def test_a_livelihood_through_the_api_keeps_the_name_out_of_the_answer(sw):
    space = register(sw.p.sub_admin, origin="market")
    r = token_client(sw.p.sub_admin).post(
        f"/api/v1/spaces/{space.pk}/livelihoods/",
        {"person": "张大姐", "impact": "job", "needs_action": True, "request": "需要就业帮扶"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["case_number"] and "张大姐" not in r.content.decode()
    r = token_client(sw.p.inspector).post(
        f"/api/v1/spaces/{space.pk}/livelihoods/", {"person": "李", "impact": "job"}, format="json"
    )
    assert r.status_code == 403


def test_a_space_registered_through_the_api_carries_its_photos(sw):
    from jingzhi.core.attachments import attachments_for
    from jingzhi.spaces.models import Space
    from jingzhi.spaces.testing import IN_COMM1

    client = token_client(sw.p.sub_admin)
    body = {
        "name": "槐柏树街12号违建拆除点",
        "address": "槐柏树街12号",
        "area_m2": "120",
        "origin": "demolition",
        "vacated_on": "2025-05-06",
        "lon": IN_COMM1[0],
        "lat": IN_COMM1[1],
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"plain text", content_type="image/jpeg")
    r = client.post("/api/v1/spaces/", {**body, "photos": [bad]}, format="multipart")
    assert r.status_code == 400 and "x.jpg" in r.json()["message"]
    assert not Space.objects.exists()
    r = client.post("/api/v1/spaces/", {**body, "photos": [png("a.png")]}, format="multipart")
    assert r.status_code == 201, r.json()
    assert len(list(attachments_for(Space.objects.get()))) == 1


def png(name="photo.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
