"""腾退空间 indicators, read through `spaces.queries.spaces_for_assessment`.

- 腾退空间再利用率: of the spaces vacated in the month (`vacated_on`), the share now in use (利用中,
  `spaces.workflow.REUSED`) — a cohort figure: the month's spaces as they stand at the fill, so a month
  is re-filled (`jingzhi assessment rebuild`) to follow its spaces into use;
- 腾退空间数: the spaces vacated in the month.
Units: the space's community and subdistrict. 便民 coverage is not a figure here: the spaces app computes it
on demand over the walking network (`spaces.queries.coverage_for`), not as records placed in a month.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jingzhi.assessment.registry import DATE, Source, register
from jingzhi.assessment.rules import COUNT, RATE, Always, In, Indicator


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
