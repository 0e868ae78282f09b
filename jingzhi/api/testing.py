"""Test helpers for the REST API (tests only), importable by any test: people with roles, a client that
authenticates with a fresh token, and the error body's shape."""

from __future__ import annotations

import json

from rest_framework.test import APIClient

from jingzhi.accounts import actions as accounts


def assert_error_body(response, status, code):
    from jingzhi.api.errors import _is_message

    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) - {"details"} == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    # One shape: every field maps to a list of messages a person reads (never a code or a raw value).
    for name, messages in body["fields"].items():
        assert isinstance(messages, list) and messages, (name, messages)
        assert all(isinstance(m, str) and _is_message(m) for m in messages), (name, messages)
    assert isinstance(body.get("details", {}), dict)
    return body


def user_with(username: str, *assignments, superuser: bool = False):
    user = accounts.do_create_user(actor=None, username=username, password="x")
    if superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    for role, kind, code in assignments:
        accounts.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, scope_code=code)
    return user


def token_client(user) -> APIClient:
    _token, key = accounts.do_create_api_token(actor=None, user=user, name="测试")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
