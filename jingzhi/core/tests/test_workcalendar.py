from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhi.core import workcalendar as wc
from jingzhi.core.actions import do_import_holidays
from jingzhi.core.errors import InvalidInput
from jingzhi.core.holidayfile import HolidayRow
from jingzhi.core.models import Holiday, WorkSchedule
from jingzhi.core.schedule import build

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_national_day_week_2025_is_off_and_the_swapped_saturday_is_worked():
    for day in range(1, 9):
        assert not wc.is_workday(date(2025, 10, day)), day
    assert wc.is_workday(date(2025, 10, 9))
    assert wc.is_workday(date(2025, 10, 11))  # Saturday, 调休 working day
    assert wc.is_workday(date(2025, 9, 28))  # Sunday, 调休 working day
    assert not wc.is_workday(date(2025, 10, 12))  # plain Sunday


def test_deadline_skips_national_day_holiday():
    # 1 h left on 30 Sep (16:30–17:30), then 3 h on 9 Oct, the first working day after the holiday.
    assert wc.add_working_hours(at(2025, 9, 30, 16, 30), 4) == at(2025, 10, 9, 11, 30)


def test_swapped_working_saturday_counts_as_working_time():
    assert wc.add_working_hours(at(2025, 10, 10, 17, 0), 1) == at(2025, 10, 11, 9, 0)


def test_spring_festival_2026_pushes_working_days_past_the_holiday():
    assert not wc.is_workday(date(2026, 2, 17))
    assert wc.is_workday(date(2026, 2, 14))  # Saturday before the festival, worked
    # Thu 12 Feb + 3 working days: Fri 13, Sat 14 (调休), then Tue 24 after the nine-day break.
    assert wc.add_working_days(at(2026, 2, 12, 9, 0), 3) == at(2026, 2, 24, 9, 0)
    assert wc.add_working_days(at(2026, 2, 13, 10, 0), 1) == at(2026, 2, 14, 10, 0)


def test_a_deadline_at_the_end_of_the_morning_stays_at_noon():
    assert wc.add_working_hours(at(2025, 10, 14, 11, 0), 1) == at(2025, 10, 14, 12, 0)
    assert wc.add_working_hours(at(2025, 10, 14, 11, 0), 1.5) == at(2025, 10, 14, 14, 0)


def test_a_start_outside_working_hours_is_moved_to_the_next_working_moment():
    assert wc.add_working_hours(at(2025, 10, 17, 18, 0), 0) == at(2025, 10, 20, 8, 30)
    assert wc.next_working_moment(at(2025, 10, 14, 12, 45)) == at(2025, 10, 14, 13, 30)
    # Filed on Saturday with one working day: due at the end of Monday.
    assert wc.add_working_days(at(2025, 10, 18, 10, 0), 1) == at(2025, 10, 20, 17, 30)


def test_working_days_keep_the_clock_time_of_a_start_inside_working_hours():
    assert wc.add_working_days(at(2025, 10, 14, 9, 15), 7) == at(2025, 10, 23, 9, 15)
    assert wc.add_working_days(at(2025, 10, 14, 9, 15), 0) == at(2025, 10, 14, 9, 15)


def test_naive_moments_are_read_as_beijing_time_and_answers_are_aware():
    result = wc.add_working_hours(datetime(2025, 10, 14, 9, 0), 2)
    assert result == at(2025, 10, 14, 11, 0)
    assert result.utcoffset() == timedelta(hours=8)


def test_an_utc_moment_is_converted_before_counting():
    # 01:00 UTC is 09:00 in Beijing.
    assert wc.add_working_hours(datetime(2025, 10, 14, 1, 0, tzinfo=ZoneInfo("UTC")), 1) == at(
        2025, 10, 14, 10, 0
    )


def test_calendar_hours_ignore_holidays_and_nights():
    assert wc.add_calendar_hours(at(2025, 10, 1, 23, 0), 2) == at(2025, 10, 2, 1, 0)


