"""腾退空间 indicators, read through `spaces.queries.spaces_for_assessment`.

- 腾退空间再利用率: of the spaces vacated in the month (`vacated_on`), the share now in use (利用中,
  `spaces.workflow.REUSED`) — a cohort figure: the month's spaces as they stand at the fill, so a month
  is re-filled (`jingzhi assessment rebuild`) to follow its spaces into use;
- 腾退空间数: the spaces vacated in the month.
- 便民服务覆盖率: of the month-end coverage records (`spaces.CoverageMonth`: every grid × active service
  kind, as the spaces app measured it over the walking network at the month's last record), the share whose
  nearest service point is within the kind's walk. The running month is (re)recorded by the fill itself
  (`prepare` below: at most once a day, `JINGZHI_SPACES_COVERAGE_RECORD_HOURS`); a past month keeps its
  last record.
Units: the space's (grid's) community and subdistrict.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jingzhi.assessment.registry import DATE, MONTH_TEXT, Source, register
from jingzhi.assessment.rules import COUNT, RATE, Always, Eq, In, Indicator


def _rows():
    from jingzhi.spaces.queries import spaces_for_assessment

    return spaces_for_assessment()


def _visible(user):
    from jingzhi.spaces.queries import spaces_for_assessment

    return spaces_for_assessment(user)


def _describe(space) -> dict:
    return {
        "ref": space.number,
        "title": space.name,
        "subtitle": _("%(d)s 腾退 · %(s)s")
        % {"d": f"{space.vacated_on:%Y-%m-%d}", "s": space.get_state_display()},
        "link": ("web:space_detail", [space.pk]),
    }


def _reused() -> tuple[str, ...]:
    from jingzhi.spaces.workflow import REUSED

    return tuple(sorted(REUSED))


SPACES = Source(
    name="spaces",
    label=_("腾退空间"),
    rows=_rows,
    visible=_visible,
    unit_fields={"subdistrict": "subdistrict_code", "community": "community_code"},
    period_kinds={"vacated_on": DATE},
    describe=_describe,
    app_label="spaces",
)


def _coverage_rows():
    from jingzhi.spaces.queries import coverage_months

    return coverage_months()


def _coverage_visible(user):
    from jingzhi.spaces.queries import coverage_months

    return coverage_months(user)


def _coverage_describe(row) -> dict:
    if row.covered:
        state = (
            _("已覆盖（步行约 %(d)s 米）") % {"d": row.distance_m}
            if row.distance_m is not None
            else _("已覆盖")
        )
    else:
        state = _("未覆盖")
    return {
        "ref": row.grid_code,
        "title": f"{row.community_name or row.community_code} · {row.grid_name or row.grid_code}",
        "subtitle": f"{row.kind_name or row.kind_code} · {state}",
        "link": ("web:spaces_coverage", []),
    }


def _coverage_prepare(month: str) -> None:
    from jingzhi.spaces.actions import ensure_coverage_month

    ensure_coverage_month(month)


COVERAGE = Source(
    name="convenience_coverage",
    label=_("便民覆盖月末记录"),
    rows=_coverage_rows,
    visible=_coverage_visible,
    unit_fields={"subdistrict": "subdistrict_code", "community": "community_code"},
    period_kinds={"month": MONTH_TEXT},
    describe=_coverage_describe,
    prepare=_coverage_prepare,
    app_label="spaces",
)

register(
    COVERAGE,
    [
        Indicator(
            "convenience_coverage_rate",
            _("便民服务覆盖率"),
            "convenience_coverage",
            RATE,
            where=Always(),
            hit=Eq("covered", True),
            period_field="month",
            unit_kinds=("subdistrict", "community"),
            target=Decimal("0.8"),
            description=_("月末各网格中步行可达各类便民业态（网格 × 业态计）的比例"),
            order=92,
        ),
    ],
)

register(
    SPACES,
    [
        Indicator(
            "space_reuse_rate",
            _("腾退空间再利用率"),
            "spaces",
            RATE,
            where=Always(),
            hit=In("state", _reused()),
            period_field="vacated_on",
            unit_kinds=("subdistrict", "community"),
            target=Decimal("0.6"),
            description=_("本月腾退的空间中目前已投入利用的比例"),
            order=90,
        ),
        Indicator(
            "spaces_vacated",
            _("腾退空间数"),
            "spaces",
            COUNT,
            where=Always(),
            period_field="vacated_on",
            unit_kinds=("subdistrict", "community"),
            unit="处",
            description=_("本月腾退的空间数"),
            order=91,
        ),
    ],
)
