"""多元共治 indicators: the councils' patrols (巡查), read through `councils.queries.patrol_shifts`.

- 巡查按时完成率: patrols due in the month (published shifts whose day has passed, or whose round is
  finished) whose round was finished and had started no later than the shift's day / patrols due;
- 每次巡查发现问题数: the mean number of problems a finished patrol reported.
A patrol is placed in the month of its shift's day. Units: the council's community (community councils),
street (street councils) and subdistrict.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jingzhi.assessment.registry import DATE, Source, register
from jingzhi.assessment.rules import MEAN, RATE, Always, And, FieldValue, Indicator, Le, NotNull

FINISHED = NotNull("finished_at")


def _rows():
    from jingzhi.councils.queries import patrol_shifts

    return patrol_shifts()


def _visible(user):
    from jingzhi.councils.queries import patrol_shifts

    return patrol_shifts(user)


def _prefetch(qs):
    return qs.select_related("council")


def _describe(shift) -> dict:
    # No member names: the list may be printed or exported.
    if shift.finished_at is None:
        state = _("未完成")
    elif shift.round_day is not None and shift.round_day <= shift.day:
        state = _("按时完成")
    else:
        state = _("补巡")
    return {
        "ref": f"#{shift.pk}",
        "title": f"{shift.council.name} {shift.day:%Y-%m-%d}",
        "subtitle": _("%(s)s · 发现问题 %(n)d 个") % {"s": state, "n": shift.findings},
        "link": ("web:council_detail", [shift.council_id]),
    }


PATROLS = Source(
    name="council_patrols",
    label=_("议事会巡查"),
    rows=_rows,
    visible=_visible,
    unit_fields={
        "subdistrict": "subdistrict_code",
        "community": "community_code",
        "street": "street_code",
    },
    period_kinds={"day": DATE},
    describe=_describe,
    prefetch=_prefetch,
    app_label="councils",
)

register(
    PATROLS,
    [
        Indicator(
            "patrol_completion_rate",
            _("巡查按时完成率"),
            "council_patrols",
            RATE,
            where=Always(),
            hit=And((FINISHED, Le("round_day", "day"))),
            period_field="day",
            unit_kinds=("subdistrict", "community", "street"),
            target=Decimal("0.95"),
            description=_("本月应巡查的班次中当天签到并签退完成的比例"),
            order=70,
        ),
        Indicator(
            "patrol_findings_mean",
            _("每次巡查发现问题数"),
            "council_patrols",
            MEAN,
            where=FINISHED,
            measure=FieldValue("findings"),
            period_field="day",
            unit_kinds=("subdistrict", "community", "street"),
            unit="个",
            description=_("本月完成的巡查平均每次上报的问题数"),
            order=71,
        ),
    ],
)
