"""The case endpoints, through HTTP with each role's own token: scoping (missing and forbidden look alike),
reporter data, intake (JSON, multipart, idempotency, sources by role), workflow actions with their refusals,
bad input answered with the error body, hotline orders and import, whistles, duplicates, the inbox."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from PIL import Image

from jingzhi.api.testing import assert_error_body, token_client
from jingzhi.cases import workflow
from jingzhi.cases.models import Case, CaseFollower
from jingzhi.cases.testing import (
    IN_SUB1,
    IN_SUB2,
    OUTSIDE,
    T0,
    build_people,
    build_places,
    build_taxonomy,
    open_case,
    walk_to,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    from jingzhi.core import clock
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule

    with clock.frozen(T0):
        places = build_places()
        tax = build_taxonomy()
        people = build_people()
        do_create_duty_rule(
            actor=None, category=tax.cover, scope_kind="everywhere", departments=[people.szsr]
        )
        loader.clear_cache()
    return SimpleNamespace(places=places, t=tax, p=people)


@pytest.fixture
def frozen():
    from jingzhi.core import clock

    with clock.frozen(T0):
        yield T0


@pytest.fixture
def api(world):
    """api.<username> is an authenticated client for that user."""
    clients = {}

    class Clients:
        def __getattr__(self, name):
            if name not in clients:
                clients[name] = token_client(getattr(world.p, name))
            return clients[name]

    return Clients()


def png_bytes(name="photo.png") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 50, 50)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def url(case, action=None) -> str:
    base = f"/api/v1/cases/{getattr(case, 'pk', case)}/"
    return f"{base}actions/{action}/" if action else base


def report(client, **extra):
    body = {"description": "井盖没了，很危险", "lon": IN_SUB1[0], "lat": IN_SUB1[1], **extra}
    return client.post("/api/v1/cases/", body, format="json")


# ---------------------------------------------------------------------------------------------------- scope
def test_each_role_lists_only_the_cases_within_its_reach(world, api, frozen):
    mine = open_case(world)
    east = open_case(world, world.p.inspector2, source="inspector", where=IN_SUB2)
    ids = lambda client: {row["id"] for row in client.get("/api/v1/cases/").json()["results"]}  # noqa: E731
    assert ids(api.operator) == {mine.pk}
    assert ids(api.operator2) == {east.pk}
    assert ids(api.shift_lead) == {mine.pk, east.pk}
    assert ids(api.resident) == {mine.pk}
    assert ids(api.other_resident) == set()
    assert ids(api.handler) == set()  # nothing dispatched yet
    assert ids(api.nobody) == set()


VISIBILITY = {
    "operator": True,
    "operator2": False,
    "inspector": True,
    "inspector2": False,
    "handler": True,
    "other_handler": False,
    "resident": True,
    "other_resident": False,
    "sub_admin2": False,
    "district_admin": True,
    "street_chief": True,
    "nobody": False,
}


def test_a_case_outside_ones_reach_is_not_found_exactly_like_a_missing_one(world, api, frozen):
    case = walk_to(world, open_case(world), "pending_response")
    for who, visible in VISIBILITY.items():
        response = getattr(api, who).get(url(case))
        if visible:
            assert response.status_code == 200, (who, response.content)
            assert response.json()["number"] == case.number
        else:
            forbidden = assert_error_body(response, 404, "not_found")
            missing = assert_error_body(getattr(api, who).get(url(999_999)), 404, "not_found")
            assert set(forbidden) == set(missing)
            # Acting on it is just as blind.
            assert_error_body(
                getattr(api, who).post(url(case, "accept"), {}, format="json"), 404, "not_found"
            )


def test_a_department_never_reads_another_departments_case(world, api, frozen):
    case = walk_to(world, open_case(world), "handling")
    assert api.handler.get(url(case)).status_code == 200
    assert_error_body(api.other_handler.get(url(case)), 404, "not_found")
    assert api.other_handler.get("/api/v1/cases/", {"search": case.number}).json()["count"] == 0


# role × jurisdiction × action: who may take which step on a case in a given state
MATRIX = [
    ("reported", "verify_request", {"operator": 200, "operator2": 404, "inspector": 403, "resident": 403}),
    ("reported", "verify", {"inspector": 200, "inspector2": 404, "operator": 403}),
    ("pending_filing", "file", {"shift_lead": 200, "operator": 403, "dispatcher": 403}),
    ("pending_dispatch", "dispatch", {"dispatcher": 200, "shift_lead": 403, "handler": 404}),
    ("pending_response", "accept", {"handler": 200, "other_handler": 404, "dispatcher": 403}),
    ("handling", "feedback", {"handler": 200, "inspector": 403}),
    ("pending_check", "check_pass", {"inspector": 200, "handler": 403, "inspector2": 404}),
    ("pending_callback", "rate", {"resident": 200, "operator": 403, "other_resident": 404}),
]


@pytest.mark.parametrize(("state", "action", "expected"), MATRIX)
def test_the_permission_matrix_through_the_api(world, api, frozen, state, action, expected):
    body = {"note": "已处理"} if action == "feedback" else {"rating": "satisfied"} if action == "rate" else {}
    for who, status in expected.items():
        case = walk_to(world, open_case(world), state)
        response = getattr(api, who).post(url(case, action), body, format="json")
        assert response.status_code == status, (who, action, response.content)
        if status == 403:
            err = assert_error_body(response, 403, "action_not_allowed")
            assert err["details"]["refused_because"] == "role"
            assert action not in err["details"]["allowed_actions"]
        elif status == 200:
            assert response.json()["state"] == workflow.next_state(state, action)


# ---------------------------------------------------------------------------------------------------- detail
def test_the_detail_shows_deadlines_routing_departments_actions_and_timeline(world, api, frozen):
    case = walk_to(world, open_case(world), "pending_response")
    body = api.handler.get(url(case)).json()
    assert body["state"] == "pending_response" and body["state_label"] == "待响应"
    assert body["warning"]["level"] == "green" and body["warning"]["overdue_multiple"] == 0
    assert body["deadlines"]["handle_deadline"] and body["deadlines"]["response_deadline"]
    assert "市政市容委" in body["routing_reason"] and body["routing"]["rule"] is not None
    assert [d["name"] for d in body["departments"]] == ["市政市容委"] and body["departments"][0]["is_lead"]
    assert {a["action"] for a in body["allowed_actions"]} == {"accept", "return"}
    assert next(a for a in body["allowed_actions"] if a["action"] == "return")["requires"] == ["reason"]
    assert [e["action"] for e in body["timeline"]] == ["open", "verify", "file", "dispatch"]
    assert body["facts"]["filing_condition"]["text"] == "缺失或移位"


def test_the_shared_output_serializer_answers_as_a_fresh_one(world, api, frozen):
    """`api.base.output` keeps one CaseDetailSerializer per process (issue 16): for cases in different
    states and callers, one after another, it gives what a new serializer's `.data` gives."""
    from jingzhi.api.base import output
    from jingzhi.api.casesapi import present
    from jingzhi.api.casesapi import serializers as s

    cases = [walk_to(world, open_case(world), "pending_response"), open_case(world, address="二号院")]
    for _round in range(2):
        for case in cases:
            for user in (world.p.resident, world.p.operator):
                if not user_sees(user, case):
                    continue
                body = present.detail(case, user)
                assert output(s.CaseDetailSerializer, body) == s.CaseDetailSerializer(body).data


