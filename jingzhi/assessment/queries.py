"""Reads of the scoreboard, already scoped to the reader: rankings, a unit's month report and trends, and
"explain" — the records behind one figure. Everything but explain reads only the snapshot tables.

Explain re-runs the figure's own condition (`compute.records_for`) inside the owning app's scoped query for
the reader (`Source.visible`), so the list is exactly the counted records the reader may see; when the
reader sees fewer than the figure counted, the page says so rather than showing a different number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from jingzhi.assessment import compute, permissions, registry, rules
from jingzhi.assessment.models import Figure, FillRun, Score
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.types import Reader

RANKED_KINDS = ("subdistrict", "department", "community", "street")
PERSON_KINDS = permissions.PERSON_KINDS
# The figures shown beside the score in a ranking, per unit kind.
SIDE_BY_SIDE = {
    "subdistrict": ("response_rate", "resolution_rate", "satisfaction_rate"),
    "community": ("response_rate", "resolution_rate", "satisfaction_rate"),
    "department": ("closure_rate", "on_time_closure_rate", "rework_rate"),
    "street": ("ten_pass_rate", "ten_score_mean", "letter_signed_rate"),
    "inspector": ("person_reported", "person_valid_report_rate", "person_checked"),
    "operator": ("person_filed", "person_filed_closure_rate"),
    "dispatcher": ("person_dispatched", "person_return_rate"),
    "handler": (
        "person_handled",
        "person_on_time_rate",
        "person_rework_rate",
        "person_overdue_multiple_mean",
    ),
}


def _district_q(user) -> Q:
    codes = permissions.district_codes(user)
    if codes is None:
        return Q()
    return Q(district_code__in=codes)


def months_filled() -> list[str]:
    """The months that have a snapshot, newest first. Read from the fill runs (the newest run of a month
    is its state), not from the snapshot tables: those hold every figure of every month, and a page that
    lists the months must not read them all."""
    newest = FillRun.objects.values("month").annotate(last=Max("id")).values("last")
    return sorted(
        set(
            FillRun.objects.filter(pk__in=newest)
            .filter(Q(figures__gt=0) | Q(scores__gt=0))
            .values_list("month", flat=True)
        ),
        reverse=True,
    )


def latest_month() -> str:
    months = months_filled()
    return months[0] if months else ""


def default_month() -> str:
    """The month a leader reads by default: the latest complete month that is filled (the current month is
    still running), else the latest filled."""
    from jingzhi.assessment.actions import current_month

    months = months_filled()
    this = current_month()
    complete = [m for m in months if m < this]
    return complete[0] if complete else (months[0] if months else "")


def last_fill(month: str) -> FillRun | None:
    return FillRun.objects.filter(month=month).order_by("-finished_at", "-id").first()


def check_kind(kind: str, field_name: str = "kind") -> str:
    if kind not in rules.UNIT_KINDS:
        raise InvalidInput(
            _("单位类型“%(k)s”不存在，可选：%(all)s。") % {"k": kind, "all": "、".join(rules.UNIT_KINDS)},
            fields={field_name: "invalid"},
        )
    return kind


def check_indicator(code: str) -> rules.Indicator:
    indicator = registry.indicator(code)
    if indicator is None:
        raise InvalidInput(_("指标“%(c)s”不存在。") % {"c": code}, fields={"indicator": "invalid"})
    return indicator


def display(indicator: rules.Indicator | None, value: Decimal | None) -> str:
    """A figure as people read it: rates as percentages, the rest as numbers."""
    if value is None:
        return "—"
    if indicator is not None and indicator.kind == rules.RATE:
        return f"{(value * 100).quantize(Decimal('0.1'))}%"
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.quantize(Decimal("0.01")))


@dataclass
class RankingRow:
    score: Score
    previous_rank: int | None
    figures: dict[str, Figure] = field(default_factory=dict)

    @property
    def change(self) -> int | None:
        """Places gained since last month (positive = up), None when either month is unranked."""
        if self.score.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.score.rank


def ranking(user: Reader, month: str, kind: str) -> list[RankingRow]:
    """The month's ranking of `kind` units the reader may see (city-wide ranks), with last month's rank
    and the side-by-side figures. Three queries whatever the number of units, each with a constant number
    of parameters (last month's ranks and the figures select the listed units by a subquery, not by a list
    of their codes)."""
    if permissions.is_person_kind(kind):
        # People: only those the reader covers (permissions.person_q), never by district alone.
        if not permissions.can_view_people(user):
            raise NotFound()
        scope = permissions.person_q(user)
    else:
        if not permissions.can_view_assessment(user):
            raise NotFound()
        scope = _district_q(user)
    month = rules.parse_month(month)
    check_kind(kind)
    listed = Score.objects.filter(scope, month=month, unit_kind=kind)
    scores = list(listed.order_by("rank", "unit_code"))
    scores.sort(key=lambda s: (s.rank is None, s.rank or 0, s.unit_code))
    codes = listed.values("unit_code")
    previous = dict(
        Score.objects.filter(
            month=rules.shift_month(month, -1), unit_kind=kind, unit_code__in=codes
        ).values_list("unit_code", "rank")
    )
    side = SIDE_BY_SIDE.get(kind, ())
    figures: dict[str, dict[str, Figure]] = {}
    chosen = Figure.objects.filter(month=month, unit_kind=kind, unit_code__in=codes, indicator__in=side)
    for figure in chosen:
        figures.setdefault(figure.unit_code, {})[figure.indicator] = figure
    return [RankingRow(s, previous.get(s.unit_code), figures.get(s.unit_code, {})) for s in scores]


@dataclass
class FigureRow:
    indicator: rules.Indicator
    figure: Figure | None
    trend: list[tuple[str, Decimal | None]]

    @property
    def text(self) -> str:
        return display(self.indicator, self.figure.value if self.figure else None)

    @property
    def meets_target(self) -> bool | None:
        if self.figure is None or self.figure.value is None or self.indicator.target is None:
            return None
        if self.indicator.direction == rules.UP:
            return self.figure.value >= self.indicator.target
        return self.figure.value <= self.indicator.target


@dataclass
class UnitReport:
    kind: str
    code: str
    name: str
    month: str
    score: Score | None
    previous: Score | None
    rows: list[FigureRow]
    months: list[str]


def unit_report(user: Reader, kind: str, code: str, month: str, *, trend_months: int = 6) -> UnitReport:
    """Every figure of one unit for `month`, each with its trend over the last `trend_months` months."""
    month = rules.parse_month(month)
    check_kind(kind)
    first = rules.shift_month(month, -(trend_months - 1))
    figures = list(
        Figure.objects.filter(unit_kind=kind, unit_code=code, month__gte=first, month__lte=month).order_by(
            "month"
        )
    )
    scores = {
        s.month: s
        for s in Score.objects.filter(
            unit_kind=kind, unit_code=code, month__in=[month, rules.shift_month(month, -1)]
        )
    }
    district = (figures[-1].district_code if figures else "") or (code[:6] if kind != "department" else "")
    if kind == "department" and not figures:
        raise NotFound()
    permissions.check_unit(user, kind, code, district)
    if not figures and month not in scores:
        raise NotFound()
    months = rules.months_between(first, month)
    by_key = {(f.indicator, f.month): f for f in figures}
    rows = []
    for indicator in registry.indicators_for(kind):
        trend = [
            (m, by_key[(indicator.code, m)].value if (indicator.code, m) in by_key else None) for m in months
        ]
        current = by_key.get((indicator.code, month))
        if current is None and all(v is None for _m, v in trend):
            continue
        rows.append(FigureRow(indicator, current, trend))
    name = figures[-1].unit_name if figures else code
    return UnitReport(
        kind, code, name, month, scores.get(month), scores.get(rules.shift_month(month, -1)), rows, months
    )


@dataclass
class Explanation:
    indicator: rules.Indicator
    figure: Figure
    records: list[dict]
    visible_count: int
    total_count: int
    truncated: bool


def explain(
    user: Reader, month: str, indicator_code: str, kind: str, code: str, *, limit: int = 500
) -> Explanation:
    """The records behind one figure that the reader may see, each marked in or out of the numerator."""
    month = rules.parse_month(month)
    check_kind(kind)
    indicator = check_indicator(indicator_code)
    figure = Figure.objects.filter(
        month=month, indicator=indicator.code, unit_kind=kind, unit_code=code
    ).first()
    if figure is None:
        raise NotFound()
    permissions.check_unit(user, kind, code, figure.district_code)
    source = registry.source(indicator.source)
    scoped = compute.records_for(indicator, kind, code, month, qs=source.visible(user))
    total = compute.records_for(indicator, kind, code, month).count()
    chosen = list(source.prefetch(scoped.order_by("pk"))[:limit])
    hits: set = set()
    if indicator.kind == rules.RATE and chosen:
        hits = set(
            scoped.filter(compute.numerator_q(indicator), pk__in=[r.pk for r in chosen]).values_list(
                "pk", flat=True
            )
        )
    records = []
    for record in chosen:
        row = source.describe(record)
        row["in_numerator"] = record.pk in hits if indicator.kind == rules.RATE else None
        records.append(row)
    visible = scoped.count()
    return Explanation(indicator, figure, records, visible, total, visible > len(chosen))


def kind_label(kind: str) -> str:
    return str(rules.UNIT_KINDS.get(kind, kind))


THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


def district_trend(
    user: Reader, month: str, *, months: int = 6
) -> list[tuple[str, list[tuple[str, float | None]]]]:
    """The three rates of the reader's district (the first, for a reader of several) over `months` months,
    as percentages: the dashboard's trend chart."""
    codes = permissions.district_codes(user)
    q = Figure.objects.filter(unit_kind="district", indicator__in=THREE_RATES)
    if codes is not None:
        q = q.filter(unit_code__in=codes)
    district = q.order_by("unit_code").values_list("unit_code", flat=True).first()
    if district is None:
        return []
    span = rules.months_between(rules.shift_month(month, -(months - 1)), month)
    values = {
        (f.indicator, f.month): f.value
        for f in q.filter(unit_code=district, month__in=span).only("indicator", "month", "value")
    }
    out = []
    for code in THREE_RATES:
        indicator = registry.indicator(code)
        if indicator is None:
            continue
        points = [
            (m, float(values[(code, m)] * 100) if values.get((code, m)) is not None else None) for m in span
        ]
        out.append((str(indicator.label), points))
    return out


