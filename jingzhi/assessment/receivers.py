"""Hook receivers: a late change marks the months whose figures it touches, for the next fill.

One receiver per hook the feature apps fire (their `hooks.py`); each works out which months the change
touched by the same placing rule the indicator uses (see each `sources/<app>.py`) and writes a `DirtyMonth`
row for each — nothing else. Receivers run after the change committed (`core.hooks`).

- a case counts in the month it was reported and in the month its handling deadline falls in;
- an inspection in the month it counts for, and a grade replay in every month whose month-end state it
  rewrote (`street_months_changed`);
- a task letter in the month it was issued (signing it late changes that month's 签署率);
- a patrol in the month of its shift's day (finishing it after the month ended changes that month);
- a project rating in the month it was given — a second rating replaces the first, so the first one's month
  is touched too;
- a vacated space in the month it was vacated (a state change moves the reuse rate of that cohort month;
  a space registered or imported late adds to its month).
The current and previous months are filled by every job anyway; a change to them needs no mark but gets one.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from jingzhi.assessment import rules
from jingzhi.core import hooks

CASE_HOOKS = ("case_reopened", "case_rated", "case_closed")
INSPECTION_HOOK = "inspection_recorded"


def _mark(months, reason: str) -> None:
    from jingzhi.assessment.actions import do_mark_month_dirty

    for month in sorted({m for m in months if m}):
        do_mark_month_dirty(month, reason=reason)


def month_of_text(value: str) -> str:
    """The month of an ISO date or datetime (a datetime in local time, as the fill places it); "" if bad."""
    if not value:
        return ""
    try:
        if len(value) <= 10:
            return rules.month_of(date.fromisoformat(value))
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return rules.month_of(moment)


def case_months(case_id) -> list[str]:
    from jingzhi.cases.models import Case

    row = Case.objects.filter(pk=case_id).values("reported_at", "handle_deadline").first()
    if row is None:
        return []
    moments = [m for m in (row["reported_at"], row["handle_deadline"]) if m is not None]
    return sorted({rules.month_of(timezone.localtime(m)) for m in moments})


def on_case_changed(*, case_id, action="", **_payload) -> None:
    _mark(case_months(case_id), f"case:{action}")


def on_inspection_recorded(*, inspection_id, **_payload) -> None:
    from jingzhi.rectification.models import Inspection

    month = Inspection.objects.filter(pk=inspection_id).values_list("month", flat=True).first()
    _mark([month], "inspection")


def on_street_months_changed(*, months=(), **_payload) -> None:
    _mark([m for m in months if rules.MONTH_RE.match(str(m))], "street_months")


def on_task_letter_signed(*, letter_id, **_payload) -> None:
    from jingzhi.rectification.models import TaskLetter

    issued = TaskLetter.objects.filter(pk=letter_id).values_list("issued_at", flat=True).first()
    _mark([rules.month_of(timezone.localtime(issued))] if issued else [], "task_letter")


def on_patrol_finished(*, day="", **_payload) -> None:
    _mark([month_of_text(day)], "patrol")


def on_project_rated(*, rated_at="", replaced_at="", **_payload) -> None:
    _mark([month_of_text(rated_at), month_of_text(replaced_at)], "project_rating")


def on_space_state_changed(*, space_id, **_payload) -> None:
    from jingzhi.spaces.models import Space

    vacated = Space.objects.filter(pk=space_id).values_list("vacated_on", flat=True).first()
    _mark([rules.month_of(vacated)] if vacated else [], "space_state")


def on_spaces_registered(*, vacated_on=(), **_payload) -> None:
    _mark([month_of_text(d) for d in vacated_on], "space_registered")


def subscribe() -> None:
    from jingzhi.councils.hooks import PATROL_FINISHED
    from jingzhi.projects.hooks import PROJECT_RATED
    from jingzhi.rectification.hooks import STREET_MONTHS_CHANGED, TASK_LETTER_SIGNED
    from jingzhi.spaces.hooks import SPACE_STATE_CHANGED, SPACES_REGISTERED

    for name in CASE_HOOKS:
        hooks.register(name)(on_case_changed)
    hooks.register(INSPECTION_HOOK)(on_inspection_recorded)
    hooks.register(STREET_MONTHS_CHANGED)(on_street_months_changed)
    hooks.register(TASK_LETTER_SIGNED)(on_task_letter_signed)
    hooks.register(PATROL_FINISHED)(on_patrol_finished)
    hooks.register(PROJECT_RATED)(on_project_rated)
    hooks.register(SPACE_STATE_CHANGED)(on_space_state_changed)
    hooks.register(SPACES_REGISTERED)(on_spaces_registered)