def user_sees(user, case) -> bool:
    from jingzhi.cases import permissions

    return permissions.can_see(user, case)


def test_an_overdue_case_turns_red_with_its_multiple(world, api):
    from datetime import timedelta

    from jingzhi.core import clock

    with clock.frozen(T0):
        case = open_case(world)  # verification clock: 2 working hours
    with clock.frozen(T0 + timedelta(hours=5)):  # 09:00 + 5 h = 14:00, 3.5 working hours used
        body = api.operator.get(url(case)).json()
        red = api.operator.get("/api/v1/cases/", {"warning": "red"}).json()
    assert body["warning"]["level"] == "red" and body["warning"]["overdue_multiple"] == 1.75
    assert [row["id"] for row in red["results"]] == [case.pk]


def test_reporter_name_and_phone_only_for_the_reporter_and_staff_on_the_case(world, api, frozen):
    case = walk_to(world, open_case(world, reporter_name="王阿姨"), "pending_response")
    CaseFollower.objects.create(case=case, user=world.p.other_resident)
    for who in ("resident", "handler", "operator", "dispatcher"):
        assert getattr(api, who).get(url(case)).json()["reporter"] == {
            "name": "王阿姨",
            "phone": "13800000000",
        }, who
    stranger = api.other_resident.get(url(case))
    assert stranger.status_code == 200 and stranger.json()["reporter"] is None
    text = stranger.content.decode()
    assert "王阿姨" not in text and "13800000000" not in text and "wang" not in text
    assert stranger.json()["timeline"][0]["actor"] == "上报人"
    for row in api.dispatcher.get("/api/v1/cases/").json()["results"]:
        assert "reporter" not in row


# ---------------------------------------------------------------------------------------------------- intake
def test_a_resident_reports_by_json_and_gets_the_suggestion_and_the_verification_clock(world, api, frozen):
    response = report(api.resident, address="青槐东里3号楼")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "resident_web" and body["state"] == "reported"
    assert body["category"]["id"] == world.t.cover.pk
    assert body["suggestion"][0]["words"] == ["井盖"]
    assert body["reporter"]["phone"] == "13800000000"
    assert body["step"] == "verify" and body["warning"]["level"] == "green"