def test_bad_durations_are_refused_in_chinese():
    with pytest.raises(InvalidInput, match="负数"):
        wc.add_working_hours(at(2025, 10, 14, 9), -1)
    with pytest.raises(InvalidInput, match="整数"):
        wc.add_working_days(at(2025, 10, 14, 9), 1.5)
    with pytest.raises(InvalidInput, match="不是数字"):
        wc.add_working_hours(at(2025, 10, 14, 9), "四小时")


def test_a_schedule_can_be_given_by_key_row_or_value():
    WorkSchedule.objects.create(key="early", name="早班", periods=[["07:00", "11:00"], ["12:00", "16:00"]])
    start = at(2025, 10, 14, 10, 0)
    assert wc.add_working_hours(start, 2, schedule="early") == at(2025, 10, 14, 13, 0)
    row = WorkSchedule(key="late", name="晚班", periods=[["10:00", "18:00"]])
    assert wc.add_working_hours(start, 2, schedule=row) == at(2025, 10, 14, 12, 0)
    assert wc.add_working_hours(start, 9, schedule=build("x", "x", [["10:00", "18:00"]])) == at(
        2025, 10, 15, 11, 0
    )


def test_an_unknown_schedule_key_falls_back_to_the_default_and_says_so(caplog):
    assert wc.add_working_hours(at(2025, 10, 14, 11, 0), 1, schedule="nope") == at(2025, 10, 14, 12, 0)
    assert "nope" in caplog.text


def test_a_default_row_replaces_the_built_in_hours():
    WorkSchedule.objects.create(key="default", name="全天", periods=[["09:00", "17:00"]])
    assert wc.add_working_hours(at(2025, 10, 14, 11, 0), 2) == at(2025, 10, 14, 13, 0)


def test_2027_falls_back_to_weekends_with_a_warning_until_its_notice_is_imported(caplog):
    assert wc.years_without_data(date(2026, 12, 1)) == [2027]
    assert wc.coverage(2027) == wc.SOURCE_FALLBACK
    assert wc.is_workday(date(2027, 2, 8))  # a Monday: weekends only, so worked
    assert "2027" in caplog.text and "周一至周五" in caplog.text
    friday = at(2027, 2, 5, 9, 0)
    assert wc.add_working_days(friday, 1) == at(2027, 2, 8, 9, 0)

    rows = [HolidayRow(date(2027, 2, 6) + timedelta(days=i), "春节", False) for i in range(8)]
    rows.append(HolidayRow(date(2027, 2, 20), "春节", True))
    do_import_holidays(actor=None, year=2027, rows=rows, source="测试")

    assert wc.years_without_data(date(2026, 12, 1)) == []
    assert wc.coverage(2027) == wc.SOURCE_DATABASE
    assert not wc.is_workday(date(2027, 2, 8))
    assert wc.is_workday(date(2027, 2, 20))
    assert wc.add_working_days(friday, 1) == at(2027, 2, 15, 9, 0)


def test_database_rows_correct_the_package():
    assert wc.is_workday(date(2025, 10, 13))
    Holiday.objects.create(date=date(2025, 10, 13), is_workday=False, name="更正")
    assert not wc.is_workday(date(2025, 10, 13))
    assert wc.coverage(2025) == wc.SOURCE_PACKAGE
    assert wc.day_info(date(2025, 10, 13)).source == wc.SOURCE_DATABASE
    assert wc.day_info(date(2025, 10, 1)).name == "国庆节"


def test_an_imported_notice_replaces_the_package_for_its_year():
    do_import_holidays(
        actor=None, year=2026, rows=[HolidayRow(date(2026, 1, 1), "元旦", False)], source="更正"
    )
    assert not wc.is_workday(date(2026, 1, 1))
    assert wc.is_workday(date(2026, 2, 17))  # the package's 春节 no longer applies to 2026


def test_no_query_per_call_once_the_calendar_is_warm(django_assert_num_queries):
    wc.is_workday(date(2025, 1, 1))
    with django_assert_num_queries(0):
        for i in range(500):
            wc.add_working_hours(at(2025, 1, 2, 9, 0) + timedelta(hours=i), 12)
            wc.working_seconds_between(at(2025, 1, 2, 9, 0), at(2025, 2, 2, 9, 0) + timedelta(hours=i))


