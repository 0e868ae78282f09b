"""System checks for the 腾退空间 settings, so a typo shows at start-up rather than as a wrong coverage map."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

NUMBERS = {
    "JINGZHI_SPACES_WALK_SPEED_M_PER_MIN": ("步行速度（米/分钟）", 80),
    "JINGZHI_SPACES_DETOUR_FACTOR": ("直线距离的绕行系数", 1.3),
    "JINGZHI_SPACES_NETWORK_MAX_SNAP_M": ("网格接入步行路网的最大距离（米）", 300),
}


@register()
def spaces_settings(app_configs=None, **kwargs):
    problems = []
    for n, (name, (label, default)) in enumerate(NUMBERS.items(), start=1):
        value = getattr(settings, name, default)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        if name == "JINGZHI_SPACES_DETOUR_FACTOR" and ok:
            ok = value >= 1
        if not ok:
            floor = "不小于 1 的数" if name == "JINGZHI_SPACES_DETOUR_FACTOR" else "大于 0 的数"
            problems.append(Error(f"{name}（{label}）应为{floor}，现为 {value!r}", id=f"spaces.E00{n}"))
    return problems