def hot_grids(user: Reader, month: str, *, limit: int = 10) -> list[Figure]:
    """The grids with the most cases reported in the month, within the reader's jurisdiction (the hot spots)."""
    return list(_hot_grids(user, month)[:limit])


def _hot_grids(user: Reader, month: str):
    """The reader's grids' 受理量 figures of the month, most cases first (read in the order of the partial
    index `assessment_figure_hot_grid`)."""
    from jingzhi.accounts import access

    if not permissions.can_view_assessment(user):
        return Figure.objects.none()
    qs = Figure.objects.filter(month=month, unit_kind="grid", indicator="reported_cases")
    codes = access.scope_codes(user, roles=permissions.ASSESS_ROLES)
    if codes is not None:
        q = Q(pk__in=[])
        for code in codes:
            q |= Q(unit_code__startswith=code)
        qs = qs.filter(q)
    return qs.order_by("-numerator", "unit_code").only("unit_code", "unit_name", "numerator")


# ------------------------------------------------------------------------------------------------ 每月一题
def topic_candidates_of(district_code: str, source_month: str) -> list:
    """The proposal of `source_month` for one district (no reader: the actions check who asks), from the
    problem-count snapshot with the rule in force for the month."""
    from jingzhi.assessment import topic_rules
    from jingzhi.assessment.actions import topic_rules_configured
    from jingzhi.assessment.models import ProblemCount

    rule = topic_rules.pick_topic_rule(topic_rules_configured(), source_month)
    counts = list(
        ProblemCount.objects.filter(
            month=source_month, district_code=district_code, dimension__in=rule.dimensions
        ).values("dimension", "key", "label", "cases", "closed")
    )
    keys = [(c["dimension"], c["key"]) for c in counts]
    previous = {
        (p["dimension"], p["key"]): p["cases"]
        for p in ProblemCount.objects.filter(
            month=rules.shift_month(source_month, -1),
            district_code=district_code,
            dimension__in=rule.dimensions,
            key__in={k for _d, k in keys},
        ).values("dimension", "key", "cases")
    }
    return topic_rules.propose(counts, previous, rule)


