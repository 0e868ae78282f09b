"""十无一创建 indicators: official inspections (monthly city checks and quarterly third-party checks) and
task letters.

- 十无达标率: official inspections counted in the month that score at or above the standard version's
  downgrade line (below it a street is 不达标);
- 平均得分 of those inspections, and the number of 不达标 inspections;
- 任务书签署率: task letters issued in the month that the street chief has signed.
Streets are the units, and subdistricts (an inspection carries its street's subdistrict code).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jingzhi.assessment.registry import DATETIME, MONTH_TEXT, Source, register
from jingzhi.assessment.rules import (
    COUNT,
    DOWN,
    MEAN,
    RATE,
    UP,
    Always,
    Eq,
    FieldValue,
    Ge,
    Indicator,
    Lt,
    NotNull,
)

OFFICIAL = Eq("is_official", True)


def _rows():
    from jingzhi.rectification.models import Inspection

    return Inspection.objects.all()


def _visible(user):
    from jingzhi.geo.queries import streets_for
    from jingzhi.rectification.models import Inspection

    return Inspection.objects.filter(street_code__in=streets_for(user).values("code"))


def _prefetch(qs):
    return qs.select_related("version")


def _describe(inspection) -> dict:
    verdict = _("达标") if inspection.passed else _("不达标")
    return {
        "ref": f"#{inspection.pk}",
        "title": f"{inspection.street_name} {inspection.period} {inspection.get_kind_display()}",
        "subtitle": _("得分 %(s)s · %(v)s") % {"s": inspection.score, "v": verdict},
        "link": ("web:inspection_detail", [inspection.pk]),
    }


INSPECTIONS = Source(
    name="inspections",
    label=_("十无检查"),
    rows=_rows,
    visible=_visible,
    unit_fields={"subdistrict": "subdistrict_code", "street": "street_code"},
    period_kinds={"month": MONTH_TEXT},
    describe=_describe,
    prefetch=_prefetch,
    app_label="rectification",
)

register(
    INSPECTIONS,
    [
        Indicator(
            "ten_pass_rate",
            _("十无达标率"),
            "inspections",
            RATE,
            where=OFFICIAL,
            hit=Ge("score", "version__downgrade_below"),
            period_field="month",
            unit_kinds=("subdistrict", "street"),
            target=Decimal("0.90"),
            description=_("本月正式检查（市级月检、第三方季检）中得分不低于达标线的比例"),
            order=50,
        ),
        Indicator(
            "ten_score_mean",
            _("十无平均得分"),
            "inspections",
            MEAN,
            where=OFFICIAL,
            measure=FieldValue("score"),
            period_field="month",
            unit_kinds=("subdistrict", "street"),
            unit="分",
            description=_("本月正式检查得分的平均值"),
            order=51,
        ),
        Indicator(
            "ten_failing",
            _("不达标检查数"),
            "inspections",
            COUNT,
            where=OFFICIAL & Lt("score", "version__downgrade_below"),
            period_field="month",
            unit_kinds=("subdistrict", "street"),
            direction=DOWN,
            unit="次",
            description=_("本月正式检查中得分低于达标线的次数"),
            order=52,
        ),
    ],
)


def _letter_rows():
    from jingzhi.rectification.models import TaskLetter

    return TaskLetter.objects.all()


def _letter_visible(user):
    from jingzhi.geo.queries import streets_for
    from jingzhi.rectification.models import TaskLetter

    return TaskLetter.objects.filter(street_code__in=streets_for(user).values("code"))


def _letter_describe(letter) -> dict:
    return {
        "ref": f"#{letter.pk}",
        "title": letter.title,
        "subtitle": (_("已签署") if letter.signed_at else _("未签署")) + f" · {letter.street_code}",
        "link": ("web:street_detail", [letter.street_code]),
    }


LETTERS = Source(
    name="task_letters",
    label=_("任务书"),
    rows=_letter_rows,
    visible=_letter_visible,
    unit_fields={"street": "street_code"},
    period_kinds={"issued_at": DATETIME},
    describe=_letter_describe,
    app_label="rectification",
)

register(
    LETTERS,
    [
        Indicator(
            "letter_signed_rate",
            _("任务书签署率"),
            "task_letters",
            RATE,
            where=Always(),
            hit=NotNull("signed_at"),
            period_field="issued_at",
            unit_kinds=("street",),
            target=Decimal("1"),
            description=_("本月下达的任务书中街巷长已签署的比例"),
            order=60,
        ),
    ],
)


# ---------------------------------------------------------------------------------- month-end street states
def _month_rows():
    from jingzhi.rectification.queries import street_months

    return street_months()


def _month_visible(user):
    from jingzhi.rectification.queries import street_months

    return street_months(user)


def _month_describe(row) -> dict:
    from jingzhi.rectification.rules import grade_label

    civilized = _(" · 文明街巷") if row.is_civilized else ""
    return {
        "ref": row.street_code,
        "title": f"{row.street_code} {row.month}",
        "subtitle": _("月末等级：%(g)s") % {"g": grade_label(row.grade)} + civilized,
        "link": ("web:street_detail", [row.street_code]),
    }


STREET_MONTHS = Source(
    name="street_months",
    label=_("街巷月末状态"),
    rows=_month_rows,
    visible=_month_visible,
    unit_fields={"district": "district_code", "subdistrict": "subdistrict_code"},
    period_kinds={"month": MONTH_TEXT},
    describe=_month_describe,
    app_label="rectification",
)

GRADES = (
    ("premium", _("精品街巷数")),
    ("fine", _("优美街巷数")),
    ("standard", _("达标街巷数")),
    ("failing", _("不达标街巷数")),
)

register(
    STREET_MONTHS,
    [
        Indicator(
            "civilized_streets",
            _("文明街巷数"),
            "street_months",
            COUNT,
            where=Eq("is_civilized", True),
            period_field="month",
            unit_kinds=("district", "subdistrict"),
            unit="条",
            description=_("月末为文明街巷的街巷数"),
            order=55,
        ),
        *(
            Indicator(
                f"streets_{grade}",
                label,
                "street_months",
                COUNT,
                where=Eq("grade", grade),
                period_field="month",
                unit_kinds=("district", "subdistrict"),
                direction=DOWN if grade == "failing" else UP,
                unit="条",
                description=_("月末等级为该等级的街巷数"),
                order=56 + n,
            )
            for n, (grade, label) in enumerate(GRADES)
        ),
    ],
)
