"""A report needs an explicit location, at every door (issue 11 §2): `do_open_case` refuses a report without one
whether it comes from the resident's web form, the REST API or Open311 — a 400 in that door's own shape,
nothing filed — and none of them says 经纬度; the web form says it in a resident's plain words. (The API's
serializer asks for lon/lat before the action; the action's own rule stands behind it.)"""

from __future__ import annotations

import pytest
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.cases.models import Case

pytestmark = pytest.mark.django_db
DOORS = ["web", "api", "open311"]


def _without_location(door: str, world):
    if door == "web":
        client = Client()
        client.force_login(world.p.resident)
        response = client.post(
            "/report/", {"description": "井盖没了，很危险", "lon": "", "lat": "", "idempotency_key": "w1"}
        )
        return response.status_code, response.content.decode()
    if door == "api":
        response = token_client(world.p.resident).post(
            "/api/v1/cases/", {"description": "井盖没了，很危险"}, format="json"
        )
        return response.status_code, response.content.decode()
    from jingzhi.open311.actions import do_create_client
    from jingzhi.open311.testing import form

    _client, raw = do_create_client(actor=None, name="随手拍 App")
    response = Client().post("/open311/v2/requests.json", form(raw, lat=None, long=None))
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("door", DOORS)
def test_a_report_without_a_location_is_refused_at_every_door_without_jargon(door, world):
    status, body = _without_location(door, world)
    assert status == 400, body[:300]
    assert not Case.objects.exists()
    assert "经纬度" not in body
    if door == "web":
        assert "还不知道问题在哪里" in body and "使用我的位置" in body
    else:
        # Machine clients get the fields named (lon/lat, or Open311's lat/long and address).
        assert "lat" in body or "位置" in body
