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
# The figures shown beside the score in a ranking, per unit kind.
SIDE_BY_SIDE = {
    "subdistrict": ("response_rate", "resolution_rate", "satisfaction_rate"),
    "community": ("response_rate", "resolution_rate", "satisfaction_rate"),
    "department": ("closure_rate", "on_time_closure_rate", "rework_rate"),
    "street": ("ten_pass_rate", "ten_score_mean", "letter_signed_rate"),
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
    and the side-by-side figures. Four queries whatever the number of units."""
    if not permissions.can_view_assessment(user):
        raise NotFound()
    month = rules.parse_month(month)
    check_kind(kind)
    scores = list(
        Score.objects.filter(_district_q(user), month=month, unit_kind=kind).order_by("rank", "unit_code")
    )
    scores.sort(key=lambda s: (s.rank is None, s.rank or 0, s.unit_code))
    codes = [s.unit_code for s in scores]
    previous = dict(
        Score.objects.filter(
            month=rules.shift_month(month, -1), unit_kind=kind, unit_code__in=codes
        ).values_list("unit_code", "rank")
    )
    side = SIDE_BY_SIDE.get(kind, ())
    figures: dict[str, dict[str, Figure]] = {}
    for figure in Figure.objects.filter(month=month, unit_kind=kind, unit_code__in=codes, indicator__in=side):
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
    from jingzhi.accounts import access

    if not permissions.can_view_assessment(user):
        return []
    qs = Figure.objects.filter(month=month, unit_kind="grid", indicator="reported_cases")
    codes = access.scope_codes(user, roles=permissions.ASSESS_ROLES)
    if codes is not None:
        q = Q(pk__in=[])
        for code in codes:
            q |= Q(unit_code__startswith=code)
        qs = qs.filter(q)
    return list(qs.order_by("-numerator", "unit_code")[:limit])
