"""Every rule of 民意立项 gives the same answer whatever the door: the web pages and the REST API (issue 12).

Each test is one rule, parametrised over the doors that reach it; the rule lives in `projects.actions` or
`projects.permissions`, so a rule added to one door alone fails here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.core import clock
from jingzhi.projects import actions
from jingzhi.projects.models import Ballot, Household, Project, Round
from jingzhi.projects.testing import COMM1, T0, make_world, solicit_to_voting, workbook

pytestmark = pytest.mark.django_db
DOORS = ["web", "api"]


@pytest.fixture
def pw(db):
    with clock.frozen(T0):
        yield make_world()


@pytest.fixture
def voting(pw):
    return solicit_to_voting(pw)


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def vote(door, user, project, **body):
    """A ballot through one door; returns the HTTP status (web: 302 after a recorded vote means 201)."""
    if door == "web":
        if body.get("channel", "online") == "online":
            response = _web(user).post(f"/projects/{project.pk}/vote/", {"choice": body["choice"]})
        else:
            response = _web(user).post(f"/projects/{project.pk}/act/paper/", body)
        return 200 if response.status_code == 302 else response.status_code
    response = token_client(user).post(f"/api/v1/projects/{project.pk}/ballots/", body, format="json")
    return response.status_code


def step(door, user, project, name, web_name, body=None):
    if door == "web":
        response = _web(user).post(f"/projects/{project.pk}/act/{web_name}/", body or {})
        return 200 if response.status_code == 302 else response.status_code
    return (
        token_client(user)
        .post(f"/api/v1/projects/{project.pk}/{name}/", body or {}, format="json")
        .status_code
    )


@pytest.mark.parametrize("door", DOORS)
def test_a_household_outside_the_scope_cannot_vote(door, pw, voting):
    assert vote(door, pw.p.tenant, voting, choice="full") == 403
    outside = pw.households["乙2号楼101"]
    assert vote(door, pw.p.office, voting, choice="full", channel="paper", household=outside.pk) == 403
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_second_ballot_of_a_household_on_another_channel_is_refused(door, pw, voting):
    assert vote(door, pw.p.rep, voting, choice="full") == 200
    household = pw.households["甲8号院1号"]
    assert vote(door, pw.p.office, voting, choice="oppose", channel="paper", household=household.pk) == 409
    assert vote(door, pw.p.office, voting, choice="oppose", channel="meeting", household=household.pk) == 409
    assert Ballot.objects.filter(round__project=voting, counted=True).count() == 1


@pytest.mark.parametrize("door", DOORS)
def test_a_vote_after_close_is_refused(door, pw, voting):
    with clock.frozen(T0 + timedelta(days=7, hours=1)):
        assert vote(door, pw.p.rep, voting, choice="full") == 409
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_change_of_rules_after_opening_is_a_new_round(door, pw, voting):
    actions.do_cast_ballot(actor=pw.p.rep, project_id=voting.pk, choice="full")
    body = {"support": "1/2", "reason": "议事会建议过半"}
    if door == "api":
        body = {"rules": {"support": "1/2"}, "reason": "议事会建议过半"}
    assert step(door, pw.p.office, voting, "vote/rounds", "new_round", body) == 200
    rounds = list(Round.objects.filter(project=voting).order_by("number"))
    assert [r.status for r in rounds] == ["superseded", "open"] and rounds[0].ballots.count() == 1
    assert step(door, pw.p.rep, voting, "vote/rounds", "new_round", body) == 403  # not the office's to change


@pytest.mark.parametrize("door", DOORS)
def test_a_register_with_duplicates_or_unknown_places_imports_nothing(door, pw):
    rows = [
        [COMM1, "丙院", "丙院1号", "甲", "", 1, 50, "是", "", ""],
        [COMM1, "丙院", "丙院1号", "乙", "", 1, 50, "是", "", ""],
        ["110188001999", "丙院", "丙院2号", "丙", "", 1, 50, "是", "", ""],
    ]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("register.xlsx", workbook(rows))
    if door == "web":
        response = _web(pw.p.office).post("/projects/register/", {"file": upload})
        text = response.content.decode()
    else:
        response = token_client(pw.p.office).post("/api/v1/projects/register/import/", {"file": upload})
        text = str(response.json())
        assert response.json()["code"] == "register_problems"
    assert response.status_code == 400
    assert "第 3 行" in text and "第 4 行" in text
    assert Household.objects.count() == 17


def _in_publicity(pw, voting):
    for n in range(1, 7):
        actions.do_cast_ballot(
            actor=pw.p.office,
            project_id=voting.pk,
            choice="full",
            channel="paper",
            household_id=pw.households[f"甲8号院{n}号"].pk,
        )
    with clock.frozen(T0 + timedelta(days=8)):
        actions.do_close_vote(actor=pw.p.office, project_id=voting.pk)


@pytest.mark.parametrize("door", DOORS)
def test_an_objection_after_the_period_is_refused(door, pw, voting):
    _in_publicity(pw, voting)
    with clock.frozen(T0 + timedelta(days=20)):
        assert step(door, pw.p.spouse, voting, "objections", "object", {"grounds": "太晚了"}) == 409
    assert not voting.objections.exists()


@pytest.mark.parametrize("door", DOORS)
def test_approval_with_an_objection_unanswered_is_refused(door, pw, voting):
    _in_publicity(pw, voting)
    with clock.frozen(T0 + timedelta(days=9)):
        assert step(door, pw.p.spouse, voting, "objections", "object", {"grounds": "位置不妥"}) in (200, 201)
    with clock.frozen(T0 + timedelta(days=20)):
        assert step(door, pw.p.office, voting, "approve", "approve") == 409
    assert Project.objects.get(pk=voting.pk).state == "publicity"


@pytest.mark.parametrize("door", DOORS)
def test_a_draft_is_missing_for_another_office(door, pw):
    draft = actions.do_create_project(
        actor=pw.p.office, kind="EX-SB-01", title="草案", description="内部", scope_code=COMM1
    )
    if door == "web":
        assert _web(pw.p.office2).get(f"/projects/{draft.pk}/").status_code == 404
    else:
        response = token_client(pw.p.office2).get(f"/api/v1/projects/{draft.pk}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert step(door, pw.p.office2, draft, "steps", "decide", {"action": "submit"}) == 404


def test_the_api_reconciliation_is_an_object_with_the_round_and_a_row_per_channel(pw, voting):
    assert vote("api", pw.p.rep, voting, choice="full") == 200
    body = token_client(pw.p.office).get(f"/api/v1/projects/{voting.pk}/reconciliation/").json()
    assert body["round"] == Round.objects.get(project=voting).number
    online = {row["channel"]: row for row in body["results"]}["online"]
    assert online["given"] == 1 and online["counted"] == 1
    # a resident is not the office: the same 404 as a project that does not exist
    assert token_client(pw.p.rep).get(f"/api/v1/projects/{voting.pk}/reconciliation/").status_code == 404