def test_a_change_made_by_another_process_is_noticed_after_the_recheck_interval(settings):
    assert wc.is_workday(date(2025, 10, 14))
    # bulk_create sends no signal: this is how a write from another process looks to us.
    Holiday.objects.bulk_create([Holiday(date=date(2025, 10, 14), is_workday=False, name="停工")])
    settings.JINGZHI_CALENDAR_RECHECK_SECONDS = 3600
    assert wc.is_workday(date(2025, 10, 14))
    settings.JINGZHI_CALENDAR_RECHECK_SECONDS = 0
    assert not wc.is_workday(date(2025, 10, 14))


def test_elapsed_working_time_is_negative_when_the_end_comes_first():
    a, b = at(2025, 10, 14, 9, 0), at(2025, 10, 14, 10, 30)
    assert wc.working_seconds_between(a, b) == 5400
    assert wc.working_seconds_between(b, a) == -5400
    assert wc.working_seconds_between(at(2025, 9, 30, 17, 0), at(2025, 10, 9, 9, 0)) == 3600


# Tuesday 14 and Wednesday 15 October 2025 are ordinary working days; the early shift works 8 hours
# (07:00–11:00, 12:00–16:00), the default 7.5 (08:30–12:00, 13:30–17:30), so every answer below differs
# between the two.
EARLY = build("early", "早班", [["07:00", "11:00"], ["12:00", "16:00"]])


def test_working_days_count_in_the_given_schedule():
    assert wc.add_working_days(at(2025, 10, 14, 10, 0), 1, schedule=EARLY) == at(2025, 10, 15, 10, 0)
    assert wc.add_working_days(at(2025, 10, 14, 10, 0), 1) == at(2025, 10, 15, 10, 0)
    assert wc.add_working_days(at(2025, 10, 14, 6, 0), 1, schedule=EARLY) == at(2025, 10, 14, 16, 0)
    assert wc.add_working_days(at(2025, 10, 14, 6, 0), 1) == at(2025, 10, 14, 17, 30)


def test_working_seconds_are_measured_in_the_given_schedule():
    assert (
        wc.working_seconds_between(at(2025, 10, 14, 10, 0), at(2025, 10, 14, 15, 0), schedule=EARLY) == 14400
    )
    assert wc.working_seconds_between(at(2025, 10, 14, 10, 0), at(2025, 10, 14, 15, 0)) == 12600
    # Across a whole working day: Monday 16:00 → Wednesday 09:00.
    assert (
        wc.working_seconds_between(at(2025, 10, 13, 16, 0), at(2025, 10, 15, 9, 0), schedule=EARLY) == 36000
    )
    assert wc.working_seconds_between(at(2025, 10, 13, 16, 0), at(2025, 10, 15, 9, 0)) == 34200
    assert (
        wc.working_seconds_between(at(2025, 10, 15, 9, 0), at(2025, 10, 13, 16, 0), schedule=EARLY) == -36000
    )


def test_the_next_working_moment_follows_the_given_schedule():
    assert wc.next_working_moment(at(2025, 10, 14, 12, 45), schedule=EARLY) == at(2025, 10, 14, 12, 45)
    assert wc.next_working_moment(at(2025, 10, 14, 6, 0), schedule=EARLY) == at(2025, 10, 14, 7, 0)
    assert wc.next_working_moment(at(2025, 10, 14, 6, 0)) == at(2025, 10, 14, 8, 30)


def test_a_periods_end_counts_as_working_time():
    assert wc.next_working_moment(at(2025, 10, 14, 12, 0)) == at(2025, 10, 14, 12, 0)
    assert wc.add_working_hours(at(2025, 10, 14, 17, 30), 0) == at(2025, 10, 14, 17, 30)
    assert wc.add_working_hours(at(2025, 10, 14, 12, 0), 1) == at(2025, 10, 14, 14, 30)


