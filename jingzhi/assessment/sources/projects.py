"""民意立项 indicators, read through `projects.queries.turnout_rows` and `rating_rows`.

- 表决参与率: of the eligible units (households, or persons in a per-person round) on the frozen registers
  of the voting rounds closed in the month, the share that voted (superseded rounds left out);
- 项目满意率: of the households' ratings of delivered projects given in the month, the share of 4 or 5
  out of 5 (满意); and their mean score.
Units: the household's community and the project's subdistrict.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jingzhi.assessment.registry import DATETIME, Source, register
from jingzhi.assessment.rules import MEAN, RATE, Always, Cmp, FieldValue, Indicator, NotNull

SATISFIED_FROM = 4  # 4 or 5 out of 5


def _rows():
    from jingzhi.projects.queries import turnout_rows

    return turnout_rows()


def _visible(user):
    from jingzhi.projects.queries import turnout_rows

    return turnout_rows(user)


def _prefetch(qs):
    return qs.select_related("round__project")


def _describe(entry) -> dict:
    # The unit is shown by its register row only: no household, address or name.
    project = entry.round.project
    return {
        "ref": f"#{entry.pk}",
        "title": _("%(p)s 第 %(n)d 轮表决") % {"p": project.title, "n": entry.round.number},
        "subtitle": _("已投票") if entry.voted_at else _("未投票"),
        "link": ("web:project_detail", [project.pk]),
    }


TURNOUT = Source(
    name="project_register",
    label=_("表决登记册"),
    rows=_rows,
    visible=_visible,
    unit_fields={"subdistrict": "subdistrict_code", "community": "community_code"},
    period_kinds={"closed_at": DATETIME},
    describe=_describe,
    prefetch=_prefetch,
    app_label="projects",
)

register(
    TURNOUT,
    [
        Indicator(
            "project_turnout",
            _("表决参与率"),
            "project_register",
            RATE,
            where=Always(),
            hit=NotNull("voted_at"),
            period_field="closed_at",
            unit_kinds=("subdistrict", "community"),
            target=Decimal("0.5"),
            description=_("本月结束的表决中已投票的合格户（或人）占合格户（或人）的比例"),
            order=80,
        ),
    ],
)


def _rating_rows():
    from jingzhi.projects.queries import rating_rows

    return rating_rows()


def _rating_visible(user):
    from jingzhi.projects.queries import rating_rows

    return rating_rows(user)


def _rating_prefetch(qs):
    return qs.select_related("project")


def _rating_describe(rating) -> dict:
    # No comment text and no household: a rating is shown by its score only.
    return {
        "ref": f"#{rating.pk}",
        "title": rating.project.title,
        "subtitle": _("评分 %(s)d / 5") % {"s": rating.score},
        "link": ("web:project_detail", [rating.project_id]),
    }


RATINGS = Source(
    name="project_ratings",
    label=_("项目满意度评价"),
    rows=_rating_rows,
    visible=_rating_visible,
    unit_fields={"subdistrict": "subdistrict_code", "community": "community_code"},
    period_kinds={"created_at": DATETIME},
    describe=_rating_describe,
    prefetch=_rating_prefetch,
    app_label="projects",
)

register(
    RATINGS,
    [
        Indicator(
            "project_satisfaction_rate",
            _("项目满意率"),
            "project_ratings",
            RATE,
            where=Always(),
            hit=Cmp("score", "ge", value=SATISFIED_FROM),
            period_field="created_at",
            unit_kinds=("subdistrict", "community"),
            target=Decimal("0.9"),
            description=_("本月对已验收项目的评价中评 4 分或 5 分的比例"),
            order=81,
        ),
        Indicator(
            "project_rating_mean",
            _("项目平均评分"),
            "project_ratings",
            MEAN,
            where=Always(),
            measure=FieldValue("score"),
            period_field="created_at",
            unit_kinds=("subdistrict", "community"),
            unit="分",
            description=_("本月对已验收项目的评分（1–5）的平均值"),
            order=82,
        ),
    ],
)
