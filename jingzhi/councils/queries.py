"""Reads of 多元共治, scoped to the reader in one place and pre-joined: the councils a person may see, their
next patrols, a month's roster as a calendar, missed patrols, completion rates (for assessment), meetings
and overdue action items, the community task board and volunteer hours per unit and month."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from jingzhi.accounts import access
from jingzhi.core.types import Reader
from jingzhi.councils import permissions, workflow
from jingzhi.councils.models import (
    ActionItem,
    AreaKind,
    CommunityTask,
    Council,
    CouncilMember,
    Finding,
    Meeting,
    PartyMember,
    PatrolRound,
    PropertyCompany,
    Roster,
    Shift,
    Swap,
    TaskSignup,
)


def today() -> date:
    from jingzhi.councils.actions import today as _today

    return _today()


def _scope_q(user, field: str, roles) -> Q | None:
    """Q for rows whose `field` lies in the user's jurisdiction (None: unrestricted)."""
    codes = access.scope_codes(user, roles=roles)
    if codes is None:
        return None
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(**{f"{field}__startswith": code})
    return q


def councils_visible_to(user: Reader) -> QuerySet[Council]:
    """Councils the user is an active member of, or whose area their staff roles cover."""
    qs = Council.objects.filter(is_active=True)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    scope = _scope_q(user, "area_code", permissions.STAFF)
    if scope is None:
        return qs
    member_of = Q(members__user=user, members__is_active=True)
    return qs.filter(scope | member_of).distinct()


def property_companies_visible_to(user: Reader) -> QuerySet[PropertyCompany]:
    """Property companies registered in subdistricts the user's staff roles cover (a community's staff see
    those of their subdistrict: the company may manage their community)."""
    qs = PropertyCompany.objects.select_related("department").order_by("subdistrict_code", "name")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    codes = access.scope_codes(user, roles=permissions.STAFF)
    if codes is None:
        return qs
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(subdistrict_code__startswith=code) if len(code) <= 9 else Q(subdistrict_code=code[:9])
    return qs.filter(q)


def company_duty_rules(companies) -> dict[int, list]:
    """{company id: [its active duty rules, with category]}: what the responsibility list sends it."""
    from jingzhi.duties.models import DutyRule

    by_dept = {c.department_id: c.pk for c in companies}
    found: dict[int, list] = {pk: [] for pk in by_dept.values()}
    rules = (
        DutyRule.objects.filter(is_active=True, departments__in=list(by_dept))
        .select_related("category")
        .prefetch_related("departments")
        .order_by("scope_code", "category__code")
        .distinct()
    )
    for rule in rules:
        for dept in rule.departments.all():
            if dept.pk in by_dept:
                found[by_dept[dept.pk]].append(rule)
    return found


def council_members(council: Council) -> list[CouncilMember]:
    return list(council.members.filter(is_active=True).select_related("user").order_by("position", "id"))


def membership_history(council: Council):
    from jingzhi.councils.models import MembershipChange

    return (
        MembershipChange.objects.filter(member__council=council)
        .select_related("member__user")
        .order_by("on", "id")
    )


