"""The API is one API: every list paginated the same way (and documented so), discovery lists a client needs
(categories with their limits, departments, people an administrator may appoint) scoped to the caller,
histories oldest first, and no path under /api/ or /open311/ answering Django's HTML."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient

from jingzhi.accounts.actions import do_create_api_token
from jingzhi.api.testing import assert_error_body
from jingzhi.rectification import actions
from jingzhi.rectification.testing import STREET1, STREET2
from jingzhi.rectification.tests import conftest as rect

pytestmark = pytest.mark.django_db
URL = "/api/v1/rectification/"


@pytest.fixture
def world(db):
    return rect.make_world()


@pytest.fixture
def at():
    with rect.pinned_clock() as go:
        yield go


def client_for(user) -> APIClient:
    _token, key = do_create_api_token(actor=None, user=user, name="测试")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _schema() -> dict:
    generator = SchemaGenerator(urlconf=None)
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


# ---------------------------------------------------------------------------------------------- pagination
def test_no_endpoint_documents_or_answers_a_bare_array():
    schema = _schema()
    bare, unpaged = [], []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
            if body.get("schema", {}).get("type") == "array":
                bare.append(f"{method.upper()} {path}")
            ref = body.get("schema", {}).get("$ref", "")
            names = {p["name"] for p in operation.get("parameters", [])}
            # A paginated list documents its page parameters and the 404 of a page past the end.
            if "Paginated" in ref and not (
                {"page", "page_size"} <= names and "404" in operation["responses"]
            ):
                unpaged.append(f"{method.upper()} {path}")
    assert bare == [] and unpaged == []


def test_rectification_lists_are_paginated_and_not_capped(world, at):
    assessor = client_for(world.p.assessor)
    for kind in ("city_monthly", "third_party"):
        made = assessor.post(
            URL + "inspections/",
            {"street": STREET1, "kind": kind, "inspected_on": "2025-06-11", "results": []},
            format="json",
        )
        assert made.status_code == 201, made.content
    page = assessor.get(URL + "inspections/", {"page_size": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    assert assessor.get(page["next"]).json()["results"][0]["id"] != page["results"][0]["id"]
    for path in ("streets/", "mine/", "proposals/"):
        body = client_for(world.p.district_admin).get(URL + path).json()
        assert set(body) == {"count", "next", "previous", "results"}, path


def test_queue_counts_are_a_page_like_every_list(world):
    body = client_for(world.p.shift_lead).get("/api/v1/cases/queues/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) and {"name", "label", "count"} <= set(body["results"][0])


# ---------------------------------------------------------------------------------------------- discovery
def test_categories_list_their_codes_and_limits_for_every_caller(world):
    for user in (world.p.resident, world.p.dispatcher):
        body = client_for(user).get("/api/v1/categories/").json()
        assert body["count"] >= 1
        row = body["results"][0]
        assert {"id", "kind", "code", "name", "level", "parent", "limits"} <= set(row)
    rows = client_for(world.p.resident).get("/api/v1/categories/", {"page_size": 500}).json()["results"]
    assert any(r["limits"] for r in rows)
    assert {"step", "step_label", "amount", "unit", "text"} == set(
        next(r for r in rows if r["limits"])["limits"][0]
    )
    assert_error_body(APIClient().get("/api/v1/categories/"), 401, "not_authenticated")


def test_departments_are_for_staff_within_their_districts(world):
    from jingzhi.accounts.actions import do_create_department

    do_create_department(actor=None, code="OTHER", name="外区部门", district_code="110299")
    codes = {r["code"] for r in client_for(world.p.dispatcher).get("/api/v1/departments/").json()["results"]}
    assert {"GAJG", "QZF"} <= codes and "OTHER" not in codes
    assert_error_body(client_for(world.p.resident).get("/api/v1/departments/"), 403, "permission_denied")


def test_chief_candidates_are_for_the_streets_admins_without_phones(world):
    response = client_for(world.p.sub_admin).get(URL + f"streets/{STREET1}/candidates/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and all(set(r) == {"id", "username", "display_name"} for r in rows)
    assert "13800000000" not in response.content.decode()
    assert_error_body(
        client_for(world.p.sub_admin2).get(URL + f"streets/{STREET1}/candidates/"), 404, "not_found"
    )
    assert_error_body(
        client_for(world.p.inspector).get(URL + f"streets/{STREET1}/candidates/"), 403, "permission_denied"
    )


# ---------------------------------------------------------------------------------------------- histories
def test_a_streets_histories_are_oldest_first(world, at):
    from datetime import date

    admin = world.p.sub_admin
    actions.do_appoint_chief(
        actor=admin, street_code=STREET1, user=world.p.chief, rank="street", started_on=date(2025, 1, 1)
    )
    actions.do_appoint_chief(
        actor=admin, street_code=STREET1, user=world.p.chief2, rank="street", started_on=date(2025, 3, 1)
    )
    body = client_for(admin).get(URL + f"streets/{STREET1}/").json()
    started = [c["started_on"] for c in body["chiefs"]]
    assert started == sorted(started) and len(started) == 2


def test_an_inspection_outside_the_callers_area_is_404_as_documented(world, at):
    assessor = client_for(world.p.assessor)
    made = assessor.post(
        URL + "inspections/",
        {"street": STREET1, "kind": "city_monthly", "inspected_on": "2025-06-11", "results": []},
        format="json",
    ).json()
    outsider = client_for(world.p.sub_admin2)
    assert_error_body(outsider.get(URL + f"inspections/{made['id']}/"), 404, "not_found")
    assert outsider.get(URL + f"streets/{STREET2}/").status_code == 200


# ---------------------------------------------------------------------------------------------- prefixes
@pytest.mark.parametrize(
    "path",
    [
        "/api/nope",
        "/api/v2/cases/",
        "/api/v1/cases/abc/",
        "/api/v1/rectification/streets/%E4%B8%AD/",
        "/api/v1/%0A",  # a newline, which `.` in a route would not match
    ],
)
def test_any_unknown_path_under_api_is_a_json_404(path, db):
    response = APIClient().get(path)
    assert_error_body(response, 404, "not_found")
    assert "<html" not in response.content.decode().lower()
