"""Every 多元共治 rule gives the same answer through every door (the actions, the web pages, the REST API):
only the member on duty checks in; a refused check-in outside the street; a swap to a member already on
duty; a roster with uncoverable days names them; an action item needs an owner and a due date; a party
member registers once per community; check-out before check-in; and an outsider gets the same 404 for a
council, shift or meeting that exists as for one that does not."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.cases.models import Case
from jingzhi.core import clock
from jingzhi.councils import actions
from jingzhi.councils.models import PartyMember, PatrolRound, Shift, Swap, TaskSignup
from jingzhi.councils.testing import COMM1, OUTSIDE, SUB1, T0, make_world

pytestmark = pytest.mark.django_db
DOORS = ["web", "api"]


@pytest.fixture
def cw(db):
    with clock.frozen(T0):
        w = make_world()
        roster = actions.do_generate_roster(actor=None, council_id=w.council.pk, month="2025-06")
        actions.do_publish_roster(actor=None, roster_id=roster.pk)
        w.today = Shift.objects.select_related("member__user").get(council=w.council, day=date(2025, 6, 11))
        yield w


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _not_on_duty(w):
    return next(m.user for m in (w.m.he, w.m.luo, w.m.xu) if m.user_id != w.today.member.user_id)


def check_in(door, user, shift, **point):
    if door == "web":
        r = _web(user).post(f"/councils/shifts/{shift.pk}/", {"step": "start", **point})
        return 201 if r.status_code == 302 else r.status_code
    return (
        token_client(user)
        .post(f"/api/v1/councils/shifts/{shift.pk}/check-in/", point, format="json")
        .status_code
    )


@pytest.mark.parametrize("door", DOORS)
def test_only_the_member_on_duty_checks_in(door, cw):
    status = check_in(door, _not_on_duty(cw), cw.today)
    assert status in (403, 404) and not PatrolRound.objects.exists()
    assert check_in(door, cw.today.member.user, cw.today) == 201


@pytest.mark.parametrize("door", DOORS)
def test_a_check_in_outside_the_street_is_refused_when_the_council_says_so(door, cw):
    actions.do_update_council_settings(actor=None, council_id=cw.council.pk, outside_policy="refuse")
    assert check_in(door, cw.today.member.user, cw.today, lon=OUTSIDE[0], lat=OUTSIDE[1]) == 400
    assert not PatrolRound.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_check_in_outside_the_street_is_recorded_with_its_distance_by_default(door, cw):
    assert check_in(door, cw.today.member.user, cw.today, lon=OUTSIDE[0], lat=OUTSIDE[1]) == 201
    assert PatrolRound.objects.get().start_outside_m > 1000


@pytest.mark.parametrize("door", DOORS)
def test_a_finding_opens_a_case_only_after_check_in(door, cw):
    user, shift = cw.today.member.user, cw.today
    body = {"description": "一堆建筑垃圾"}
    if door == "web":
        first = _web(user).post(f"/councils/shifts/{shift.pk}/", {"step": "finding", **body}).status_code
    else:
        first = (
            token_client(user)
            .post(f"/api/v1/councils/shifts/{shift.pk}/findings/", body, format="json")
            .status_code
        )
    assert first == 400 and not Case.objects.exists()
    check_in(door, user, shift)
    if door == "web":
        ok = _web(user).post(f"/councils/shifts/{shift.pk}/", {"step": "finding", **body}).status_code == 302
    else:
        ok = (
            token_client(user)
            .post(f"/api/v1/councils/shifts/{shift.pk}/findings/", body, format="json")
            .status_code
            == 201
        )
    assert ok and Case.objects.get().source == "council"


@pytest.mark.parametrize("door", DOORS)
def test_a_swap_to_a_member_already_on_duty_that_day_is_refused(door, cw):
    actions.do_update_council_settings(actor=None, council_id=cw.council.pk, per_day=2)
    roster = actions.do_generate_roster(actor=None, council_id=cw.council.pk, month="2025-07")
    a, b = roster.shifts.select_related("member__user").filter(day=date(2025, 7, 3))
    if door == "web":
        r = _web(a.member.user).post(f"/councils/shifts/{a.pk}/", {"step": "swap", "to_member": b.member_id})
        status = r.status_code
        assert "已有班次" in r.content.decode()
    else:
        r = token_client(a.member.user).post(
            f"/api/v1/councils/shifts/{a.pk}/swaps/", {"to_member": b.member_id}, format="json"
        )
        status = r.status_code
        assert r.json()["fields"] == {"to_member": [r.json()["message"]]}
    assert status == 400 and not Swap.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_roster_with_uncoverable_days_says_which(door, cw):
    for m in (cw.m.he, cw.m.luo, cw.m.xu, cw.m.lv, cw.m.shi):
        actions.do_declare_unavailable(actor=None, member_id=m.pk, days=["2025-08-15"])
    if door == "web":
        r = _web(cw.u.luo).post(f"/councils/{cw.council.pk}/act/generate/", {"month": "2025-08"}, follow=True)
        assert "8月15日" in r.content.decode()
    else:
        r = token_client(cw.u.luo).post(
            f"/api/v1/councils/{cw.council.pk}/rosters/", {"month": "2025-08"}, format="json"
        )
        assert r.status_code == 400 and r.json()["details"]["uncovered_days"] == ["2025-08-15"]
        assert "8月15日" in r.json()["message"]
    assert not cw.council.rosters.filter(month=date(2025, 8, 1)).exists()


@pytest.mark.parametrize("door", DOORS)
def test_an_action_item_without_owner_or_due_date_is_refused(door, cw):
    meeting = actions.do_record_meeting(
        actor=cw.p.sub_admin, kind="joint", area_code=SUB1, title="联席会", held_at="2025-06-11 14:00"
    )
    if door == "web":
        r = _web(cw.p.sub_admin).post(
            f"/councils/meetings/{meeting.pk}/", {"step": "item", "title": "补井盖"}
        )
        assert r.status_code == 400 and "责任人" in r.content.decode()
    else:
        r = token_client(cw.p.sub_admin).post(
            f"/api/v1/councils/meetings/{meeting.pk}/action-items/", {"title": "补井盖"}, format="json"
        )
        assert r.status_code == 400 and set(r.json()["fields"]) == {"owner", "due_on"}
    assert not meeting.action_items.exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_party_member_registers_once_with_a_community(door, cw):
    body = {"community_code": COMM1, "organisation": "区财政局机关党委"}
    for attempt in range(2):
        if door == "web":
            r = _web(cw.u.wan).post("/councils/tasks/", {"step": "register", **body})
            status = 201 if r.status_code == 302 else r.status_code
        else:
            status = (
                token_client(cw.u.wan)
                .post("/api/v1/councils/party-members/", body, format="json")
                .status_code
            )
        assert status == (201 if attempt == 0 else (400 if door == "web" else 409))
    assert PartyMember.objects.count() == 1


@pytest.mark.parametrize("door", DOORS)
def test_check_out_before_check_in_is_refused(door, cw):
    actions.do_register_party_member(actor=cw.u.wan, community_code=COMM1, organisation="区财政局机关党委")
    task = actions.do_publish_task(
        actor=None,
        community_code=COMM1,
        kind="event",
        title="清洁日",
        starts_at="2025-06-14 09:00",
        ends_at="2025-06-14 11:00",
    )
    signup = actions.do_sign_up(actor=cw.u.wan, task_id=task.pk)
    if door == "web":
        r = _web(cw.u.wan).post("/councils/tasks/", {"step": "out", "signup": signup.pk})
        assert r.status_code == 400 and "先签到" in r.content.decode()
    else:
        r = token_client(cw.u.wan).post(f"/api/v1/councils/signups/{signup.pk}/check-out/", {}, format="json")
        assert r.status_code == 400 and "先签到" in r.json()["message"]
    assert TaskSignup.objects.get().checked_out_at is None


@pytest.mark.parametrize("door", DOORS)
def test_outsiders_get_the_same_404_for_existing_and_missing_objects(door, cw):
    meeting = actions.do_record_meeting(
        actor=cw.p.sub_admin, kind="joint", area_code=SUB1, title="联席会", held_at="2025-06-11 14:00"
    )
    if door == "web":
        paths = ["/councils/{}/", "/councils/shifts/{}/", "/councils/meetings/{}/"]
        client = _web(cw.p.sub_admin2)
        bodies = set()
        for path, pk in zip(paths, (cw.council.pk, cw.today.pk, meeting.pk), strict=True):
            assert client.get(path.format(pk)).status_code == 404
            assert client.get(path.format(99999)).status_code == 404
    else:
        client = token_client(cw.p.sub_admin2)
        bodies = set()
        for path, pk in (
            ("/api/v1/councils/{}/", cw.council.pk),
            ("/api/v1/councils/meetings/{}/", meeting.pk),
        ):
            there, missing = client.get(path.format(pk)), client.get(path.format(99999))
            assert there.status_code == missing.status_code == 404
            bodies.add(there.json()["code"])
        assert bodies == {"not_found"}
