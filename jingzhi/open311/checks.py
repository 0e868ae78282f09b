"""System checks for the Open311 settings, so a typo shows at start-up rather than as a silent default."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def open311_settings(app_configs=None, **kwargs):
    from jingzhi.cases.models import Source

    problems = []
    limit = getattr(settings, "JINGZHI_OPEN311_RATE_LIMIT", 30)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        problems.append(
            Error(
                "JINGZHI_OPEN311_RATE_LIMIT 应为不小于 0 的整数（每个密钥每分钟的提交上限，0 为不限）",
                id="open311.E001",
            )
        )
    sources = getattr(settings, "JINGZHI_OPEN311_PUBLIC_SOURCES", None)
    if sources:
        unknown = [s for s in sources if s not in Source.values]
        if unknown:
            problems.append(
                Warning(
                    f"JINGZHI_OPEN311_PUBLIC_SOURCES 中有未知来源：{'、'.join(map(str, unknown))}，"
                    f"可选：{'、'.join(Source.values)}",
                    id="open311.W001",
                )
            )
    return problems