def topic_districts(user: Reader) -> list[str]:
    """The districts whose topics the reader sees."""
    from jingzhi.assessment.models import MonthlyTopic, ProblemCount

    codes = permissions.district_codes(user)
    if codes is not None:
        return codes
    return sorted(
        set(ProblemCount.objects.values_list("district_code", flat=True).distinct())
        | set(MonthlyTopic.objects.values_list("district_code", flat=True).distinct())
    )


def problem_months() -> list[str]:
    from jingzhi.assessment.models import ProblemCount

    return sorted(set(ProblemCount.objects.values_list("month", flat=True).distinct()), reverse=True)


@dataclass
class CandidateRow:
    candidate: object
    decision: object | None  # the MonthlyTopic row, if decided

    @property
    def token(self) -> str:
        """How a form names the candidate: "dimension|key"."""
        return f"{self.candidate.dimension}|{self.candidate.key}"  # type: ignore[attr-defined]

    @property
    def dimension_label(self) -> str:
        from jingzhi.assessment import topic_rules

        dimension = self.candidate.dimension  # type: ignore[attr-defined]
        return str(topic_rules.DIMENSIONS.get(dimension, dimension))

    @property
    def change_percent(self):
        from jingzhi.assessment import topic_rules

        c = self.candidate
        return topic_rules.change_percent(c.cases, c.previous)  # type: ignore[attr-defined]