@pytest.mark.parametrize("who", ["resident", "inspector", "operator"])
def test_the_create_answer_built_in_memory_is_the_case_page_read_back(world, api, frozen, who):
    """The 201 body comes from the row intake just wrote, not a read-back: it must say exactly what
    GET /api/v1/cases/<id>/ says about the same case to the same caller."""
    from jingzhi.taxonomy.models import RequestType, Urgency

    extra = {}
    if who == "operator":  # a hotline order typed in: request type, urgency and the caller's details too
        RequestType.objects.create(code="complaint", name="投诉")
        Urgency.objects.create(code="urgent", name="紧急", limit_amount=2, limit_unit="calendar_hours")
        extra = {
            "source": "hotline",
            "reporter_name": "张先生",
            "reporter_phone": "13900000000",
            "request_type": "complaint",
            "urgency": "urgent",
        }
    created = report(getattr(api, who), address="青槐东里3号楼", **extra)
    assert created.status_code == 201, created.content
    body = created.json()
    again = getattr(api, who).get(f"/api/v1/cases/{body['id']}/")
    assert again.status_code == 200
    assert body == again.json()


def test_a_retry_is_answered_by_the_unique_key_and_someone_elses_key_is_a_conflict(world, api, frozen):
    """Intake takes no look first: the insert meets the unique key of the case the first request made, and
    the action answers with that case (200), or 409 when the key is someone else's (issue 9 §1: the rule is
    in `do_open_case`, so every door gets it)."""
    body = {"description": "井盖没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    first = api.resident.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
    again = api.resident.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
    other = api.other_resident.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and Case.objects.count() == 1
    assert_error_body(other, 409, "conflict")


def test_the_source_is_decided_by_the_callers_roles(world, api, frozen):
    assert report(api.inspector).json()["source"] == "inspector"
    assert report(api.inspector).json()["state"] == "pending_filing"  # an inspector's own report
    assert report(api.operator, source="hotline", reporter_name="张先生").json()["source"] == "hotline"
    err = assert_error_body(report(api.resident, source="inspector"), 403, "permission_denied")
    assert err["details"]["allowed_sources"] == ["resident_web"] and err["fields"]["source"]
    err = assert_error_body(report(api.resident, reporter_name="别人"), 400, "invalid")
    assert "reporter_name" in err["fields"]


def test_a_multipart_report_keeps_its_photos_behind_protected_urls(world, api, frozen):
    response = api.resident.post(
        "/api/v1/cases/",
        {
            "description": "井盖没了",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "photos": [png_bytes(), png_bytes("b.png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert len(photos) == 2 and photos[0]["kind"] == "before"
    assert photos[0]["url"].startswith("/attachments/") and photos[0]["url"].endswith("/full/")
    assert response.json()["timeline"][0]["photos"] == [p["id"] for p in photos]


def test_an_idempotency_key_makes_a_retry_create_nothing(world, api, frozen):
    first = api.resident.post(
        "/api/v1/cases/",
        {"description": "井盖没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="phone-123",
    )
    again = api.resident.post(
        "/api/v1/cases/",
        {"description": "井盖没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="phone-123",
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Case.objects.count() == 1
    # Someone else's key is not a way to read their case.
    other = api.other_resident.post(
        "/api/v1/cases/",
        {"description": "x", "lon": IN_SUB1[0], "lat": IN_SUB1[1]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="phone-123",
    )
    assert_error_body(other, 409, "conflict")
    assert "井盖" not in other.content.decode()


def test_a_reused_idempotency_key_with_a_different_report_is_a_422_naming_the_conflict(world, api, frozen):
    body = {"description": "井盖没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    first = api.resident.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="phone-9")
    changed = api.resident.post(
        "/api/v1/cases/", {**body, "description": "路灯不亮"}, format="json", HTTP_IDEMPOTENCY_KEY="phone-9"
    )
    moved = api.resident.post(
        "/api/v1/cases/", {**body, "lon": IN_SUB1[0] + 0.0002}, format="json", HTTP_IDEMPOTENCY_KEY="phone-9"
    )
    same = api.resident.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="phone-9")
    assert first.status_code == 201
    for answer in (changed, moved):
        err = assert_error_body(answer, 422, "idempotency_conflict")
        assert "phone-9" in err["message"] and err["fields"]["idempotency_key"]
        assert first.json()["number"] not in answer.content.decode()
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1


def test_the_idempotency_check_is_in_the_domain_and_holds_when_the_interface_check_is_skipped(world, frozen):
    from jingzhi.cases import actions
    from jingzhi.cases.exceptions import IdempotencyConflict

    resident = world.p.resident
    report = {"description": "井盖没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    first = actions.do_open_case(actor=resident, source="resident_web", idempotency_key="k1", **report)
    again = actions.do_open_case(actor=resident, source="resident_web", idempotency_key="k1", **report)
    assert again.pk == first.pk and again.replayed
    with pytest.raises(IdempotencyConflict) as info:
        actions.do_open_case(
            actor=resident,
            source="resident_web",
            idempotency_key="k1",
            **{**report, "description": "另一件事"},
        )
    assert info.value.status == 422 and Case.objects.count() == 1


def test_gcj02_coordinates_are_converted_on_the_way_in(world, api, frozen):
    from jingzhi.geo.coords import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(*IN_SUB1)
    body = report(api.resident, lon=lon, lat=lat, crs="gcj02").json()
    assert body["grid_code"] == "110199001001001"
    assert abs(body["lon"] - IN_SUB1[0]) < 1e-5


# ---------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"category": 987654}, "unknown_category", None),
        ({"lon": OUTSIDE[0], "lat": OUTSIDE[1]}, "outside_jurisdiction", None),
        ({"description": "TOO_LONG"}, "invalid", "description"),
        ({"description": ""}, "invalid", "description"),
        ({"lon": 500}, "invalid", "lon"),
        ({"lat": "NaN"}, "invalid", "lat"),
        ({"category": 2**70}, "invalid", "category"),
        ({"crs": "bd09"}, "invalid", "crs"),
    ],
)
def test_bad_intake_is_a_400_naming_the_problem(world, api, frozen, extra, code, field):
    from jingzhi.cases.deadlines import description_max

    limit = description_max()  # the profile sets it; the test follows
    if extra.get("description") == "TOO_LONG":
        extra = {"description": "井" * (limit + 1)}
    response = report(api.resident, **extra)
    assert response.status_code == 400, response.content
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "fields"} and body["message"]
    if field:
        assert field in body["fields"], body
    if code == "outside_jurisdiction":
        assert "不在本辖区任何网格内" in body["message"]
    if code == "unknown_category":
        assert body["code"] in {"unknown_category", "not_found", "invalid"} and "分类" in body["message"]
    if "description" in extra and extra["description"]:
        assert str(limit) in body["message"]
    assert Case.objects.count() == 0


def test_an_inactive_category_is_refused(world, api, frozen):
    body = assert_error_body(
        report(api.resident, category=world.t.old.pk),
        400,
        json.loads(report(api.resident, category=world.t.old.pk).content)["code"],
    )
    assert "分类" in body["message"]


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_made(world, api, frozen):
    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    fake.name = "photo.jpg"
    response = api.resident.post(
        "/api/v1/cases/",
        {"description": "井盖没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1], "photos": [fake]},
        format="multipart",
    )
    body = assert_error_body(response, 400, json.loads(response.content)["code"])
    assert "photo.jpg" in body["message"]
    assert Case.objects.count() == 0


def test_an_action_not_allowed_in_this_state_lists_the_allowed_ones(world, api, frozen):
    case = open_case(world)
    body = assert_error_body(
        api.dispatcher.post(url(case, "dispatch"), {}, format="json"), 409, "action_not_allowed"
    )
    assert body["details"]["refused_because"] == "state"
    assert "待核实" in body["message"]
    op = assert_error_body(
        api.operator.post(url(case, "accept"), {}, format="json"), 409, "action_not_allowed"
    )
    assert op["details"]["allowed_actions"] == ["verify_request", "not_file", "merge"]
    assert op["details"]["allowed_labels"][0] == "派核实"


def test_a_return_without_a_reason_is_refused(world, api, frozen):
    case = walk_to(world, open_case(world), "pending_response")
    body = assert_error_body(api.handler.post(url(case, "return"), {}, format="json"), 400, "invalid")
    assert "reason" in body["fields"] and "理由" in body["message"]
    ok = api.handler.post(url(case, "return"), {"reason": "不属于本部门职责"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "pending_dispatch"
    assert ok.json()["facts"]["return_count"] == 1


def test_a_rating_by_someone_who_is_not_the_reporter_is_refused(world, api, frozen):
    case = walk_to(world, open_case(world), "pending_callback")
    body = assert_error_body(
        api.operator.post(url(case, "rate"), {"rating": "satisfied"}, format="json"),
        403,
        "action_not_allowed",
    )
    assert "上报人" in body["message"] and "rate" not in body["details"]["allowed_actions"]
    assert "callback" in body["details"]["allowed_actions"]


def test_an_extension_past_the_maximum_and_bad_values_are_refused(world, api, frozen):
    case = walk_to(world, open_case(world), "handling")
    body = assert_error_body(
        api.handler.post(url(case, "request_extension"), {"reason": "材料未到", "days": 11}, format="json"),
        400,
        "invalid",
    )
    assert "10" in body["message"]
    assert_error_body(
        api.handler.post(url(case, "request_extension"), {"reason": "x", "days": 10**12}, format="json"),
        400,
        "invalid",
    )
    assert_error_body(
        api.dispatcher.post(
            url(case, "park"), {"reason": "立项", "review_date": "2025-13-40"}, format="json"
        ),
        400,
        "invalid",
    )


def test_a_stale_version_is_a_conflict(world, api, frozen):
    case = walk_to(world, open_case(world), "pending_response")
    body = assert_error_body(
        api.handler.post(url(case, "accept"), {"expected_version": case.version - 1}, format="json"),
        409,
        "stale_case",
    )
    assert "刷新" in body["message"]
    assert (
        api.handler.post(url(case, "accept"), {"expected_version": case.version}, format="json").status_code
        == 200
    )


def test_an_unknown_action_is_404_and_whistle_points_to_its_endpoint(world, api, frozen):
    case = open_case(world)
    assert_error_body(api.operator.post(url(case, "explode"), {}, format="json"), 404, "not_found")
    body = assert_error_body(api.sub_admin.post(url(case, "whistle"), {}, format="json"), 404, "not_found")
    assert "/api/v1/whistles/" in body["message"]


# ---------------------------------------------------------------------------------------------------- the loop
def test_the_whole_loop_by_each_role_over_http(world, api, frozen):
    case_id = report(api.resident).json()["id"]
    steps = [
        ("operator", "verify_request", {}),
        ("inspector", "verify", {"note": "属实"}),
        ("shift_lead", "file", {"filing_condition": world.t.condition.pk}),
        ("dispatcher", "dispatch", {}),
        ("handler", "accept", {}),
        ("handler", "feedback", {"note": "已补装井盖"}),
        ("inspector", "check_pass", {}),
        ("resident", "rate", {"rating": "dissatisfied", "note": "太慢"}),
        ("resident", "reopen", {"reason": "井盖又松了"}),
    ]
    for who, action, body in steps:
        response = getattr(api, who).post(url(case_id, action), body, format="json")
        assert response.status_code == 200, (who, action, response.content)
    final = api.dispatcher.get(url(case_id)).json()
    assert final["state"] == "pending_dispatch" and final["facts"]["reopen_count"] == 1
    assert [e["action"] for e in final["timeline"]][-3:] == ["check_pass", "rate", "reopen"]


def test_manual_dispatch_to_several_departments_needs_a_lead(world, api, frozen):
    p = world.p
    case = walk_to(world, open_case(world), "pending_dispatch")
    err = assert_error_body(
        api.dispatcher.post(url(case, "dispatch"), {"departments": [p.szsr.pk, p.zls.pk]}, format="json"),
        400,
        "invalid",
    )
    assert "lead" in err["fields"]
    ok = api.dispatcher.post(
        url(case, "dispatch"), {"departments": [p.szsr.pk, p.zls.pk], "lead": p.zls.pk}, format="json"
    ).json()
    assert [d["id"] for d in ok["departments"]] == [p.zls.pk, p.szsr.pk]
    assert "人工派遣" in ok["routing_reason"]


# ---------------------------------------------------------------------------------------------------- lists
def test_list_filters_and_their_bad_values(world, api, frozen):
    a = open_case(world)
    b = walk_to(world, open_case(world), "pending_dispatch")
    get = lambda **q: [r["id"] for r in api.shift_lead.get("/api/v1/cases/", q).json()["results"]]  # noqa: E731
    assert get(queue="dispatch") == [b.pk]
    assert get(state="reported") == [a.pk]
    assert set(get(place="110199001")) == {a.pk, b.pk} and get(place="110199002") == []
    assert set(get(place="110199001001")) == {a.pk, b.pk} and set(get(place="110199001S001")) == {a.pk, b.pk}
    assert set(get(category=world.t.cover.pk)) == {a.pk, b.pk}
    assert get(source="hotline") == []
    assert set(get(reported_from="2025-06-11", reported_to="2025-06-11")) == {a.pk, b.pk}
    assert get(reported_from="2025-06-12") == []
    assert get(search=b.number) == [b.pk]
    assert set(get(warning="green")) == {a.pk, b.pk}
    for bad in (
        {"reported_from": "2025-02-30"},
        {"queue": "nope"},
        {"place": "abc"},
        {"category": 2**70},
        {"reported_from": "2025-06-12", "reported_to": "2025-06-11"},
        {"warning": "purple"},
    ):
        assert_error_body(api.shift_lead.get("/api/v1/cases/", bad), 400, "invalid")
    assert api.shift_lead.get("/api/v1/cases/", {"reported_to": "9999-12-31"}).status_code == 200
    assert api.shift_lead.get("/api/v1/cases/", {"reported_from": "0001-01-01"}).status_code == 200


def test_queue_counts_are_scoped(world, api, frozen):
    open_case(world)
    counts = {
        row["name"]: row["count"] for row in api.operator.get("/api/v1/cases/queues/").json()["results"]
    }
    assert counts["verify"] == 1
    assert {
        row["name"]: row["count"] for row in api.operator2.get("/api/v1/cases/queues/").json()["results"]
    }["verify"] == 0


# ---------------------------------------------------------------------------------------------------- duplicates
def test_duplicates_are_offered_without_personal_data_and_can_be_followed(world, api, frozen):
    first = open_case(world, reporter_name="王阿姨")
    response = api.other_resident.get(
        "/api/v1/cases/duplicates/", {"category": world.t.cover.pk, "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [first.pk]
    assert "王阿姨" not in response.content.decode() and "13800000000" not in response.content.decode()
    followed = report(api.other_resident, duplicate_of=first.pk)
    assert followed.status_code == 201 and followed.json()["state"] == "merged"
    assert api.other_resident.get(url(first)).status_code == 200  # now a follower
    # A case that is not an offered duplicate cannot be attached to from anywhere.
    east = open_case(world, world.p.inspector2, source="inspector", where=IN_SUB2)
    err = assert_error_body(report(api.nobody, duplicate_of=east.pk), 400, "invalid")
    assert "duplicate_of" in err["fields"]


def test_duplicates_of_an_unknown_category_are_refused(world, api, frozen):
    response = api.resident.get("/api/v1/cases/duplicates/", {"category": 424242, "lon": 116.35, "lat": 39.9})
    assert response.status_code in (400, 404)
    assert_error_body(response, response.status_code, response.json()["code"])


# ---------------------------------------------------------------------------------------------------- suggestion
def test_the_suggestion_endpoint_shows_the_words_keywords_first(world, api, frozen):
    body = api.resident.get("/api/v1/cases/suggest-category/", {"text": "小区门口的窨井没盖子"}).json()
    assert body["model"]["trained"] is False
    assert body["results"][0]["category"]["id"] == world.t.cover.pk
    assert body["results"][0]["words"] == ["窨井"] and body["results"][0]["source"] == "keywords"
    assert_error_body(api.resident.get("/api/v1/cases/suggest-category/"), 400, "invalid")


def test_the_suggestion_endpoint_shows_the_models_words_once_trained(world, api, frozen, settings, tmp_path):
    from jingzhi.cases import suggest
    from jingzhi.taxonomy.actions import do_create_category

    settings.JINGZHI_SUGGEST_MODEL_PATH = str(tmp_path / "m.joblib")
    settings.JINGZHI_SUGGEST_MIN_CASES = 40
    settings.JINGZHI_SUGGEST_MIN_PER_CATEGORY = 10
    lamp = do_create_category(actor=None, kind="component", code="0105", name="路灯", parent=world.t.public)
    rows = [
        (f"{p}的灯杆{s}", lamp.pk)
        for p in ("东门", "北门", "南门", "西门")
        for s in ("不亮", "闪烁", "黑着", "坏了", "倒了")
    ]
    rows += [
        (f"{p}的窨井盖子{s}", world.t.cover.pk)
        for p in ("东门", "北门", "南门", "西门")
        for s in ("丢了", "碎了", "松动", "移位", "塌了")
    ]
    try:
        assert suggest.train(rows=rows).trained
        body = api.resident.get("/api/v1/cases/suggest-category/", {"text": "菜场旁那根灯杆整晚不亮"}).json()
    finally:
        suggest.forget()
    assert body["model"]["trained"] and body["model"]["n_cases"] == 40
    first = body["results"][0]
    assert first["category"]["id"] == lamp.pk and first["source"] == "model"
    assert "灯杆" in first["words"] or "不亮" in first["words"]


# ---------------------------------------------------------------------------------------------------- hotline
def order(number="GD20250611001", **extra):
    return {
        "order_number": number,
        "description": "小区井盖丢失",
        "lon": IN_SUB1[0],
        "lat": IN_SUB1[1],
        "reporter_name": "张先生",
        "reporter_phone": "13900000000",
        **extra,
    }


def test_a_hotline_order_reposted_returns_the_same_case(world, api, frozen):
    first = api.operator.post("/api/v1/hotline/orders/", order(), format="json")
    again = api.operator.post("/api/v1/hotline/orders/", order(), format="json")
    assert (first.status_code, again.status_code) == (201, 200), first.content
    assert first.json()["id"] == again.json()["id"] and Case.objects.filter(source="hotline").count() == 1
    assert first.json()["facts"]["external_ref"] == "GD20250611001"
    assert first.json()["reporter"] == {"name": "张先生", "phone": "13900000000"}
    assert_error_body(
        api.resident.post("/api/v1/hotline/orders/", order("X1"), format="json"), 403, "permission_denied"
    )
    assert_error_body(api.operator.post("/api/v1/hotline/orders/", order(" "), format="json"), 400, "invalid")


def test_a_hotline_import_with_bad_rows_lists_them_and_imports_nothing(world, api, frozen):
    csv_text = (
        "工单编号,诉求内容,经度,纬度\n"
        f"A1,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]}\n"
        "A2,井盖丢了,abc,39.9\n"
        f"A3,井盖丢了,{OUTSIDE[0]},{OUTSIDE[1]}\n"
    )
    upload = io.BytesIO(csv_text.encode("utf-8"))
    upload.name = "orders.csv"
    body = assert_error_body(
        api.operator.post("/api/v1/hotline/import/", {"file": upload}, format="multipart"),
        400,
        "hotline_import",
    )
    problems = body["fields"]["problems"]
    assert len(problems) == 2 and "第 3 行" in problems[0] and "第 4 行" in problems[1]
    assert Case.objects.count() == 0
    good = io.BytesIO(csv_text.splitlines()[0].encode() + b"\n" + csv_text.splitlines()[1].encode())
    good.name = "ok.csv"
    ok = api.operator.post("/api/v1/hotline/import/", {"file": good}, format="multipart")
    assert ok.status_code == 200 and ok.json() == {"created": 1, "existing": 0, "rows": 1}
    binary = io.BytesIO(b"\x00" * 200_000)  # one "field" past csv's size limit
    binary.name = "x.csv"
    assert_error_body(
        api.operator.post("/api/v1/hotline/import/", {"file": binary}, format="multipart"), 400, "invalid"
    )


# ---------------------------------------------------------------------------------------------------- whistle
def test_a_whistle_summons_departments_who_report_in_and_are_rated(world, api, frozen):
    p = world.p
    case = walk_to(world, open_case(world), "handling")
    refused = api.operator.post(
        "/api/v1/whistles/", {"case_ids": [case.pk], "department_ids": [p.zls.pk]}, format="json"
    )
    assert_error_body(refused, 403, "action_not_allowed")
    assert_error_body(
        api.sub_admin2.post(
            "/api/v1/whistles/", {"case_ids": [case.pk], "department_ids": [p.zls.pk]}, format="json"
        ),
        404,
        "not_found",
    )
    blown = api.sub_admin.post(
        "/api/v1/whistles/",
        {"case_ids": [case.pk], "department_ids": [p.szsr.pk, p.zls.pk], "note": "自来水管爆裂"},
        format="json",
    )
    assert blown.status_code == 201, blown.content
    summonses = {x["department"]["id"]: x["id"] for x in blown.json()["summonses"]}
    pending = api.other_handler.get("/api/v1/me/summonses/", {"pending": 1}).json()["results"]
    assert [x["id"] for x in pending] == [summonses[p.zls.pk]]
    # A summons says what it is for: the whistle, its cases and its note.
    assert pending[0]["whistle"] == blown.json()["id"] and pending[0]["note"] == "自来水管爆裂"
    assert pending[0]["cases"] == [{"id": case.pk, "number": case.number}]
    assert_error_body(
        api.other_handler.post(
            f"/api/v1/whistles/summonses/{summonses[p.szsr.pk]}/report-in/",
            {"place": "胡同口"},
            format="json",
        ),
        404,
        "not_found",
    )
    assert_error_body(
        api.other_handler.post(
            f"/api/v1/whistles/summonses/{summonses[p.zls.pk]}/report-in/", {}, format="json"
        ),
        400,
        "invalid",
    )
    arrived = api.other_handler.post(
        f"/api/v1/whistles/summonses/{summonses[p.zls.pk]}/report-in/", {"place": "胡同口"}, format="json"
    )
    assert arrived.status_code == 200 and arrived.json()["is_late"] is False
    assert_error_body(
        api.other_handler.post(
            f"/api/v1/whistles/summonses/{summonses[p.zls.pk]}/report-in/", {"place": "胡同口"}, format="json"
        ),
        409,
        "conflict",
    )
    assert_error_body(
        api.sub_admin2.post(
            f"/api/v1/whistles/summonses/{summonses[p.zls.pk]}/rate/", {"rating": 5}, format="json"
        ),
        404,
        "not_found",
    )
    rated = api.sub_admin.post(
        f"/api/v1/whistles/summonses/{summonses[p.zls.pk]}/rate/", {"rating": 5}, format="json"
    )
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    timeline = [e["action"] for e in api.sub_admin.get(url(case)).json()["timeline"]]
    assert timeline[-3:] == ["whistle", "report_in", "rate_whistle"]
    assert api.sub_admin.get(url(case)).json()["whistles"][0]["summonses"][1]["rating"] == 5


# ---------------------------------------------------------------------------------------------------- inbox
def test_the_inbox_lists_ones_own_notifications_and_marks_them_read(
    world, api, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report(api.resident)
    body = api.resident.get("/api/v1/me/inbox/").json()
    assert body["count"] >= 1 and "已受理" in body["results"][0]["title"]
    first = body["results"][0]["id"]
    assert_error_body(
        api.other_resident.post("/api/v1/me/inbox/read/", {"ids": [first]}, format="json"), 404, "not_found"
    )
    marked = api.resident.post("/api/v1/me/inbox/read/", {"ids": [first]}, format="json").json()
    assert marked["marked"] == 1
    assert api.resident.get("/api/v1/me/inbox/", {"unread": 1}).json()["count"] == marked["unread"]
    assert api.resident.post("/api/v1/me/inbox/read/", {"all": True}, format="json").json()["unread"] == 0
    assert_error_body(api.resident.post("/api/v1/me/inbox/read/", {}, format="json"), 400, "invalid")


# ---------------------------------------------------------------------------------------------------- list count
def test_the_case_list_counts_exactly_below_the_cap_and_says_so(world, api, frozen):
    for _ in range(3):
        open_case(world)
    body = api.district_admin.get("/api/v1/cases/").json()
    assert body["count"] == 3 and body["count_capped"] is False and body["next"] is None


def test_the_case_list_count_stops_at_the_cap_and_paging_goes_on(world, api, frozen, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingzhi.api.pagination import CappedCountPagination

    monkeypatch.setattr(CappedCountPagination, "count_cap", 3)
    made = [open_case(world) for _ in range(5)]
    first = api.district_admin.get("/api/v1/cases/", {"page_size": 2}).json()
    assert first["count"] == 3 and first["count_capped"] is True  # "3+": at least three
    assert len(first["results"]) == 2 and "page=2" in first["next"] and first["previous"] is None
    third = api.district_admin.get("/api/v1/cases/", {"page_size": 2, "page": 3}).json()
    assert len(third["results"]) == 1 and third["next"] is None and "page=2" in third["previous"]
    # the last page knows its total from its own rows: exact, and without a count statement
    assert third["count"] == 5 and third["count_capped"] is False
    seen = {
        r["number"]
        for page in (1, 2, 3)
        for r in api.district_admin.get("/api/v1/cases/", {"page_size": 2, "page": page}).json()["results"]
    }
    assert seen == {c.number for c in made}
    with CaptureQueriesContext(connection) as one_page:
        api.district_admin.get("/api/v1/cases/", {"page_size": 10})
    assert not any("COUNT(" in q["sql"].upper() for q in one_page.captured_queries)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "9"])
def test_a_case_list_page_that_does_not_exist_is_a_404_in_chinese(world, api, frozen, page):
    open_case(world)
    body = assert_error_body(api.district_admin.get("/api/v1/cases/", {"page": page}), 404, "not_found")
    assert "页码" in json.dumps(body, ensure_ascii=False)


def test_the_schema_documents_the_capped_count(world, api):
    schema = api.district_admin.get("/api/schema/", {"format": "json"}).json()
    ok = schema["paths"]["/api/v1/cases/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    ref = ok["$ref"].rsplit("/", 1)[-1]
    props = schema["components"]["schemas"][ref]["properties"]
    assert (
        props["count_capped"]["type"] == "boolean"
        and "count_capped" in schema["components"]["schemas"][ref]["required"]
    )


def test_the_intake_input_serializer_copying_its_fields_validates_as_drf_deep_copying_them():
    """Issue 16: `IntakeInputSerializer` copies its declared fields instead of deep-copying them (DRF rebuilds
    each field per instance). For good and bad input, one after another and in both orders, it gives the
    validated data and errors that DRF's own field building gives."""
    import types

    from rest_framework import serializers as drf

    from jingzhi.api.casesapi import serializers as s

    payloads = [
        {"description": "井盖没了", "lon": 116.4, "lat": 39.9},
        {
            "description": "路灯",
            "lon": "116.4",
            "lat": "39.9",
            "crs": "gcj02",
            "address": "一号院",
            "category": 3,
        },
        {"description": "x", "lon": "abc", "lat": 91, "crs": "mars", "category": 0, "duplicate_of": -1},
        {"lon": 116.4, "lat": 39.9, "address": "长" * 201, "reporter_phone": "1" * 33},
        {
            "description": "",
            "lon": None,
            "lat": "nan",
            "category": None,
            "urgency": "",
            "photos": ["not a file"],
        },
        {
            "description": "井盖没了",
            "lon": 116.4,
            "lat": 39.9,
            "source": "hotline",
            "request_type": "complain",
        },
        {},
    ]

    def plain(data):
        serializer = s.IntakeInputSerializer(data=data)
        serializer.get_fields = types.MethodType(drf.Serializer.get_fields, serializer)
        return serializer

    for order in (payloads, payloads[::-1]):
        for data in order:
            ours, theirs = s.IntakeInputSerializer(data=data), plain(data)
            assert ours.is_valid() == theirs.is_valid(), data
            assert ours.errors == theirs.errors, data
            if not ours.errors:
                assert ours.validated_data == theirs.validated_data, data
            assert list(ours.fields) == list(theirs.fields)
            assert all(ours.fields[n].parent is ours for n in ours.fields)
