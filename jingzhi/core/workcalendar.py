"""The working calendar: which days are worked, and deadline arithmetic in working time.

Every SLA in Jingzhi (处置时限 in 工作时 / 工作日 / calendar hours, 12345 feedback limits) is computed here.
A day's status comes from three layers, most specific first:

1. a year with a `CalendarYear` row (its State Council notice was imported): the `Holiday` rows of that year
   are the whole truth, the package is ignored for it;
2. otherwise the `chinesecalendar` package (2004–2026 in 1.11) overlaid by any `Holiday` rows (corrections);
3. a year nobody knows falls back to plain Monday–Friday plus any `Holiday` rows, and is logged as a warning
   (also raised by the system check `jingzhi.W001` and the administrators' banner) — it never raises.

Working hours come from a `Schedule` (see `jingzhi.core.schedule`): a key of a `WorkSchedule` row, a row, a
`Schedule`, or None for the default (08:30–12:00, 13:30–17:30, or the row keyed "default" when present).

The table data is held in an in-process cache so that thousands of calls cost no query: it is dropped when
this process changes a calendar table (signals wired in `CoreConfig.ready`, plus after commit), and a cheap
change stamp is re-read at most every `JINGZHI_CALENDAR_RECHECK_SECONDS` (default 30) to notice changes made
by other processes. All moments are returned time-zone aware in the project's zone (Asia/Shanghai); a naive
input is read as local time.

Deadline rules (see docs/calendar.md):
- `add_working_hours(start, h)`: the earliest moment by which h hours of working time have passed since
  `start`. A period's end counts (a deadline falls at 12:00 rather than at 13:30); a start outside working
  hours first moves to the next working moment, so `add_working_hours(t, 0)` is that moment.
- `add_working_days(start, n)`: n whole working days of working time. For a start inside working hours this
  is the same clock time on the n-th following working day; a start outside them is first clamped forward,
  so a report filed on Saturday with 1 working day is due Monday 17:30 (end of the first working day).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.core import clock
from jingzhi.core.errors import InvalidInput
from jingzhi.core.schedule import DEFAULT_KEY, DEFAULT_SCHEDULE, Schedule, build

# An amount of hours: a number, or a timedelta (limits stored as durations).
Hours = int | float | Decimal | timedelta

logger = logging.getLogger(__name__)

US = 1_000_000  # arithmetic runs on integer microseconds so add/measure are exact inverses
DAY_US = 86_400 * US
_MAX_DAYS = 3660  # ten years of walking: far beyond any SLA; guards a calendar with no working day at all

SOURCE_PACKAGE = "package"
SOURCE_DATABASE = "database"
SOURCE_FALLBACK = "fallback"

# chinesecalendar names its holidays in English; administrators read Chinese.
_PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _load_package() -> tuple[dict[date, bool], dict[date, str], range]:
    from chinese_calendar.constants import holidays, workdays

    overrides: dict[date, bool] = {}
    names: dict[date, str] = {}
    for day, name in holidays.items():
        overrides[day], names[day] = False, _PACKAGE_NAMES.get(name, name)
    for day, name in workdays.items():
        overrides[day], names[day] = True, _PACKAGE_NAMES.get(name, name)
    years = range(min(holidays).year, max(holidays).year + 1)
    return overrides, names, years


_PACKAGE_OVERRIDES, _PACKAGE_NAMES_BY_DAY, PACKAGE_YEARS = _load_package()


@dataclass
class _Data:
    overrides: dict[date, bool]
    names: dict[date, str]
    db_years: frozenset[int]
    correction_years: frozenset[int]
    schedules: dict[str, Schedule]
    stamp: Any
    checked_at: float
    version: int
    serial: int = 0
    source_of: dict[date, str] = field(default_factory=dict)
    # The override days in order and, beside them, the running sum of their corrections to a Monday–Friday
    # count (+1 for a working weekend day, -1 for a weekday off), built on first use (`_workdays_in`).
    override_days: list[date] | None = None
    override_sums: list[int] | None = None


_lock = threading.Lock()
_cache: _Data | None = None
_version = 0
_warned_years: set[int] = set()
_instance_schedules: dict[tuple, Schedule] = {}
_loads = 0


def invalidate() -> None:
    """Drop the cached calendar data; the next call reloads it. Called when a calendar table changes."""
    global _cache, _version
    with _lock:
        _cache = None
        _version += 1
        _instance_schedules.clear()
    _warned_years.clear()


def _recheck_seconds() -> float:
    return float(getattr(settings, "JINGZHI_CALENDAR_RECHECK_SECONDS", 30))


def _read_stamp() -> tuple[tuple[Any, ...], ...]:
    from django.db.models import Count, Max

    from jingzhi.core.models import CalendarYear, Holiday, WorkSchedule

    return (
        tuple(Holiday.objects.aggregate(n=Count("id"), m=Max("updated_at"), d=Max("date")).values()),
        tuple(CalendarYear.objects.aggregate(n=Count("id"), m=Max("loaded_at")).values()),
        tuple(WorkSchedule.objects.aggregate(n=Count("id"), m=Max("updated_at")).values()),
    )


def _load(version: int) -> _Data:
    global _loads
    from jingzhi.core.models import CalendarYear, Holiday, WorkSchedule

    _loads += 1

    overrides = dict(_PACKAGE_OVERRIDES)
    names = dict(_PACKAGE_NAMES_BY_DAY)
    source_of: dict[date, str] = {}
    schedules: dict[str, Schedule] = {}
    try:
        stamp = _read_stamp()
        db_years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        rows = list(Holiday.objects.values_list("date", "is_workday", "name"))
        schedule_rows = list(WorkSchedule.objects.values_list("key", "name", "periods"))
    except Exception as exc:  # noqa: BLE001 - no table yet (before migrate) or no DB access: package only
        logger.debug("working calendar: calendar tables unreadable (%s); using the package only", exc)
        return _Data(
            overrides, names, frozenset(), frozenset(), schedules, None, time.monotonic(), version, _loads
        )
    if db_years:
        # An imported notice is the whole truth for its year: forget what the package said about it.
        for day in [d for d in overrides if d.year in db_years]:
            del overrides[day]
            names.pop(day, None)
    for day, is_work, name in rows:
        overrides[day] = is_work
        names[day] = name or names.get(day, "")
        source_of[day] = SOURCE_DATABASE
    for key, name, periods in schedule_rows:
        try:
            schedules[key] = build(key, name, periods)
        except InvalidInput as exc:
            logger.warning("working calendar: schedule %r ignored: %s", key, exc.message)
    corrections = frozenset(day.year for day, _w, _n in rows) - db_years
    return _Data(
        overrides,
        names,
        db_years,
        corrections,
        schedules,
        stamp,
        time.monotonic(),
        version,
        _loads,
        source_of,
    )


def _data() -> _Data:
    global _cache
    data = _cache
    if data is not None and time.monotonic() - data.checked_at < _recheck_seconds():
        return data
    if data is not None and data.stamp is not None:
        try:
            stamp = _read_stamp()
        except Exception:  # noqa: BLE001 - keep what we have rather than fail a deadline
            stamp = data.stamp
        if stamp == data.stamp:
            data.checked_at = time.monotonic()
            return data
    version = _version
    fresh = _load(version)
    with _lock:
        if version == _version:  # nobody invalidated while we were reading
            _cache = fresh
    return fresh


def data_version() -> int:
    """Changes whenever the calendar data is reloaded; lets callers memoise things derived from it."""
    return _data().serial


# ---------------------------------------------------------------------------------------------------- days


def coverage(year: int) -> str:
    """Where the calendar of `year` comes from: "database", "package" or "fallback" (weekends only)."""
    data = _data()
    if year in data.db_years:
        return SOURCE_DATABASE
    if year in PACKAGE_YEARS:
        return SOURCE_PACKAGE
    return SOURCE_FALLBACK


def _warn_fallback(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        logger.warning(
            "工作日历：%s 年没有法定节假日数据（chinesecalendar 不认识该年，数据库也未导入国务院通知），"
            "暂按周一至周五上班计算。请用 `jingzhi calendar import 文件 --year %s` 导入。",
            year,
            year,
        )


def _is_workday(data: _Data, day: date) -> bool:
    known = data.overrides.get(day)
    if known is not None:
        return known
    if day.year not in PACKAGE_YEARS and day.year not in data.db_years:
        _warn_fallback(day.year)
    return day.weekday() < 5


def _workdays_in(data: _Data, first: date, last: date) -> int:
    """The working days from `first` to `last` (both included) by arithmetic: Monday–Friday counted per
    whole week, then corrected by the override days (holidays, 调休 Saturdays) in the span, found by
    bisection — constant work however long the span, where walking it day by day made a months-overdue
    case's warning light cost a loop of hundreds of days."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    count = weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)
    if data.override_sums is None or data.override_days is None:
        days_sorted = sorted(data.overrides)
        sums = [0]
        for day in days_sorted:
            weekday = day.weekday() < 5
            change = 0 if data.overrides[day] == weekday else (1 if data.overrides[day] else -1)
            sums.append(sums[-1] + change)
        data.override_days, data.override_sums = days_sorted, sums
    keys, sums = data.override_days, data.override_sums
    # The corrections of the override days in the span: a difference of two running sums (the span of a
    # case overdue for years holds a hundred holidays; summing them one by one was the calendar's hot spot).
    count += sums[bisect_right(keys, last)] - sums[bisect_left(keys, first)]
    for year in range(first.year, last.year + 1):
        if year not in PACKAGE_YEARS and year not in data.db_years:
            _warn_fallback(year)
    return count


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return _local(value).date()
    return value


