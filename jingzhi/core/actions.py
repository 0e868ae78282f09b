"""The only code that writes the calendar tables (Holiday, CalendarYear, WorkSchedule).

Each action runs in one transaction, leaves an audit row with old and new values, drops the working
calendar's cache (at once for this connection, again after commit for the other threads of this process;
other processes notice through the change stamp).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, workcalendar
from jingzhi.core.audit_verbs import AuditVerb
from jingzhi.core.errors import InvalidInput
from jingzhi.core.holidayfile import HolidayFileError, HolidayRow, check_year, coerce_rows, validate_rows
from jingzhi.core.models import CalendarYear, Holiday, WorkSchedule
from jingzhi.core.schedule import parse_periods
from jingzhi.core.types import Actor


class Verb(AuditVerb):
    """Audit verbs of this app; stored in rows, so never rename a value."""

    HOLIDAYS_IMPORTED = "calendar.holidays_imported"
    CALENDAR_YEAR_DELETED = "calendar.year_deleted"
    HOLIDAY_SAVED = "calendar.holiday_saved"
    HOLIDAY_DELETED = "calendar.holiday_deleted"
    SCHEDULE_SAVED = "calendar.schedule_saved"
    SCHEDULE_DELETED = "calendar.schedule_deleted"


def _changed(year: int | None = None) -> None:
    workcalendar.invalidate()
    transaction.on_commit(workcalendar.invalidate)


def _year_rows(year: int) -> list[dict]:
    return [
        {"date": d.isoformat(), "name": n, "is_workday": w}
        for d, n, w in Holiday.objects.filter(date__year=year)
        .order_by("date")
        .values_list("date", "name", "is_workday")
    ]


def do_import_holidays(
    *, actor: Actor, year: int, rows: Iterable[HolidayRow | dict], source: str
) -> CalendarYear:
    """Replace `year`'s Holiday rows with `rows` and mark the year as loaded. All or nothing: any problem in
    any row raises HolidayFileError listing every one, and nothing is written."""
    check_year(year)
    rows, problems = coerce_rows(rows)
    problems += validate_rows(rows, year=year) if rows or not problems else []
    if problems:
        raise HolidayFileError(problems)
    source = (source or "").strip()[:200]
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        old = {"source": existing.source if existing else None, "rows": _year_rows(year)}
        Holiday.objects.filter(date__year=year).delete()
        Holiday.objects.bulk_create(Holiday(date=r.date, name=r.name, is_workday=r.is_workday) for r in rows)
        if existing:
            existing.source = source
            existing.save(update_fields=["source", "loaded_at"])
            calendar_year = existing
        else:
            calendar_year = CalendarYear.objects.create(year=year, source=source)
        new = {
            "source": source,
            "rows": [
                {"date": r.date.isoformat(), "name": r.name, "is_workday": r.is_workday}
                for r in sorted(rows, key=lambda r: r.date)
            ],
        }
        audit.record(
            actor=actor,
            verb=Verb.HOLIDAYS_IMPORTED,
            target=calendar_year,
            old=old,
            new=new,
            note=_("导入 %(year)d 年节假日安排，共 %(n)d 天") % {"year": year, "n": len(rows)},
        )
        _changed(year)
    return calendar_year


def do_delete_calendar_year(*, actor: Actor, calendar_year: CalendarYear) -> None:
    """Unload a year's notice: its Holiday rows go with it, and the year falls back to the package (or to
    weekends, loudly)."""
    with transaction.atomic():
        year = calendar_year.year
        old = {"source": calendar_year.source, "rows": _year_rows(year)}
        audit.record(
            actor=actor,
            verb=Verb.CALENDAR_YEAR_DELETED,
            target=calendar_year,
            old=old,
            new={},
            note=_("删除 %(year)d 年节假日安排") % {"year": year},
        )
        Holiday.objects.filter(date__year=year).delete()
        CalendarYear.objects.filter(pk=calendar_year.pk).delete()
        _changed(year)


def _holiday_values(holiday: Holiday) -> dict:
    return {
        "date": holiday.date.isoformat() if isinstance(holiday.date, date) else str(holiday.date),
        "name": holiday.name,
        "is_workday": holiday.is_workday,
    }


def do_save_holiday(*, actor: Actor, holiday: Holiday) -> Holiday:
    """Save one Holiday row as edited (admin form): a correction to the package, or an edit of an
    imported year. The same rules as an import apply to the one row."""
    problems = validate_rows(
        [HolidayRow(holiday.date, holiday.name or "", holiday.is_workday)], year=holiday.date.year
    )
    if problems:
        raise InvalidInput(problems[0].split("：", 1)[-1], fields={"date": problems[0]})
    with transaction.atomic():
        old = {}
        if holiday.pk:
            before = Holiday.objects.select_for_update().filter(pk=holiday.pk).first()
            old = _holiday_values(before) if before else {}
        clash = Holiday.objects.filter(date=holiday.date).exclude(pk=holiday.pk).exists()
        if clash:
            raise InvalidInput(
                _("%(day)s 已有一条记录，请直接修改那一条。") % {"day": holiday.date.isoformat()},
                fields={"date": holiday.date.isoformat()},
            )
        holiday.save()
        audit.record(
            actor=actor, verb=Verb.HOLIDAY_SAVED, target=holiday, old=old, new=_holiday_values(holiday)
        )
        _changed(holiday.date.year)
    return holiday


def do_delete_holiday(*, actor: Actor, holiday: Holiday) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor, verb=Verb.HOLIDAY_DELETED, target=holiday, old=_holiday_values(holiday), new={}
        )
        Holiday.objects.filter(pk=holiday.pk).delete()
        _changed(holiday.date.year)


def _schedule_values(schedule: WorkSchedule) -> dict:
    return {"key": schedule.key, "name": schedule.name, "periods": schedule.periods}


def do_save_work_schedule(*, actor: Actor, schedule: WorkSchedule) -> WorkSchedule:
    """Create or change an organisation's working hours; periods are checked (format, order, overlap)."""
    parse_periods(schedule.periods)
    if not (schedule.key or "").strip():
        raise InvalidInput(_("作息时间的标识不能为空。"), fields={"key": "empty"})
    with transaction.atomic():
        old = {}
        if schedule.pk:
            before = WorkSchedule.objects.select_for_update().filter(pk=schedule.pk).first()
            old = _schedule_values(before) if before else {}
        if WorkSchedule.objects.filter(key=schedule.key).exclude(pk=schedule.pk).exists():
            raise InvalidInput(
                _("标识「%(key)s」已被其他作息时间使用。") % {"key": schedule.key},
                fields={"key": schedule.key},
            )
        schedule.save()
        audit.record(
            actor=actor, verb=Verb.SCHEDULE_SAVED, target=schedule, old=old, new=_schedule_values(schedule)
        )
        _changed()
    return schedule


def do_delete_work_schedule(*, actor: Actor, schedule: WorkSchedule) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor, verb=Verb.SCHEDULE_DELETED, target=schedule, old=_schedule_values(schedule), new={}
        )
        WorkSchedule.objects.filter(pk=schedule.pk).delete()
        _changed()
