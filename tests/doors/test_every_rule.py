"""Every rule that protects data or the loop gives the same answer whatever the door (issue 9 §1).

A rule lives in the action or access helper (`do_open_case`, `access_*`, `can_*`), never only in a view or a
serializer. Each test here is one rule, parametrised over the doors that reach it — the web pages, the REST
API and, where it files cases, Open311 — so a rule added to one door alone fails here. When a new door
reaches a rule, add it to that rule's parameters; when a new rule is added, add a test.
"""

from __future__ import annotations

import pytest
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.cases.models import Case, CaseFollower
from jingzhi.cases.testing import (
    IN_SUB1,
    IN_SUB2,
    frozen,  # noqa: F401  (fixture)
    open_case,
)
from jingzhi.cases.testing import world as cases_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
DOORS = ["web", "api"]


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def file_report(door: str, user, **fields):
    """A resident's report through one door; returns (HTTP status, the case made or None)."""
    before = set(Case.objects.values_list("pk", flat=True))
    body = {"description": "井盖没了，很危险", "lon": IN_SUB1[0], "lat": IN_SUB1[1], **fields}
    if door == "web":
        body.setdefault("idempotency_key", fields.get("idempotency_key", ""))
        response = _web(user).post("/report/", {k: v for k, v in body.items() if v is not None})
        status = 201 if response.status_code == 302 else response.status_code
    else:
        key = body.pop("idempotency_key", None)
        extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        response = token_client(user).post("/api/v1/cases/", body, format="json", **extra)
        status = response.status_code
    made = Case.objects.exclude(pk__in=before).order_by("pk").first()
    return status, made


@pytest.mark.parametrize("door", DOORS)
def test_a_report_can_follow_only_a_duplicate_intake_would_offer(door, cases_world, frozen):  # noqa: F811
    """The web form accepted `duplicate_of=<any open case>` and the resident then read that case."""
    p = cases_world.p
    hidden = open_case(cases_world, p.operator, source="hotline", where=IN_SUB2, description="井盖丢失")
    status, made = file_report(door, p.other_resident, duplicate_of=hidden.pk)
    assert status == 400
    assert made is None
    assert not CaseFollower.objects.filter(case=hidden, user=p.other_resident).exists()


@pytest.mark.parametrize("door", DOORS)
def test_an_offered_duplicate_is_followed_through_every_door(door, cases_world, frozen):  # noqa: F811
    p = cases_world.p
    near = open_case(cases_world, description="井盖没了")
    status, made = file_report(door, p.other_resident, duplicate_of=near.pk)
    assert status in (200, 201)
    assert made is not None and made.state == "merged" and made.merged_into_id == near.pk
    assert CaseFollower.objects.filter(case=near, user=p.other_resident).exists()


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("raw", ["²", "0", "99999999999999999999", "abc"])
def test_a_duplicate_id_that_is_not_an_id_is_a_clear_400(door, raw, cases_world, frozen):  # noqa: F811
    status, made = file_report(door, cases_world.p.resident, duplicate_of=raw)
    assert status == 400 and made is None


@pytest.mark.parametrize("door", DOORS)
def test_someone_elses_retry_key_is_a_conflict_not_their_case(door, cases_world, frozen):  # noqa: F811
    p = cases_world.p
    theirs = open_case(cases_world, idempotency_key="k-shared-1", description="楼道堆物")
    status, made = file_report(door, p.other_resident, idempotency_key="k-shared-1")
    assert status == 409 and made is None
    assert not CaseFollower.objects.filter(case=theirs, user=p.other_resident).exists()


@pytest.mark.parametrize("door", DOORS)
def test_ones_own_retry_key_answers_with_the_case_it_made(door, cases_world, frozen):  # noqa: F811
    p = cases_world.p
    first_status, first = file_report(door, p.resident, idempotency_key="k-mine-1")
    again_status, again = file_report(door, p.resident, idempotency_key="k-mine-1")
    assert first_status == 201 and first is not None
    assert again_status in (200, 201) and again is None  # nothing new was made
    assert Case.objects.filter(idempotency_key="k-mine-1").count() == 1