def is_workday(day: date | datetime) -> bool:
    """True when `day` (a date, or a moment read in local time) is a working day."""
    return _is_workday(_data(), _as_date(day))


@dataclass(frozen=True)
class DayInfo:
    date: date
    is_workday: bool
    name: str
    source: str  # package | database | fallback


def day_info(day: date | datetime) -> DayInfo:
    """A day's status with the holiday's name and where the answer came from, for pages and the admin."""
    data = _data()
    day = _as_date(day)
    if day in data.source_of or day.year in data.db_years:
        source = SOURCE_DATABASE
    elif day.year in PACKAGE_YEARS:
        source = SOURCE_PACKAGE
    else:
        source = SOURCE_FALLBACK
    return DayInfo(day, _is_workday(data, day), data.names.get(day, ""), source)


def years_without_data(around: date | datetime | int | None = None) -> list[int]:
    """This year and next (relative to `around`, default today) when neither the package nor an imported
    notice covers them: the calendar only guesses those years from weekends."""
    if around is None:
        year = _local(clock.now()).year
    elif isinstance(around, int):
        year = around
    else:
        year = _as_date(around).year
    return [y for y in (year, year + 1) if coverage(y) == SOURCE_FALLBACK]


def calendar_status(years: Iterable[int]) -> list[dict[str, Any]]:
    """Per year: its source, the number of database rows, and whether DB rows correct the package."""
    data = _data()
    counts: dict[int, int] = {}
    for day in data.source_of:
        counts[day.year] = counts.get(day.year, 0) + 1
    return [
        {
            "year": y,
            "source": coverage(y),
            "db_rows": counts.get(y, 0),
            "corrected": y in data.correction_years,
        }
        for y in years
    ]


