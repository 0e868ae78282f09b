"""Token authentication: good, revoked, wrong, malformed; both keywords; last use stamped once a minute."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from jingzhi.accounts import actions
from jingzhi.accounts.models import ApiToken
from jingzhi.core import clock

from .conftest import user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return user_with("sync", ("inspector", "district", "110199"))


def get_me(header=None, **kwargs):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client.get("/api/v1/me/", **kwargs)


def test_a_good_token_authenticates_with_either_keyword(user):
    token, key = actions.do_create_api_token(actor=None, user=user, name="x")
    for keyword in ("Bearer", "Token", "bearer"):
        response = get_me(f"{keyword} {key}")
        assert response.status_code == 200, keyword
        assert response.json()["username"] == "sync"


def test_a_revoked_token_is_refused(user):
    token, key = actions.do_create_api_token(actor=None, user=user, name="x")
    actions.do_revoke_api_token(actor=None, token=token)
    response = get_me(f"Bearer {key}")
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "message": "令牌已吊销", "fields": {}}


@pytest.mark.parametrize("header", ["Bearer jz_wrong", "Bearer", "Bearer a b", "Token jz_" + "x" * 43])
def test_a_wrong_or_malformed_token_is_refused(user, header):
    actions.do_create_api_token(actor=None, user=user, name="x")
    response = get_me(header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_deactivated_users_token_stops_working(user):
    _token, key = actions.do_create_api_token(actor=None, user=user, name="x")
    actions.do_set_user_active(actor=None, user=user, is_active=False)
    assert get_me(f"Bearer {key}").status_code == 401


def test_another_scheme_is_left_to_other_authenticators(user):
    response = get_me("Basic c3luYzp4")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_last_use_is_stamped_at_most_once_a_minute(user):
    token, key = actions.do_create_api_token(actor=None, user=user, name="x")
    start = clock.now()
    with clock.frozen(start):
        get_me(f"Bearer {key}")
    token.refresh_from_db()
    assert token.last_used_at == start
    with clock.frozen(start + timedelta(seconds=30)):
        get_me(f"Bearer {key}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start
    with clock.frozen(start + timedelta(seconds=61)):
        get_me(f"Bearer {key}")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start + timedelta(seconds=61)


def test_a_session_login_works_too(client, user):
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200


def test_me_lists_roles_with_their_scopes(user):
    department = actions.do_create_department(actor=None, code="JT", name="交通委", district_code="110199")
    actions.do_assign_role(
        actor=None, user=user, role="handler", scope_kind="department", department=department
    )
    _token, key = actions.do_create_api_token(actor=None, user=user, name="x")
    body = get_me(f"Bearer {key}").json()
    assert body["scope_codes"] == ["110199"]
    assert body["can_view_staff_pages"] is True
    roles = {(r["role"], r["scope_kind"], r["scope_code"]) for r in body["roles"]}
    assert roles == {("inspector", "district", "110199"), ("handler", "department", "")}
    handler = next(r for r in body["roles"] if r["role"] == "handler")
    assert handler["department"] == {"id": department.pk, "code": "JT", "name": "交通委"}
    assert handler["role_label"] == "部门处置人员"
