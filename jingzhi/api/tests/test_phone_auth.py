"""A resident's phone app signs in by text-message code through the API: the same rules as the web page
(number format, resend wait, wrong-code count, staff refused), an expiring token returned once, signing out
revokes it, and the code never appears in an answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from jingzhi.accounts.models import ApiToken, User
from jingzhi.core import clock, sms

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
CODE_URL = "/api/v1/auth/phone/code/"
TOKEN_URL = "/api/v1/auth/phone/token/"


@pytest.fixture
def outbox(settings):
    settings.JINGZHI_SMS_BACKEND = "jingzhi.core.sms.LocmemSmsBackend"
    sms.outbox.clear()
    cache.clear()
    yield sms.outbox
    sms.outbox.clear()
    cache.clear()


def _code(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1]["text"]).group(0)


def test_a_resident_gets_an_expiring_token_and_uses_it(outbox):
    api = APIClient()
    sent = api.post(CODE_URL, {"phone": "+86 139 1234 5678"}, format="json")
    assert sent.status_code == 202
    body = sent.json()
    assert body["phone"] != PHONE and body["phone"].endswith("5678") and body["resend_after_seconds"] > 0
    code = _code(outbox)
    assert code not in sent.content.decode()
    issued = api.post(TOKEN_URL, {"phone": PHONE, "code": code, "device": "小米 12"}, format="json")
    assert issued.status_code == 201, issued.json()
    data = issued.json()
    assert data["created"] is True and data["token"].startswith("jz_")
    token = ApiToken.objects.get(user__phone=PHONE)
    assert token.expires_at is not None and "小米 12" in token.name
    assert token.expires_at - clock.now() > timedelta(days=29)
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert me.get("/api/v1/me/").json()["id"] == User.objects.get(phone=PHONE).pk
    # Signing out revokes the token the app called with.
    assert me.delete(TOKEN_URL).status_code == 204
    assert me.get("/api/v1/me/").status_code == 401


def test_an_expired_token_is_refused(outbox):
    api = APIClient()
    api.post(CODE_URL, {"phone": PHONE}, format="json")
    key = api.post(TOKEN_URL, {"phone": PHONE, "code": _code(outbox)}, format="json").json()["token"]
    ApiToken.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = me.get("/api/v1/me/")
    assert response.status_code == 401 and "过期" in response.json()["message"]


def test_bad_numbers_wrong_codes_and_asking_too_often_are_4xx_naming_the_field(outbox):
    api = APIClient()
    response = api.post(CODE_URL, {"phone": "12345"}, format="json")
    assert response.status_code == 400 and "phone" in response.json()["fields"]
    assert api.post(CODE_URL, {}, format="json").status_code == 400
    assert api.post(CODE_URL, {"phone": PHONE}, format="json").status_code == 202
    again = api.post(CODE_URL, {"phone": PHONE}, format="json")
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    wrong = "000000" if _code(outbox) != "000000" else "111111"
    response = api.post(TOKEN_URL, {"phone": PHONE, "code": wrong}, format="json")
    assert response.status_code == 400 and "code" in response.json()["fields"]
    assert "还可再试 4 次" in response.json()["message"]
    assert not ApiToken.objects.exists()


def test_a_staff_phone_never_gets_a_token_by_text_message(outbox):
    from jingzhi.accounts.actions import do_assign_role, do_create_user

    staff = do_create_user(
        actor=None, username="op", password="pw-op-12345", display_name="操作员", phone=PHONE
    )
    do_assign_role(actor=None, user=staff, role="district_admin", scope_kind="district", scope_code="110199")
    api = APIClient()
    api.post(CODE_URL, {"phone": PHONE}, format="json")
    response = api.post(TOKEN_URL, {"phone": PHONE, "code": _code(outbox)}, format="json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
