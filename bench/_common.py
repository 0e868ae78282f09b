"""Shared helpers for the bench scripts: Django set-up and the one-line result format.

Every bench ends with one line per figure, so runs can be compared by eye or by grep:
    bench: NAME ours=X floor=Y ratio=R target=T unit=U
with the ratio oriented so that higher is better (ours/floor for rates, floor/ours for times).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(*, temp_var: bool = True) -> Path:
    """Configure Django for a bench run; by default in a throw-away JINGZHI_VAR (its own SQLite)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhi.config.settings")
    if temp_var and "JINGZHI_VAR" not in os.environ:
        os.environ["JINGZHI_VAR"] = tempfile.mkdtemp(prefix="jz-bench-")
    import django

    django.setup()
    return Path(os.environ.get("JINGZHI_VAR", ROOT / "var"))


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def best_of(fn, repeat: int = 3) -> float:
    """The best wall time of `repeat` runs of fn() (seconds): the least disturbed run."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def report(
    name: str, *, ours: float, floor: float, target: float, unit: str, higher_is_better: bool = True
) -> str:
    ratio = (
        (ours / floor if floor else float("inf"))
        if higher_is_better
        else (floor / ours if ours else float("inf"))
    )
    line = (
        f"bench: {name} ours={_fmt(ours)} floor={_fmt(floor)} ratio={ratio:.3f} target={target:g} unit={unit}"
    )
    print(line, flush=True)
    return line
