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
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from jingzhi.assessment.registry import DATETIME, Source, register
from jingzhi.assessment.rules import (
    COUNT,
    DOWN,
    MAX,
    MEAN,
    RATE,
    Always,
    Eq,
    FieldValue,
    Gt,
    GtValue,
    In,
    Indicator,
    Le,
    Not,
    NotBlank,
    NotNull,
    TimeRatio,
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
    rollup=(("district", "subdistrict", "community", "grid"),),
)


# 超时倍数 of a case handled late (its `where` keeps the cases handled after the deadline).
LATE_MULTIPLE = TimeRatio("handle_started_at", "handled_at", "handle_deadline")

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
        measure=LATE_MULTIPLE,
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
        measure=LATE_MULTIPLE,
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
            measure=FieldValue("rating"),
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


# ------------------------------------------------------------------------------------------------ people
# Person units (unit code = the user's id) from the case timeline: who reported as a grid inspector, who
# checked, who filed at the supervision centre, who dispatched, who gave the department's feedback. A case
# counts once for a person's step: the FIRST event of that step on the case names the person (a re-dispatch
# or a feedback after rework does not count the case again, nor hand it to someone else), so the rework of
# a case stays with the handler whose feedback failed the check. Months are placed by the case's reported
# time, like the three rates, so the same late changes re-fill them. Conditions read the case through
# `case__…`; the unit column is the actor's id as text (`person`).
CASE_VALID = Not(In("case__state", (workflow.NOT_FILED, workflow.VOID, workflow.MERGED)))
CASE_NOT_PARKED = Not(Eq("case__state", workflow.PARKED))


def _person_rows(actions: tuple[str, ...], *, first_only: bool, **case_filter):
    def rows():
        from django.db.models import CharField, Exists, OuterRef
        from django.db.models.functions import Cast

        from jingzhi.cases.models import CaseEvent

        qs = CaseEvent.objects.filter(action__in=actions, actor__isnull=False, **case_filter)
        if first_only:
            earlier = CaseEvent.objects.filter(
                case_id=OuterRef("case_id"), action__in=actions, pk__lt=OuterRef("pk")
            )
            qs = qs.filter(~Exists(earlier))
        return qs.annotate(person=Cast("actor_id", CharField(max_length=20)))

    return rows


def _person_visible(rows):
    def visible(user):
        from jingzhi.cases.queries import cases_visible_to

        return rows().filter(case__in=cases_visible_to(user).values("pk"))

    return visible


def _event_prefetch(qs):
    return qs.select_related("case", "case__category", "case__lead_department", "case__subdistrict").defer(
        "case__subdistrict__geometry",
        "case__description",
        "case__reporter_name",
        "case__reporter_phone",
        "case__address",
        "note",
        "data",
    )


def _event_describe(event) -> dict:
    # The case as in the place figures' lists (no reporter, address or description), and the step's moment.
    row = _describe(event.case)
    row["subtitle"] = " · ".join(
        p
        for p in (
            str(event.action_label),
            localtime(event.created_at).strftime("%Y-%m-%d %H:%M"),
            row["subtitle"],
        )
        if p
    )
    return row


def _person_source(name: str, label, kind: str, rows) -> Source:
    return Source(
        name=name,
        label=label,
        rows=rows,
        visible=_person_visible(rows),
        unit_fields={kind: "person"},
        period_kinds={"case__reported_at": DATETIME},
        describe=_event_describe,
        prefetch=_event_prefetch,
        app_label="cases",
    )


PERSON_LATE_MULTIPLE = TimeRatio("case__handle_started_at", "case__handled_at", "case__handle_deadline")


_REPORTS = _person_rows((workflow.OPEN,), first_only=True, case__source="inspector")
_CHECKS = _person_rows((workflow.CHECK_PASS, workflow.CHECK_FAIL), first_only=False)
_FILINGS = _person_rows((workflow.FILE,), first_only=True)
_DISPATCHES = _person_rows((workflow.DISPATCH,), first_only=True)
_FEEDBACKS = _person_rows((workflow.FEEDBACK,), first_only=True)

P = "case__reported_at"

