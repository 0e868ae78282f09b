"""Reads of 十无一创建, scoped to the person asking and pre-joined, for the web pages, the API and exports.

Streets come from `geo.queries.streets_for(user)` (so jurisdiction is decided in one place) and are joined in
Python with this app's rows by street code — a fixed number of queries per list, whatever its length. The
public board reads only what a board shows (never a user's own phone number).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from jingzhi.core import clock
from jingzhi.core.errors import NotFound
from jingzhi.core.types import Reader, RowId
from jingzhi.rectification import permissions, rules
from jingzhi.rectification.models import (
    AccountabilityProposal,
    ChiefAssignment,
    Grade,
    GradeChange,
    Inspection,
    ItemResult,
    LedgerEntry,
    PatrolLog,
    PlanItem,
    ProposalStatus,
    StandardVersion,
    StewardAssignment,
    StreetPlan,
    StreetRecord,
    TaskLetter,
)

GRADE_COLOURS = {
    "premium": "#15803d",
    "fine": "#2563eb",
    "standard": "#ca8a04",
    "failing": "#dc2626",
    "": "#9ca3af",
}
GRADE_ORDER = ["premium", "fine", "standard", "failing", ""]


@dataclass
class StreetRow:
    street: object
    record: StreetRecord | None
    chief: ChiefAssignment | None
    open_cases: int = 0

    @property
    def code(self) -> str:
        return self.street.code

    @property
    def grade(self) -> str:
        return self.record.grade if self.record else ""

    @property
    def grade_label(self) -> str:
        return rules.grade_label(self.grade)

    @property
    def colour(self) -> str:
        return GRADE_COLOURS.get(self.grade, GRADE_COLOURS[""])


def today():
    """Today's date in the site's time zone, from the injectable clock."""
    from django.utils import timezone

    return timezone.localdate(clock.now())


def open_case_counts(codes) -> dict[str, int]:
    from jingzhi.cases import workflow
    from jingzhi.cases.models import Case

    rows = (
        Case.objects.filter(street_code__in=list(codes), state__in=workflow.OPEN_STATES)
        .values("street_code")
        .annotate(n=Count("id"))
    )
    return {r["street_code"]: r["n"] for r in rows}


def _codes_q(codes) -> Q:
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(code__startswith=code)
    return q


def viewable_streets(user: Reader):
    """The streets (active generation) whose page opens for `user`: geo's streets of their jurisdiction,
    cut down to the roles that may view a street here (`permissions.STREET_STAFF`, the same rule as
    `permissions.can_view_street`). A council member's street is in geo's list, but its 十无 page is not
    theirs: listing it offered a link that answered 404."""
    from jingzhi.accounts import access
    from jingzhi.geo.queries import streets_for

    streets = streets_for(user)
    codes = access.scope_codes(user, roles=permissions.STREET_STAFF)
    if codes is None:
        return streets
    return streets.filter(_codes_q(codes)) if codes else streets.none()


def street_rows_for(
    user: Reader, *, subdistrict_code: str = "", grade: str | None = None, q: str = "", codes=None
) -> list[StreetRow]:
    streets = viewable_streets(user).defer("geometry").order_by("code")
    if subdistrict_code:
        streets = streets.filter(code__startswith=subdistrict_code)
    if q:
        streets = streets.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if codes is not None:
        streets = streets.filter(code__in=list(codes))
    streets = list(streets)
    street_codes = [s.code for s in streets]
    records = {r.street_code: r for r in StreetRecord.objects.filter(street_code__in=street_codes)}
    chiefs = {
        c.street_code: c
        for c in ChiefAssignment.objects.filter(street_code__in=street_codes, is_active=True).select_related(
            "user"
        )
    }
    counts = open_case_counts(street_codes)
    rows = [StreetRow(s, records.get(s.code), chiefs.get(s.code), counts.get(s.code, 0)) for s in streets]
    if grade is not None and grade != "all":
        rows = [r for r in rows if r.grade == grade]
    return rows


def grade_summary(rows: list[StreetRow]) -> list[dict]:
    counts = defaultdict(int)
    for row in rows:
        counts[row.grade] += 1
    return [
        {"grade": g, "label": rules.grade_label(g), "colour": GRADE_COLOURS[g], "count": counts[g]}
        for g in GRADE_ORDER
    ]


def score_series(street_code: str, months: int = 12) -> list[tuple[str, Decimal]]:
    """(month, the month's official score) for the last `months` months that have one, oldest first."""
    scores: dict[str, Decimal] = {}
    for month, value in Inspection.objects.filter(street_code=street_code, is_official=True).values_list(
        "month", "score"
    ):
        scores[month] = min(value, scores.get(month, value))
    ordered = sorted(scores.items(), key=lambda kv: rules.month_index(kv[0]))
    return ordered[-months:]


def inspections_for_street(street_code: str, limit: int = 24):
    return list(
        Inspection.objects.filter(street_code=street_code)
        .select_related("inspector", "version")
        .order_by("-inspected_on", "-id")[:limit]
    )


def inspection_detail(inspection_id: RowId) -> Inspection | None:
    return (
        Inspection.objects.select_related("inspector", "version")
        .prefetch_related(_results_prefetch())
        .filter(pk=inspection_id)
        .first()
    )


def _results_prefetch():
    from django.db.models import Prefetch

    return Prefetch(
        "results", queryset=ItemResult.objects.select_related("item", "case").order_by("item__position")
    )


def access_inspection(user: Reader, inspection_id: RowId) -> Inspection:
    from django.utils.translation import gettext as _

    from jingzhi.core.errors import NotFound
    from jingzhi.core.ids import parse_id as row_id

    pk = row_id(inspection_id)
    inspection = inspection_detail(pk) if pk is not None else None
    if inspection is None or not permissions.can_view_street(user, inspection.street_code):
        raise NotFound(_("检查记录不存在，或不在您的辖区（编号 %(id)s）") % {"id": inspection_id})
    return inspection


def open_cases_for_street(user: Reader, street_code: str, limit: int = 50):
    from jingzhi.cases import workflow
    from jingzhi.cases.queries import cases_visible_to, list_queryset

    qs = cases_visible_to(user).filter(street_code=street_code, state__in=workflow.OPEN_STATES)
    return list(list_queryset(qs).order_by("-reported_at")[:limit])


def grade_history(street_code: str):
    return list(
        GradeChange.objects.filter(street_code=street_code)
        .select_related("decided_by")
        .order_by("-month", "-id")
    )


def chief_history(street_code: str):
    return list(
        ChiefAssignment.objects.filter(street_code=street_code)
        .select_related("user")
        .prefetch_related("proposals")
        .order_by("-started_on", "-id")
    )


def active_chief(street_code: str) -> ChiefAssignment | None:
    return (
        ChiefAssignment.objects.filter(street_code=street_code, is_active=True).select_related("user").first()
    )


def task_letters(street_code: str):
    return list(
        TaskLetter.objects.filter(street_code=street_code)
        .select_related("chief__user", "issued_by")
        .order_by("-is_active", "-issued_at")
    )


def ledger(street_code: str):
    return list(
        LedgerEntry.objects.filter(street_code=street_code, is_current=True)
        .select_related("recorded_by")
        .order_by("kind", "id")
    )


def plan_for(street_code: str) -> tuple[StreetPlan | None, list[PlanItem]]:
    plan = StreetPlan.objects.filter(street_code=street_code).first()
    if plan is None:
        return None, []
    items = list(plan.items.select_related("owner").prefetch_related("cases").order_by("deadline", "id"))
    current_day = today()
    for item in items:
        item.overdue = item.is_overdue(current_day)
    return plan, items


def proposals_for(street_code: str):
    return list(
        AccountabilityProposal.objects.filter(street_code=street_code).select_related(
            "chief__user", "decided_by"
        )
    )


def stewards_for(street_code: str):
    return list(
        StewardAssignment.objects.filter(street_code=street_code, is_active=True).select_related("user")
    )


def patrol_log(street_code: str, limit: int = 20):
    return list(PatrolLog.objects.filter(street_code=street_code).select_related("user", "case")[:limit])


def current_version() -> StandardVersion | None:
    return StandardVersion.objects.filter(is_current=True).first()


def standard_items(version: StandardVersion | None = None):
    version = version or current_version()
    if version is None:
        return []
    return list(version.items.select_related("category").order_by("position"))


@dataclass
class ChiefStreet:
    row: StreetRow
    failing_items: list = field(default_factory=list)
    last_inspection: Inspection | None = None
    overdue_cases: list = field(default_factory=list)
    overdue_plan_items: list = field(default_factory=list)
    letter: TaskLetter | None = None
    pending_proposals: list = field(default_factory=list)


def chief_dashboard(user: Reader) -> list[ChiefStreet]:
    """The streets `user` is chief of, each with what fails (last official check's deductions), what is
    overdue (cases past their step deadline, plan items past their deadline), the task letter and
    pending accountability proposals."""
    from jingzhi.cases import workflow
    from jingzhi.cases.models import Case

    codes = list(
        ChiefAssignment.objects.filter(user=user, is_active=True).values_list("street_code", flat=True)
    )
    if not codes:
        return []
    rows = street_rows_for(user, codes=codes)
    now = clock.now()
    current_day = today()
    overdue = defaultdict(list)
    for case in (
        Case.objects.filter(street_code__in=codes, state__in=workflow.OPEN_STATES, step_deadline__lt=now)
        .select_related("category")
        .order_by("step_deadline")
    ):
        overdue[case.street_code].append(case)
    letters = {
        letter.street_code: letter
        for letter in TaskLetter.objects.filter(street_code__in=codes, is_active=True)
    }
    proposals = defaultdict(list)
    for p in AccountabilityProposal.objects.filter(street_code__in=codes, status=ProposalStatus.PENDING):
        proposals[p.street_code].append(p)
    plan_items = defaultdict(list)
    for item in PlanItem.objects.filter(
        plan__street_code__in=codes, deadline__lt=current_day, progress__lt=100
    ).select_related("plan"):
        plan_items[item.plan.street_code].append(item)
    last = {}
    for inspection in (
        Inspection.objects.filter(street_code__in=codes)
        .prefetch_related(_results_prefetch())
        .order_by("street_code", "-inspected_on", "-id")
    ):
        last.setdefault(inspection.street_code, inspection)
    out = []
    for row in rows:
        inspection = last.get(row.code)
        failing = [r for r in inspection.results.all() if not r.passed] if inspection else []
        out.append(
            ChiefStreet(
                row=row,
                failing_items=failing,
                last_inspection=inspection,
                overdue_cases=overdue[row.code],
                overdue_plan_items=plan_items[row.code],
                letter=letters.get(row.code),
                pending_proposals=proposals[row.code],
            )
        )
    out.sort(key=lambda s: (s.row.grade != Grade.FAILING, s.row.code))
    return out


def pending_proposals_for(user: Reader):
    """Proposals awaiting a decision this user may take."""
    from jingzhi.accounts import access

    codes = access.scope_codes(user, roles=permissions.ADMINS)
    qs = AccountabilityProposal.objects.filter(status=ProposalStatus.PENDING).select_related("chief__user")
    if codes is None:
        return list(qs)
    if not codes:
        return []
    q = Q()
    for code in codes:
        q |= Q(street_code__startswith=code)
    return list(qs.filter(q))


@dataclass
class Board:
    street: object
    record: StreetRecord | None
    chief: ChiefAssignment | None
    items: list
    version: StandardVersion | None
    letter: TaskLetter | None
    stewards: list


def board(street_code: str) -> Board:
    """What the public responsibility board shows: no login, no personal data beyond the chief's name and
    the phone numbers entered for publication."""
    street = permissions.public_street(street_code)
    version = current_version()
    return Board(
        street=street,
        record=StreetRecord.objects.filter(street_code=street.code).first(),
        chief=active_chief(street.code),
        items=[i for i in standard_items(version) if not i.is_creation_goal],
        version=version,
        letter=TaskLetter.objects.filter(street_code=street.code, is_active=True).first(),
        stewards=stewards_for(street.code),
    )


def inspections_for_export(user: Reader, *, month: str = "", kind: str = ""):
    codes = list(viewable_streets(user).values_list("code", flat=True))
    qs = (
        Inspection.objects.filter(street_code__in=codes)
        .select_related("inspector", "version")
        .prefetch_related(_results_prefetch())
        .order_by("street_code", "inspected_on", "id")
    )
    if month:
        qs = qs.filter(month=month)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def require_current_version() -> StandardVersion:
    version = current_version()
    if version is None:
        raise NotFound(
            _("尚未设置现行的十无标准版本，请先载入默认标准（jingzhi rectification load-standard）"),
            fields={"version": "missing"},
        )
    return version


def grade_rule(version: StandardVersion | None = None) -> rules.GradeRule:
    version = version or current_version()
    if version is None:
        return rules.GradeRule()
    return rules.GradeRule(
        downgrade_below=version.downgrade_below,
        restore_at_least=version.restore_at_least,
        restore_months=version.restore_months,
    )


def month_scores(street_code: str) -> dict[str, Decimal]:
    """The month's score that counts for the grade: the lowest official score of that month."""
    scores: dict[str, Decimal] = {}
    for month, value in Inspection.objects.filter(street_code=street_code, is_official=True).values_list(
        "month", "score"
    ):
        scores[month] = min(value, scores.get(month, value))
    return scores


def street_link(street_code: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("web:street_detail", args=[street_code])
    except NoReverseMatch:
        return ""


def point_on_street(street) -> tuple[float, float]:
    """A point on the street (its middle for a line) where a finding without a pin is placed."""
    from shapely.geometry import shape

    geom = shape(street.geometry)
    point = (
        geom.interpolate(0.5, normalized=True)
        if geom.geom_type in ("LineString", "MultiLineString")
        else geom.representative_point()
    )
    return round(point.x, 7), round(point.y, 7)


def chief_candidates(street_code: str):
    """People an administrator may appoint as the street's chief or steward: active users with an active
    role within the street's subdistrict or district (the district head is 总街巷长), by user name."""
    from jingzhi.accounts.queries import users_covering

    return users_covering([street_code]).order_by("username")


# ------------------------------------------------------------------------------------------------ home page
def _rows_of(streets) -> list[StreetRow]:
    streets = list(streets.defer("geometry").order_by("code"))
    codes = [s.code for s in streets]
    records = {r.street_code: r for r in StreetRecord.objects.filter(street_code__in=codes)}
    chiefs = {
        c.street_code: c
        for c in ChiefAssignment.objects.filter(street_code__in=codes, is_active=True).select_related("user")
    }
    counts = open_case_counts(codes)
    return [StreetRow(s, records.get(s.code), chiefs.get(s.code), counts.get(s.code, 0)) for s in streets]


@dataclass
class StewardStreet:
    row: StreetRow
    patrols_this_week: int = 0
    last_patrol: PatrolLog | None = None


def stewarding_for(user: Reader) -> list[StewardStreet]:
    """The streets `user` is an active steward of, each with their own patrol log entries since Monday and
    their latest entry: what the steward's home shows (巡、访、做、报、记 are expected every week)."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from jingzhi.geo.queries import streets_for

    codes = list(
        StewardAssignment.objects.filter(user=user, is_active=True).values_list("street_code", flat=True)
    )
    if not codes:
        return []
    monday = today() - timedelta(days=today().weekday())
    since = timezone.make_aware(datetime.combine(monday, time.min))
    logs = PatrolLog.objects.filter(street_code__in=codes, user=user)
    week = dict(
        logs.filter(created_at__gte=since).order_by().values_list("street_code").annotate(n=Count("id"))
    )
    last: dict[str, PatrolLog] = {}
    for log in logs.order_by("street_code", "-created_at", "-id"):
        last.setdefault(log.street_code, log)
    rows = _rows_of(streets_for(user).filter(code__in=codes))
    return [StewardStreet(r, week.get(r.code, 0), last.get(r.code)) for r in rows]


def council_streets_for(user: Reader) -> list[StreetRow]:
    """The streets of the user's street-scoped council-member assignments, with what their public page
    shows: grade, chief and open cases. (A community-scoped member's council is the councils app's.)"""
    from jingzhi.accounts import access
    from jingzhi.accounts.rules import scope_kind_of_code
    from jingzhi.geo.queries import streets_for

    codes = [c for c in access.scope_codes(user, roles=["council_member"]) or [] if not scope_kind_of_code(c)]
    if not codes:
        return []
    return _rows_of(streets_for(user).filter(code__in=codes))


def inspection_due(user: Reader) -> dict:
    """For the people who inspect or run streets: streets in their jurisdiction with no official check yet
    this month, failing streets, and accountability proposals awaiting their decision."""
    month = f"{today():%Y-%m}"
    codes = list(viewable_streets(user).values_list("code", flat=True))
    checked = set(
        Inspection.objects.filter(street_code__in=codes, month=month, is_official=True).values_list(
            "street_code", flat=True
        )
    )
    failing = StreetRecord.objects.filter(street_code__in=codes, grade=Grade.FAILING).count()
    return {
        "month": month,
        "streets": len(codes),
        "unchecked": len([c for c in codes if c not in checked]),
        "failing": failing,
        "proposals": len(pending_proposals_for(user)),
    }


def street_months(user=None):
    """For assessment: every street's month-end state (`StreetMonth`: grade, 文明街巷) with its
    `subdistrict_code` and `district_code`; with `user`, the streets they may see."""
    from django.db.models.functions import Left

    from jingzhi.geo.queries import streets_for
    from jingzhi.rectification.models import StreetMonth

    rows = StreetMonth.objects.all()
    if user is not None:
        rows = rows.filter(street_code__in=streets_for(user).values("code"))
    return rows.annotate(district_code=Left("subdistrict_code", 6))
