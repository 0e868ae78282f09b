"""Computing a month's figures from the sources: the read half of the snapshot fill (the action writes).

Conditions become SQL filters (`to_q`, the twin of `rules.holds`) and measures SQL expressions
(`measure_sql`, the twin of `rules.measure_units`); every figure of a source, period field and unit kind
comes from ONE GROUP BY with a filtered COUNT per rate and count and a filtered SUM/MAX/COUNT per mean and
max — the database does the counting, so a month of millions of cases costs a few aggregate queries and no
record is read into Python. (A mean or max given only as a Python function is still read record by record
and summarised with `rules.summarise`.)
Month bounds are in the site's time zone. `records_for` gives the same records one figure counted, for
"explain".
"""

from __future__ import annotations

import operator
from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal
from functools import lru_cache

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
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


# One figure before it is stored: (indicator, unit kind, unit code, numerator, denominator, value), the
# numbers as exact decimal text ("0.9500"; value None when nothing was counted). Plain tuples: a month has
# hundreds of thousands of them.
Cell = tuple[str, str, str, str, str, "str | None"]


class _Micros(Func):
    """Microseconds of a difference of two moments, as an integer: SQLite's difference (Django's
    `django_timestamp_diff`) already is one; PostgreSQL's interval gives its exact epoch."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.get_source_expressions()[0])

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"(EXTRACT(EPOCH FROM {sql}) * 1000000)::bigint", params


def measure_sql(m: rules.Measure):
    """The SQL twin of `rules.measure_units`: one record's measure in units of 0.0001 (an integer), NULL
    when it has none — the same integer, so SUM, MAX and COUNT of it give the figures `rules.summarise`
    would, exactly."""
    big = BigIntegerField()
    if isinstance(m, rules.FieldValue):
        return Cast(Round(F(m.field) * Value(10000)), big)
    if isinstance(m, rules.TimeRatio):
        taken = _Micros(F(m.end) - F(m.start))
        allowed = _Micros(F(m.limit) - F(m.start))
        ratio = ExpressionWrapper((taken * Value(20000) + allowed) / (allowed * Value(2)), output_field=big)
        return Case(
            When(GreaterThan(allowed, 0), then=Case(When(GreaterThanOrEqual(taken, 0), then=ratio))),
            output_field=big,
        )
    raise TypeError(f"unknown measure {m!r}")


@lru_cache(maxsize=1 << 16)
def _rate_text(numerator: int, denominator: int) -> str:
    """`rules.rate` as text, in integers (half up to four places): the same pairs (3 of 4, 1 of 1 …) recur
    across tens of thousands of small units."""
    units = (2 * numerator * 10000 + denominator) // (2 * denominator)
    return f"{units // 10000}.{units % 10000:04d}"


def _units_text(units: int) -> str:
    return str(Decimal(units).scaleb(-4))


def compute_month(month: str) -> list[Cell]:
    """Every figure of `month`, for every registered indicator and unit kind: per source, period field and
    unit kind ONE GROUP BY with a filtered COUNT per rate and count, and a filtered SUM, MAX and COUNT per
    measured mean or max. Means and maxima given as a function (no `measure`) are read record by record."""
    cells: list[Cell] = []
    groups: dict[tuple[str, str], list[Indicator]] = defaultdict(list)
    for indicator in registry.indicators():
        groups[(indicator.source, indicator.period_field)].append(indicator)
    for (source_name, period_field), members in sorted(groups.items()):
        source = registry.source(source_name)
        base = source.rows().filter(period_q(source, period_field, month)).order_by()
        grouped = [i for i in members if i.kind in (rules.RATE, rules.COUNT) or i.measure is not None]
        summarised = [i for i in members if i.kind in (rules.MEAN, rules.MAX) and i.measure is None]
        cells += _grouped(source, base, grouped)
        cells += _summaries(source, base, summarised)
    return cells


def _kind_groups(source: Source, kinds: set[str]) -> list[tuple[str, ...]]:
    """The unit kinds counted together: the source's rollup groups (the kinds of each that are used), then
    every other kind alone."""
    groups, placed = [], set()
    for rollup in source.rollup:
        chosen = tuple(kind for kind in rollup if kind in kinds and kind not in placed)
        if chosen:
            groups.append(chosen)
            placed.update(chosen)
    return groups + [(kind,) for kind in sorted(kinds - placed)]


def _grouped(source: Source, base, members: list[Indicator]) -> list[Cell]:
    cells: list[Cell] = []
    append = cells.append
    for kinds in _kind_groups(source, {kind for i in members for kind in i.unit_kinds}):
        columns = [source.unit_fields[kind] for kind in kinds]
        chosen = [i for i in members if set(kinds) & set(i.unit_kinds)]
        aggregates: dict = {}
        plan = []  # (indicator, kind, aggregate names) in row order
        seen: dict = {}
        for indicator in chosen:
            if indicator.measure is not None:
                key = ("m", indicator.where, indicator.measure)
                if key not in seen:
                    n = len(seen)
                    expression = measure_sql(indicator.measure)
                    where = to_q(indicator.where)
                    aggregates[f"s{n}"] = Coalesce(
                        Sum(expression, filter=where), Value(0), output_field=BigIntegerField()
                    )
                    aggregates[f"x{n}"] = Max(expression, filter=where)
                    aggregates[f"c{n}"] = Count(expression, filter=where)
                    seen[key] = n
                n = seen[key]
                plan.append((indicator, indicator.kind, f"s{n}", f"x{n}", f"c{n}"))
                continue
            key = ("d", indicator.where)
            if key not in seen:
                seen[key] = len(seen)
                aggregates[f"d{seen[key]}"] = Count("pk", filter=to_q(indicator.where))
            d = f"d{seen[key]}"
            if indicator.kind == rules.RATE:
                key = ("n", indicator.where, indicator.hit)
                if key not in seen:
                    seen[key] = len(seen)
                    aggregates[f"n{seen[key]}"] = Count(
                        "pk", filter=to_q(indicator.where) & to_q(indicator.hit)
                    )
                plan.append((indicator, rules.RATE, f"n{seen[key]}", d, ""))
            else:
                plan.append((indicator, rules.COUNT, d, d, ""))
        names = sorted(aggregates, key=lambda name: name[0] == "x")  # maxima last (`_added_up`)
        at = {name: n for n, name in enumerate(names)}
        qs = base
        if len(kinds) == 1:  # alone: the units without a code are left out by the database
            qs = qs.exclude(**{f"{columns[0]}__isnull": True}).exclude(**{columns[0]: ""})
        rows = qs.values(*columns).annotate(**aggregates).values_list(*columns, *names)
        for kind, units in _added_up(kinds, names, rows).items():
            steps = [
                (i.code, how, at[a], at[b], at[c] if c else 0)
                for i, how, a, b, c in plan
                if kind in i.unit_kinds
            ]
            _cells_of(kind, units, steps, append)
    return cells


def _larger(before, value):
    if before is None:
        return value
    return before if value is None or before >= value else value


def _added_up(kinds: tuple[str, ...], names: list[str], rows) -> dict[str, dict[str, list]]:
    """kind -> unit code -> its aggregates, from rows grouped by the fields of all `kinds` (unit codes
    first, coarsest kind first, then the aggregates: counts and sums — never NULL — then maxima, the
    names starting with "x"). One kind: the rows as they come. Several: level by level from the finest,
    each level's groups added into the next coarser one's (key: the codes of the kinds above), so each
    row is added once per level of groups, not once per kind; exact whatever the codes are."""
    width = len(kinds)
    if width == 1:
        return {kinds[0]: {str(row[0]): row[1:] for row in rows}}
    sums = sum(1 for name in names if name[0] != "x")
    add = operator.add

    def merge(total, values):
        return [*map(add, total[:sums], values[:sums]), *map(_larger, total[sums:], values[sums:])]

    units: dict[str, dict[str, list]] = {}
    level = [(row[:width], row[width:]) for row in rows]
    for depth in range(width, 0, -1):
        found: dict[str, list] = {}
        coarser: dict[tuple, list] = {}
        for codes, values in level:
            code = codes[-1]
            if code is not None and code != "":
                code = str(code)
                total = found.get(code)
                found[code] = values if total is None else merge(total, values)
            if depth > 1:
                above = codes[:-1]
                total = coarser.get(above)
                coarser[above] = values if total is None else merge(total, values)
        units[kinds[depth - 1]] = found
        level = list(coarser.items())
    return units


def _cells_of(kind: str, units: dict, steps: list, append) -> None:
    """The figures of one unit kind from each unit's aggregates (positions in `steps`)."""
    rate_text = _rate_text
    for unit, row in units.items():
        for code, how, a, b, c in steps:
            if how == rules.RATE:
                denominator = row[b]
                if denominator:
                    append((code, kind, unit, str(row[a]), str(denominator), rate_text(row[a], denominator)))
            elif how == rules.COUNT:
                count = row[a]
                if count:
                    text = str(count)
                    append((code, kind, unit, text, text, text))
            else:
                count = row[c]
                if not count:
                    continue
                if how == rules.MEAN:
                    total = Decimal(row[a]).scaleb(-4)
                    append((code, kind, unit, str(total), str(count), str(rules.q4(total / count))))
                else:
                    top = _units_text(row[b])
                    append((code, kind, unit, top, str(count), top))


def _summaries(source: Source, base, members: list[Indicator]) -> list[Cell]:
    """Means and maxima given as a Python function of the record (no `measure`): the records are read and
    summarised one by one. Indicators that read the same records with the same value share one pass."""
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
                cells.append(
                    (
                        indicator.code,
                        kind,
                        code,
                        str(t.numerator),
                        str(t.denominator),
                        None if t.value is None else str(t.value),
                    )
                )
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
