"""Hook receivers: a late change marks the months whose figures it touches, for the next fill.

A case counts in the month it was reported and in the month its handling deadline falls in (see
`sources/cases.py`); an inspection in the month it counts for. Receivers run after the change committed
(`core.hooks`); they only write a `DirtyMonth` row.
"""

from __future__ import annotations

from django.utils import timezone

from jingzhi.assessment import rules
from jingzhi.core import hooks

CASE_HOOKS = ("case_reopened", "case_rated", "case_closed")
INSPECTION_HOOK = "inspection_recorded"


def case_months(case_id) -> list[str]:
    from jingzhi.cases.models import Case

    row = Case.objects.filter(pk=case_id).values("reported_at", "handle_deadline").first()
    if row is None:
        return []
    moments = [m for m in (row["reported_at"], row["handle_deadline"]) if m is not None]
    return sorted({rules.month_of(timezone.localtime(m)) for m in moments})


def on_case_changed(*, case_id, action="", **_payload) -> None:
    from jingzhi.assessment.actions import do_mark_month_dirty

    for month in case_months(case_id):
        do_mark_month_dirty(month, reason=f"case:{action}")


def on_inspection_recorded(*, inspection_id, **_payload) -> None:
    from jingzhi.assessment.actions import do_mark_month_dirty
    from jingzhi.rectification.models import Inspection

    month = Inspection.objects.filter(pk=inspection_id).values_list("month", flat=True).first()
    if month:
        do_mark_month_dirty(month, reason="inspection")


def subscribe() -> None:
    for name in CASE_HOOKS:
        hooks.register(name)(on_case_changed)
    hooks.register(INSPECTION_HOOK)(on_inspection_recorded)
