"""The REST API of 每月一题 and 治理类街乡 (/api/v1/assessment/topics/…, /focus/…): candidates, confirming a
topic twice or a missing candidate, tracking without personal data; a quarter such as 2026Q5, plan items due
before the quarter, another subdistrict's plan (404 like a missing one), district staff reading but not
keeping a plan (403). The assessment tests' June of cases (`jingzhi/assessment/tests/conftest.py`)."""

from __future__ import annotations

import json

import pytest

from jingzhi.api.testing import assert_error_body, token_client
from jingzhi.assessment import actions
from jingzhi.assessment.tests.conftest import MONTH, SUB1, SUB2, D, history  # noqa: F401
from jingzhi.cases.testing import frozen, world  # noqa: F401

NEXT = "2025-07"
CAT = "component:0101"
Q = "2025Q2"


@pytest.fixture
def counted(history):  # noqa: F811
    actions.do_fill_month(MONTH, actor=None)
    actions.do_fill_problem_counts(MONTH, actor=None)
    return history


@pytest.fixture
def scored(history):  # noqa: F811
    actions.do_fill_month(MONTH, actor=None)
    return history


def test_the_topic_api(counted, world):  # noqa: F811
    api = token_client(world.p.district_admin)
    got = api.get("/api/v1/assessment/topics/candidates/", {"month": MONTH})
    assert got.status_code == 200, got.content
    data = json.loads(got.content)
    assert data["month"] == NEXT and any(c["key"] == CAT for c in data["candidates"])
    made = api.post(
        "/api/v1/assessment/topics/",
        {"month": MONTH, "district_code": D, "dimension": "category", "key": CAT, "title": "井盖治理"},
        format="json",
    )
    assert made.status_code == 201, made.content
    topic_id = json.loads(made.content)["id"]
    body = assert_error_body(
        api.post(
            "/api/v1/assessment/topics/",
            {"month": MONTH, "district_code": D, "dimension": "category", "key": CAT, "title": "井盖治理"},
            format="json",
        ),
        400,
        "invalid",
    )
    assert "candidate" in body["fields"]
    assert_error_body(
        api.post(
            "/api/v1/assessment/topics/",
            {
                "month": MONTH,
                "district_code": D,
                "dimension": "category",
                "key": "component:9999",
                "title": "x",
            },
            format="json",
        ),
        400,
        "invalid",
    )
    track = api.get(f"/api/v1/assessment/topics/{topic_id}/")
    assert track.status_code == 200 and json.loads(track.content)["topic"]["title"] == "井盖治理"
    assert "13800000000" not in track.content.decode()
    listed = api.get("/api/v1/assessment/topics/", {"month": NEXT})
    assert [t["id"] for t in json.loads(listed.content)["results"]] == [topic_id]
    outsider = token_client(world.p.sub_admin)
    assert_error_body(
        outsider.post(
            "/api/v1/assessment/topics/dismiss/",
            {"month": MONTH, "district_code": D, "dimension": "category", "key": CAT},
            format="json",
        ),
        404,
        "not_found",
    )
    assert_error_body(
        token_client(world.p.handler).get(f"/api/v1/assessment/topics/{topic_id}/"), 404, "not_found"
    )


def test_focus_api(scored, world):  # noqa: F811
    admin = token_client(world.p.district_admin)
    computed = admin.post(f"/api/v1/assessment/focus/{Q}/compute/")
    assert computed.status_code == 200, computed.content
    assert {e["unit_code"] for e in json.loads(computed.content)["entries"]} == {SUB1, SUB2}
    assert_error_body(admin.post("/api/v1/assessment/focus/2026Q5/compute/"), 400, "invalid")
    assert_error_body(admin.get("/api/v1/assessment/focus/", {"quarter": "2026Q5"}), 400, "invalid")
    listed = admin.get("/api/v1/assessment/focus/", {"quarter": Q})
    assert listed.status_code == 200 and len(json.loads(listed.content)["entries"]) == 2
    own = token_client(world.p.sub_admin)
    made = own.post(
        f"/api/v1/assessment/focus/{Q}/{SUB1}/items/",
        {"what": "井盖巡查", "department": "SZSR", "due_date": "2025-06-30"},
        format="json",
    )
    assert made.status_code == 201, made.content
    item_id = json.loads(made.content)["id"]
    body = assert_error_body(
        own.post(
            f"/api/v1/assessment/focus/{Q}/{SUB1}/items/",
            {"what": "x", "due_date": "2025-03-01"},
            format="json",
        ),
        400,
        "invalid",
    )
    assert "due_date" in body["fields"]
    patched = own.patch(
        f"/api/v1/assessment/focus/{Q}/{SUB1}/items/{item_id}/",
        {"status": "done", "note": "完成"},
        format="json",
    )
    assert patched.status_code == 200 and json.loads(patched.content)["status"] == "done"
    other = token_client(world.p.sub_admin2)
    assert_error_body(other.get(f"/api/v1/assessment/focus/{Q}/{SUB1}/"), 404, "not_found")
    assert_error_body(
        other.patch(
            f"/api/v1/assessment/focus/{Q}/{SUB1}/items/{item_id}/", {"status": "todo"}, format="json"
        ),
        404,
        "not_found",
    )
    assert_error_body(
        other.post(
            f"/api/v1/assessment/focus/{Q}/{SUB1}/items/",
            {"what": "x", "due_date": "2025-06-30"},
            format="json",
        ),
        404,
        "not_found",
    )
    plan = admin.get(f"/api/v1/assessment/focus/{Q}/{SUB1}/")
    data = json.loads(plan.content)
    assert (
        plan.status_code == 200
        and data["items"][0]["notes"][0]["text"] == "完成"
        and data["can_edit"] is False
    )
    assert_error_body(
        admin.patch(
            f"/api/v1/assessment/focus/{Q}/{SUB1}/items/{item_id}/", {"status": "todo"}, format="json"
        ),
        403,
        "permission_denied",
    )
    rules_made = admin.post(
        "/api/v1/assessment/focus-rules/",
        {"effective_from": "2025Q3", "bottom": 2, "below": "60"},
        format="json",
    )
    assert rules_made.status_code == 201, rules_made.content
    assert_error_body(
        admin.post(
            "/api/v1/assessment/focus-rules/", {"effective_from": "2025Q5", "bottom": 2}, format="json"
        ),
        400,
        "invalid",
    )
    assert_error_body(
        own.post("/api/v1/assessment/focus-rules/", {"effective_from": "2025Q4", "bottom": 2}, format="json"),
        404,
        "not_found",
    )
