"""Person units (inspector, operator, dispatcher, handler) from the case timeline, hand-computed; who reads
whose figures; the big screen, the public ranking page and the hot-spot map."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhi.assessment import actions, rules
from jingzhi.assessment.models import Figure, Score

from .conftest import MONTH, SUB1, SUB2


@pytest.fixture
def filled(history):
    cache.clear()
    actions.do_fill_month(MONTH, actor=None)
    return history


def _fig(kind, user, code):
    row = Figure.objects.filter(month=MONTH, unit_kind=kind, unit_code=str(user.pk), indicator=code).first()
    return None if row is None else (row.numerator, row.denominator, row.value)


def _as(client, user):
    client.force_login(user)
    return client


def test_person_figures_by_hand(filled, world):
    """June's history (conftest): eight cases reported; the shift lead filed seven (the voided one never was),
    the dispatcher dispatched seven, the SZSR handler gave the first feedback on three (closed, unhappy,
    late — the late one 30 h past its deadline), the grid inspector checked those three, and the second
    inspector reported one case in subdistrict 002."""
    p = world.p
    one, zero = Decimal(1), Decimal(0)
    # Inspectors: qian reported one case, filed → valid 1/1; zhao made three checks.
    assert _fig("inspector", p.inspector2, "person_reported") == (one, one, one)
    assert _fig("inspector", p.inspector2, "person_valid_report_rate") == (one, one, Decimal("1.0000"))
    assert _fig("inspector", p.inspector, "person_checked") == (Decimal(3), Decimal(3), Decimal(3))
    assert _fig("inspector", p.inspector, "person_reported") is None  # residents' reports are not his
    # The filer (shift lead): seven filed, two of them closed (the satisfied and the dissatisfied one).
    assert _fig("operator", p.shift_lead, "person_filed") == (Decimal(7), Decimal(7), Decimal(7))
    assert _fig("operator", p.shift_lead, "person_filed_closure_rate") == (
        Decimal(2),
        Decimal(7),
        Decimal("0.2857"),
    )
    # The dispatcher: seven dispatched, one returned by the department.
    assert _fig("dispatcher", p.dispatcher, "person_dispatched") == (Decimal(7), Decimal(7), Decimal(7))
    assert _fig("dispatcher", p.dispatcher, "person_return_rate") == (one, Decimal(7), Decimal("0.1429"))
    # The handler: three feedbacks, two on time, none reworked; one late.
    assert _fig("handler", p.handler, "person_handled") == (Decimal(3), Decimal(3), Decimal(3))
    assert _fig("handler", p.handler, "person_on_time_rate") == (Decimal(2), Decimal(3), Decimal("0.6667"))
    assert _fig("handler", p.handler, "person_rework_rate") == (zero, Decimal(3), Decimal("0.0000"))
    late = filled.late
    late.refresh_from_db()
    multiple = rules.q4(rules.overdue_multiple(late.handle_started_at, late.handle_deadline, late.handled_at))
    assert multiple > 1
    assert _fig("handler", p.handler, "person_overdue_multiple_mean") == (multiple, one, multiple)
    assert _fig("handler", p.other_handler, "person_handled") is None
    # Scores with the default person weight sets: 50·0.6667 + 50·(1 − 0) = 83.34 → B; the dispatcher
    # 100·(1 − 0.1429) = 85.71 → B.
    handler = Score.objects.get(month=MONTH, unit_kind="handler", unit_code=str(p.handler.pk))
    assert (handler.score, handler.grade, handler.rank, handler.unit_name) == (
        Decimal("83.34"),
        "B",
        1,
        "zheng",
    )
    dispatcher = Score.objects.get(month=MONTH, unit_kind="dispatcher", unit_code=str(p.dispatcher.pk))
    assert (dispatcher.score, dispatcher.grade) == (Decimal("85.71"), "B")
    # Home districts come from the role assignments (a handler's from the department).
    assert handler.district_code == "110199" and dispatcher.district_code == "110199"


def test_a_rework_stays_with_the_first_handler(filled, world, frozen):
    """The first feedback names the handler, and a case counts once: a failed check and a second feedback
    leave one handled case with its rework on it."""
    from jingzhi.cases import actions as case_actions
    from jingzhi.cases.testing import open_case, walk_to

    p = world.p
    case = walk_to(world, open_case(world), "pending_check")
    case_actions.do_check_fail_case(actor=p.inspector, case_id=case.pk, reason="没修好")
    case_actions.do_feedback_case(actor=p.handler, case_id=case.pk, note="再修")
    actions.do_fill_month(MONTH, actor=None)
    assert _fig("handler", p.handler, "person_handled")[0] == Decimal(4)
    assert _fig("handler", p.handler, "person_rework_rate")[:2] == (Decimal(1), Decimal(4))


def test_a_staff_member_reads_their_own_figures(client, filled, world):
    c = _as(client, world.p.handler)
    page = c.get("/assessment/me/", {"month": MONTH})
    body = page.content.decode()
    assert (
        page.status_code == 200 and 'data-kind="handler"' in body and "按期处置率" in body and "66.7%" in body
    )
    assert c.get(f"/assessment/handler/{world.p.handler.pk}/", {"month": MONTH}).status_code == 200
    explain = c.get(f"/assessment/handler/{world.p.handler.pk}/person_on_time_rate/", {"month": MONTH})
    assert explain.status_code == 200 and filled.late.number in explain.content.decode()
    # The nav offers it to people whose work is counted, not to a resident.
    assert "/assessment/me/" in body
    home = _as(client, world.p.resident).get("/")
    assert "/assessment/me/" not in home.content.decode()
    empty = _as(client, world.p.resident).get("/assessment/me/", {"month": MONTH})
    assert empty.status_code == 200 and "no-person-figures" in empty.content.decode()


def test_a_handler_cannot_read_another_departments_people(client, filled, world):
    p = world.p
    c = _as(client, p.other_handler)
    assert c.get(f"/assessment/handler/{p.handler.pk}/", {"month": MONTH}).status_code == 404
    assert (
        c.get(f"/assessment/handler/{p.handler.pk}/person_on_time_rate/", {"month": MONTH}).status_code == 404
    )
    assert c.get(f"/assessment/handler/{p.handler.pk}/report.xlsx", {"month": MONTH}).status_code == 404
    assert c.get("/assessment/people/", {"month": MONTH, "kind": "handler"}).status_code == 404
    # Through the API too: the rule lives in the queries, not in a door.
    assert c.get(f"/api/v1/assessment/units/handler/{p.handler.pk}/", {"month": MONTH}).status_code == 404
    assert c.get("/api/v1/assessment/rankings/", {"month": MONTH, "kind": "handler"}).status_code == 404


def test_a_subdistrict_admin_reads_only_their_subdistricts_people(client, filled, world):
    p = world.p
    c = _as(client, p.sub_admin)
    inspectors = c.get("/assessment/people/", {"month": MONTH, "kind": "inspector"}).content.decode()
    assert ">zhao<" in inspectors and ">qian<" not in inspectors
    # The district's handlers, dispatchers and shift lead are not a subdistrict's people.
    assert ">zheng<" not in c.get("/assessment/people/", {"month": MONTH, "kind": "handler"}).content.decode()
    assert ">wu<" not in c.get("/assessment/people/", {"month": MONTH, "kind": "dispatcher"}).content.decode()
    assert c.get(f"/assessment/inspector/{p.inspector2.pk}/", {"month": MONTH}).status_code == 404
    assert c.get(f"/assessment/handler/{p.handler.pk}/", {"month": MONTH}).status_code == 404
    other = _as(client, p.sub_admin2).get("/assessment/people/", {"month": MONTH, "kind": "inspector"})
    assert ">qian<" in other.content.decode() and ">zhao<" not in other.content.decode()


def test_a_district_admin_reads_all_the_districts_people(client, filled, world):
    p = world.p
    c = _as(client, p.district_admin)
    handlers = c.get("/assessment/people/", {"month": MONTH, "kind": "handler"})
    assert handlers.status_code == 200 and ">zheng<" in handlers.content.decode()
    assert ">zhou<" in c.get("/assessment/people/", {"month": MONTH, "kind": "operator"}).content.decode()
    assert c.get(f"/assessment/handler/{p.handler.pk}/", {"month": MONTH}).status_code == 200
    api = c.get("/api/v1/assessment/rankings/", {"month": MONTH, "kind": "handler"})
    assert api.status_code == 200 and api.json()["rows"][0]["unit_name"] == "zheng"
    assert c.get("/assessment/people/", {"month": MONTH, "kind": "planet"}).status_code == 400


# ------------------------------------------------------------------------------------------------ public page
def _more_units(n: int) -> None:
    """Extra ranked subdistricts, departments and hot grids in the snapshot (as a bigger district would have)."""
    scores, figures = [], []
    for i in range(n):
        for kind, code in (("subdistrict", f"110199{900 + i}"), ("department", f"X{i:03d}")):
            scores.append(
                Score(
                    month=MONTH,
                    unit_kind=kind,
                    unit_code=code,
                    unit_name=f"单位{kind}{i}",
                    district_code="110199",
                    score=Decimal(50 + i),
                    grade="D",
                    rank=10 + i,
                    ranked=20,
                )
            )
            figures.append(
                Figure(
                    month=MONTH,
                    indicator="response_rate",
                    unit_kind=kind,
                    unit_code=code,
                    unit_name="u",
                    district_code="110199",
                    numerator=1,
                    denominator=2,
                    value=Decimal("0.5"),
                )
            )
        figures.append(
            Figure(
                month=MONTH,
                indicator="reported_cases",
                unit_kind="grid",
                unit_code=f"110199900{i:06d}",
                unit_name="g",
                district_code="110199",
                numerator=i + 1,
                denominator=i + 1,
                value=i + 1,
            )
        )
    Score.objects.bulk_create(scores)
    Figure.objects.bulk_create(figures)


def _queries(client, url, params) -> tuple[int, str]:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url, params)
    assert page.status_code == 200, page.content.decode()[:500]
    return len(ctx.captured_queries), page.content.decode()


def test_the_public_ranking_has_no_personal_data_and_constant_queries(client, filled, world):
    n, body = _queries(client, "/ranking/", {"month": MONTH})
    assert "青槐街道" in body and "市政市容委" in body and "响应率" in body
    for secret in ("13800000000", "zheng", "zhou", "zhao", "qian", "wang", filled.closed.number, "/cases/"):
        assert secret not in body, secret
    for person_kind in ("监督员", "派遣员", "处置人员"):
        assert person_kind not in body
    assert "/assessment/" not in re.sub(r'href="/ranking/[^"]*"', "", body)
    _more_units(12)
    m, bigger = _queries(client, "/ranking/", {"month": MONTH})
    assert m == n and "单位subdistrict11" in bigger
    # Cached: a second reader costs no query for the ranking.
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/ranking/", {"month": MONTH})
    assert again.status_code == 200 and len(ctx.captured_queries) < n
    assert "public" in again["Cache-Control"] and "max-age=300" in again["Cache-Control"]


def test_the_public_ranking_answers_bad_input_and_an_empty_site(client, db):
    cache.clear()
    assert client.get("/ranking/", {"month": "2025-13"}).status_code == 400
    empty = client.get("/ranking/")
    assert empty.status_code == 200 and "no-snapshot" in empty.content.decode()
    assert "/ranking/" in client.get("/login/").content.decode()


# ------------------------------------------------------------------------------------------------ big screen
def test_the_big_screen_renders_with_constant_queries(client, filled, world):
    c = _as(client, world.p.district_admin)
    n, body = _queries(c, "/assessment/screen/", {"month": MONTH})
    assert 'http-equiv="refresh"' in body and "响应率" in body and "青槐街道" in body
    assert 'id="hot-map-data"' in body and "cdn" not in body.lower()
    _more_units(12)
    m, _body = _queries(c, "/assessment/screen/", {"month": MONTH})
    assert m == n
    assert _as(client, world.p.handler).get("/assessment/screen/").status_code == 404


def test_the_dashboards_hot_spot_map_comes_from_the_snapshot(client, filled, world):
    c = _as(client, world.p.district_admin)
    body = c.get("/assessment/", {"month": MONTH}).content.decode()
    data = json.loads(
        re.search(r'<script id="hot-map-data" type="application/json">(.*?)</script>', body).group(1)
    )
    counts = {f["properties"]["code"]: f["properties"]["count"] for f in data["features"]}
    stored = {
        f.unit_code: int(f.numerator)
        for f in Figure.objects.filter(month=MONTH, unit_kind="grid", indicator="reported_cases")
    }
    assert counts == stored and counts
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])
    assert data["bounds"] and 'data-testid="hot-grids"' in body
    # A subdistrict admin's map holds only their own grids.
    mine = _as(client, world.p.sub_admin).get("/assessment/", {"month": MONTH}).content.decode()
    data = json.loads(
        re.search(r'<script id="hot-map-data" type="application/json">(.*?)</script>', mine).group(1)
    )
    assert data["features"] and all(f["properties"]["code"].startswith(SUB1) for f in data["features"])
    assert not any(f["properties"]["code"].startswith(SUB2) for f in data["features"])


def test_hot_bands():
    from jingzhi.assessment.queries import hot_band

    assert [hot_band(n, 10) for n in (0, 1, 2, 3, 5, 9, 10)] == [0, 1, 1, 2, 3, 5, 5]
    assert hot_band(3, 0) == 0


def test_the_new_pages_are_english_apart_from_the_data(client, filled, world):
    from jingzhi.core.testing import chinese_chrome as _chinese_chrome

    data = sorted(
        set(Score.objects.values_list("unit_name", flat=True))
        | set(Figure.objects.values_list("unit_name", flat=True))
    )
    client.cookies["django_language"] = "en"
    public = client.get("/ranking/", {"month": MONTH}).content.decode()
    assert "Monthly 12345 response ranking" in public and _chinese_chrome(public, data) == []
    for user, url in (
        (world.p.handler, "/assessment/me/"),
        (world.p.district_admin, "/assessment/screen/"),
        (world.p.district_admin, "/assessment/people/"),
        (world.p.district_admin, "/assessment/"),
    ):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        body = client.get(url, {"month": MONTH}).content.decode()
        assert _chinese_chrome(body, data) == [], url
