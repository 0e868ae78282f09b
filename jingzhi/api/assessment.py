"""REST endpoints of 考核 under /api/v1/assessment/: the indicator definitions, a month's ranking of a unit
kind, one unit's month report (every figure with its six-month trend, its score and rank), the records behind
one figure ("explain"), the weight sets (list, add a version) and a manual re-fill of a month.

Thin endpoints: query parameters are parsed by serializers (no rules); reads go through
`assessment.queries` (snapshot tables only, scoped to the caller), writes through `assessment.actions`. A unit
outside the caller's jurisdiction is a 404 exactly like a missing one; a bad month, kind or indicator is a
400 naming the field, in the one error body `{code, message, fields, details}`. Drill-down records carry no
personal data (no reporter, phone, address or description).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from jingzhi.api.base import ApiView
from jingzhi.api.base import valid as _valid
from jingzhi.api.pagination import Pagination, paginate
from jingzhi.api.schema import error_responses
from jingzhi.core.errors import NotFound

TAG = [str(_("考核"))]


def _q():
    from jingzhi.assessment import queries

    return queries


MONTH_PARAM = OpenApiParameter(
    "month", str, description=str(_("月份 YYYY-MM；缺省为最近一个已结束且已填充的月份"))
)


def _month(request) -> str:
    return (request.query_params.get("month") or "").strip() or _q().default_month()


def _number(value):
    return None if value is None else float(value)


# ------------------------------------------------------------------------------------------------ serializers
class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField(
        help_text=_("记录来源（cases、whistle_summonses、inspections、task_letters…）")
    )
    kind = serializers.CharField(help_text=_("rate（比率 0–1）、count（件数）、mean（平均）、max（最大）"))
    unit_kinds = serializers.ListField(child=serializers.CharField())
    direction = serializers.CharField(help_text=_("up：越高越好；down：越低越好"))
    target = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    period_field = serializers.CharField(help_text=_("决定记录计入哪个月份的字段"))
    description = serializers.CharField()


def _indicator_data(i) -> dict:
    return {
        "code": i.code,
        "label": str(i.label),
        "source": i.source,
        "kind": i.kind,
        "unit_kinds": list(i.unit_kinds),
        "direction": i.direction,
        "target": _number(i.target),
        "unit": i.unit,
        "period_field": i.period_field,
        "description": str(i.description),
    }


class FigureSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text=_("比率为 0–1 的小数"))
    numerator = serializers.FloatField()
    denominator = serializers.FloatField()


def _figure_data(f) -> dict:
    return {
        "indicator": f.indicator,
        "value": _number(f.value),
        "numerator": float(f.numerator),
        "denominator": float(f.denominator),
    }


class ScoreSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    grade = serializers.CharField(help_text=_("A–E；无得分时为空"))
    rank = serializers.IntegerField(allow_null=True, help_text=_("全市同类单位中的名次，同分同名次"))
    ranked = serializers.IntegerField(help_text=_("参与排名的单位数"))
    weight_set = serializers.CharField()
    parts = serializers.DictField(child=serializers.CharField())


def _score_data(s) -> dict | None:
    if s is None:
        return None
    return {
        "score": _number(s.score),
        "grade": s.grade,
        "rank": s.rank,
        "ranked": s.ranked,
        "weight_set": s.weight_set,
        "parts": s.parts,
    }


class RankingRowSerializer(serializers.Serializer):
    unit_kind = serializers.CharField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    score = ScoreSerializer()
    previous_rank = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True, help_text=_("较上月上升的名次（负数为下降）"))
    figures = FigureSerializer(many=True)


class RankingSerializer(serializers.Serializer):
    month = serializers.CharField()
    kind = serializers.CharField()
    rows = RankingRowSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField()
    value = serializers.FloatField(allow_null=True)


class ReportRowSerializer(serializers.Serializer):
    indicator = IndicatorSerializer()
    figure = FigureSerializer(allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)
    trend = TrendPointSerializer(many=True)


class UnitReportSerializer(serializers.Serializer):
    kind = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    month = serializers.CharField()
    score = ScoreSerializer(allow_null=True)
    previous_rank = serializers.IntegerField(allow_null=True)
    rows = ReportRowSerializer(many=True)


class RecordSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    in_numerator = serializers.BooleanField(allow_null=True, help_text=_("比率指标：是否计入分子"))


class ExplainSerializer(serializers.Serializer):
    indicator = IndicatorSerializer()
    figure = FigureSerializer()
    total_count = serializers.IntegerField(help_text=_("该数字计入的记录数"))
    visible_count = serializers.IntegerField(help_text=_("其中调用者有权查看的记录数"))
    truncated = serializers.BooleanField()
    records = RecordSerializer(many=True)


class WeightSetSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    unit_kind = serializers.CharField()
    effective_from = serializers.CharField(help_text=_("起用月份 YYYY-MM"))
    label = serializers.CharField(required=False, allow_blank=True, default="")
    weights = serializers.DictField(child=serializers.CharField(), help_text=_("指标编码 → 分值"))
    band_indicator = serializers.CharField(required=False, allow_blank=True, default="")
    bands = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        required=False,
        default=list,
        help_text=_("量级分档：[[件数下限, 分值], …]"),
    )
    grades = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text=_("A、B、C、D 的分数下限")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FillRunSerializer(serializers.Serializer):
    month = serializers.CharField()
    trigger = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    figures = serializers.IntegerField()
    scores = serializers.IntegerField()


# ------------------------------------------------------------------------------------------------ views
class IndicatorListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="assessment_indicators",
        summary=str(_("考核指标定义")),
        tags=TAG,
        responses={200: IndicatorSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        from jingzhi.assessment import permissions, registry

        if not permissions.can_view_assessment(request.user):
            raise NotFound()
        return paginate(self, request, registry.indicators(), lambda page: [_indicator_data(i) for i in page])


class RankingView(ApiView):
    @extend_schema(
        operation_id="assessment_ranking",
        summary=str(_("月度排名")),
        tags=TAG,
        parameters=[
            MONTH_PARAM,
            OpenApiParameter(
                "kind", str, description=str(_("单位类型：subdistrict、department、community、street…"))
            ),
        ],
        responses={200: RankingSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        month = _month(request)
        kind = (request.query_params.get("kind") or "subdistrict").strip()
        rows = _q().ranking(request.user, month, kind)
        return Response(
            {
                "month": month,
                "kind": kind,
                "rows": [
                    {
                        "unit_kind": r.score.unit_kind,
                        "unit_code": r.score.unit_code,
                        "unit_name": r.score.unit_name,
                        "score": _score_data(r.score),
                        "previous_rank": r.previous_rank,
                        "change": r.change,
                        "figures": [_figure_data(f) for f in r.figures.values()],
                    }
                    for r in rows
                ],
            }
        )


class UnitReportView(ApiView):
    @extend_schema(
        operation_id="assessment_unit_report",
        summary=str(_("单位月度报告")),
        tags=TAG,
        parameters=[MONTH_PARAM],
        responses={200: UnitReportSerializer, **error_responses(400, 404)},
    )
    def get(self, request, kind, code):
        report = _q().unit_report(request.user, kind, code, _month(request))
        return Response(
            {
                "kind": report.kind,
                "code": report.code,
                "name": report.name,
                "month": report.month,
                "score": _score_data(report.score),
                "previous_rank": report.previous.rank if report.previous else None,
                "rows": [
                    {
                        "indicator": _indicator_data(r.indicator),
                        "figure": _figure_data(r.figure) if r.figure else None,
                        "meets_target": r.meets_target,
                        "trend": [{"month": m, "value": _number(v)} for m, v in r.trend],
                    }
                    for r in report.rows
                ],
            }
        )


class ExplainView(ApiView):
    @extend_schema(
        operation_id="assessment_explain",
        summary=str(_("指标构成（对应记录）")),
        tags=TAG,
        description=str(_("该数字的分母所含记录（调用者有权查看的部分），并标明是否计入分子。")),
        parameters=[MONTH_PARAM],
        responses={200: ExplainSerializer, **error_responses(400, 404)},
    )
    def get(self, request, kind, code, indicator):
        got = _q().explain(request.user, _month(request), indicator, kind, code)
        return Response(
            {
                "indicator": _indicator_data(got.indicator),
                "figure": _figure_data(got.figure),
                "total_count": got.total_count,
                "visible_count": got.visible_count,
                "truncated": got.truncated,
                "records": [
                    {
                        "ref": r["ref"],
                        "title": str(r["title"]),
                        "subtitle": str(r["subtitle"]),
                        "in_numerator": r["in_numerator"],
                    }
                    for r in got.records
                ],
            }
        )


class WeightSetView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="assessment_weight_sets",
        summary=str(_("权重方案（各版本）")),
        tags=TAG,
        responses={200: WeightSetSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        from jingzhi.assessment import permissions
        from jingzhi.assessment.models import WeightSet

        if not permissions.can_view_assessment(request.user):
            raise NotFound()
        return paginate(
            self, request, WeightSet.objects.all(), lambda page: WeightSetSerializer(page, many=True).data
        )

    @extend_schema(
        operation_id="assessment_weight_set_create",
        summary=str(_("新增权重方案版本")),
        tags=TAG,
        request=WeightSetSerializer,
        responses={201: WeightSetSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        from jingzhi.assessment import actions

        data = _valid(WeightSetSerializer, request.data)
        row = actions.do_set_weight_set(actor=request.user, **data)
        return Response(WeightSetSerializer(row).data, status=status.HTTP_201_CREATED)


class FillMonthView(ApiView):
    @extend_schema(
        operation_id="assessment_fill_month",
        summary=str(_("重新填充某月快照")),
        tags=TAG,
        request=None,
        responses={200: FillRunSerializer, **error_responses(400, 404)},
    )
    def post(self, request, month):
        from jingzhi.assessment import actions

        return Response(
            FillRunSerializer(actions.do_refill_month(month, actor=request.user, trigger="api")).data
        )
