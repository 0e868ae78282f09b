"""接诉即办 and grid-management indicators over cases, and 吹哨报到 indicators over whistle summonses.

Which cases count (DOMAIN.md §8, as configuration-free definitions):
- every figure leaves out cases not filed, voided or merged into another (`VALID`);
- the three rates of 接诉即办 are over the cases *reported* in the month and sent to a department:
  响应率 = responded by the response deadline; 解决率 = closed and not rated 不满意, parked cases left out;
  满意率 = rated 满意 or 基本满意 among the rated;
- 结案率 = closed / (due − parked) and 按期结案率 = handled by the deadline and closed / (due − parked), over the
  cases whose handling deadline *falls* in the month;
- 返工率 (over handled cases), 退单率, 延期率 and 超时率 (over dispatched cases), and the mean and maximum 超时倍数
  of the cases handled late, over the cases reported in the month.
A department's figures are those of the cases it leads.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhi.assessment.registry import DATETIME, Source, register
from jingzhi.assessment.rules import (
    COUNT,
    DOWN,
    MAX,
    MEAN,
    RATE,
    Eq,
    Gt,
    GtValue,
    In,
    Indicator,
    Le,
    Not,
    NotBlank,
    NotNull,
    overdue_multiple,
)
from jingzhi.cases import workflow

PLACES = ("district", "subdistrict", "community", "grid", "street", "department")
RATES_UNITS = PLACES
# Grids are many (tens of thousands in a city): they carry the three rates, closure and volume (the hot-spot
# list), not every rate — a month's snapshot stays a few hundred thousand rows.
WIDE = ("district", "subdistrict", "community", "street", "department")

VALID = Not(In("state", (workflow.NOT_FILED, workflow.VOID, workflow.MERGED)))
DISPATCHED = VALID & NotNull("dispatched_at")
NOT_PARKED = Not(Eq("state", workflow.PARKED))
CLOSED = Eq("state", workflow.CLOSED)


def _rows():
    from jingzhi.cases.models import Case

    return Case.objects.all()


def _visible(user):
    from jingzhi.cases.queries import cases_visible_to

    return cases_visible_to(user)


def _prefetch(qs):
    return qs.select_related("category", "lead_department", "subdistrict").defer(
        "subdistrict__geometry", "description", "reporter_name", "reporter_phone", "address"
    )


def _describe(case) -> dict:
    # No description, address or reporter: the drill-down list may be printed or exported.
    category = case.category.name if case.category_id else str(_("未分类"))
    place = case.subdistrict.name if case.subdistrict_id else case.subdistrict_code
    department = case.lead_department.name if case.lead_department_id else ""
    return {
        "ref": case.number,
        "title": f"{case.number} {category}",
        "subtitle": " · ".join(p for p in (case.state_label, place, department) if p),
        "link": ("web:case_detail", [case.number]),
    }


CASES = Source(
    name="cases",
    label=_("案件"),
    rows=_rows,
    visible=_visible,
    unit_fields={
        "district": "district_code",
        "subdistrict": "subdistrict_code",
        "community": "community_code",
        "grid": "grid_code",
        "street": "street_code",
        "department": "lead_department__code",
    },
    period_kinds={"reported_at": DATETIME, "handle_deadline": DATETIME},
    describe=_describe,
    prefetch=_prefetch,
    app_label="cases",
)


def _late_multiple(row) -> float | None:
    return overdue_multiple(row["handle_started_at"], row["handle_deadline"], row["handled_at"])


INDICATORS = [
    Indicator(
        "response_rate",
        _("响应率"),
        "cases",
        RATE,
        where=DISPATCHED,
        hit=Le("responded_at", "response_deadline"),
        period_field="reported_at",
        unit_kinds=RATES_UNITS,
        target=Decimal("0.95"),
        description=_("本月受理并派遣的案件中，部门在响应时限内响应的比例"),
        order=10,
    ),
    Indicator(
        "resolution_rate",
        _("解决率"),
        "cases",
        RATE,
        where=DISPATCHED & NOT_PARKED,
        hit=CLOSED & Not(Eq("rating", "dissatisfied")),
        period_field="reported_at",
        unit_kinds=RATES_UNITS,
        target=Decimal("0.85"),
        description=_("本月受理并派遣的案件（不含挂账）中，已结案且未被评为不满意的比例"),
        order=11,
    ),
    Indicator(
        "satisfaction_rate",
        _("满意率"),
        "cases",
        RATE,
        where=VALID & NotBlank("rating"),
        hit=In("rating", ("satisfied", "basic")),
        period_field="reported_at",
        unit_kinds=RATES_UNITS,
        target=Decimal("0.90"),
        description=_("本月受理并已评价的案件中，评为满意或基本满意的比例"),
        order=12,
    ),
    Indicator(
        "closure_rate",
        _("结案率"),
        "cases",
        RATE,
        where=VALID & NotNull("handle_deadline") & NOT_PARKED,
        hit=CLOSED,
        period_field="handle_deadline",
        unit_kinds=PLACES,
        target=Decimal("0.95"),
        description=_("处置时限在本月的案件（应结案数减挂账）中已结案的比例"),
        order=20,
    ),
    Indicator(
        "on_time_closure_rate",
        _("按期结案率"),
        "cases",
        RATE,
        where=VALID & NotNull("handle_deadline") & NOT_PARKED,
        hit=CLOSED & Le("handled_at", "handle_deadline"),
        period_field="handle_deadline",
        unit_kinds=PLACES,
        target=Decimal("0.90"),
        description=_("处置时限在本月的案件（应结案数减挂账）中按期处置并结案的比例"),
        order=21,
    ),
    Indicator(
        "rework_rate",
        _("返工率"),
        "cases",
        RATE,
        where=VALID & NotNull("handled_at"),
        hit=GtValue("rework_count", 0),
        period_field="reported_at",
        unit_kinds=WIDE,
        direction=DOWN,
        target=Decimal("0.05"),
        description=_("本月受理并已处置反馈的案件中，核查不通过返工过的比例"),
        order=22,
    ),
    Indicator(
        "return_rate",
        _("退单率"),
        "cases",
        RATE,
        where=DISPATCHED,
        hit=GtValue("return_count", 0),
        period_field="reported_at",
        unit_kinds=WIDE,
        direction=DOWN,
        target=Decimal("0.05"),
        description=_("本月受理并派遣的案件中，被部门退单过的比例"),
        order=23,
    ),
    Indicator(
        "extension_rate",
        _("延期率"),
        "cases",
        RATE,
        where=DISPATCHED,
        hit=GtValue("extension_days", 0),
        period_field="reported_at",
        unit_kinds=WIDE,
        direction=DOWN,
        target=Decimal("0.10"),
        description=_("本月受理并派遣的案件中，获批延期的比例"),
        order=24,
    ),
    Indicator(
        "overdue_rate",
        _("超时率"),
        "cases",
        RATE,
        where=DISPATCHED,
        hit=NotNull("first_overdue_at"),
        period_field="reported_at",
        unit_kinds=WIDE,
        direction=DOWN,
        target=Decimal("0.05"),
        description=_("本月受理并派遣的案件中，曾有环节超过时限的比例"),
        order=25,
    ),
    Indicator(
        "overdue_cases",
        _("超时案件数"),
        "cases",
        COUNT,
        where=VALID & NotNull("first_overdue_at"),
        period_field="reported_at",
        unit_kinds=WIDE,
        direction=DOWN,
        unit="件",
        description=_("本月受理的案件中，曾有环节超过时限的件数"),
        order=26,
    ),
    Indicator(
        "overdue_multiple_mean",
        _("平均超时倍数"),
        "cases",
        MEAN,
        where=VALID & Gt("handled_at", "handle_deadline"),
        value=_late_multiple,
        value_fields=("handle_started_at", "handle_deadline", "handled_at"),
        period_field="reported_at",
        unit_kinds=WIDE,
        direction=DOWN,
        unit="倍",
        description=_("本月受理、超过处置时限才反馈的案件，处置用时与时限之比的平均值"),
        order=27,
    ),
    Indicator(
        "overdue_multiple_max",
        _("最大超时倍数"),
        "cases",
        MAX,
        where=VALID & Gt("handled_at", "handle_deadline"),
        value=_late_multiple,
        value_fields=("handle_started_at", "handle_deadline", "handled_at"),
        period_field="reported_at",
        unit_kinds=WIDE,
        direction=DOWN,
        unit="倍",
        description=_("本月受理、超过处置时限才反馈的案件，处置用时与时限之比的最大值"),
        order=28,
    ),
    Indicator(
        "reported_cases",
        _("受理量"),
        "cases",
        COUNT,
        where=VALID,
        period_field="reported_at",
        unit_kinds=PLACES,
        unit="件",
        description=_("本月受理的案件数（不含不予立案、作废、合并）"),
        order=1,
    ),
    Indicator(
        "dispatched_cases",
        _("派遣量"),
        "cases",
        COUNT,
        where=DISPATCHED,
        period_field="reported_at",
        unit_kinds=WIDE,
        unit="件",
        description=_("本月受理并派遣的案件数（部门考核的量级分按此计）"),
        order=2,
    ),
]

register(CASES, INDICATORS)


# ------------------------------------------------------------------------------------------------ whistles
def _summons_rows():
    from jingzhi.cases.models import WhistleSummons

    return WhistleSummons.objects.all()


def _summons_visible(user):
    from jingzhi.accounts import access
    from jingzhi.cases.models import WhistleSummons

    qs = WhistleSummons.objects.all()
    if access.is_superuser(user):
        return qs
    q = Q(department_id__in=access.department_ids(user, roles=[workflow.HANDLER]))
    for code in access.scope_codes(user, roles=workflow.PLACE_ROLES) or []:
        if len(code) <= 9 and code.isdigit():
            q |= Q(whistle__subdistrict_code__startswith=code)
    return qs.filter(q)


def _summons_prefetch(qs):
    return qs.select_related("whistle", "department")


def _summons_describe(summons) -> dict:
    taken = summons.minutes_taken
    status = (
        _("未报到")
        if taken is None
        else (_("迟到，用时 %(m)s 分钟") if summons.is_late else _("按时，用时 %(m)s 分钟")) % {"m": taken}
    )
    rating = _("评分 %(r)s") % {"r": summons.rating} if summons.rating is not None else ""
    return {
        "ref": f"#{summons.whistle_id}",
        "title": _("吹哨 #%(n)s · %(d)s") % {"n": summons.whistle_id, "d": summons.department.name},
        "subtitle": " · ".join(str(p) for p in (status, rating) if p),
        "link": None,
    }


SUMMONSES = Source(
    name="whistle_summonses",
    label=_("吹哨报到"),
    rows=_summons_rows,
    visible=_summons_visible,
    unit_fields={"subdistrict": "whistle__subdistrict_code", "department": "department__code"},
    period_kinds={"whistle__blown_at": DATETIME},
    describe=_summons_describe,
    prefetch=_summons_prefetch,
    app_label="cases",
)

register(
    SUMMONSES,
    [
        Indicator(
            "whistle_report_rate",
            _("报到及时率"),
            "whistle_summonses",
            RATE,
            where=NotNull("report_deadline"),
            hit=Le("reported_at", "report_deadline"),
            period_field="whistle__blown_at",
            unit_kinds=("subdistrict", "department"),
            target=Decimal("0.95"),
            description=_("本月吹哨召集中，部门在报到时限内报到的比例"),
            order=40,
        ),
        Indicator(
            "whistle_rating",
            _("报到评分"),
            "whistle_summonses",
            MEAN,
            where=NotNull("rating"),
            value=lambda row: float(row["rating"]),
            value_fields=("rating",),
            period_field="whistle__blown_at",
            unit_kinds=("subdistrict", "department"),
            unit="分",
            description=_("本月吹哨后街乡对部门报到的评分平均值"),
            order=41,
        ),
        Indicator(
            "whistle_summonses",
            _("被召集次数"),
            "whistle_summonses",
            COUNT,
            where=NotNull("report_deadline"),
            period_field="whistle__blown_at",
            unit_kinds=("subdistrict", "department"),
            unit="次",
            description=_("本月吹哨召集部门的次数"),
            order=42,
        ),
    ],
)
