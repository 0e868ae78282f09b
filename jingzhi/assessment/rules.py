"""考核 as pure rules: the condition language indicators are written in, the arithmetic of rates, means and
maxima, weighted scores, grades A–E, rankings with ties, months and weight sets. PURE: no ORM, no clock.

An indicator's numerator and denominator are *conditions over one record* (a case, a whistle summons, an
inspection) written as small values (`Eq`, `In`, `NotNull`, `Le`, `And`, `Not` …), not as code. The same
condition is evaluated two ways: `holds(cond, row)` here, over a plain mapping, and `jingzhi.assessment.sql.
to_q(cond)`, as one SQL filter the snapshot fill aggregates with. Tests recompute every figure from the raw
rows with `holds` and compare it with the snapshot, so the two cannot drift; and "explain" lists exactly the
records the SQL counted. Comparisons are two-valued: a comparison with a missing value is false (and its
negation true), in Python and in SQL alike.

Months are "YYYY-MM"; internally an index (year × 12 + month − 1) so arithmetic crosses year ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.errors import InvalidInput

# ------------------------------------------------------------------------------------------------ conditions


class Cond:
    """A condition over one record (a mapping of field name → value)."""

    def __and__(self, other: Cond) -> Cond:
        return And((self, other))

    def __or__(self, other: Cond) -> Cond:
        return Or((self, other))

    def __invert__(self) -> Cond:
        return Not(self)

    def fields(self) -> set[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class Always(Cond):
    def fields(self) -> set[str]:
        return set()


@dataclass(frozen=True)
class Eq(Cond):
    field: str
    value: Any

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class In(Cond):
    field: str
    values: tuple

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class NotNull(Cond):
    """The field has a value (not None)."""

    field: str

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class NotBlank(Cond):
    """A text field has a value (neither None nor the empty string of a blank column)."""

    field: str

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class Cmp(Cond):
    """`field op other`: other is another field's name (`other_field`) or a constant (`value`)."""

    field: str
    op: str  # "lt" | "le" | "gt" | "ge"
    other_field: str = ""
    value: Any = None

    def fields(self) -> set[str]:
        return {self.field, self.other_field} - {""}


def Le(a: str, b: str) -> Cmp:  # noqa: N802 - reads like the other condition constructors
    return Cmp(a, "le", other_field=b)


def Lt(a: str, b: str) -> Cmp:  # noqa: N802
    return Cmp(a, "lt", other_field=b)


def Gt(a: str, b: str) -> Cmp:  # noqa: N802
    return Cmp(a, "gt", other_field=b)


def Ge(a: str, b: str) -> Cmp:  # noqa: N802
    return Cmp(a, "ge", other_field=b)


def GtValue(a: str, value: Any) -> Cmp:  # noqa: N802
    return Cmp(a, "gt", value=value)


@dataclass(frozen=True)
class And(Cond):
    parts: tuple[Cond, ...]

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))


@dataclass(frozen=True)
class Or(Cond):
    parts: tuple[Cond, ...]

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))


@dataclass(frozen=True)
class Not(Cond):
    part: Cond

    def fields(self) -> set[str]:
        return self.part.fields()


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _present(value: Any) -> bool:
    return value is not None and value != ""


def holds(cond: Cond, row: Mapping[str, Any]) -> bool:
    """Whether `row` meets `cond` (the Python twin of `sql.to_q`)."""
    if isinstance(cond, Always):
        return True
    if isinstance(cond, Eq):
        return bool(row.get(cond.field) == cond.value)
    if isinstance(cond, In):
        return row.get(cond.field) in cond.values
    if isinstance(cond, NotNull):
        return row.get(cond.field) is not None
    if isinstance(cond, NotBlank):
        return _present(row.get(cond.field))
    if isinstance(cond, Cmp):
        left = row.get(cond.field)
        right = row.get(cond.other_field) if cond.other_field else cond.value
        if left is None or right is None:
            return False
        return _OPS[cond.op](left, right)
    if isinstance(cond, And):
        return all(holds(p, row) for p in cond.parts)
    if isinstance(cond, Or):
        return any(holds(p, row) for p in cond.parts)
    if isinstance(cond, Not):
        return not holds(cond.part, row)
    raise TypeError(f"unknown condition {cond!r}")


