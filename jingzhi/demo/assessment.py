"""The demo's 考核 snapshots: every month from six months back to this one that has not been filled yet is
filled from the demo's case history and street inspections, through `assessment.actions` — so a re-run of
`jingzhi demo` writes nothing (`jingzhi assessment rebuild` re-fills on demand)."""

from __future__ import annotations


def fill_demo_snapshots(*, actor=None, months: int = 6, progress=None) -> int:
    """Fill the last `months` months (this one included) not filled before; returns the figure rows written."""
    from jingzhi.assessment import actions, rules
    from jingzhi.assessment.models import FillRun

    this = actions.current_month()
    wanted = rules.months_between(rules.shift_month(this, -(months - 1)), this)
    done = set(FillRun.objects.filter(month__in=wanted).values_list("month", flat=True))
    total = 0
    for month in wanted:
        if month in done:
            continue
        if progress:
            progress(f"考核快照 {month}…")
        total += actions.do_fill_month(month, actor=actor, trigger="demo").figures
    return total
