"""The rules of 十无一创建 as pure functions: periods, the score, the grade rule, accountability and the
文明街巷 criteria. PURE: no ORM, no clock — the actions read the configuration rows (`StandardVersion`,
`AccountabilityRule`) and hand plain values in, so every rule is tested on its own (across a year
boundary, on the exact threshold) and the same rule drives the demo, the web form and the API.

Months are "YYYY-MM" strings; internally a month is an index (year × 12 + month − 1), so "consecutive" is
plain arithmetic that knows 2024-12 is followed by 2025-01.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

# Scores, points and satisfaction arrive as Decimal from the tables and as int, float or text from forms.
Number = Decimal | int | float | str

# The ten items of DOMAIN.md §4 in published order, plus 一创建. (code, name, points, per finding, rule text)
DEFAULT_ITEMS = [
    ("illegal_construction", "无私搭乱建", 10, 5, "每处违法建设扣 5 分"),
    ("wall_openings", "无开墙打洞", 10, 5, "每处开墙打洞扣 5 分"),
    ("illegal_parking", "无乱停车", 10, 2, "每辆违停车辆扣 2 分"),
    ("road_occupation", "无乱占道", 10, 2, "每处占道经营或堆放扣 2 分"),
    ("overhead_wires", "无乱搭架空线", 10, 2, "每处乱搭架空线扣 2 分"),
    ("facade_damage", "无外立面破损", 10, 2, "每处外立面破损扣 2 分"),
    ("illegal_signboards", "无违规广告牌匾", 10, 2, "每块违规广告牌匾扣 2 分"),
    ("road_damage", "无道路破损", 10, 2, "每处道路破损扣 2 分"),
    ("illegal_business", "无违规经营", 10, 2, "每处违规经营扣 2 分"),
    ("piled_materials", "无堆物堆料", 10, 2, "每处堆物堆料扣 2 分"),
]
CIVILIZED_CODE = "civilized_street"
CIVILIZED_NAME = "创建文明街巷"

FAILING = "failing"
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


# ------------------------------------------------------------------------------------------------ periods
def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_of(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def month_index(month: str) -> int:
    match = MONTH_RE.match(month or "")
    if not match:
        raise ValueError(month)
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_month(month: str) -> str:
    return month_from_index(month_index(month) - 1)


def months_between(first: str, last: str) -> list[str]:
    return [month_from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def period_for(kind: str, day: date) -> str:
    """The period an inspection on `day` counts for: the quarter for third-party checks, else the month."""
    return quarter_of(day) if kind == "third_party" else month_of(day)


def period_problem(kind: str, period: str, day: date) -> str | None:
    """Why `period` does not fit an inspection of `kind` on `day`, or None."""
    expected = period_for(kind, day)
    if period != expected:
        return _("检查日期 %(day)s 属于周期 %(expected)s，与填写的周期 %(period)s 不符") % {
            "day": day.isoformat(),
            "expected": expected,
            "period": period,
        }
    return None


# ------------------------------------------------------------------------------------------------ score
@dataclass(frozen=True)
class Finding:
    """One item's result as the score needs it."""

    code: str
    points: Decimal
    deduction: Decimal


def sign_problem(today: date, starts_on: date, appointed_on: date, street_name: str = "") -> str | None:
    """Why a task letter may not be signed `today`: before its own start date, or before its chief took
    office (the chief signs as the street's chief, so not before being one). None when it may be."""
    if today < appointed_on:
        return _("%(name)s的街巷长任职日期是 %(appointed)s，任职之前不能签署任务书（今天是 %(today)s）") % {
            "name": street_name or _("该街巷"),
            "appointed": appointed_on,
            "today": today,
        }
    if today < starts_on:
        return _("任务书的开始日期是 %(start)s，开始之前不能签署（今天是 %(today)s）") % {
            "start": starts_on,
            "today": today,
        }
    return None


def deduction_problem(name: str, points: Decimal, deduction: Decimal) -> str | None:
    if deduction < 0:
        return _("“%(name)s”的扣分不能为负数") % {"name": name}
    if deduction > points:
        return _("“%(name)s”扣 %(d)s 分，超过该项分值 %(p)s 分") % {
            "name": name,
            "d": _num(deduction),
            "p": _num(points),
        }
    return None


def suggested_deduction(count: int, per_finding: Decimal, points: Decimal) -> Decimal:
    """The deduction rule: so many points per finding, never more than the item is worth."""
    return min(Decimal(count) * Decimal(per_finding), Decimal(points))


def score(full_score: Number, findings: Iterable[Finding]) -> Decimal:
    """Full score less every deduction, never below zero. Raises ValueError on an impossible deduction."""
    total = Decimal(full_score)
    for finding in findings:
        problem = deduction_problem(finding.code, Decimal(finding.points), Decimal(finding.deduction))
        if problem:
            raise ValueError(problem)
        total -= Decimal(finding.deduction)
    return max(total, Decimal(0))


def _num(value: Number) -> str:
    value = Decimal(value)
    return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value.normalize())