# ------------------------------------------------------------------------------------------------ measures
class Measure:
    """The number one record contributes to a mean or a max, as data: `measure(m, row)` here, and
    `compute.measure_sql(m)` as one SQL expression the fill aggregates (SUM, MAX, COUNT) in the same
    GROUP BY as the counts. Values are exact to four places (rounded half up), so both agree to the digit."""

    def fields(self) -> tuple[str, ...]:
        raise NotImplementedError


@dataclass(frozen=True)
class FieldValue(Measure):
    """A numeric field's value (None when missing)."""

    field: str

    def fields(self) -> tuple[str, ...]:
        return (self.field,)


@dataclass(frozen=True)
class TimeRatio(Measure):
    """(end − start) / (limit − start): time taken over time allowed (超时倍数 when `end` is past `limit`).
    None when a moment is missing, the allowance is not positive or the time taken is negative."""

    start: str
    end: str
    limit: str

    def fields(self) -> tuple[str, ...]:
        return (self.start, self.end, self.limit)


_MICRO = timedelta(microseconds=1)


def measure_units(m: Measure, row: Mapping[str, Any]) -> int | None:
    """The measure of one record in units of 0.0001 (an exact integer), or None."""
    if isinstance(m, FieldValue):
        value = row.get(m.field)
        if value is None or value == "":
            return None
        return int(Decimal(str(value)).scaleb(4).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if isinstance(m, TimeRatio):
        start, end, limit = row.get(m.start), row.get(m.end), row.get(m.limit)
        if start is None or end is None or limit is None:
            return None
        taken, allowed = (end - start) // _MICRO, (limit - start) // _MICRO
        if allowed <= 0 or taken < 0:
            return None
        return int((2 * taken * 10000 + allowed) // (2 * allowed))  # half up, both non-negative
    raise TypeError(f"unknown measure {m!r}")


def measure(m: Measure, row: Mapping[str, Any]) -> Decimal | None:
    """The measure of one record, to four places."""
    units = measure_units(m, row)
    return None if units is None else Decimal(units).scaleb(-4)


# ------------------------------------------------------------------------------------------------ indicators
RATE, COUNT, MEAN, MAX = "rate", "count", "mean", "max"
UP, DOWN = "up", "down"  # higher is better / lower is better

UNIT_KINDS = {
    "district": gettext_lazy("区"),
    "subdistrict": gettext_lazy("街乡"),
    "community": gettext_lazy("社区"),
    "grid": gettext_lazy("网格"),
    "street": gettext_lazy("街巷"),
    "department": gettext_lazy("部门"),
    # People: figures per person (unit code = the user's id), from the case timeline's actors.
    "inspector": gettext_lazy("监督员"),
    "operator": gettext_lazy("受理员"),
    "dispatcher": gettext_lazy("派遣员"),
    "handler": gettext_lazy("处置人员"),
}
# The person unit kinds: their figures carry a name, are read only by staff (`permissions.person_q`) and
# never reach a public surface.
PERSON_KINDS = ("inspector", "operator", "dispatcher", "handler")


@dataclass(frozen=True)
class Indicator:
    """One figure per unit and month. `where` picks the records counted (the denominator of a rate; the
    records of a count, mean or max); `hit` the numerator of a rate; `measure` (data, computed in SQL by the
    fill) or else `value` (a function, with the fields it reads, summarised record by record) the number a
    mean or max is taken of. `period_field` names the record's date or month that places it in a month."""

    code: str
    label: Any
    source: str
    kind: str
    where: Cond
    period_field: str
    unit_kinds: tuple[str, ...]
    hit: Cond = field(default_factory=Always)
    value: Callable[[Mapping[str, Any]], float | None] | None = None
    value_fields: tuple[str, ...] = ()
    direction: str = UP
    target: Decimal | None = None
    unit: str = "%"
    description: Any = ""
    order: int = 100
    measure: Measure | None = None

    def __post_init__(self) -> None:
        if self.measure is not None and self.value is None:
            object.__setattr__(self, "value", _MeasureOf(self.measure))
            object.__setattr__(self, "value_fields", self.measure.fields())

    def in_denominator(self, row: Mapping[str, Any]) -> bool:
        return holds(self.where, row)

    def in_numerator(self, row: Mapping[str, Any]) -> bool:
        return holds(self.where, row) and holds(self.hit, row)


@dataclass(frozen=True)
class _MeasureOf:
    """`Indicator.value` of an indicator given a `measure`: the same number, record by record."""

    measure: Measure

    def __call__(self, row: Mapping[str, Any]) -> Decimal | None:
        return measure(self.measure, row)


@dataclass(frozen=True)
class Tally:
    numerator: Decimal
    denominator: Decimal
    value: Decimal | None


FOUR = Decimal("0.0001")


def q4(number: Decimal | float | int) -> Decimal:
    return Decimal(str(number)).quantize(FOUR, rounding=ROUND_HALF_UP)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator to four places; None when nothing was counted (not zero: an empty
    denominator is no evidence either way)."""
    if denominator <= 0:
        return None
    return q4(Decimal(numerator) / Decimal(denominator))


def tally(indicator: Indicator, rows: Iterable[Mapping[str, Any]]) -> Tally:
    """The figure of `indicator` over plain rows — the definition the snapshot fill must agree with."""
    chosen = [row for row in rows if indicator.in_denominator(row)]
    if indicator.kind == RATE:
        hits = sum(1 for row in chosen if holds(indicator.hit, row))
        return Tally(Decimal(hits), Decimal(len(chosen)), rate(hits, len(chosen)))
    if indicator.kind == COUNT:
        return Tally(Decimal(len(chosen)), Decimal(len(chosen)), Decimal(len(chosen)))
    assert indicator.value is not None
    values = [v for v in (indicator.value(row) for row in chosen) if v is not None]
    return summarise(indicator.kind, values)


def summarise(kind: str, values: Sequence[float | Decimal]) -> Tally:
    """A mean or a max over values (None when there are none)."""
    if not values:
        return Tally(Decimal(0), Decimal(0), None)
    total = q4(sum(Decimal(str(v)) for v in values))
    if kind == MEAN:
        return Tally(total, Decimal(len(values)), q4(total / len(values)))
    top = q4(max(Decimal(str(v)) for v in values))
    return Tally(top, Decimal(len(values)), top)


def overdue_multiple(
    started: datetime | None, deadline: datetime | None, finished: datetime | None
) -> float | None:
    """超时倍数 of a finished step: time taken over time allowed, for steps that ran past their deadline
    (None for on-time ones, or when a moment is missing). Plain elapsed time, as the stored deadline
    already folds the working calendar into the allowance."""
    if started is None or deadline is None or finished is None or finished <= deadline:
        return None
    allowed = (deadline - started).total_seconds()
    if allowed <= 0:
        return None
    return round((finished - started).total_seconds() / allowed, 4)


# ------------------------------------------------------------------------------------------------ scores
@dataclass(frozen=True)
class WeightSet:
    """How one unit kind is scored from a month on: `weights` indicator → points (they need not add up to
    100: a unit's score is out of their sum plus the band's maximum, scaled to 100); `band_indicator` and
    `bands` (volume ≥ threshold → points, highest threshold first) give the published department formula's
    volume band; `grades` are the lower bounds of A, B, C, D (else E)."""

    unit_kind: str
    effective_from: str
    weights: tuple[tuple[str, Decimal], ...]
    band_indicator: str = ""
    bands: tuple[tuple[int, Decimal], ...] = ()
    grades: tuple[Decimal, ...] = (Decimal(90), Decimal(75), Decimal(60), Decimal(40))
    label: str = ""

    @property
    def band_max(self) -> Decimal:
        return max((points for _t, points in self.bands), default=Decimal(0))


GRADE_LETTERS = ("A", "B", "C", "D", "E")

DEFAULT_WEIGHT_SETS = {
    # The three rates of 接诉即办: a common non-Beijing choice (DOMAIN.md §8); official weights are not public.
    "subdistrict": WeightSet(
        "subdistrict",
        "2000-01",
        (
            (
                ("response_rate", Decimal(30)),
                ("resolution_rate", Decimal(35)),
                ("satisfaction_rate", Decimal(35)),
            )
        ),
        label="默认（30/35/35）",
    ),
    "community": WeightSet(
        "community",
        "2000-01",
        (
            (
                ("response_rate", Decimal(30)),
                ("resolution_rate", Decimal(35)),
                ("satisfaction_rate", Decimal(35)),
            )
        ),
        label="默认（30/35/35）",
    ),
    # The published department formula: volume band (10) + 30%·closure + 30%·on time + 30%·(1 − rework).
    "department": WeightSet(
        "department",
        "2000-01",
        (
            ("closure_rate", Decimal(30)),
            ("on_time_closure_rate", Decimal(30)),
            ("rework_rate", Decimal(30)),
        ),
        band_indicator="dispatched_cases",
        bands=((200, Decimal(10)), (50, Decimal(8)), (10, Decimal(6)), (0, Decimal(4))),
        label="默认（量级 + 30/30/30）",
    ),
    # People (a default of this project; no published formula): what each role's own work decides.
    "inspector": WeightSet(
        "inspector", "2000-01", (("person_valid_report_rate", Decimal(100)),), label="默认（有效上报率）"
    ),
    "operator": WeightSet(
        "operator", "2000-01", (("person_filed_closure_rate", Decimal(100)),), label="默认（立案结案率）"
    ),
    "dispatcher": WeightSet(
        "dispatcher", "2000-01", (("person_return_rate", Decimal(100)),), label="默认（1 − 退单率）"
    ),
    "handler": WeightSet(
        "handler",
        "2000-01",
        (("person_on_time_rate", Decimal(50)), ("person_rework_rate", Decimal(50))),
        label="默认（50 按期 + 50 不返工）",
    ),
}


def band_points(volume: Decimal | int | None, bands: Sequence[tuple[int, Decimal]]) -> Decimal:
    for threshold, points in sorted(bands, key=lambda b: -b[0]):
        if volume is not None and Decimal(volume) >= threshold:
            return Decimal(points)
    return Decimal(0)


def score(
    values: Mapping[str, Decimal | None], weights: WeightSet, directions: Mapping[str, str]
) -> tuple[Decimal | None, dict[str, Decimal]]:
    """A unit's weighted score out of 100 and each part's points. A rate counts as its value (0..1), a
    lower-is-better rate as 1 − value. A figure with no value (nothing counted) is left out and the other
    weights carry the score, so a unit is neither rewarded nor punished for an empty denominator; with no
    value at all the score is None."""
    parts: dict[str, Decimal] = {}
    earned, possible = Decimal(0), Decimal(0)
    for code, weight in weights.weights:
        value = values.get(code)
        if value is None:
            continue
        value = Decimal(value)
        if directions.get(code) == DOWN:
            value = Decimal(1) - value
        points = weight * min(max(value, Decimal(0)), Decimal(1))
        parts[code] = q4(points)
        earned += points
        possible += weight
    if possible == 0:
        return None, parts
    if weights.bands:
        band = band_points(values.get(weights.band_indicator), weights.bands)
        parts["band"] = q4(band)
        earned += band
        possible += weights.band_max
    return (earned * 100 / possible).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), parts


def grade(
    points: Decimal | None, bounds: Sequence[Decimal] = DEFAULT_WEIGHT_SETS["department"].grades
) -> str:
    """A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E (bounds configurable); '' without a score."""
    if points is None:
        return ""
    for letter, bound in zip(GRADE_LETTERS, bounds, strict=False):
        if points >= bound:
            return letter
    return GRADE_LETTERS[len(bounds)] if len(bounds) < len(GRADE_LETTERS) else GRADE_LETTERS[-1]


def rank(items: Iterable[tuple[str, Decimal | None]], direction: str = UP) -> list[tuple[str, int | None]]:
    """Competition ranking ("1, 1, 3"): equal values share a rank, the next rank skips; the order among
    equals is by code, so it is stable from one run to the next. Units without a value come last, unranked."""
    items = list(items)
    valued = [(code, value) for code, value in items if value is not None]
    empty = sorted(code for code, value in items if value is None)
    sign = -1 if direction == UP else 1
    valued.sort(key=lambda cv: (sign * cv[1], cv[0]))
    ranked: list[tuple[str, int | None]] = []
    previous: Decimal | None = None
    current = 0
    for position, (code, value) in enumerate(valued, start=1):
        if previous is None or value != previous:
            current = position
            previous = value
        ranked.append((code, current))
    return ranked + [(code, None) for code in empty]


def pick_weight_set(candidates: Iterable[WeightSet], unit_kind: str, month: str) -> WeightSet | None:
    """The set in force for `month`: the latest `effective_from` not after it (the built-in default when no
    configured set applies). A month is always scored with the set in force for it, not today's."""
    applicable = [w for w in candidates if w.unit_kind == unit_kind and w.effective_from <= month]
    if applicable:
        return max(applicable, key=lambda w: w.effective_from)
    return DEFAULT_WEIGHT_SETS.get(unit_kind)


def parse_weights(
    raw: Any, known: Mapping[str, Iterable[str]], unit_kind: str
) -> tuple[tuple[str, Decimal], ...]:
    """{"indicator": points, …} from a form or the API → checked pairs. `known` maps each indicator code to
    the unit kinds it applies to."""
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput(_("权重不能为空，应为“指标编码: 分值”的对应表。"), fields={"weights": "empty"})
    pairs: list[tuple[str, Decimal]] = []
    for code, points in raw.items():
        if code not in known:
            raise InvalidInput(_("未知的指标“%(code)s”。") % {"code": code}, fields={"weights": code})
        if unit_kind not in set(known[code]):
            raise InvalidInput(
                _("指标“%(code)s”不适用于%(kind)s。")
                % {"code": code, "kind": UNIT_KINDS.get(unit_kind, unit_kind)},
                fields={"weights": code},
            )
        try:
            number = Decimal(str(points).strip())
        except ArithmeticError:
            number = Decimal(-1)
        if not number.is_finite() or number <= 0 or number > 100:
            raise InvalidInput(
                _("指标“%(code)s”的权重应为 0 到 100 之间的正数，收到“%(v)s”。")
                % {"code": code, "v": points},
                fields={"weights": code},
            )
        pairs.append((code, number))
    return tuple(sorted(pairs))


# ------------------------------------------------------------------------------------------------ months
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: Any, field_name: str = "month") -> str:
    value = str(text or "").strip()
    if not MONTH_RE.match(value):
        raise InvalidInput(
            _("月份“%(v)s”格式不对，应为 YYYY-MM，例如 2026-11。") % {"v": value},
            fields={field_name: "invalid"},
        )
    return value


def month_index(month: str) -> int:
    year, mon = int(month[:4]), int(month[5:7])
    return year * 12 + mon - 1


def month_of_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift_month(month: str, delta: int) -> str:
    return month_of_index(month_index(month) + delta)


def month_of(day: date | datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `month` and of the month after it (the half-open range a month covers)."""
    start = date(int(month[:4]), int(month[5:7]), 1)
    nxt = shift_month(month, 1)
    return start, date(int(nxt[:4]), int(nxt[5:7]), 1)


def months_between(first: str, last: str) -> list[str]:
    return [month_of_index(i) for i in range(month_index(first), month_index(last) + 1)]
