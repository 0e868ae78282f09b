"""每月一题 and 治理类街乡 as pure rules: quarters, the proposal of next month's topics from a month's problem
counts, the focus list of a quarter from its subdistricts' mean monthly scores, and when an improvement-plan
item is overdue. PURE: no ORM, no clock — the rules themselves are data (`TopicRule`, `FocusRule` rows,
versioned like weight sets), these functions only apply them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.assessment import rules
from jingzhi.core.errors import InvalidInput

# ------------------------------------------------------------------------------------------------ quarters
QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def parse_quarter(text: Any, field_name: str = "quarter") -> str:
    value = str(text or "").strip().upper()
    if not QUARTER_RE.match(value):
        raise InvalidInput(
            _("季度“%(v)s”格式不对，应为 YYYYQn（n 为 1–4），例如 2026Q3。") % {"v": str(text or "").strip()},
            fields={field_name: "invalid"},
        )
    return value


def quarter_months(quarter: str) -> list[str]:
    year, q = int(quarter[:4]), int(quarter[5])
    first = f"{year:04d}-{3 * (q - 1) + 1:02d}"
    return rules.months_between(first, rules.shift_month(first, 2))


def quarter_of(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """The first day of the quarter and of the quarter after it."""
    months = quarter_months(quarter)
    return rules.month_bounds(months[0])[0], rules.month_bounds(months[-1])[1]


def shift_quarter(quarter: str, delta: int) -> str:
    return quarter_of(rules.shift_month(quarter_months(quarter)[0], 3 * delta))


# ------------------------------------------------------------------------------------------------ 每月一题
# The dimensions a problem is counted by: its category, or the place it was reported in.
DIMENSIONS = {
    "category": gettext_lazy("问题类别"),
    "subdistrict": gettext_lazy("街乡"),
    "community": gettext_lazy("社区"),
    "grid": gettext_lazy("网格"),
    "street": gettext_lazy("街巷"),
}


@dataclass(frozen=True)
class TopicRule:
    """How a month's candidates for next month's topic are proposed: per dimension, the `per_dimension`
    most frequent kinds with at least `min_count` cases."""

    effective_from: str
    dimensions: tuple[str, ...]
    per_dimension: int
    min_count: int
    label: str = ""


DEFAULT_TOPIC_RULE = TopicRule(
    effective_from="2000-01",
    dimensions=("category", "community", "street", "grid"),
    per_dimension=3,
    min_count=3,
    label="默认（每类前 3，至少 3 件）",
)


def pick_topic_rule(configured: Iterable[TopicRule], month: str) -> TopicRule:
    applicable = [r for r in configured if r.effective_from <= month]
    return max(applicable, key=lambda r: r.effective_from) if applicable else DEFAULT_TOPIC_RULE


def check_topic_rule(dimensions: Any, per_dimension: Any, min_count: Any) -> tuple[tuple[str, ...], int, int]:
    """A rule from a form or the API → checked values (which field, why)."""
    if isinstance(dimensions, str):
        dimensions = [d for d in re.split(r"[,，、\s]+", dimensions) if d]
    dims = tuple(dict.fromkeys(str(d).strip() for d in (dimensions or ())))
    if not dims:
        raise InvalidInput(_("请至少选择一个统计维度。"), fields={"dimensions": "empty"})
    for d in dims:
        if d not in DIMENSIONS:
            raise InvalidInput(
                _("统计维度“%(d)s”不存在，可选：%(all)s。") % {"d": d, "all": "、".join(DIMENSIONS)},
                fields={"dimensions": d},
            )
    numbers = []
    for name, raw, low, high in (
        ("per_dimension", per_dimension, 1, 20),
        ("min_count", min_count, 1, 100000),
    ):
        try:
            n = int(str(raw).strip())
        except (TypeError, ValueError):
            n = low - 1
        if not low <= n <= high:
            raise InvalidInput(
                _("“%(f)s”应为 %(lo)d 到 %(hi)d 之间的整数，收到“%(v)s”。")
                % {"f": name, "lo": low, "hi": high, "v": raw},
                fields={name: "invalid"},
            )
        numbers.append(n)
    return dims, numbers[0], numbers[1]


@dataclass(frozen=True)
class Candidate:
    dimension: str
    key: str
    label: str
    cases: int
    closed: int
    previous: int | None  # the month before's count (None: none that month)
    rank: int  # position within its dimension, 1 = most frequent

    @property
    def change(self) -> int:
        return self.cases - (self.previous or 0)


def propose(
    counts: Sequence[Mapping[str, Any]], previous: Mapping[tuple[str, str], int], rule: TopicRule
) -> list[Candidate]:
    """The candidates of one month: for each dimension of the rule, the most frequent kinds (ties by key, so
    the list is stable) with at least `min_count` cases, at most `per_dimension` of them. `counts` rows are
    {dimension, key, label, cases, closed}; `previous` maps (dimension, key) to last month's count."""
    out: list[Candidate] = []
    for dimension in rule.dimensions:
        rows = [r for r in counts if r["dimension"] == dimension and int(r["cases"]) >= rule.min_count]
        rows.sort(key=lambda r: (-int(r["cases"]), str(r["key"])))
        for position, r in enumerate(rows[: rule.per_dimension], start=1):
            out.append(
                Candidate(
                    dimension=dimension,
                    key=str(r["key"]),
                    label=str(r.get("label") or r["key"]),
                    cases=int(r["cases"]),
                    closed=int(r.get("closed") or 0),
                    previous=previous.get((dimension, str(r["key"]))),
                    rank=position,
                )
            )
    return out


