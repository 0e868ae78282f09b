"""Benchmark: monthly patrol rosters for 1,000 councils (5–7 members each, a few declared unavailable days,
October's holidays skipped by a third of them) with the fair generator `councils.workflow.generate_roster`,
against the floor of a plain round-robin over the same members (the next available member in turn, no
balancing). Pure Python: no database. Prints `bench: roster_month ours=… floor=… ratio=floor/ours`.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import best_of, report  # noqa: E402

COUNCILS = 1000
MONTH = date(2025, 10, 1)


def build():
    import chinese_calendar

    from jingzhi.councils.workflow import month_days

    days = month_days(MONTH)
    holidays = {
        d for d in days if chinese_calendar.is_holiday(d) and chinese_calendar.get_holiday_detail(d)[1]
    }
    rng = random.Random(20251001)
    councils = []
    for n in range(COUNCILS):
        members = [f"c{n}m{i}" for i in range(rng.randint(5, 7))]
        away = {m: set(rng.sample(days, rng.randint(0, 4))) for m in members}
        policy = "skip" if n % 3 == 0 else "patrol"
        councils.append((members, away, policy))
    return days, holidays, councils


def ours(days, holidays, councils):
    from jingzhi.councils.workflow import generate_roster

    for members, away, policy in councils:
        generate_roster(days, members, away, holidays=holidays, holiday_policy=policy)


def round_robin(days, holidays, councils):
    """The floor: each day the next member in turn who is available, nothing else."""
    for members, away, policy in councils:
        shifts = {}
        turn = 0
        n = len(members)
        for d in days:
            if policy == "skip" and d in holidays:
                continue
            for k in range(n):
                m = members[(turn + k) % n]
                if d not in away[m]:
                    shifts[d] = m
                    turn = (turn + k + 1) % n
                    break


def main() -> None:
    data = build()
    floor = best_of(lambda: round_robin(*data), repeat=5)
    mine = best_of(lambda: ours(*data), repeat=5)
    report("roster_month", ours=mine, floor=floor, target=0.2, unit="s", higher_is_better=False)


if __name__ == "__main__":
    main()