# ----------------------------------------------------------------------------------------------- schedules


def resolve_schedule(schedule: Any = None) -> Schedule:
    """A `Schedule` from None (default), a key, a `WorkSchedule` row or a `Schedule`. An unknown key is
    logged and answered with the default: a deadline must always be computable."""
    if isinstance(schedule, Schedule):
        return schedule
    if schedule is None or schedule == "":
        return _data().schedules.get(DEFAULT_KEY, DEFAULT_SCHEDULE)
    if isinstance(schedule, str):
        data = _data()
        found = data.schedules.get(schedule)
        if found is None:
            logger.warning("working calendar: unknown schedule key %r, using the default", schedule)
            return data.schedules.get(DEFAULT_KEY, DEFAULT_SCHEDULE)
        return found
    periods = getattr(schedule, "periods", None)
    key = getattr(schedule, "key", "") or ""
    memo_key = (key, repr(periods))
    found = _instance_schedules.get(memo_key)
    if found is None:
        found = build(key, getattr(schedule, "name", key) or key, periods)
        _instance_schedules[memo_key] = found
    return found


# ---------------------------------------------------------------------------------------------- arithmetic


def _tz() -> tzinfo:
    return timezone.get_default_timezone()


def _local(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise InvalidInput(_("需要一个时刻（日期和时间），收到的是 %(value)r。") % {"value": moment})
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, _tz())
    return moment.astimezone(_tz())


def today() -> date:
    """Today in the project's time zone, by the injectable clock."""
    return _local(clock.now()).date()


def _split(moment: datetime) -> tuple[date, int]:
    local = _local(moment)
    micro = ((local.hour * 60 + local.minute) * 60 + local.second) * US + local.microsecond
    return local.date(), micro