def test_hours_may_be_given_as_a_timedelta():
    assert wc.add_working_hours(at(2025, 10, 14, 9, 0), timedelta(hours=2, minutes=30)) == at(
        2025, 10, 14, 11, 30
    )
    assert wc.add_working_hours(at(2025, 10, 14, 11, 0), timedelta(hours=1, minutes=30)) == at(
        2025, 10, 14, 14, 0
    )
    assert wc.add_calendar_hours(at(2025, 10, 1, 23, 0), timedelta(minutes=90)) == at(2025, 10, 2, 0, 30)
    with pytest.raises(InvalidInput, match="负数"):
        wc.add_working_hours(at(2025, 10, 14, 9, 0), timedelta(hours=-1))


def test_a_whole_working_day_is_skipped_at_once_only_from_the_start_of_the_day():
    # From before the first period, more than a day: the whole of Tuesday passes, then 1 h on Wednesday.
    assert wc.add_working_hours(at(2025, 10, 14, 6, 0), 8.5) == at(2025, 10, 15, 9, 30)
    # Exactly one day's hours from the start of the day end at that day's close, not the next morning.
    assert wc.add_working_hours(at(2025, 10, 14, 8, 30), 7.5) == at(2025, 10, 14, 17, 30)


def test_bad_calendar_hours_are_refused_naming_them_calendar_hours():
    with pytest.raises(InvalidInput) as caught:
        wc.add_calendar_hours(at(2025, 10, 14, 9, 0), "两小时")
    assert caught.value.message == "自然时长「两小时」不是数字。"
    with pytest.raises(InvalidInput) as caught:
        wc.add_working_hours(at(2025, 10, 14, 9, 0), "两小时")
    assert caught.value.message == "工作时长「两小时」不是数字。"


def test_today_is_the_date_in_beijing_by_the_injectable_clock():
    from jingzhi.core import clock

    with clock.frozen(datetime(2025, 10, 14, 17, 30, tzinfo=ZoneInfo("UTC"))):  # 01:30 on the 15th in Beijing
        assert wc.today() == date(2025, 10, 15)


def test_the_calendar_status_says_where_each_year_comes_from():
    Holiday.objects.create(date=date(2025, 10, 20), is_workday=False, name="停工")
    wc.invalidate()
    assert wc.calendar_status([2025, 2031]) == [
        {"year": 2025, "source": "package", "db_rows": 1, "corrected": True},
        {"year": 2031, "source": "fallback", "db_rows": 0, "corrected": False},
    ]


def test_working_days_must_be_a_whole_number_not_below_zero():
    for bad in (1.5, -1, True):
        with pytest.raises(InvalidInput) as caught:
            wc.add_working_days(at(2025, 10, 14, 9, 0), bad)
        assert caught.value.message == f"工作日数应为不小于 0 的整数（收到 {bad!r}）。"


def test_negative_hours_are_refused_saying_what_was_given():
    with pytest.raises(InvalidInput) as caught:
        wc.add_working_hours(at(2025, 10, 14, 9, 0), -1)
    assert caught.value.message == "工作时长不能为负数（收到 -1）。"


def test_a_schedule_worked_round_the_clock_counts_whole_days_to_the_microsecond():
    all_day = build("all_day", "全天", [["00:00", "24:00"]])
    assert (
        wc.working_seconds_between(at(2025, 10, 13, 12, 0), at(2025, 10, 15, 12, 0), schedule=all_day)
        == 172800
    )


def test_even_one_microsecond_of_working_time_is_counted():
    noon = at(2025, 10, 14, 12, 0)
    assert wc.working_seconds_between(noon - timedelta(microseconds=1), noon) == 0.000001


def test_a_date_without_a_time_is_refused():
    with pytest.raises(InvalidInput) as caught:
        wc.add_working_hours(date(2025, 10, 14), 1)
    assert caught.value.message == "需要一个时刻（日期和时间），收到的是 datetime.date(2025, 10, 14)。"