@dataclass
class TopicBoard:
    district_code: str
    district_name: str
    source_month: str
    month: str
    rule: object
    rows: list[CandidateRow]
    topics: list  # confirmed topics of `month`
    can_decide: bool


def topic_board(user: Reader, source_month: str, district_code: str = "") -> TopicBoard:
    """A month's candidates for next month's topic in one of the reader's districts, each with its decision,
    and the topics already confirmed for next month."""
    from jingzhi.assessment import topic_rules, units
    from jingzhi.assessment.actions import topic_rules_configured
    from jingzhi.assessment.models import MonthlyTopic

    if not permissions.can_view_assessment(user):
        raise NotFound()
    source_month = rules.parse_month(source_month)
    districts = topic_districts(user)
    if district_code:
        if district_code not in districts:
            raise NotFound()
    elif districts:
        district_code = districts[0]
    else:
        raise NotFound()
    month = rules.shift_month(source_month, 1)
    decided = {
        (t.dimension, t.key): t for t in MonthlyTopic.objects.filter(district_code=district_code, month=month)
    }
    candidates = topic_candidates_of(district_code, source_month)
    rows = [CandidateRow(c, decided.get((c.dimension, c.key))) for c in candidates]
    return TopicBoard(
        district_code=district_code,
        district_name=units.names("district", [district_code])[district_code][0],
        source_month=source_month,
        month=month,
        rule=topic_rules.pick_topic_rule(topic_rules_configured(), source_month),
        rows=rows,
        topics=[t for t in decided.values() if t.decision == MonthlyTopic.CONFIRMED],
        can_decide=permissions.can_decide_topic(user, district_code),
    )


def topics_visible(user: Reader, *, month: str = ""):
    """The confirmed topics of the reader's districts (newest first)."""
    from jingzhi.assessment.models import MonthlyTopic

    if not permissions.can_view_assessment(user):
        raise NotFound()
    qs = MonthlyTopic.objects.filter(decision=MonthlyTopic.CONFIRMED)
    codes = permissions.district_codes(user)
    if codes is not None:
        qs = qs.filter(district_code__in=codes)
    if month:
        qs = qs.filter(month=rules.parse_month(month))
    return qs.order_by("-month", "dimension", "key")


_TOPIC_CASE_FIELDS = {
    "subdistrict": "subdistrict_code",
    "community": "community_code",
    "grid": "grid_code",
    "street": "street_code",
}


def _topic_case_q(topic) -> Q:
    if topic.dimension == "category":
        kind, _sep, code = topic.key.partition(":")
        return Q(category__kind=kind, category__code=code)
    return Q(**{_TOPIC_CASE_FIELDS[topic.dimension]: topic.key})


@dataclass
class TopicTracking:
    topic: object
    source: tuple[int, int]  # (cases, closed) in the month it was chosen from
    current: tuple[int, int]  # (cases, closed) in the topic month
    trend: list[tuple[str, int, int]]  # (month, cases, closed) from the source month on
    records: list[dict]
    visible_count: int
    truncated: bool

    @property
    def change(self) -> int:
        return self.current[0] - self.source[0]

    @property
    def change_percent(self):
        from jingzhi.assessment import topic_rules

        return topic_rules.change_percent(self.current[0], self.source[0])

    @property
    def closed_rate(self):
        return rules.rate(self.current[1], self.current[0])