def my_shifts(user: Reader, *, since: date | None = None, limit: int = 10) -> list[Shift]:
    """The user's own shifts from `since` (default today), on published rosters, soonest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    since = since or today()
    return list(
        Shift.objects.filter(
            member__user=user, member__is_active=True, day__gte=since, roster__published_at__isnull=False
        )
        .select_related("council", "member")
        .prefetch_related(Prefetch("round", queryset=PatrolRound.objects.all()))
        .order_by("day", "id")[:limit]
    )


def shift_status(shift: Shift, on: date | None = None) -> str:
    patrol = getattr(shift, "round", None) if _has_round(shift) else None
    return workflow.shift_status(
        shift.day,
        on or today(),
        started=patrol is not None,
        finished=patrol is not None and patrol.finished_at is not None,
    )


def _has_round(shift: Shift) -> bool:
    try:
        shift.round  # noqa: B018 - reverse one-to-one raises when absent
    except PatrolRound.DoesNotExist:
        return False
    return True


@dataclass
class CalendarDay:
    day: date | None
    shifts: list
    is_today: bool = False
    skipped: bool = False


def roster_for(council: Council, month: date) -> Roster | None:
    return Roster.objects.filter(council=council, month=month.replace(day=1)).first()


def roster_calendar(
    council: Council, month: date, *, drafts: bool = False
) -> tuple[Roster | None, list[list[CalendarDay]]]:
    """The month's roster as weeks (Monday first) of days, each with its shifts and their status. An
    unpublished roster is shown only with `drafts` (to the organisers)."""
    first = month.replace(day=1)
    roster = roster_for(council, first)
    if roster is not None and roster.published_at is None and not drafts:
        roster = None
    shifts: dict[date, list] = {}
    if roster is not None:
        for s in roster.shifts.select_related("member__user", "round").order_by("day", "member__position"):
            s.status = shift_status(s)
            shifts.setdefault(s.day, []).append(s)
    skipped = set(roster.skipped_days if roster else [])
    now = today()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row = []
        for d in week:
            if d.month != first.month:
                row.append(CalendarDay(None, []))
            else:
                row.append(CalendarDay(d, shifts.get(d, []), d == now, d.isoformat() in skipped))
        weeks.append(row)
    return roster, weeks


def missed_shifts(council: Council, *, limit: int = 50) -> list[Shift]:
    """Published shifts whose day passed without a finished round, newest first."""
    return list(
        Shift.objects.filter(council=council, day__lt=today(), roster__published_at__isnull=False)
        .filter(Q(round__isnull=True) | Q(round__finished_at__isnull=True))
        .select_related("member__user")
        .order_by("-day")[:limit]
    )


def missed_shifts_for(user: Reader, *, limit: int = 100) -> list[Shift]:
    """Missed patrols across the councils the user may see (for the community and subdistrict)."""
    return list(
        Shift.objects.filter(
            council__in=councils_visible_to(user), day__lt=today(), roster__published_at__isnull=False
        )
        .filter(Q(round__isnull=True) | Q(round__finished_at__isnull=True))
        .select_related("member__user", "council")
        .order_by("-day")[:limit]
    )


def completion_rates(council: Council, start: date, end: date) -> dict:
    """Completion rate of the council and of each member over [start, end] (only days already passed or
    today with a finished round count as due): {"council": rate, "members": {member_id: (done, due, rate)}}.
    Read by assessment."""
    now = today()
    rows = (
        Shift.objects.filter(
            council=council, day__gte=start, day__lte=end, roster__published_at__isnull=False
        )
        .filter(Q(day__lt=now) | Q(round__finished_at__isnull=False))
        .values("member_id")
        .annotate(due=Count("id"), done=Count("id", filter=Q(round__finished_at__isnull=False)))
    )
    members = {
        r["member_id"]: (r["done"], r["due"], workflow.completion_rate(r["done"], r["due"])) for r in rows
    }
    done = sum(v[0] for v in members.values())
    due = sum(v[1] for v in members.values())
    return {"council": workflow.completion_rate(done, due), "done": done, "due": due, "members": members}


def patrol_shifts(user: Reader | None = None) -> QuerySet[Shift]:
    """The patrols that were due, for assessment: shifts of published rosters whose day has passed (or
    whose round is already finished), each annotated with its council's community (`community_code`, for a
    community council) or street (`street_code`, for a street council), `subdistrict_code`, the local day
    its round started (`round_day`), when the round finished (`finished_at`) and how many problems the
    round reported (`findings`). The same rule of "due" as `completion_rates`. With `user`: only the
    councils they may see."""
    rows = Shift.objects.filter(roster__published_at__isnull=False).filter(
        Q(day__lt=today()) | Q(round__finished_at__isnull=False)
    )
    if user is not None:
        rows = rows.filter(council__in=councils_visible_to(user))
    findings = (
        Finding.objects.filter(patrol__shift=OuterRef("pk"))
        .order_by()
        .values("patrol")
        .annotate(n=Count("id"))
        .values("n")
    )
    return rows.annotate(
        community_code=Case(
            When(council__area_kind=AreaKind.COMMUNITY, then=F("council__area_code")),
            default=Value(""),
            output_field=CharField(),
        ),
        street_code=Case(
            When(council__area_kind=AreaKind.STREET, then=F("council__area_code")),
            default=Value(""),
            output_field=CharField(),
        ),
        subdistrict_code=F("council__subdistrict_code"),
        round_day=TruncDate("round__started_at"),
        finished_at=F("round__finished_at"),
        findings=Coalesce(Subquery(findings, output_field=IntegerField()), 0),
    )


def pending_swaps(council: Council) -> QuerySet[Swap]:
    return Swap.objects.filter(shift__council=council, status=Swap.Status.PENDING).select_related(
        "shift", "from_member__user", "to_member__user"
    )


def open_cases_for_agenda(council: Council, limit: int = 20):
    """Open cases in the council's area, the raw material of a meeting's agenda."""
    from jingzhi.cases import workflow as case_workflow
    from jingzhi.cases.models import Case

    field = "street_code" if council.area_kind == "street" else "community_code"
    return list(
        Case.objects.filter(**{field: council.area_code}, state__in=case_workflow.OPEN_STATES).order_by(
            "-reported_at"
        )[:limit]
    )


def meetings_visible_to(user: Reader, *, kind: str = "") -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("council", "property_company").order_by("-held_at", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    scope = _scope_q(user, "area_code", permissions.STAFF)
    if scope is None:
        return qs
    q = scope | Q(council__members__user=user, council__members__is_active=True)
    departments = access.department_ids(user, roles=["handler"])
    if departments:
        q |= Q(invited_departments__in=departments)
    return qs.filter(q).distinct()


def meeting_detail(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_related("council", "property_company")
        .prefetch_related(
            "agenda__case",
            "agenda__whistle",
            "attendance__department",
            "decisions",
            "invited_departments",
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related(
                    "owner_user", "owner_department", "case", "decision"
                ),
            ),
        )
        .get(pk=meeting.pk)
    )


def action_items_for(user: Reader, *, overdue_only: bool = False) -> QuerySet[ActionItem]:
    """Action items of meetings the user may see, plus those they own; overdue: open and past due."""
    qs = ActionItem.objects.select_related("meeting", "owner_user", "owner_department", "case")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    q = Q(meeting__in=meetings_visible_to(user)) | Q(owner_user=user)
    departments = access.department_ids(user, roles=["handler"])
    if departments:
        q |= Q(owner_department__in=departments)
    qs = qs.filter(q).distinct()
    if overdue_only:
        qs = qs.filter(status=ActionItem.Status.OPEN, due_on__lt=today())
    return qs.order_by("due_on", "id")


def is_overdue(item: ActionItem) -> bool:
    return workflow.is_overdue(item.due_on, today(), item.status)


# ---------------------------------------------------------------------------------------- party members
def registrations_of(user: Reader) -> list[PartyMember]:
    """The user's registrations, each with `community_name` (from the active boundary generation)."""
    from jingzhi.geo.models import Community

    if not getattr(user, "is_authenticated", False):
        return []
    rows = list(PartyMember.objects.filter(user=user).select_related("organisation"))
    names = dict(
        Community.objects.filter(
            generation__is_active=True, code__in=[r.community_code for r in rows]
        ).values_list("code", "name")
    )
    for r in rows:
        r.community_name = names.get(r.community_code, r.community_code)
    return rows


