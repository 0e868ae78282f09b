"""Every error the API can give has the body {code, message, fields}, and never HTML."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.test import override_settings
from rest_framework import exceptions as drf
from rest_framework.test import APIClient

from jingzhi.api.errors import exception_handler, flatten_errors
from jingzhi.api.testing import assert_error_body
from jingzhi.core.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db


def test_a_validation_error_names_each_field_in_chinese(root_client, city):
    body = assert_error_body(root_client.get("/api/v1/locate/", {"lon": "abc", "lat": 200}), 400, "invalid")
    assert set(body["fields"]) == {"lon", "lat"}
    assert body["message"].startswith("输入有误")
    assert "lon" in body["message"] and "lat" in body["message"]


def test_nested_validation_errors_are_flattened_with_their_position(root_client, city):
    response = root_client.post(
        "/api/v1/locate/batch/",
        {"points": [{"lon": 116.37, "lat": 39.91}, {"lon": 500, "lat": 39.9}]},
        format="json",
    )
    body = assert_error_body(response, 400, "invalid")
    assert list(body["fields"]) == ["points.1.lon"]


def test_missing_credentials_are_401_with_a_bearer_challenge(city):
    response = APIClient().get("/api/v1/districts/")
    assert_error_body(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_api_path_is_a_json_404(root_client):
    body = assert_error_body(root_client.get("/api/v1/nothing-here/"), 404, "not_found")
    assert "/api/v1/nothing-here/" in body["message"]
    assert_error_body(APIClient().post("/api/nope"), 404, "not_found")


def test_a_missing_trailing_slash_is_explained(root_client):
    body = assert_error_body(root_client.get("/api/v1/districts"), 404, "not_found")
    assert "/api/v1/districts/" in body["message"]


def test_a_wrong_method_is_405(root_client):
    assert_error_body(root_client.post("/api/v1/me/", {}, format="json"), 405, "method_not_allowed")


def test_malformed_json_is_a_parse_error(root_client, city):
    response = root_client.post("/api/v1/locate/batch/", data="{nope", content_type="application/json")
    assert_error_body(response, 400, "parse_error")


def test_an_unsupported_media_type_is_415(root_client, city):
    response = root_client.post("/api/v1/locate/batch/", data="116,39", content_type="text/csv")
    assert_error_body(response, 415, "unsupported_media_type")


def test_a_page_past_the_end_is_404(root_client, city):
    assert_error_body(root_client.get("/api/v1/grids/", {"page": 99}), 404, "not_found")


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Conflict("该记录已被他人修改", fields={"version": ["过期"]}), 409, "conflict"),
        (InvalidInput("坏", code="bad_thing"), 400, "bad_thing"),
        (Http404("x"), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (drf.PermissionDenied(), 403, "permission_denied"),
        (drf.NotFound(), 404, "not_found"),
        (drf.AuthenticationFailed("令牌无效"), 401, "authentication_failed"),
        (drf.Throttled(wait=30), 429, "throttled"),
        (drf.ValidationError(["整体错误"]), 400, "invalid"),
    ],
)
def test_each_error_class_maps_to_the_body(exc, status, code):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert set(response.data) == {"code", "message", "fields"}
    assert response.data["code"] == code
    assert response.data["message"]
    if isinstance(exc, Conflict):
        assert response.data["fields"] == {"version": ["过期"]}
    if isinstance(exc, drf.Throttled):
        assert response["Retry-After"] == "30"
    if isinstance(exc, drf.ValidationError):
        assert response.data["fields"] == {"non_field_errors": ["整体错误"]}


@override_settings(DEBUG=False)
def test_an_unexpected_error_is_a_json_500_not_a_page(caplog):
    response = exception_handler(RuntimeError("boom"), {})
    assert response.status_code == 500
    assert response.data["code"] == "server_error"
    assert "boom" not in response.data["message"]
    assert "boom" in caplog.text


def test_flatten_errors_keeps_every_message():
    detail = {
        "points": [{}, {"lon": ["太大"], "lat": ["太小", "不是数"]}],
        "non_field_errors": ["整体"],
        "crs": ["无效"],
    }
    assert flatten_errors(detail) == {
        "points.1.lon": ["太大"],
        "points.1.lat": ["太小", "不是数"],
        "non_field_errors": ["整体"],
        "crs": ["无效"],
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"reason": "required"}, {"reason": ["请填写离任原因"]}),  # a code
        ({"lon": 100.0, "lat": 30.0}, {"lon": ["请填写离任原因"], "lat": ["请填写离任原因"]}),  # raw values
        ({"departments": [3, 4]}, {"departments": ["请填写离任原因"]}),
        ({"items.2.code": "duplicate"}, {"items.2.code": ["请填写离任原因"]}),
        ({"name": "不能为空"}, {"name": ["不能为空"]}),  # a message stays, as a list
        ({"name": ["不能为空", "最长 100 个字符"]}, {"name": ["不能为空", "最长 100 个字符"]}),
        ({"year": "2027"}, {"year": ["请填写离任原因"]}),
    ],
)
def test_domain_error_fields_always_answer_as_lists_of_messages(fields, expected):
    response = exception_handler(InvalidInput("请填写离任原因", fields=fields), {})
    assert response.data["fields"] == expected


def test_machine_data_goes_under_details_not_fields():
    exc = Conflict("状态不允许", code="action_not_allowed", details={"allowed_actions": ["verify"]})
    response = exception_handler(exc, {})
    assert response.data["fields"] == {} and response.data["details"] == {"allowed_actions": ["verify"]}


def test_a_domain_error_with_a_code_in_fields_answers_a_message_over_the_api(city):
    """The issue's finding: an intake outside every grid answered fields {"lon": 100.0, "lat": 30.0}."""
    from jingzhi.api.testing import user_with

    client = APIClient()
    client.force_authenticate(user_with("someone"))
    response = client.post(
        "/api/v1/cases/", {"description": "井盖没了", "lon": 100.0, "lat": 30.0}, format="json"
    )
    body = assert_error_body(response, 400, "outside_jurisdiction")
    assert set(body["fields"]) == {"lon", "lat"} and body["fields"]["lon"] == [body["message"]]