def test_the_sources_a_role_may_file_under_hold_in_the_action_too(cases_world, frozen):  # noqa: F811
    """The API used to be the only door that checked `ROLE_SOURCES`; the action now refuses whoever calls it
    (the web's report page, imports, feature apps)."""
    from jingzhi.cases.actions import do_open_case
    from jingzhi.core.errors import PermissionDenied

    p = cases_world.p
    with pytest.raises(PermissionDenied):
        do_open_case(actor=p.resident, source="inspector", description="x", lon=IN_SUB1[0], lat=IN_SUB1[1])
    with pytest.raises(PermissionDenied):
        do_open_case(actor=p.handler, source="hotline", description="x", lon=IN_SUB1[0], lat=IN_SUB1[1])
    response = token_client(p.resident).post(
        "/api/v1/cases/",
        {"description": "x", "lon": IN_SUB1[0], "lat": IN_SUB1[1], "source": "inspector"},
        format="json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("door", ["api", "action"])
def test_only_staff_may_name_a_reporter(door, cases_world, frozen):  # noqa: F811
    from jingzhi.cases.actions import do_open_case
    from jingzhi.core.errors import InvalidInput

    p = cases_world.p
    if door == "api":
        response = token_client(p.resident).post(
            "/api/v1/cases/",
            {"description": "x", "lon": IN_SUB1[0], "lat": IN_SUB1[1], "reporter_name": "别人"},
            format="json",
        )
        assert response.status_code == 400 and "reporter_name" in response.json()["fields"]
    else:
        with pytest.raises(InvalidInput):
            do_open_case(
                actor=p.resident,
                source="resident_web",
                description="x",
                lon=IN_SUB1[0],
                lat=IN_SUB1[1],
                reporter_name="别人",
            )
    assert not Case.objects.exists()


# ---------------------------------------------------------------------------------------------------- letters
@pytest.fixture
def streets(db):
    from jingzhi.rectification.testing import make_world

    return make_world()


def _letter(streets):
    from jingzhi.core import clock
    from jingzhi.rectification import actions
    from jingzhi.rectification.testing import STREET1, T0

    p = streets.p
    with clock.frozen(T0):
        actions.do_appoint_chief(actor=p.district_admin, street_code=STREET1, user=p.chief, rank="lane")
        return actions.do_issue_task_letter(
            actor=p.district_admin,
            street_code=STREET1,
            title="槐柏树街整治任务书",
            targets="十无达标",
            starts_on=T0.date(),
            due_on=T0.date().replace(month=12),
        )


def sign_letter(door: str, user, letter_id, street_code: str) -> tuple[int, str]:
    """Sign a task letter through one door; returns (status, the message a person reads)."""
    if door == "api":
        response = token_client(user).post(
            f"/api/v1/rectification/task-letters/{letter_id}/sign/", format="json"
        )
        return response.status_code, response.json().get("message", "")
    client = _web(user)
    response = client.post(f"/streets/{street_code}/act/sign/", {"letter": letter_id}, follow=True)
    texts = [str(m) for m in response.context["messages"]] if response.context else []
    return response.status_code, " ".join(texts)


@pytest.mark.parametrize("door", DOORS)
def test_a_task_letter_out_of_reach_looks_the_same_as_a_missing_one(door, streets):
    """Web said "须由街巷长本人签署" for an existing letter and "不存在" for a missing one: an oracle for
    every letter id. Both doors now fetch through `access_task_letter`."""
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET2

    letter = _letter(streets)
    stranger = streets.p.sub_admin2  # sees STREET2, not STREET1
    hidden = sign_letter(door, stranger, letter.pk, STREET2)
    missing = sign_letter(door, stranger, letter.pk + 1000, STREET2)
    assert hidden[0] == missing[0]
    assert hidden[1].replace(str(letter.pk), "N") == missing[1].replace(str(letter.pk + 1000), "N")
    assert "不存在" in hidden[1]
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is None


@pytest.mark.parametrize("door", DOORS)
def test_the_chief_signs_their_own_letter_through_every_door(door, streets):
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET1

    letter = _letter(streets)
    status, _message = sign_letter(door, streets.p.chief, letter.pk, STREET1)
    assert status == 200
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is not None
