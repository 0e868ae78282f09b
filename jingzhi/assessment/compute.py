"""Computing a month's figures from the sources: the read half of the snapshot fill (the action writes).

Conditions become SQL filters (`to_q`, the twin of `rules.holds`); rates and counts are one GROUP BY per
source, period field and unit kind, with one filtered COUNT per indicator — the database does the counting,
so a month of millions of cases costs a few aggregate queries. Means and maxima read only the records their
condition picks (late cases, rated summonses, inspections) and summarise them with `rules.summarise`.
Month bounds are in the site's time zone. `records_for` gives the same records one figure counted, for
"explain".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, F, Q
from django.utils import timezone

from jingzhi.assessment import registry, rules
from jingzhi.assessment.registry import DATE, DATETIME, Source
from jingzhi.assessment.rules import Cond, Indicator

_LOOKUP = {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}


def to_q(cond: Cond) -> Q:
    """The SQL filter of a condition, with the same two-valued meaning as `rules.holds`."""
    if isinstance(cond, rules.Always):
        return Q()
    if isinstance(cond, rules.Eq):
        return Q(**{cond.field: cond.value})
    if isinstance(cond, rules.In):
        return Q(**{f"{cond.field}__in": list(cond.values)})
    if isinstance(cond, rules.NotNull):
        return Q(**{f"{cond.field}__isnull": False})
    if isinstance(cond, rules.NotBlank):
        return Q(**{f"{cond.field}__isnull": False}) & ~Q(**{cond.field: ""})
    if isinstance(cond, rules.Cmp):
        right = F(cond.other_field) if cond.other_field else cond.value
        q = Q(**{f"{cond.field}__isnull": False, f"{cond.field}__{_LOOKUP[cond.op]}": right})
        if cond.other_field:
            q &= Q(**{f"{cond.other_field}__isnull": False})
        return q
    if isinstance(cond, rules.And):
        q = Q()
        for part in cond.parts:
            q &= to_q(part)
        return q
    if isinstance(cond, rules.Or):
        q = Q(pk__in=[])
        for part in cond.parts:
            q |= to_q(part)
        return q
    if isinstance(cond, rules.Not):
        return ~to_q(cond.part)
    raise TypeError(f"unknown condition {cond!r}")


def period_q(source: Source, period_field: str, month: str) -> Q:
    if source.period_kinds[period_field] == DATE:
        first, after = rules.month_bounds(month)
        return Q(**{f"{period_field}__gte": first, f"{period_field}__lt": after})
    if source.period_kinds[period_field] == DATETIME:
        first, after = rules.month_bounds(month)
        zone = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(first, time.min), zone)
        end = timezone.make_aware(datetime.combine(after, time.min), zone)
        return Q(**{f"{period_field}__gte": start, f"{period_field}__lt": end})
    return Q(**{period_field: month})


@dataclass
class Cell:
    """One figure before it is stored."""

    indicator: str
    unit_kind: str
    unit_code: str
    numerator: Decimal
    denominator: Decimal
    value: Decimal | None


# The same pairs (3 of 4, 1 of 1 …) recur across tens of thousands of small units: computed once each.
_rate = lru_cache(maxsize=1 << 16)(rules.rate)


def compute_month(month: str) -> list[Cell]:
    """Every figure of `month`, for every registered indicator and unit kind."""
    cells: list[Cell] = []
    groups: dict[tuple[str, str], list[Indicator]] = defaultdict(list)
    for indicator in registry.indicators():
        groups[(indicator.source, indicator.period_field)].append(indicator)
    for (source_name, period_field), members in sorted(groups.items()):
        source = registry.source(source_name)
        base = source.rows().filter(period_q(source, period_field, month)).order_by()
        counted = [i for i in members if i.kind in (rules.RATE, rules.COUNT)]
        summarised = [i for i in members if i.kind in (rules.MEAN, rules.MAX)]
        cells += _counts(source, base, counted)
        cells += _summaries(source, base, summarised)
    return cells


def _counts(source: Source, base, members: list[Indicator]) -> list[Cell]:
    cells: list[Cell] = []
    kinds = sorted({kind for i in members for kind in i.unit_kinds})
    for kind in kinds:
        column = source.unit_fields[kind]
        chosen = [i for i in members if kind in i.unit_kinds]
        aggregates = {}
        for n, indicator in enumerate(chosen):
            aggregates[f"d{n}"] = Count("pk", filter=to_q(indicator.where))
            if indicator.kind == rules.RATE:
                aggregates[f"n{n}"] = Count("pk", filter=to_q(indicator.where) & to_q(indicator.hit))
        rows = (
            base.exclude(**{f"{column}__isnull": True})
            .exclude(**{column: ""})
            .values(column)
            .annotate(**aggregates)
        )
        for row in rows:
            code = str(row[column])
            for n, indicator in enumerate(chosen):
                denominator = row[f"d{n}"]
                if indicator.kind == rules.RATE:
                    if denominator == 0:
                        continue
                    numerator = row[f"n{n}"]
                    value = _rate(numerator, denominator)
                else:
                    if denominator == 0:
                        continue
                    numerator, value = denominator, Decimal(denominator)
                cells.append(
                    Cell(indicator.code, kind, code, Decimal(numerator), Decimal(denominator), value)
                )
    return cells


def _summaries(source: Source, base, members: list[Indicator]) -> list[Cell]:
    """Means and maxima. Indicators that read the same records with the same value (a mean and a max of
    超时倍数) share one pass over them: the rows are read once, each value computed once."""
    cells: list[Cell] = []
    shared: dict[tuple, list[Indicator]] = defaultdict(list)
    for indicator in members:
        assert indicator.value is not None
        shared[(indicator.where, indicator.value, indicator.value_fields)].append(indicator)
    for (where, value_of, value_fields), group in shared.items():
        kinds = sorted({kind for i in group for kind in i.unit_kinds})
        columns = [(kind, source.unit_fields[kind]) for kind in kinds]
        fields = sorted({column for _kind, column in columns} | set(value_fields))
        at = {name: n for n, name in enumerate(fields)}
        placed = [(kind, at[column]) for kind, column in columns]
        collected: dict[tuple[str, str], list[float]] = defaultdict(list)
        for values in base.filter(to_q(where)).values_list(*fields).iterator(chunk_size=10000):
            value = value_of(dict(zip(fields, values, strict=True)))
            if value is None:
                continue
            for kind, n in placed:
                code = values[n]
                if code not in (None, ""):
                    collected[(kind, str(code))].append(value)
        for indicator in group:
            for (kind, code), found in sorted(collected.items()):
                if kind not in indicator.unit_kinds:
                    continue
                t = rules.summarise(indicator.kind, found)
                cells.append(Cell(indicator.code, kind, code, t.numerator, t.denominator, t.value))
    return cells


def records_for(indicator: Indicator, unit_kind: str, unit_code: str, month: str, qs=None):
    """The records behind one figure (all of them, or within `qs`): its denominator's records, each
    annotated `in_numerator`. For a mean or max, the records whose value entered it."""
    source = registry.source(indicator.source)
    qs = source.rows() if qs is None else qs
    column = source.unit_fields[unit_kind]
    return qs.filter(
        period_q(source, indicator.period_field, month), to_q(indicator.where), **{column: unit_code}
    )


def numerator_q(indicator: Indicator) -> Q:
    return to_q(indicator.hit)