def change_percent(now: int, before: int | None) -> Decimal | None:
    """The change from `before` to `now` in percent (one decimal); None when there is nothing to compare."""
    if not before:
        return None
    return (Decimal(now - before) * 100 / Decimal(before)).quantize(Decimal("0.1"))


# ------------------------------------------------------------------------------------------------ 治理类街乡
@dataclass(frozen=True)
class FocusRule:
    """Which subdistricts a quarter's focus list holds, by their mean monthly score over the quarter: the
    `bottom` lowest (ties included), and/or those below `below` points. 0 / None switch a part off."""

    effective_from: str  # a quarter, "2026Q3"
    bottom: int
    below: Decimal | None
    label: str = ""


DEFAULT_FOCUS_RULE = FocusRule(effective_from="2000Q1", bottom=3, below=None, label="默认（季度均分末 3 位）")


def pick_focus_rule(configured: Iterable[FocusRule], quarter: str) -> FocusRule:
    """The rule in force for `quarter` ("YYYYQn" compares as text): the latest `effective_from` not after it."""
    applicable = [r for r in configured if r.effective_from <= quarter]
    return max(applicable, key=lambda r: r.effective_from) if applicable else DEFAULT_FOCUS_RULE


def check_focus_rule(bottom: Any, below: Any) -> tuple[int, Decimal | None]:
    try:
        n = int(str(bottom if bottom not in (None, "") else 0).strip())
    except (TypeError, ValueError):
        n = -1
    if not 0 <= n <= 500:
        raise InvalidInput(
            _("“末位数量”应为 0 到 500 之间的整数，收到“%(v)s”。") % {"v": bottom},
            fields={"bottom": "invalid"},
        )
    line: Decimal | None = None
    if below not in (None, ""):
        try:
            line = Decimal(str(below).strip())
        except ArithmeticError:
            line = Decimal(-1)
        if not line.is_finite() or not 0 < line <= 100:
            raise InvalidInput(
                _("“分数线”应为 0 到 100 之间的数，收到“%(v)s”。") % {"v": below}, fields={"below": "invalid"}
            )
    if n == 0 and line is None:
        raise InvalidInput(
            _("请给出末位数量或分数线（至少一项）。"), fields={"bottom": "empty", "below": "empty"}
        )
    return n, line


@dataclass(frozen=True)
class FocusPick:
    code: str
    mean: Decimal
    months: int
    rank: int  # from the top, competition rank among the subdistricts with a mean
    ranked: int
    reasons: tuple[str, ...]  # "bottom", "below"


def mean_scores(scores: Iterable[tuple[str, Decimal | None]]) -> dict[str, tuple[Decimal, int]]:
    """code → (mean of its monthly scores, months with a score), from (code, score) pairs of the quarter."""
    sums: dict[str, list[Decimal]] = {}
    for code, value in scores:
        if value is not None:
            sums.setdefault(code, []).append(Decimal(value))
    return {
        code: (rules.q4(sum(vs) / len(vs)).quantize(Decimal("0.01")), len(vs)) for code, vs in sums.items()
    }


def focus_list(means: Mapping[str, tuple[Decimal, int]], rule: FocusRule) -> list[FocusPick]:
    """The subdistricts the rule lists, lowest mean first (ties by code)."""
    items = [(code, mean) for code, (mean, _n) in means.items()]
    from_top = dict(rules.rank(items, rules.UP))
    from_bottom = dict(rules.rank(items, rules.DOWN))
    picks = []
    for code, mean in items:
        reasons = []
        if rule.bottom and (from_bottom[code] or 0) <= rule.bottom:
            reasons.append("bottom")
        if rule.below is not None and mean < rule.below:
            reasons.append("below")
        if reasons:
            picks.append(
                FocusPick(code, mean, means[code][1], from_top[code] or 0, len(items), tuple(reasons))
            )
    picks.sort(key=lambda p: (p.mean, p.code))
    return picks


PLAN_STATES = {
    "todo": gettext_lazy("未开始"),
    "doing": gettext_lazy("推进中"),
    "done": gettext_lazy("已完成"),
}


def is_overdue(due: date, status: str, today: date) -> bool:
    return status != "done" and due < today
