"""Councils, rosters, swaps, patrols and findings through the actions: each rule and each bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from jingzhi.cases.models import Case
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.models import AuditEvent
from jingzhi.councils import actions, queries
from jingzhi.councils.exceptions import CompositionInvalid, OutsideArea, RosterUncoverable
from jingzhi.councils.models import MembershipChange, PatrolRound, Shift
from jingzhi.councils.testing import FAR_FROM_STREET, ON_STREET, OUTSIDE, STREET1

pytestmark = pytest.mark.django_db


def moment(y, m, d, h=9):
    return timezone.make_aware(datetime(y, m, d, h, 0))


def _member_specs(w, roles):
    names = ["he", "luo", "xu", "lv", "shi", "wan"]
    return [{"user": getattr(w.u, n), "role": r} for n, r in zip(names, roles, strict=False)]


# ------------------------------------------------------------------------------------------------ composition
def test_a_council_without_a_chief_is_refused(cworld, at):
    with pytest.raises(CompositionInvalid) as caught:
        actions.do_create_council(
            actor=cworld.p.sub_admin,
            name="新理事会",
            area_kind="street",
            area_code=STREET1,
            members=_member_specs(cworld, ["secretary", "member", "member", "member"]),
        )
    assert "理事长" in caught.value.message
    assert caught.value.details["problems"] == ["no_chief"]


def test_a_council_with_more_than_the_allowed_members_is_refused(cworld, at):
    with pytest.raises(CompositionInvalid) as caught:
        actions.do_create_council(
            actor=cworld.p.sub_admin,
            name="新理事会",
            area_kind="street",
            area_code=STREET1,
            members=_member_specs(cworld, ["chief", "member", "member", "member", "member", "member"])
            + [{"user": cworld.p.nobody, "role": "member"}],
        )
    assert "最多5人" in caught.value.message


def test_adding_a_sixth_member_is_refused_and_nothing_is_written(cworld, at):
    actions.do_add_member(actor=cworld.p.sub_admin, council_id=cworld.council.pk, user=cworld.u.wan)
    actions.do_add_member(actor=cworld.p.sub_admin, council_id=cworld.council.pk, user=cworld.p.nobody)
    before = AuditEvent.objects.count()
    with pytest.raises(CompositionInvalid):
        actions.do_add_member(actor=cworld.p.sub_admin, council_id=cworld.council.pk, user=cworld.p.steward)
    assert AuditEvent.objects.count() == before


def test_only_admins_of_the_place_set_up_councils(cworld, at):
    with pytest.raises(PermissionDenied):
        actions.do_create_council(
            actor=cworld.p.sub_admin2,
            name="x",
            area_kind="street",
            area_code=STREET1,
            members=_member_specs(cworld, ["chief", "member", "member", "member"]),
        )


def test_joining_leaving_and_role_changes_are_dated_and_give_the_role(cworld, at):
    from jingzhi.accounts import access

    assert access.has_role(cworld.u.xu, "council_member")
    actions.do_change_member_role(actor=cworld.p.sub_admin, member_id=cworld.m.xu.pk, role="chief")
    cworld.m.he.refresh_from_db()
    assert cworld.m.he.role == "member"
    actions.do_remove_member(actor=cworld.p.sub_admin, member_id=cworld.m.he.pk, reason="搬家")
    kinds = list(MembershipChange.objects.filter(member=cworld.m.he).values_list("kind", flat=True))
    assert kinds == ["joined", "role", "left"]
    access.forget(cworld.u.he)
    assert not access.has_role(cworld.u.he, "council_member")


def test_the_chief_cannot_simply_leave(cworld, at):
    with pytest.raises(CompositionInvalid):
        actions.do_remove_member(actor=cworld.p.sub_admin, member_id=cworld.m.he.pk)


# ---------------------------------------------------------------------------------------------------- rosters
def test_a_month_roster_is_balanced_and_respects_unavailable_days(cworld, at):
    actions.do_declare_unavailable(
        actor=cworld.u.xu, member_id=cworld.m.xu.pk, days=["2025-07-01", "2025-07-02"]
    )
    roster = actions.do_generate_roster(actor=cworld.u.luo, council_id=cworld.council.pk, month="2025-07")
    shifts = list(roster.shifts.all())
    assert len(shifts) == 31
    counts = {}
    for s in shifts:
        counts[s.member_id] = counts.get(s.member_id, 0) + 1
    assert max(counts.values()) - min(counts.values()) <= 1
    assert not any(s.member_id == cworld.m.xu.pk and s.day.day in (1, 2) for s in shifts)


def test_a_roster_with_uncoverable_days_names_them(cworld, at):
    for name in ("he", "luo", "xu", "lv", "shi"):
        member = getattr(cworld.m, name)
        actions.do_declare_unavailable(actor=None, member_id=member.pk, days=["2025-07-09"])
    with pytest.raises(RosterUncoverable) as caught:
        actions.do_generate_roster(actor=cworld.u.luo, council_id=cworld.council.pk, month="2025-07")
    assert "7月9日" in caught.value.message
    assert caught.value.details["uncovered_days"] == ["2025-07-09"]


def test_holidays_from_the_working_calendar_are_skipped_per_setting(cworld, at):
    actions.do_update_council_settings(
        actor=cworld.p.sub_admin, council_id=cworld.council.pk, holiday_policy="skip"
    )
    roster = actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="2025-10")
    assert "2025-10-01" in roster.skipped_days and "2025-10-07" in roster.skipped_days
    assert not roster.shifts.filter(day=date(2025, 10, 1)).exists()
    assert roster.shifts.filter(day=date(2025, 10, 11)).exists()  # a swapped working Saturday is patrolled


def test_ordinary_members_cannot_generate_and_a_published_roster_is_not_regenerated(cworld, at):
    with pytest.raises(PermissionDenied):
        actions.do_generate_roster(actor=cworld.u.xu, council_id=cworld.council.pk, month="2025-07")
    with pytest.raises(NotFound):
        actions.do_generate_roster(actor=cworld.u.wan, council_id=cworld.council.pk, month="2025-07")
    roster = actions.do_generate_roster(actor=cworld.u.luo, council_id=cworld.council.pk, month="2025-07")
    actions.do_publish_roster(actor=cworld.u.luo, roster_id=roster.pk)
    with pytest.raises(Conflict):
        actions.do_generate_roster(actor=cworld.u.luo, council_id=cworld.council.pk, month="2025-07")


def test_a_bad_or_past_month_is_a_clear_error(cworld, at):
    with pytest.raises(InvalidInput) as caught:
        actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="七月")
    assert caught.value.fields == {"month": "invalid"}
    with pytest.raises(InvalidInput) as caught:
        actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="2025-05")
    assert caught.value.fields == {"month": "past"}


def test_next_month_continues_the_rotation(cworld, at):
    june = actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="2025-06")
    last = june.shifts.order_by("-day").first().member
    july = actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="2025-07")
    first = july.shifts.order_by("day").first().member
    assert first.position == (last.position + 1) % 5


# ------------------------------------------------------------------------------------------------------ swaps
def _roster(cworld, month="2025-06"):
    roster = actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month=month)
    actions.do_publish_roster(actor=None, roster_id=roster.pk)
    return roster


def test_a_swap_to_a_member_already_on_duty_that_day_is_refused(cworld, at):
    actions.do_update_council_settings(actor=None, council_id=cworld.council.pk, per_day=2)
    roster = _roster(cworld)
    a, b = roster.shifts.filter(day=date(2025, 6, 20))
    with pytest.raises(InvalidInput) as caught:
        actions.do_request_swap(actor=a.member.user, shift_id=a.pk, to_member_id=b.member_id)
    assert caught.value.fields == {"to_member": "on_duty"}
    assert "已有班次" in caught.value.message


def test_a_swap_is_approved_by_the_chief_only(cworld, at):
    roster = _roster(cworld)
    shift = roster.shifts.filter(day=date(2025, 6, 20)).first()
    other = next(m for m in (cworld.m.xu, cworld.m.lv, cworld.m.shi, cworld.m.luo) if m.pk != shift.member_id)
    swap = actions.do_request_swap(
        actor=shift.member.user, shift_id=shift.pk, to_member_id=other.pk, reason="出差"
    )
    with pytest.raises(PermissionDenied):
        actions.do_decide_swap(
            actor=cworld.u.luo if cworld.m.luo.pk != shift.member_id else cworld.u.xu,
            swap_id=swap.pk,
            approve=True,
        )
    actions.do_decide_swap(actor=cworld.u.he, swap_id=swap.pk, approve=True)
    shift.refresh_from_db()
    assert shift.member_id == other.pk


# ---------------------------------------------------------------------------------------------------- patrols
def _today_shift(cworld):
    _roster(cworld)
    return Shift.objects.select_related("member__user").get(council=cworld.council, day=date(2025, 6, 11))


def test_a_member_checks_in_reports_a_finding_as_a_case_and_checks_out(cworld, at):
    shift = _today_shift(cworld)
    me = shift.member.user
    patrol = actions.do_start_patrol(actor=me, shift_id=shift.pk, lon=ON_STREET[0], lat=ON_STREET[1])
    assert patrol.start_outside_m is None
    finding = actions.do_report_finding(
        actor=me, shift_id=shift.pk, description="胡同口井盖没了", lon=ON_STREET[0], lat=ON_STREET[1]
    )
    case = Case.objects.get(pk=finding.case_id)
    assert case.source == "council"
    assert case.street_code == STREET1
    assert case.category.name == "上水井盖"
    at(moment(2025, 6, 11, 10))
    actions.do_finish_patrol(
        actor=me,
        shift_id=shift.pk,
        lon=ON_STREET[0],
        lat=ON_STREET[1],
        checklist={cworld.council.checklist[0]: True},
        note="整体良好",
    )
    shift.refresh_from_db()
    assert queries.shift_status(shift) == "done"


def test_only_the_member_on_the_shift_checks_in(cworld, at):
    shift = _today_shift(cworld)
    other = cworld.u.he if shift.member.user_id != cworld.u.he.pk else cworld.u.luo
    with pytest.raises(PermissionDenied):
        actions.do_start_patrol(actor=other, shift_id=shift.pk)
    with pytest.raises(NotFound):
        actions.do_start_patrol(actor=cworld.u.wan, shift_id=shift.pk)


def test_a_check_in_outside_the_street_is_recorded_with_a_warning_or_refused(cworld, at):
    shift = _today_shift(cworld)
    me = shift.member.user
    patrol = actions.do_start_patrol(actor=me, shift_id=shift.pk, lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert patrol.start_outside_m > 1000
    PatrolRound.objects.filter(pk=patrol.pk).delete()  # test reset: a second day under the strict setting
    actions.do_update_council_settings(actor=None, council_id=cworld.council.pk, outside_policy="refuse")
    with pytest.raises(OutsideArea) as caught:
        actions.do_start_patrol(actor=me, shift_id=shift.pk, lon=OUTSIDE[0], lat=OUTSIDE[1])
    assert "超出签到范围" in caught.value.message
    patrol = actions.do_start_patrol(
        actor=me, shift_id=shift.pk, lon=FAR_FROM_STREET[0], lat=FAR_FROM_STREET[1]
    )
    assert patrol.start_outside_m is None  # within the GPS tolerance


def test_a_finding_before_check_in_is_refused(cworld, at):
    shift = _today_shift(cworld)
    with pytest.raises(InvalidInput) as caught:
        actions.do_report_finding(actor=shift.member.user, shift_id=shift.pk, description="垃圾")
    assert caught.value.fields == {"shift": "not_started"}


def test_check_in_only_on_the_shift_day(cworld, at):
    _roster(cworld)
    shift = Shift.objects.select_related("member__user").get(council=cworld.council, day=date(2025, 6, 12))
    with pytest.raises(InvalidInput):
        actions.do_start_patrol(actor=shift.member.user, shift_id=shift.pk)


def test_missed_patrols_and_completion_rates(cworld, at):
    _roster(cworld)
    at(moment(2025, 6, 13))
    shift = Shift.objects.select_related("member__user").get(council=cworld.council, day=date(2025, 6, 13))
    actions.do_start_patrol(actor=shift.member.user, shift_id=shift.pk)
    at(moment(2025, 6, 13, 11))
    actions.do_finish_patrol(actor=shift.member.user, shift_id=shift.pk)
    at(moment(2025, 6, 14))
    missed = queries.missed_shifts(cworld.council)
    assert [s.day.day for s in missed] == [12, 11]  # the roster was made on the 11th: it starts then
    rates = queries.completion_rates(cworld.council, date(2025, 6, 1), date(2025, 6, 30))
    assert (rates["done"], rates["due"]) == (1, 3)
    assert rates["members"][shift.member_id][0] == 1


def test_my_next_patrols_are_on_published_rosters_only(cworld, at):
    actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="2025-06")
    assert queries.my_shifts(cworld.u.he) == []
    actions.do_publish_roster(actor=None, roster_id=cworld.council.rosters.get().pk)
    mine = queries.my_shifts(cworld.u.he)
    assert mine and all(s.member.user_id == cworld.u.he.pk and s.day >= date(2025, 6, 11) for s in mine)
    assert list(queries.councils_visible_to(cworld.u.he)) == [cworld.council]
    assert list(queries.councils_visible_to(cworld.u.wan)) == []
    assert list(queries.councils_visible_to(cworld.p.sub_admin)) == [cworld.council]
    assert list(queries.councils_visible_to(cworld.p.sub_admin2)) == []
    assert timedelta(0) == timedelta(0)