def topic_tracking(user: Reader, topic_id, *, limit: int = 200, months_after: int = 3) -> TopicTracking:
    """One confirmed topic: its cases in the topic month (and how many are closed) against the month it was
    chosen from, a few months' trend (snapshot), and the topic month's cases the reader may see (no personal
    data). Outside the reader's districts: the same 404 as a missing topic."""
    from jingzhi.assessment.models import MonthlyTopic, ProblemCount
    from jingzhi.assessment.sources.cases import CASES, VALID

    if not permissions.can_view_assessment(user) or not str(topic_id).isdigit():
        raise NotFound()
    topic = MonthlyTopic.objects.filter(pk=topic_id, decision=MonthlyTopic.CONFIRMED).first()
    codes = permissions.district_codes(user)
    if topic is None or (codes is not None and topic.district_code not in codes):
        raise NotFound()
    span = rules.months_between(topic.source_month, rules.shift_month(topic.month, months_after - 1))
    counts = {
        m: (c, d)
        for m, c, d in ProblemCount.objects.filter(
            district_code=topic.district_code, dimension=topic.dimension, key=topic.key, month__in=span
        ).values_list("month", "cases", "closed")
    }
    filled = set(problem_months())
    trend = [(m, *counts.get(m, (0, 0))) for m in span if m in filled or m in counts]
    scoped = (
        CASES.visible(user)
        .filter(
            compute.period_q(CASES, "reported_at", topic.month),
            compute.to_q(VALID),
            _topic_case_q(topic),
            district_code=topic.district_code,
        )
        .order_by("pk")
    )
    chosen = list(CASES.prefetch(scoped)[:limit])
    visible = scoped.count()
    return TopicTracking(
        topic=topic,
        source=counts.get(topic.source_month, (topic.source_cases, 0)),
        current=counts.get(topic.month, (0, 0)),
        trend=trend,
        records=[CASES.describe(c) for c in chosen],
        visible_count=visible,
        truncated=visible > len(chosen),
    )


# ------------------------------------------------------------------------------------------------ 治理类街乡
def focus_quarters() -> list[str]:
    """Quarters with a focus list, and those of the filled months (newest first)."""
    from jingzhi.assessment import topic_rules
    from jingzhi.assessment.models import FocusEntry

    quarters = {topic_rules.quarter_of(m) for m in months_filled()}
    quarters |= set(FocusEntry.objects.values_list("quarter", flat=True).distinct())
    return sorted(quarters, reverse=True)


def default_quarter() -> str:
    """The quarter of the default month (the last complete month)."""
    from jingzhi.assessment import topic_rules

    month = default_month()
    return topic_rules.quarter_of(month) if month else ""


@dataclass
class FocusRow:
    entry: object
    items: int
    done: int
    overdue: int
    can_open: bool


def focus_list(user: Reader, quarter: str) -> list[FocusRow]:
    """A quarter's focus list within the reader's districts, with each plan's progress; `can_open` says
    whether the reader may open the plan (its own subdistrict, or district staff)."""
    from django.db.models import Count

    from jingzhi.assessment import topic_rules
    from jingzhi.assessment.models import FocusEntry, PlanItem

    if not permissions.can_view_assessment(user):
        raise NotFound()
    quarter = topic_rules.parse_quarter(quarter)
    from jingzhi.core import clock

    today = timezone_today(clock.now())
    qs = FocusEntry.objects.filter(_district_q(user), quarter=quarter).annotate(
        n_items=Count("items", distinct=True),
        n_done=Count("items", filter=Q(items__status=PlanItem.DONE), distinct=True),
        n_overdue=Count(
            "items", filter=Q(items__due_date__lt=today) & ~Q(items__status=PlanItem.DONE), distinct=True
        ),
    )
    return [
        FocusRow(
            e,
            e.n_items,
            e.n_done,
            e.n_overdue,
            permissions.can_view_plan(user, e.unit_code),
        )
        for e in qs.order_by("-listed", "mean_score", "unit_code")
    ]


def timezone_today(now):
    from django.utils import timezone

    return timezone.localtime(now).date()


@dataclass
class PlanItemRow:
    item: object
    notes: list
    overdue: bool


@dataclass
class FocusPlan:
    entry: object
    items: list[PlanItemRow]
    can_edit: bool
    months: list[tuple[str, object]]  # the quarter's monthly scores (month, Score | None)