def task_board(user: Reader) -> list[CommunityTask]:
    """Upcoming tasks of the communities the user registered with (or administers)."""
    if not getattr(user, "is_authenticated", False):
        return []
    codes = [m.community_code for m in registrations_of(user)]
    q = Q(community_code__in=codes)
    scope = _scope_q(user, "community_code", permissions.ADMINS)
    q = Q() if scope is None else q | scope
    return list(
        CommunityTask.objects.filter(q, ends_at__gte=_now())
        .annotate(taken=Count("signups"))
        .order_by("starts_at", "id")[:100]
    )


def _now():
    from jingzhi.core import clock

    return clock.now()


def my_signups(user: Reader) -> dict[int, TaskSignup]:
    if not getattr(user, "is_authenticated", False):
        return {}
    return {s.task_id: s for s in TaskSignup.objects.filter(member__user=user).select_related("task")}


def hours_by_unit(user: Reader, month: date) -> list[dict]:
    """Volunteer hours and completed tasks per unit party organisation for the month, over the communities
    the user administers (the community's party branch) — the monthly export."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    qs = TaskSignup.objects.filter(
        checked_out_at__isnull=False, task__starts_at__date__gte=first, task__starts_at__date__lte=last
    )
    scope = _scope_q(user, "task__community_code", permissions.ADMINS)
    if scope is not None:
        qs = qs.filter(scope)
    rows = (
        qs.values("member__organisation__name", "member__organisation__unit_name")
        .annotate(hours=Sum("hours"), tasks=Count("id"), people=Count("member", distinct=True))
        .order_by("member__organisation__name")
    )
    return [
        {
            "organisation": r["member__organisation__name"],
            "unit": r["member__organisation__unit_name"],
            "hours": r["hours"] or 0,
            "tasks": r["tasks"],
            "people": r["people"],
        }
        for r in rows
    ]
