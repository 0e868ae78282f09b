from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from jingzhi.core.errors import InvalidInput
from jingzhi.taxonomy import actions
from jingzhi.taxonomy.limits import TimeLimit, deadline, limit_for, resolve_limit
from jingzhi.taxonomy.tests.factories import tree

TZ = ZoneInfo("Asia/Shanghai")


def test_time_limits_with_the_same_amount_compare_equal_whatever_the_decimals():
    assert TimeLimit(Decimal("4.00"), "working_hours") == TimeLimit(4, "working_hours")
    assert str(TimeLimit(4, "working_hours")) == "4 工作时"
    assert str(TimeLimit(168, "calendar_hours")) == "168 自然时（7 天）"
    assert TimeLimit("0.5", "calendar_hours").number == 0.5


@pytest.mark.parametrize(
    ("amount", "unit", "why"),
    [
        (4, "hours", "unknown"),
        (-1, "working_hours", "not_positive"),
        (0, "working_days", "not_positive"),
        ("abc", "working_hours", "nan"),
        ("1.5", "working_days", "not_integral"),
    ],
)
def test_a_bad_time_limit_is_refused_with_the_reason(amount, unit, why):
    with pytest.raises(InvalidInput) as caught:
        TimeLimit(amount, unit)
    assert why in caught.value.fields.values()


def test_deadline_hands_each_unit_to_its_calendar_function(monkeypatch):
    from jingzhi.core import workcalendar

    calls = []
    monkeypatch.setattr(
        workcalendar, "add_working_hours", lambda s, h, *, schedule=None: calls.append(("wh", h, schedule))
    )
    monkeypatch.setattr(
        workcalendar, "add_working_days", lambda s, d, *, schedule=None: calls.append(("wd", d, schedule))
    )
    monkeypatch.setattr(workcalendar, "add_calendar_hours", lambda s, h: calls.append(("ch", h)))
    start = datetime(2025, 3, 3, 9, tzinfo=TZ)
    deadline(start, TimeLimit(4, "working_hours"), schedule="night")
    deadline(start, TimeLimit(7, "working_days"))
    deadline(start, TimeLimit("0.5", "calendar_hours"))
    assert calls == [("wh", 4, "night"), ("wd", 7, None), ("ch", 0.5)]


@pytest.mark.django_db
def test_deadline_in_working_hours_skips_the_national_day_holiday():
    # 2025: 10-01..10-08 off (国庆+中秋). One working hour left on 09-30, three more on 10-09.
    start = datetime(2025, 9, 30, 16, 30, tzinfo=TZ)
    assert deadline(start, TimeLimit(4, "working_hours")) == datetime(2025, 10, 9, 11, 30, tzinfo=TZ)


@pytest.mark.django_db
def test_deadline_in_working_days_lands_after_the_holiday_and_calendar_hours_do_not():
    start = datetime(2025, 9, 30, 10, 0, tzinfo=TZ)
    assert deadline(start, TimeLimit(1, "working_days")) == datetime(2025, 10, 9, 10, 0, tzinfo=TZ)
    assert deadline(start, TimeLimit(24, "calendar_hours")) == datetime(2025, 10, 1, 10, 0, tzinfo=TZ)


def test_resolution_takes_the_first_limit_along_the_chain():
    limits = {2: TimeLimit(1, "working_days"), None: TimeLimit(3, "working_days")}
    assert resolve_limit([3, 2, 1, None], limits) == TimeLimit(1, "working_days")
    assert resolve_limit([5, None], limits) == TimeLimit(3, "working_days")
    assert resolve_limit([5], limits) is None


@pytest.mark.django_db
def test_a_step_limit_comes_from_the_category_then_its_parents_then_the_global_default():
    major, minor, sub = tree()
    assert limit_for(sub, "respond") is None
    actions.do_set_step_limit(actor=None, category=None, step="respond", limit=TimeLimit(2, "working_hours"))
    assert limit_for(sub, "respond") == TimeLimit(2, "working_hours")
    actions.do_set_step_limit(actor=None, category=major, step="respond", limit=TimeLimit(1, "working_hours"))
    assert limit_for(sub, "respond") == TimeLimit(1, "working_hours")
    actions.do_set_step_limit(
        actor=None, category=minor, step="respond", limit=TimeLimit("0.5", "calendar_hours")
    )
    assert limit_for(sub, "respond") == TimeLimit("0.5", "calendar_hours")
    actions.do_set_step_limit(actor=None, category=sub, step="respond", limit=TimeLimit(3, "working_hours"))
    assert limit_for(sub, "respond") == TimeLimit(3, "working_hours")
    assert limit_for(major, "respond") == TimeLimit(1, "working_hours")
    assert limit_for(None, "respond") == TimeLimit(2, "working_hours")
    assert actions.do_clear_step_limit(actor=None, category=sub, step="respond")
    assert limit_for(sub, "respond") == TimeLimit("0.5", "calendar_hours")
    # another step does not borrow this one's limits
    assert limit_for(sub, "check") is None


@pytest.mark.django_db
def test_the_handling_limit_is_the_filing_conditions_when_the_case_names_one():
    _, minor, _ = tree()
    actions.do_set_step_limit(actor=None, category=None, step="handle", limit=TimeLimit(3, "working_days"))
    condition = actions.do_save_filing_condition(
        actor=None, category=minor, text="缺失", level="A", limit=TimeLimit(4, "working_hours")
    )
    assert limit_for(minor, "handle", condition=condition) == TimeLimit(4, "working_hours")
    assert limit_for(minor, "handle") == TimeLimit(3, "working_days")


def test_an_unknown_step_is_refused():
    with pytest.raises(InvalidInput, match="未知的办理环节"):
        limit_for(None, "teleport")
