"""Errors of 多元共治, each an ApplicationError with a Chinese message that says what to fix."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core.errors import InvalidInput


class CompositionInvalid(InvalidInput):
    """A council without a chief, with two chiefs or secretaries-general, or with too many or too few members."""

    code = "council_composition"


class RosterUncoverable(InvalidInput):
    """Some days of the month have fewer available members than the council patrols with per day."""

    code = "roster_uncoverable"

    def __init__(self, days, per_day: int):
        listed = "、".join(f"{d.month}月{d.day}日" for d in days)
        super().__init__(
            _(
                "以下日期可巡查的成员少于每日所需的%(n)d人，无法排班：%(days)s。请调整成员的不能巡查日期或增加成员。"
            )
            % {"n": per_day, "days": listed},
            fields={"unavailable": [d.isoformat() for d in days]},
            details={"uncovered_days": [d.isoformat() for d in days]},
        )


class OutsideArea(InvalidInput):
    """A check-in outside the council's street or community, refused by the council's setting."""

    code = "outside_area"