register(
    _person_source("person_reports", _("监督员上报"), "inspector", _REPORTS),
    [
        Indicator(
            "person_reported",
            _("上报量"),
            "person_reports",
            COUNT,
            where=Always(),
            period_field=P,
            unit_kinds=("inspector",),
            unit="件",
            description=_("本月受理的案件中，由该监督员上报的件数"),
            order=60,
        ),
        Indicator(
            "person_valid_report_rate",
            _("有效上报率"),
            "person_reports",
            RATE,
            where=Always(),
            hit=CASE_VALID,
            period_field=P,
            unit_kinds=("inspector",),
            target=Decimal("0.90"),
            description=_("该监督员本月上报的案件中，予以立案（未被不予立案、作废或合并）的比例"),
            order=61,
        ),
    ],
)
register(
    _person_source("person_checks", _("监督员核查"), "inspector", _CHECKS),
    [
        Indicator(
            "person_checked",
            _("核查次数"),
            "person_checks",
            COUNT,
            where=Always(),
            period_field=P,
            unit_kinds=("inspector",),
            unit="次",
            description=_("本月受理的案件中，该监督员做出的核查（通过或不通过）次数"),
            order=62,
        ),
    ],
)
register(
    _person_source("person_filings", _("受理员立案"), "operator", _FILINGS),
    [
        Indicator(
            "person_filed",
            _("立案量"),
            "person_filings",
            COUNT,
            where=Always(),
            period_field=P,
            unit_kinds=("operator",),
            unit="件",
            description=_("本月受理的案件中，由该受理员立案的件数"),
            order=63,
        ),
        Indicator(
            "person_filed_closure_rate",
            _("立案结案率"),
            "person_filings",
            RATE,
            where=CASE_VALID & CASE_NOT_PARKED,
            hit=Eq("case__state", workflow.CLOSED),
            period_field=P,
            unit_kinds=("operator",),
            target=Decimal("0.85"),
            description=_("该受理员本月立案的案件（不含挂账）中已结案的比例"),
            order=64,
        ),
    ],
)
register(
    _person_source("person_dispatches", _("派遣员派遣"), "dispatcher", _DISPATCHES),
    [
        Indicator(
            "person_dispatched",
            _("派遣量"),
            "person_dispatches",
            COUNT,
            where=Always(),
            period_field=P,
            unit_kinds=("dispatcher",),
            unit="件",
            description=_("本月受理的案件中，由该派遣员派遣的件数"),
            order=65,
        ),
        Indicator(
            "person_return_rate",
            _("退单率"),
            "person_dispatches",
            RATE,
            where=Always(),
            hit=GtValue("case__return_count", 0),
            period_field=P,
            unit_kinds=("dispatcher",),
            direction=DOWN,
            target=Decimal("0.05"),
            description=_("该派遣员本月派遣的案件中，被部门退单过的比例（派错的信号）"),
            order=66,
        ),
    ],
)
register(
    _person_source("person_feedbacks", _("处置人员反馈"), "handler", _FEEDBACKS),
    [
        Indicator(
            "person_handled",
            _("处置量"),
            "person_feedbacks",
            COUNT,
            where=Always(),
            period_field=P,
            unit_kinds=("handler",),
            unit="件",
            description=_("本月受理的案件中，由该处置人员（首次）处置反馈的件数"),
            order=67,
        ),
        Indicator(
            "person_on_time_rate",
            _("按期处置率"),
            "person_feedbacks",
            RATE,
            where=NotNull("case__handled_at"),
            hit=Le("case__handled_at", "case__handle_deadline"),
            period_field=P,
            unit_kinds=("handler",),
            target=Decimal("0.90"),
            description=_("该处置人员本月处置反馈的案件中，在处置时限内反馈的比例"),
            order=68,
        ),
        Indicator(
            "person_rework_rate",
            _("返工率"),
            "person_feedbacks",
            RATE,
            where=Always(),
            hit=GtValue("case__rework_count", 0),
            period_field=P,
            unit_kinds=("handler",),
            direction=DOWN,
            target=Decimal("0.05"),
            description=_("该处置人员本月处置反馈的案件中，核查不通过返工过的比例"),
            order=69,
        ),
        Indicator(
            "person_overdue_multiple_mean",
            _("平均超时倍数"),
            "person_feedbacks",
            MEAN,
            where=Gt("case__handled_at", "case__handle_deadline"),
            measure=PERSON_LATE_MULTIPLE,
            period_field=P,
            unit_kinds=("handler",),
            direction=DOWN,
            unit="倍",
            description=_("该处置人员本月超过处置时限才反馈的案件，处置用时与时限之比的平均值"),
            order=70,
        ),
    ],
)
