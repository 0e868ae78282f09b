"""Working hours of one organisation, as a pure value.

A `Schedule` is the list of periods worked on a working day (default 08:30–12:00, 13:30–17:30), held as
seconds since midnight so that the calendar arithmetic in `jingzhi.core.workcalendar` never parses text
on its hot path. The table `WorkSchedule` stores the same periods as ["HH:MM", "HH:MM"] pairs; this
module turns one into the other and says, in Chinese, what is wrong with a bad list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from jingzhi.core.errors import InvalidInput

DEFAULT_KEY = "default"
DEFAULT_PERIODS = (("08:30", "12:00"), ("13:30", "17:30"))
_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class Schedule:
    key: str
    name: str
    # ((start_second, end_second), ...) sorted, disjoint, each start < end, all within 0..86400.
    periods: tuple[tuple[int, int], ...]

    @property
    def seconds_per_day(self) -> int:
        return sum(end - start for start, end in self.periods)

    def as_text(self) -> list[list[str]]:
        return [[_fmt(start), _fmt(end)] for start, end in self.periods]


def _fmt(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _parse_hhmm(value, where: str) -> int:
    match = _HHMM.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise InvalidInput(
            _("%(where)s的时间「%(value)s」格式不对，应为 HH:MM，例如 08:30。")
            % {"where": where, "value": value},
            fields={"periods": where},
        )
    seconds = int(match.group(1)) * 3600 + int(match.group(2)) * 60
    if seconds > 86400:
        raise InvalidInput(
            _("%(where)s的时间「%(value)s」超过 24:00。") % {"where": where, "value": value},
            fields={"periods": where},
        )
    return seconds


def parse_periods(periods) -> tuple[tuple[int, int], ...]:
    """["HH:MM", "HH:MM"] pairs → seconds; raises InvalidInput naming the period at fault."""
    if not isinstance(periods, list | tuple) or not periods:
        raise InvalidInput(
            _('工作时段不能为空，应为形如 [["08:30", "12:00"], ["13:30", "17:30"]] 的列表。'),
            fields={"periods": "empty"},
        )
    parsed: list[tuple[int, int]] = []
    for index, pair in enumerate(periods, start=1):
        where = _("第 %(n)d 个时段") % {"n": index}
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise InvalidInput(
                _("%(where)s应为 [开始, 结束] 两个时间。") % {"where": where}, fields={"periods": where}
            )
        start, end = _parse_hhmm(pair[0], where), _parse_hhmm(pair[1], where)
        if start >= end:
            raise InvalidInput(
                _("%(where)s的开始时间 %(start)s 不早于结束时间 %(end)s。")
                % {"where": where, "start": pair[0], "end": pair[1]},
                fields={"periods": where},
            )
        if parsed and start < parsed[-1][1]:
            raise InvalidInput(
                _("%(where)s（%(start)s 起）与前一个时段重叠或顺序颠倒，时段须按时间先后排列、互不重叠。")
                % {"where": where, "start": pair[0]},
                fields={"periods": where},
            )
        parsed.append((start, end))
    return tuple(parsed)


def build(key: str, name: str, periods) -> Schedule:
    return Schedule(key=key, name=name, periods=parse_periods(list(periods)))


DEFAULT_SCHEDULE = build(DEFAULT_KEY, "默认作息", [list(p) for p in DEFAULT_PERIODS])
