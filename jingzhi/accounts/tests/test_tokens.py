"""The `create-token` command and the admin pages of accounts."""

import io

import pytest
from django.core.management import CommandError, call_command

from jingzhi.accounts import actions
from jingzhi.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_create_token_prints_the_key_once_and_stores_its_hash():
    user = actions.do_create_user(actor=None, username="sync", password="x")
    out, err = io.StringIO(), io.StringIO()
    call_command("create-token", "sync", "12345 工单同步", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert token.name == "12345 工单同步"
    assert token.key_hash == actions.hash_key(key)
    assert "只显示这一次" in err.getvalue()


def test_create_token_for_an_unknown_user_fails_clearly():
    with pytest.raises(CommandError, match="不存在"):
        call_command("create-token", "nobody", "x")


def test_admin_pages_open_and_never_show_a_key(admin_client):
    user = actions.do_create_user(actor=None, username="sync", password="x")
    department = actions.do_create_department(actor=None, code="JT", name="交通委", district_code="110199")
    actions.do_assign_role(
        actor=None, user=user, role="handler", scope_kind="department", department=department
    )
    token, key = actions.do_create_api_token(actor=None, user=user, name="同步")
    for url in [
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/accounts/department/",
        "/admin/accounts/roleassignment/",
        "/admin/accounts/apitoken/",
        f"/admin/accounts/apitoken/{token.pk}/change/",
        "/admin/axes/accessattempt/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert key not in response.content.decode()
        assert token.key_hash not in response.content.decode()


def test_the_admin_refuses_a_role_in_the_wrong_scope(admin_client):
    user = actions.do_create_user(actor=None, username="u", password="x")
    response = admin_client.post(
        "/admin/accounts/roleassignment/add/",
        {
            "user": user.pk,
            "role": "handler",
            "scope_kind": "grid",
            "scope_code": "110199001001001",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "不能在" in response.content.decode()
    response = admin_client.post(
        "/admin/accounts/roleassignment/add/",
        {
            "user": user.pk,
            "role": "inspector",
            "scope_kind": "grid",
            "scope_code": "110199001001001",
            "is_active": "on",
        },
    )
    assert response.status_code == 302


def test_a_missing_throttling_backend_is_reported(settings):
    from jingzhi.accounts.checks import check_login_throttling

    assert check_login_throttling() == []
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    settings.JINGZHI_LOCKOUT_FAILURES = 0
    ids = {p.id for p in check_login_throttling()}
    assert ids == {"jingzhi.accounts.W001", "jingzhi.accounts.E001"}
