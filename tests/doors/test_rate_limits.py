"""Rate limits hold at every door: reports through the web form, the REST API and Open311, and logins through
the web and the admin, answer 429 with Retry-After in each interface's own error shape once the limit is
reached. The limits are counted once, in `core.ratelimit`, from the action (`do_open_case`) and the
authentication backend, so no door can skip them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jingzhi.api.tests.conftest import token_client
from jingzhi.cases.models import Case
from jingzhi.cases.tests.conftest import IN_SUB1
from jingzhi.core import clock

pytestmark = pytest.mark.django_db


def web_report(client, n, ip="10.0.0.1"):
    return client.post(
        "/report/",
        {
            "description": f"井盖没了 {n}",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "idempotency_key": f"web-{n}",
        },
        REMOTE_ADDR=ip,
    )


def test_the_web_report_form_answers_429_with_the_page_and_a_chinese_message(world, settings):
    settings.JINGZHI_RATE_REPORTS_PER_USER = 3
    client = Client()
    client.force_login(world.p.resident)
    for n in range(3):
        assert web_report(client, n).status_code == 302
    response = web_report(client, 3)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "提交问题过于频繁：每分钟最多 3 次" in response.content.decode()
    assert Case.objects.count() == 3


def test_the_per_address_limit_counts_every_resident_behind_one_address(world, settings):
    settings.JINGZHI_RATE_REPORTS_PER_IP = 2
    first, second = Client(), Client()
    first.force_login(world.p.resident)
    second.force_login(world.p.other_resident)
    assert web_report(first, 0, ip="10.0.0.9").status_code == 302
    assert web_report(second, 1, ip="10.0.0.9").status_code == 302
    assert web_report(second, 2, ip="10.0.0.9").status_code == 429
    # another address is not affected
    assert web_report(second, 3, ip="10.0.0.10").status_code == 302


def test_the_api_answers_429_in_its_error_shape(world, settings):
    settings.JINGZHI_RATE_REPORTS_PER_USER = 2
    api = token_client(world.p.resident)
    body = {"description": "井盖没了，很危险", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    for _ in range(2):
        assert api.post("/api/v1/cases/", body, format="json").status_code == 201
    response = api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    data = response.json()
    assert data["code"] == "rate_limited" and "每分钟最多 2 次" in data["message"] and data["fields"] == {}


def test_the_api_and_the_web_share_one_count_per_user(world, settings):
    settings.JINGZHI_RATE_REPORTS_PER_USER = 2
    api = token_client(world.p.resident)
    body = {"description": "井盖没了，很危险", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    assert api.post("/api/v1/cases/", body, format="json").status_code == 201
    client = Client()
    client.force_login(world.p.resident)
    assert web_report(client, 1).status_code == 302
    assert api.post("/api/v1/cases/", body, format="json").status_code == 429


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_429_in_its_spec_error_list(world, settings, fmt):
    from jingzhi.open311.actions import do_create_client
    from jingzhi.open311.tests.conftest import form, spec_errors

    settings.JINGZHI_RATE_REPORTS_PER_IP = 2
    # the key's own limit is high: it is the per-address reporting limit of do_open_case that refuses here
    _client, raw = do_create_client(actor=None, name="随手拍 App", rate_limit_per_minute=1000)
    http = Client()
    for _ in range(2):
        assert http.post(f"/open311/v2/requests.{fmt}", form(raw), REMOTE_ADDR="10.2.0.1").status_code == 200
    response = http.post(f"/open311/v2/requests.{fmt}", form(raw), REMOTE_ADDR="10.2.0.1")
    errors = spec_errors(response, fmt, 429)
    assert errors[0][0] == 429 and "每分钟最多 2 次" in errors[0][1]
    assert int(response["Retry-After"]) >= 1


def test_the_limit_lifts_after_the_window(world, settings):
    settings.JINGZHI_RATE_REPORTS_PER_USER = 1
    api = token_client(world.p.resident)
    body = {"description": "井盖没了，很危险", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    start = clock.now()
    assert api.post("/api/v1/cases/", body, format="json").status_code == 201
    refused = api.post("/api/v1/cases/", body, format="json")
    assert refused.status_code == 429
    from datetime import timedelta

    with clock.frozen(start + timedelta(seconds=121)):
        assert api.post("/api/v1/cases/", body, format="json").status_code == 201


def test_batch_work_without_a_client_address_is_not_limited(world, settings):
    from jingzhi.cases import actions

    settings.JINGZHI_RATE_REPORTS_PER_USER = 1
    for n in range(3):
        actions.do_open_case(
            actor=world.p.operator, source="hotline", description=f"来电 {n}", lon=IN_SUB1[0], lat=IN_SUB1[1]
        )
    assert Case.objects.count() == 3


def test_web_login_attempts_answer_429_after_the_limit(world, settings):
    settings.JINGZHI_RATE_LOGINS_PER_IP = 3
    client = Client()
    for n in range(3):
        response = client.post("/login/", {"username": f"nobody{n}", "password": "x"}, REMOTE_ADDR="10.3.0.1")
        assert response.status_code == 200
    response = client.post("/login/", {"username": "nobody9", "password": "x"}, REMOTE_ADDR="10.3.0.1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "登录尝试过于频繁" in response.content.decode()


def test_admin_login_attempts_are_limited_too(world, settings):
    settings.JINGZHI_RATE_LOGINS_PER_USER = 2
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "wang", "password": "x"}, REMOTE_ADDR="10.3.0.2")
    response = client.post("/admin/login/", {"username": "wang", "password": "x"}, REMOTE_ADDR="10.3.0.3")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_the_login_rate_limit_does_not_count_as_failures(world, settings):
    from jingzhi.accounts import lockout

    settings.JINGZHI_RATE_LOGINS_PER_USER = 1
    client = Client()
    client.post("/login/", {"username": "wang", "password": "x"}, REMOTE_ADDR="10.3.0.4")
    for _ in range(5):
        client.post("/login/", {"username": "wang", "password": "x"}, REMOTE_ADDR="10.3.0.4")
    assert lockout.failures_for_username("wang") == 1


def test_a_limit_of_zero_turns_it_off(world, settings):
    settings.JINGZHI_RATE_REPORTS_PER_USER = 0  # 0 turns a limit off
    api = token_client(world.p.resident)
    body = {"description": "井盖没了，很危险", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    for _ in range(12):
        response = api.post("/api/v1/cases/", body, format="json")
        assert response.status_code == 201, json.dumps(response.json(), ensure_ascii=False)
