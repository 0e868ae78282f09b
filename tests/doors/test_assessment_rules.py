"""考核's rules through every door that reaches them (web pages and the REST API).

Each rule lives in `assessment.permissions` / `assessment.queries` / `assessment.actions`; here each is
checked through both doors, so a rule enforced in one door alone fails: a subdistrict opens its own
records and gets the same 404 for another subdistrict's as for a missing unit; people without an
assessment role see no ranking; a bad month is a 400 naming the field; only a district admin adds a
weight set; drill-down lists carry no personal data.
"""

from __future__ import annotations

import pytest
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.assessment import actions
from jingzhi.assessment.tests.conftest import (  # noqa: F401  (fixtures)
    MONTH,
    SUB1,
    SUB2,
    frozen,
    history,
    world,
)

pytestmark = pytest.mark.django_db
DOORS = ["web", "api"]


@pytest.fixture
def filled(history):  # noqa: F811
    actions.do_fill_month(MONTH, actor=None)
    return history


def _get(door: str, user, kind: str, code: str, indicator: str = "", month: str = MONTH):
    if door == "web":
        client = Client()
        client.force_login(user)
        url = f"/assessment/{kind}/{code}/" + (f"{indicator}/" if indicator else "")
        return client.get(url, {"month": month})
    url = f"/api/v1/assessment/units/{kind}/{code}/" + (f"{indicator}/records/" if indicator else "")
    return token_client(user).get(url, {"month": month})


def _ranking(door: str, user, month: str = MONTH):
    if door == "web":
        client = Client()
        client.force_login(user)
        return client.get("/assessment/", {"month": month})
    return token_client(user).get("/api/v1/assessment/rankings/", {"month": month})


@pytest.mark.parametrize("door", DOORS)
def test_a_subdistrict_opens_its_own_records_and_not_anothers(door, filled, world):  # noqa: F811
    p = world.p
    assert _get(door, p.sub_admin, "subdistrict", SUB1, "response_rate").status_code == 200
    other = _get(door, p.sub_admin, "subdistrict", SUB2, "response_rate")
    missing = _get(door, p.sub_admin, "subdistrict", "110199009", "response_rate")
    assert other.status_code == missing.status_code == 404
    if door == "api":
        assert other.json() == missing.json()
        assert other.json()["code"] == "not_found"
    assert _get(door, p.sub_admin, "subdistrict", SUB2).status_code == 404


@pytest.mark.parametrize("door", DOORS)
def test_a_department_figure_opens_for_the_district_not_a_subdistrict(door, filled, world):  # noqa: F811
    assert _get(door, world.p.district_admin, "department", "SZSR", "closure_rate").status_code == 200
    assert _get(door, world.p.sub_admin, "department", "SZSR", "closure_rate").status_code == 404


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("who", ["resident", "handler", "inspector", "nobody"])
def test_without_an_assessment_role_there_is_no_ranking(door, who, filled, world):  # noqa: F811
    assert _ranking(door, getattr(world.p, who)).status_code == 404


@pytest.mark.parametrize("door", DOORS)
def test_a_bad_month_is_a_400_naming_the_field(door, filled, world):  # noqa: F811
    response = _ranking(door, world.p.district_admin, month="2025-13")
    assert response.status_code == 400
    if door == "api":
        body = response.json()
        assert (
            body["code"] == "invalid" and list(body["fields"]) == ["month"] and "YYYY-MM" in body["message"]
        )
    else:
        assert "YYYY-MM" in response.content.decode()


@pytest.mark.parametrize("door", DOORS)
def test_drill_down_lists_carry_no_personal_data(door, filled, world):  # noqa: F811
    response = _get(door, world.p.district_admin, "subdistrict", SUB1, "satisfaction_rate")
    assert response.status_code == 200
    text = response.content.decode()
    assert filled.closed.number in text
    assert "13800000000" not in text and "井盖没了" not in text


def test_only_a_district_admin_adds_a_weight_set(filled, world):  # noqa: F811
    body = {"unit_kind": "subdistrict", "effective_from": MONTH, "weights": {"response_rate": "100"}}
    refused = token_client(world.p.sub_admin).post("/api/v1/assessment/weight-sets/", body, format="json")
    assert refused.status_code == 404
    bad = token_client(world.p.district_admin).post(
        "/api/v1/assessment/weight-sets/", {**body, "weights": {"nope": "1"}}, format="json"
    )
    assert (
        bad.status_code == 400
        and list(bad.json()["fields"]) == ["weights"]
        and "nope" in bad.json()["message"]
    )
    made = token_client(world.p.district_admin).post("/api/v1/assessment/weight-sets/", body, format="json")
    assert made.status_code == 201 and made.json()["effective_from"] == MONTH


def test_only_a_district_admin_refills_a_month(filled, world):  # noqa: F811
    assert token_client(world.p.sub_admin).post(f"/api/v1/assessment/months/{MONTH}/fill/").status_code == 404
    done = token_client(world.p.district_admin).post(f"/api/v1/assessment/months/{MONTH}/fill/")
    assert done.status_code == 200 and done.json()["figures"] > 0
    assert (
        token_client(world.p.district_admin).post("/api/v1/assessment/months/2025-6/fill/").status_code == 400
    )


def test_a_refill_by_hand_also_recounts_the_months_problems(filled, world):  # noqa: F811
    """每月一题's problem counts follow a manual re-fill (API, command) as they follow the job's."""
    from django.core.management import call_command

    from jingzhi.assessment.models import ProblemCount

    assert not ProblemCount.objects.filter(month=MONTH).exists()
    refused = token_client(world.p.sub_admin).post(f"/api/v1/assessment/months/{MONTH}/fill/")
    assert refused.status_code == 404 and not ProblemCount.objects.filter(month=MONTH).exists()
    done = token_client(world.p.district_admin).post(f"/api/v1/assessment/months/{MONTH}/fill/")
    assert done.status_code == 200
    counted = dict(
        ProblemCount.objects.filter(month=MONTH, dimension="subdistrict").values_list("key", "cases")
    )
    assert counted.get(SUB1, 0) > 0
    ProblemCount.objects.filter(month=MONTH).delete()
    call_command("assessment", "rebuild", "--month", MONTH)
    again = dict(
        ProblemCount.objects.filter(month=MONTH, dimension="subdistrict").values_list("key", "cases")
    )
    assert again == counted