# ------------------------------------------------------------------------------------------------ grades
@dataclass(frozen=True)
class GradeRule:
    downgrade_below: Decimal = Decimal(90)
    restore_at_least: Decimal = Decimal(90)
    restore_months: int = 3

    def fails(self, value: Number) -> bool:
        return Decimal(value) < self.downgrade_below

    def good(self, value: Number) -> bool:
        return Decimal(value) >= self.restore_at_least


@dataclass(frozen=True)
class GradeStep:
    month: str
    kind: str  # first | downgrade | restore | award
    from_grade: str
    to_grade: str
    reason: str
    score: Decimal | None = None


GRADE_LABELS = {"premium": "精品", "fine": "优美", "standard": "达标", FAILING: "不达标"}


def grade_label(grade: str) -> str:
    from django.utils.translation import gettext

    return gettext(GRADE_LABELS.get(grade, grade)) if grade else gettext("未定级")


def replay_grades(
    month_scores: Mapping[str, Decimal],
    rule: GradeRule,
    *,
    awards: Mapping[str, str] | None = None,
    initial_awarded: str = "standard",
) -> tuple[str, str, list[GradeStep]]:
    """Walk the months in order and return (grade, awarded grade, the changes).

    A month scoring below `downgrade_below` drops the street to 不达标; while it is 不达标, `restore_months`
    consecutive calendar months at `restore_at_least` or above bring it back to its awarded grade (a missing
    month or a low one starts the count again). `awards` (month → grade) are grades a person awarded; a
    failing street keeps 不达标 and returns to the newly awarded grade when restored."""
    awards = dict(awards or {})
    months = sorted(set(month_scores) | set(awards), key=month_index)
    grade, awarded = "", initial_awarded
    streak, last_good = 0, None
    steps: list[GradeStep] = []
    for month in months:
        if month in awards:
            awarded = awards[month]
            if grade != FAILING and grade != awarded:
                steps.append(
                    GradeStep(month, "award", grade, awarded, _("评定为%(g)s") % {"g": grade_label(awarded)})
                )
                grade = awarded
        if month not in month_scores:
            continue
        value = Decimal(month_scores[month])
        if rule.fails(value):
            streak, last_good = 0, None
            if grade != FAILING:
                steps.append(
                    GradeStep(
                        month,
                        "downgrade",
                        grade,
                        FAILING,
                        _("%(m)s 得分 %(s)s，低于 %(t)s 分，降为不达标")
                        % {"m": month, "s": _num(value), "t": _num(rule.downgrade_below)},
                        value,
                    )
                )
                grade = FAILING
            continue
        if not grade:
            steps.append(
                GradeStep(
                    month,
                    "first",
                    "",
                    awarded,
                    _("%(m)s 得分 %(s)s，定为%(g)s")
                    % {"m": month, "s": _num(value), "g": grade_label(awarded)},
                    value,
                )
            )
            grade = awarded
            continue
        if grade == FAILING and rule.good(value):
            index = month_index(month)
            streak = streak + 1 if last_good is not None and last_good == index - 1 else 1
            last_good = index
            if streak >= rule.restore_months:
                first = month_from_index(index - rule.restore_months + 1)
                steps.append(
                    GradeStep(
                        month,
                        "restore",
                        FAILING,
                        awarded,
                        _("%(a)s 至 %(b)s 连续 %(n)d 个月不低于 %(t)s 分，恢复为%(g)s")
                        % {
                            "a": first,
                            "b": month,
                            "n": rule.restore_months,
                            "t": _num(rule.restore_at_least),
                            "g": grade_label(awarded),
                        },
                        value,
                    )
                )
                grade, streak, last_good = awarded, 0, None
        elif grade == FAILING:
            streak, last_good = 0, None
    return grade, awarded, steps


# ------------------------------------------------------------------------------------------------ accountability
def failing_run(month_scores: Mapping[str, Decimal], month: str, rule: GradeRule) -> int:
    """How many consecutive calendar months up to and including `month` scored below the line."""
    count, index = 0, month_index(month)
    while True:
        value = month_scores.get(month_from_index(index))
        if value is None or not rule.fails(value):
            return count
        count += 1
        index -= 1


@dataclass(frozen=True)
class RuleRef:
    id: int
    failing_months: int
    proposal: str


def proposals_due(run: int, rules: Iterable[RuleRef]) -> list[RuleRef]:
    """The rules whose threshold the failing run has just reached (exactly: a run of 3 proposes what a
    threshold of 3 asks, not again what 2 asked last month)."""
    return [rule for rule in rules if rule.failing_months == run]


# ------------------------------------------------------------------------------------------------ 文明街巷
def civilized(
    month_clean: Mapping[str, bool],
    month: str,
    satisfaction: Number | None,
    *,
    clean_months: int,
    min_satisfaction: Number,
) -> bool:
    """Whether the street qualifies as 文明街巷 in `month`: every item clean in each of the last
    `clean_months` calendar months (a month without an inspection does not count) and the latest resident
    satisfaction at or above the threshold."""
    if satisfaction is None or Decimal(satisfaction) < Decimal(min_satisfaction):
        return False
    index = month_index(month)
    return all(month_clean.get(month_from_index(index - k)) is True for k in range(clean_months))
