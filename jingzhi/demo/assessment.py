"""The demo's 考核 snapshots: every month from six months back to this one is filled from the demo's case
history and street inspections, through `assessment.actions` (idempotent: a re-run gives the same rows)."""

from __future__ import annotations


def fill_demo_snapshots(*, actor=None, months: int = 6, progress=None) -> int:
    """Fill the last `months` months (this one included); returns how many figure rows were written."""
    from jingzhi.assessment import actions, rules

    this = actions.current_month()
    total = 0
    for month in rules.months_between(rules.shift_month(this, -(months - 1)), this):
        if progress:
            progress(f"考核快照 {month}…")
        total += actions.do_fill_month(month, actor=actor, trigger="demo").figures
    return total