def test_a_naive_moment_is_read_in_the_projects_zone_whatever_zone_is_active():
    from django.utils import timezone

    with timezone.override("UTC"):
        assert wc.add_working_hours(datetime(2025, 10, 14, 9, 0), 1) == at(2025, 10, 14, 10, 0)
        assert wc.add_calendar_hours(datetime(2025, 10, 14, 9, 0), 1) == at(2025, 10, 14, 10, 0)


def test_a_round_the_clock_schedule_carries_over_midnight_exactly():
    all_day = build("all_day", "全天", [["00:00", "24:00"]])
    assert wc.add_working_hours(at(2025, 10, 13, 23, 0), 2, schedule=all_day) == at(2025, 10, 14, 1, 0)


def test_a_deadline_beyond_the_search_window_is_refused_with_a_reason(monkeypatch):
    monkeypatch.setattr(wc, "_MAX_DAYS", 2)
    with pytest.raises(InvalidInput) as caught:
        wc.add_working_hours(at(2025, 10, 14, 9, 0), 100)
    assert caught.value.message == "十年内找不到足够的工作时间，请检查节假日数据和作息时间。"


def test_a_year_the_package_knows_raises_no_fallback_warning(caplog):
    with caplog.at_level("WARNING", logger="jingzhi.core.workcalendar"):
        assert wc.is_workday(date(2025, 10, 14))
    assert caplog.records == []


moments = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2027, 6, 30)).map(
    lambda d: d.replace(tzinfo=SH)
)


@settings(max_examples=300, deadline=None)
@given(start=moments, hours=st.decimals(min_value=0, max_value=400, places=4))
def test_adding_then_measuring_working_hours_gives_back_the_hours(start, hours):
    end = wc.add_working_hours(start, hours)
    assert end >= start
    assert abs(wc.working_seconds_between(start, end) - float(hours) * 3600) < 1e-3


@settings(max_examples=150, deadline=None)
@given(start=moments, days=st.integers(min_value=0, max_value=60))
def test_a_working_day_deadline_is_never_before_its_start(start, days):
    end = wc.add_working_days(start, days)
    assert end >= start
    assert wc.working_seconds_between(start, end) == days * 7.5 * 3600


def _working_seconds_day_by_day(a, b):
    """The reference: walk every day from a to b (what working_seconds_between did before it counted the
    whole days between by arithmetic)."""
    data = wc._data()
    periods = wc._micro_periods(wc.resolve_schedule(None))
    first_day, lo_first = wc._split(a)
    last_day, hi_last = wc._split(b)
    total, day = 0, first_day
    while day <= last_day:
        if wc._is_workday(data, day):
            lo = lo_first if day == first_day else 0
            hi = hi_last if day == last_day else wc.DAY_US
            total += sum(max(0, min(p_end, hi) - max(p_start, lo)) for p_start, p_end in periods)
        day += timedelta(days=1)
    return total / wc.US


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2023, 12, 1), max_value=datetime(2026, 12, 31)),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 900),
)
def test_working_seconds_over_long_spans_match_walking_every_day(start, minutes):
    # Spans of up to two and a half years, across 春节, 国庆, 调休 Saturdays and into a fallback year.
    a = start.replace(tzinfo=SH)
    b = a + timedelta(minutes=minutes)
    assert wc.working_seconds_between(a, b) == _working_seconds_day_by_day(a, b)
    assert wc.working_seconds_between(b, a) == -_working_seconds_day_by_day(a, b)


def test_working_seconds_count_an_imported_holiday_inside_a_long_span():
    do_import_holidays(
        actor=None,
        year=2030,
        rows=[HolidayRow(date=date(2030, 3, 5), name="测试假日", is_workday=False)],
        source="测试",
    )
    wc.invalidate()
    a, b = at(2030, 3, 1, 9), at(2030, 3, 29, 9)
    assert wc.working_seconds_between(a, b) == _working_seconds_day_by_day(a, b)
    # 1–29 March 2030 from 09:00 to 09:00: 20 whole weekdays' worth, one of them the imported holiday
    assert wc.working_seconds_between(a, b) == 19 * wc.resolve_schedule(None).seconds_per_day