def focus_plan(user: Reader, quarter: str, unit_code: str) -> FocusPlan:
    """One focus subdistrict's improvement plan: its own staff and the district's staff read it; anyone else
    gets the same 404 as for a subdistrict that is not on the list."""
    from jingzhi.assessment import topic_rules
    from jingzhi.assessment.models import FocusEntry, PlanItem
    from jingzhi.core import clock

    quarter = topic_rules.parse_quarter(quarter)
    entry = FocusEntry.objects.filter(quarter=quarter, unit_code=unit_code).first()
    if entry is None or not permissions.can_view_plan(user, entry.unit_code):
        raise NotFound()
    today = timezone_today(clock.now())
    items = list(
        PlanItem.objects.filter(entry=entry).select_related("department").prefetch_related("notes__author")
    )
    months = topic_rules.quarter_months(quarter)
    scores = {
        s.month: s
        for s in Score.objects.filter(unit_kind="subdistrict", unit_code=unit_code, month__in=months)
    }
    return FocusPlan(
        entry=entry,
        items=[
            PlanItemRow(i, list(i.notes.all()), topic_rules.is_overdue(i.due_date, i.status, today))
            for i in items
        ],
        can_edit=permissions.can_edit_plan(user, entry.unit_code),
        months=[(m, scores.get(m)) for m in months],
    )


