"""A department head (部门负责人) reads the figures of their own department's handlers and the department's
own report — through the web pages and the API alike — and gets the same 404 for another department's
persons and report as for a missing one. The rule is in `assessment.permissions.person_q` (one place)."""

from __future__ import annotations

import pytest
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.assessment import actions
from jingzhi.assessment.tests.conftest import (  # noqa: F401  (fixtures)
    MONTH,
    frozen,
    history,
    world,
)

pytestmark = pytest.mark.django_db
DOORS = ["web", "api"]


@pytest.fixture
def heads(history, world):  # noqa: F811
    """马 heads 市政市容委 (SZSR, zheng's department); 钱 heads 自来水公司 (ZLS, feng's)."""
    from jingzhi.accounts.actions import do_assign_role, do_create_user

    actions.do_fill_month(MONTH, actor=None)
    made = {}
    for name, department in (("ma", world.p.szsr), ("qianz", world.p.zls)):
        user = do_create_user(actor=None, username=name, password="x-secret-1", display_name=name)
        do_assign_role(
            actor=None, user=user, role="department_head", scope_kind="department", department=department
        )
        made[name] = user
    return made


def _get(door, user, path, **params):
    params.setdefault("month", MONTH)
    if door == "web":
        client = Client()
        client.force_login(user)
        return client.get(f"/assessment/{path}", params)
    return token_client(user).get(f"/api/v1/assessment/{path}", params)


def _unit(door, user, kind, code, indicator=""):
    if door == "web":
        return _get(door, user, f"{kind}/{code}/" + (f"{indicator}/" if indicator else ""))
    return _get(door, user, f"units/{kind}/{code}/" + (f"{indicator}/records/" if indicator else ""))


def _people(door, user, kind="handler"):
    if door == "web":
        return _get(door, user, "people/", kind=kind)
    return _get(door, user, "rankings/", kind=kind)


@pytest.mark.parametrize("door", DOORS)
def test_a_department_head_reads_their_own_departments_handlers(door, heads, world):  # noqa: F811
    handler = world.p.handler
    listed = _people(door, heads["ma"])
    assert listed.status_code == 200
    if door == "api":
        assert [r["unit_code"] for r in listed.json()["rows"]] == [str(handler.pk)]
    else:
        assert ">zheng<" in listed.content.decode()
    assert _unit(door, heads["ma"], "handler", handler.pk).status_code == 200
    records = _unit(door, heads["ma"], "handler", handler.pk, "person_on_time_rate")
    assert records.status_code == 200
    if door == "api":
        assert records.json()["visible_count"] > 0  # the department's cases open for its head
    # The department's own report, too.
    assert _unit(door, heads["ma"], "department", "SZSR").status_code == 200


@pytest.mark.parametrize("door", DOORS)
def test_another_departments_head_gets_404_as_for_a_missing_person(door, heads, world):  # noqa: F811
    handler = world.p.handler
    other = _unit(door, heads["qianz"], "handler", handler.pk)
    missing = _unit(door, heads["qianz"], "handler", 987654)
    assert other.status_code == missing.status_code == 404
    if door == "api":
        assert other.json() == missing.json()
    assert _unit(door, heads["qianz"], "handler", handler.pk, "person_on_time_rate").status_code == 404
    assert _unit(door, heads["qianz"], "department", "SZSR").status_code == 404
    listed = _people(door, heads["qianz"])
    assert listed.status_code == 200
    body = listed.json()["rows"] if door == "api" else listed.content.decode()
    assert (str(handler.pk) not in [r["unit_code"] for r in body]) if door == "api" else ">zheng<" not in body


@pytest.mark.parametrize("door", DOORS)
def test_a_department_head_lists_no_other_kind_of_person_and_no_ranking(door, heads, world):  # noqa: F811
    ma = heads["ma"]
    # Not an inspector's, operator's or a subdistrict's figures: 404 (web) / an empty list scoped to nobody.
    inspectors = _people(door, ma, kind="inspector")
    if door == "web":
        assert inspectors.status_code == 404
    else:
        assert inspectors.status_code == 200 and inspectors.json()["rows"] == []
    assert _unit(door, ma, "inspector", world.p.inspector.pk).status_code == 404
    assert _unit(door, ma, "subdistrict", "110199001").status_code == 404
    ranking = _get(door, ma, "" if door == "web" else "rankings/", kind="subdistrict")
    assert ranking.status_code == 404
    # An unknown kind: the page names it (400); the API's ranking answers 404 before reading the kind to
    # someone who reads no ranking, as for any other kind that is not a person kind.
    assert _people(door, ma, kind="planet").status_code == (400 if door == "web" else 404)


def test_the_nav_offers_a_department_head_the_people_page(heads):
    client = Client()
    client.force_login(heads["ma"])
    home = client.get("/").content.decode()
    assert "/assessment/people/" in home
    page = client.get("/assessment/people/", {"month": MONTH}).content.decode()
    assert 'data-testid="my-department"' in page and "/assessment/department/SZSR/" in page