def _join(day: date, micro: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=_tz()) + timedelta(microseconds=micro)


def _hours_to_micro(hours: object, what: str) -> int:
    if isinstance(hours, timedelta):
        micro = hours // timedelta(microseconds=1)
    else:
        try:
            micro = int(round(Decimal(str(hours)) * 3600 * US))
        except Exception as exc:  # noqa: BLE001 - turn any junk into one clear message
            raise InvalidInput(_("%(what)s「%(value)s」不是数字。") % {"what": what, "value": hours}) from exc
    if micro < 0:
        raise InvalidInput(_("%(what)s不能为负数（收到 %(value)s）。") % {"what": what, "value": hours})
    return micro


@functools.lru_cache(maxsize=64)
def _micro_periods(sched: Schedule) -> tuple[tuple[int, int], ...]:
    return tuple((start * US, end * US) for start, end in sched.periods)


def _advance(start: datetime, remaining: int, sched: Schedule) -> datetime:
    data = _data()
    periods = _micro_periods(sched)
    daily = sched.seconds_per_day * US
    first_start = periods[0][0]
    day, pos = _split(start)
    for _step in range(_MAX_DAYS):
        if _is_workday(data, day):
            if pos <= first_start and remaining > daily:
                remaining -= daily  # a whole working day passes; skip the per-period walk
            else:
                for p_start, p_end in periods:
                    if pos > p_end:
                        continue
                    begin = max(pos, p_start)
                    available = p_end - begin
                    if remaining <= available:
                        return _join(day, begin + remaining)
                    remaining -= available
                    pos = p_end
        day += timedelta(days=1)
        pos = 0
    raise InvalidInput(_("十年内找不到足够的工作时间，请检查节假日数据和作息时间。"))


def add_working_hours(start: datetime, hours: Hours, *, schedule: Any = None) -> datetime:
    """The earliest moment by which `hours` working hours (int, float, Decimal or timedelta) have passed
    since `start`, counting only working periods of working days."""
    return _advance(start, _hours_to_micro(hours, _("工作时长")), resolve_schedule(schedule))


def add_working_days(start: datetime, days: int, *, schedule: Any = None) -> datetime:
    """`days` whole working days after `start`: the same clock time on the days-th following working day
    when `start` is within working hours (a start outside them is first moved to the next working moment)."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise InvalidInput(_("工作日数应为不小于 0 的整数（收到 %(value)r）。") % {"value": days})
    sched = resolve_schedule(schedule)
    return _advance(start, days * sched.seconds_per_day * US, sched)


def add_calendar_hours(start: datetime, hours: Hours) -> datetime:
    """`hours` of clock time after `start`, holidays and nights included (e.g. the 2-hour emergency limit)."""
    return _local(start) + timedelta(microseconds=_hours_to_micro(hours, _("自然时长")))


def next_working_moment(moment: datetime, *, schedule: Any = None) -> datetime:
    """`moment` itself when it lies in working time, else the start of the next working period."""
    return add_working_hours(moment, 0, schedule=schedule)


def working_seconds_between(a: datetime, b: datetime, *, schedule: Any = None) -> float:
    """Working seconds from `a` to `b` (negative when `b` is earlier): the inverse of add_working_hours."""
    if b < a:
        return -working_seconds_between(b, a, schedule=schedule)
    data = _data()
    sched = (
        resolve_schedule(schedule)
        if schedule is not None
        else data.schedules.get(DEFAULT_KEY, DEFAULT_SCHEDULE)
    )
    periods = _micro_periods(sched)
    daily = sum(end - start for start, end in periods)
    first_day, lo_first = _split(a)
    last_day, hi_last = _split(b)
    total = 0
    # The first and last days in part (or the one day, when they are the same), the days between whole.
    for day in (first_day, last_day) if last_day > first_day else (first_day,):
        if _is_workday(data, day):
            lo = lo_first if day == first_day else 0
            hi = hi_last if day == last_day else DAY_US
            if lo == 0 and hi == DAY_US:
                total += daily
            else:
                for p_start, p_end in periods:
                    overlap = min(p_end, hi) - max(p_start, lo)
                    if overlap > 0:
                        total += overlap
    total += daily * _workdays_in(data, first_day + timedelta(days=1), last_day - timedelta(days=1))
    return total / US
