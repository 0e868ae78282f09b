"""Deadlines of a case's steps, on the working calendar, and the settings that tune the loop.

The one place that turns taxonomy's limits (`taxonomy.limits.limit_for` / `deadline`) into the timestamps
stored on a case, and back into warning levels at read time (`step_sla`). Working-time limits are measured
in working seconds (`core.workcalendar.working_seconds_between`), calendar-hour limits in plain seconds, so
"80 % used" means the same thing on a Friday evening as on a Tuesday morning. Every number is a setting
read when used (never at import), with the default stated here and in docs/cases.md.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from jingzhi.cases import workflow
from jingzhi.core import clock, workcalendar


def setting(name: str, default):
    return getattr(settings, name, default)


def yellow_fraction() -> float:
    return float(setting("JINGZHI_CASE_YELLOW_FRACTION", 0.8))


def description_max() -> int:
    return int(setting("JINGZHI_CASE_DESCRIPTION_MAX", 4000))


def max_extension_days() -> int:
    return int(setting("JINGZHI_CASE_MAX_EXTENSION_DAYS", 10))


def escalate_after_returns() -> int:
    return int(setting("JINGZHI_CASE_ESCALATE_RETURNS", 2))


def max_reopens() -> int:
    return int(setting("JINGZHI_CASE_MAX_REOPENS", 1))


def whistle_limit_minutes() -> int:
    return int(setting("JINGZHI_WHISTLE_LIMIT_MINUTES", 30))


def outside_fallback_district() -> str:
    return str(setting("JINGZHI_OUTSIDE_FALLBACK_DISTRICT", "") or "")


def limit_of(category, step: str, *, condition=None):
    """The TimeLimit for `step` of a case of `category` (None: no limit configured, no deadline set)."""
    from jingzhi.taxonomy.limits import limit_for

    return limit_for(category, step, condition=condition)


def deadline_for(start: datetime, limit) -> datetime | None:
    from jingzhi.taxonomy.limits import deadline

    if limit is None:
        return None
    return deadline(start, limit)


def measure(unit: str):
    """The elapsed-time measure matching a limit's unit."""
    if unit in ("working_hours", "working_days"):
        return workcalendar.working_seconds_between
    return workflow.plain_seconds


def step_sla(case, now: datetime | None = None) -> workflow.Sla:
    """The running step's warning level, computed from the stored clock and now."""
    now = now or clock.now()
    if case.state in workflow.FINISHED or not case.step:
        return workflow.Sla(workflow.NONE)
    return workflow.sla(
        case.step_started_at,
        case.step_deadline,
        now,
        yellow_fraction=yellow_fraction(),
        seconds_between=measure(case.step_limit_unit),
    )


def handle_outcome(case) -> workflow.Sla:
    """How the handling clock ended once the department gave feedback (on time, or late by how much);
    NONE while it runs or when there was none."""
    if case.handle_deadline is None or case.handled_at is None or case.state == workflow.HANDLING:
        return workflow.Sla(workflow.NONE)
    return workflow.finished_sla(
        case.handle_started_at,
        case.handle_deadline,
        case.handled_at,
        seconds_between=measure(case.handle_limit_unit),
    )


def handle_sla(case, now: datetime | None = None) -> workflow.Sla:
    """The handling clock's warning level (dispatch to feedback), for departments' pages."""
    now = now or clock.now()
    if case.handle_deadline is None or case.handled_at is not None and case.state != workflow.HANDLING:
        return workflow.Sla(workflow.NONE)
    return workflow.sla(
        case.handle_started_at,
        case.handle_deadline,
        now,
        yellow_fraction=yellow_fraction(),
        seconds_between=measure(case.handle_limit_unit),
    )
