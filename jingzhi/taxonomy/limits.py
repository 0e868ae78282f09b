"""Time limits as values, and the rule that turns a start moment and a limit into a deadline.

`TimeLimit(amount, unit)` is the one shape every limit in the house takes (a filing condition's 处置时限, a
step limit, a 12345 feedback limit, later a whistle's report-in limit). `deadline()` hands the arithmetic to
the working calendar in `jingzhi.core.workcalendar`, so holidays and 调休 weekends are handled in one place.
`limit_for()` is the only function here that reads the database (a per-process cache of the step-limit
table, checked against the taxonomy's generation token on every call): it resolves a step limit from the
category itself, then its parent, then the grandparent, then the global default row; the choice among the
rows it found is the pure `resolve_limit()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jingzhi.core.errors import InvalidInput
from jingzhi.taxonomy.types import TimeUnit


@dataclass(frozen=True)
class TimeLimit:
    """An amount of time in one unit. Amounts are positive; working days are whole (a "half working day"
    has no agreed meaning on the calendar, so we refuse it rather than guess)."""

    amount: Decimal
    unit: str

    def __post_init__(self) -> None:
        try:
            amount = Decimal(str(self.amount))
        except (InvalidOperation, ValueError, TypeError):
            raise InvalidInput(
                _("时限“%(value)s”不是数字") % {"value": self.amount}, fields={"amount": "nan"}
            ) from None
        if not amount.is_finite() or amount <= 0:
            raise InvalidInput(
                _("时限必须大于 0，收到 %(value)s") % {"value": self.amount},
                fields={"amount": "not_positive"},
            )
        unit = str(self.unit)
        if unit not in TimeUnit.values:
            raise InvalidInput(
                _("时限单位“%(unit)s”无法识别，应为 工作时、工作日、自然时 之一") % {"unit": unit},
                fields={"unit": "unknown"},
            )
        if unit == TimeUnit.WORKING_DAYS and amount != amount.to_integral_value():
            raise InvalidInput(
                _("工作日时限必须是整数，收到 %(value)s") % {"value": amount},
                fields={"amount": "not_integral"},
            )
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))  # 4.00 and 4 are the same limit (and compare equal)
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "unit", unit)

    @property
    def number(self) -> int | float:
        """The amount as the plain number the calendar functions take."""
        integral = self.amount.to_integral_value()
        return int(integral) if self.amount == integral else float(self.amount)

    @property
    def unit_label(self) -> str:
        return str(TimeUnit(self.unit).label)

    def __str__(self) -> str:
        text = f"{self.number} {self.unit_label}"
        if self.unit == TimeUnit.CALENDAR_HOURS and self.amount >= 24 and self.amount % 24 == 0:
            text += _("（%(days)d 天）") % {"days": int(self.amount // 24)}
        return text


def deadline(start: datetime, limit: TimeLimit, *, schedule=None) -> datetime:
    """When `limit` runs out if the clock starts at `start`. Working units follow the official calendar
    (holidays, 调休) and the organisation's working hours (`schedule`; None = the default schedule);
    calendar hours run through nights and holidays alike."""
    # Imported here so taxonomy stays importable while the calendar module is being (re)built.
    from jingzhi.core import workcalendar

    if limit.unit == TimeUnit.WORKING_HOURS:
        return workcalendar.add_working_hours(start, limit.number, schedule=schedule)
    if limit.unit == TimeUnit.WORKING_DAYS:
        return workcalendar.add_working_days(start, limit.number, schedule=schedule)
    return workcalendar.add_calendar_hours(start, limit.number)


def resolve_limit(chain: Iterable[int | None], limits: Mapping[int | None, TimeLimit]) -> TimeLimit | None:
    """The first limit along `chain` (category id, parent id, …, and finally None for the global default)."""
    for key in chain:
        if key in limits:
            return limits[key]
    return None


def ancestor_ids(category) -> list[int]:
    """The category's id, then its parent's, up to the 大类 (follows cached parents, so select_related
    `parent__parent` saves the queries)."""
    ids = []
    node = category
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def limit_for(category, step: str, *, condition=None) -> TimeLimit | None:
    """The limit for `step` on a case of `category`.

    For the handling step, the filing condition the case was filed under decides (its 处置时限) when given.
    Otherwise the category's own step limit wins, then its parent's, then the grandparent's, then the global
    default row (category left blank). None when not even a global default exists: the caller then sets no
    deadline rather than inventing one.
    """
    from jingzhi.taxonomy.models import Step

    if step not in Step.values:
        raise InvalidInput(_("未知的办理环节“%(step)s”") % {"step": step}, fields={"step": "unknown"})
    if condition is not None and step == Step.HANDLE:
        return condition.limit
    chain: list[int | None] = ancestor_ids(category) if category is not None else []
    chain.append(None)
    return resolve_limit(chain, _step_limits().get(step, {}))


# Per process: (generation token, {step: {category id or None: TimeLimit}}). Step limits are a few rows per
# category and read on every intake and transition; the token (see taxonomy.models.Generation) changes with
# any write to them, so the cache is never stale.
_LIMITS: list = [None, {}]


def _step_limits() -> dict:
    from jingzhi.taxonomy.models import StepLimit
    from jingzhi.taxonomy.queries import generation_token

    token = generation_token()
    if token is not None and _LIMITS[0] == token:
        return _LIMITS[1]
    table: dict = {}
    for row in StepLimit.objects.all():
        table.setdefault(row.step, {})[row.category_id] = row.limit
    if token is not None:
        _LIMITS[:] = [token, table]
    return table