# ------------------------------------------------------------------------------------------------ people
def my_reports(user: Reader, month: str, *, trend_months: int = 6) -> list[UnitReport]:
    """ "我的考核": the reader's own month report for every person kind they have figures of (in the trend
    window). Their own figures only — the unit code is the reader's id."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    month = rules.parse_month(month)
    first = rules.shift_month(month, -(trend_months - 1))
    kinds = set(
        Figure.objects.filter(
            unit_code=str(user.pk),
            unit_kind__in=permissions.PERSON_KINDS,
            month__gte=first,
            month__lte=month,
        )
        .values_list("unit_kind", flat=True)
        .distinct()
    )
    return [
        unit_report(user, kind, str(user.pk), month, trend_months=trend_months)
        for kind in permissions.PERSON_KINDS
        if kind in kinds
    ]


def people_kinds(user: Reader) -> list[str]:
    """The person kinds whose rankings the reader may list."""
    return list(permissions.person_kinds_for(user))


# ------------------------------------------------------------------------------------------------ public
PUBLIC_KINDS = ("subdistrict", "department")


def public_ranking(month: str, kind: str) -> list[dict]:
    """The month's ranking of subdistricts or departments for the public page: name, rank, change, score,
    grade and the three side-by-side figures as text — plain values, no person, no case, no code that
    opens anything. Three queries whatever the number of units."""
    month = rules.parse_month(month)
    if kind not in PUBLIC_KINDS:
        raise InvalidInput(
            _("公开排名只有街乡和部门两类，收到“%(k)s”。") % {"k": kind}, fields={"kind": "invalid"}
        )
    scores = list(Score.objects.filter(month=month, unit_kind=kind).exclude(rank__isnull=True))
    scores.sort(key=lambda s: (s.rank or 0, s.unit_code))
    codes = [s.unit_code for s in scores]
    previous = dict(
        Score.objects.filter(
            month=rules.shift_month(month, -1), unit_kind=kind, unit_code__in=codes
        ).values_list("unit_code", "rank")
    )
    side = [registry.indicator(c) for c in SIDE_BY_SIDE[kind]]
    figures: dict[tuple[str, str], Decimal | None] = {
        (f.unit_code, f.indicator): f.value
        for f in Figure.objects.filter(
            month=month, unit_kind=kind, unit_code__in=codes, indicator__in=SIDE_BY_SIDE[kind]
        ).only("unit_code", "indicator", "value")
    }
    rows = []
    for s in scores:
        before = previous.get(s.unit_code)
        rows.append(
            {
                "rank": s.rank,
                "name": s.unit_name,
                "score": s.score,
                "grade": s.grade,
                "change": (before - s.rank) if before is not None and s.rank is not None else None,
                "figures": [display(i, figures.get((s.unit_code, i.code))) for i in side if i is not None],
            }
        )
    return rows


def public_months() -> list[str]:
    """Months with subdistrict or department scores, newest first (what the public page offers)."""
    return sorted(
        set(Score.objects.filter(unit_kind__in=PUBLIC_KINDS).values_list("month", flat=True).distinct()),
        reverse=True,
    )


# ------------------------------------------------------------------------------------------------ big screen
@dataclass
class Screen:
    month: str
    district: str
    rates: list[tuple[rules.Indicator, Figure | None]]
    top: list[RankingRow]
    bottom: list[RankingRow]
    ranked: int
    trend: list[tuple[str, list[tuple[str, float | None]]]]


def screen(user: Reader, month: str, *, size: int = 5) -> Screen:
    """The leader's wall screen: the reader's district's three rates for the month, the subdistrict
    ranking's top and bottom `size`, and six months' trend. A fixed number of queries."""
    if not permissions.can_view_assessment(user):
        raise NotFound()
    month = rules.parse_month(month)
    codes = permissions.district_codes(user)
    q = Figure.objects.filter(month=month, unit_kind="district", indicator__in=THREE_RATES)
    if codes is not None:
        q = q.filter(unit_code__in=codes)
    rows = list(q.order_by("unit_code"))
    district = rows[0].unit_code if rows else ""
    by_code = {f.indicator: f for f in rows if f.unit_code == district}
    rates = [(i, by_code.get(i.code)) for i in (registry.indicator(c) for c in THREE_RATES) if i is not None]
    ranked = [r for r in ranking(user, month, "subdistrict") if r.score.rank is not None]
    # Top and bottom never repeat a unit: with fewer than 2 × size units the list is split in half.
    half = min(size, (len(ranked) + 1) // 2)
    top = ranked[:half]
    bottom = ranked[half:][-size:][::-1]
    return Screen(
        month, rows[0].unit_name if rows else "", rates, top, bottom, len(ranked), district_trend(user, month)
    )


# ------------------------------------------------------------------------------------------------ hot-spot map
HOT_BANDS = 5


def hot_band(count: Decimal | int, top: Decimal | int) -> int:
    """A grid's colour band 1..HOT_BANDS by its share of the month's busiest grid (0 for none)."""
    if not top or not count or count <= 0:
        return 0
    share = Decimal(count) / Decimal(top)
    return max(1, min(HOT_BANDS, int((share * HOT_BANDS).to_integral_value(rounding="ROUND_CEILING"))))


def hot_grid_map(user: Reader, month: str, *, limit: int = 2000) -> dict:
    """The grids of the reader's jurisdiction with cases received in the month, from the snapshot
    (`reported_cases` of unit kind grid — no case scan), with their outlines from geo: a GeoJSON
    FeatureCollection whose features carry the count and a colour band, the reader's subdistricts'
    outlines, and the bounds. Three queries, whatever the number of grids.
    Geometries are as stored; the web layer simplifies them for drawing."""
    from jingzhi.geo.queries import grids_for, subdistricts_for

    hot = _hot_grids(user, month)[:limit]
    grids = list(hot)
    # The subdistricts' outlines, drawn under the cells so the hot spots have a place around them.
    outlines = [
        {
            "type": "Feature",
            "id": row["code"],
            "properties": {"name": row["name"]},
            "geometry": row["geometry"],
        }
        for row in subdistricts_for(user)
        .select_related(None)
        .order_by("code")
        .values("code", "name", "geometry")
        if row["geometry"]
    ]
    top = max((g.numerator for g in grids), default=Decimal(0))
    counts = {g.unit_code: g for g in grids}
    features = []
    bounds = None
    if counts:
        rows = (
            grids_for(user)
            .select_related(None)
            .filter(code__in=hot.values("unit_code"))  # the same grids, as a subquery: no list of codes
            .values("code", "name", "geometry", "min_lon", "min_lat", "max_lon", "max_lat")
        )
        for row in rows:
            figure = counts.get(row["code"])
            geometry = row["geometry"]
            if figure is None or geometry is None:
                continue
            n = int(figure.numerator)
            features.append(
                {
                    "type": "Feature",
                    "id": row["code"],
                    "properties": {
                        "code": row["code"],
                        "name": row["name"],
                        "count": n,
                        "band": hot_band(n, top),
                    },
                    "geometry": geometry,
                }
            )
            if row["min_lon"] is not None:
                box = (row["min_lat"], row["min_lon"], row["max_lat"], row["max_lon"])
                bounds = (
                    box
                    if bounds is None
                    else (
                        min(bounds[0], box[0]),
                        min(bounds[1], box[1]),
                        max(bounds[2], box[2]),
                        max(bounds[3], box[3]),
                    )
                )
    features.sort(key=lambda f: f["id"])
    return {
        "type": "FeatureCollection",
        "features": features,
        "outlines": outlines,
        "bounds": [[bounds[0], bounds[1]], [bounds[2], bounds[3]]] if bounds else None,
        "top": int(top),
    }
