"""REST endpoints of 每月一题 and 治理类街乡 under /api/v1/assessment/: a month's candidates for next month's
topic, confirming or dismissing one, the confirmed topics and one topic's tracking; the proposal and focus
rules (versioned data); a quarter's focus list, computing it, and one focus subdistrict's improvement plan
with its items.

Thin endpoints: bodies are parsed by serializers (no rules), reads go through `assessment.queries` (scoped to
the caller), writes through `assessment.actions`. Another subdistrict's plan is a 404 exactly like a missing
one; district staff reading a plan they may not keep get a 403 when they try to change it. A bad month,
quarter (2026Q5), candidate or due date is a 400 naming the field. Case lists carry no personal data.
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


def _number(value):
    return None if value is None else float(value)


SOURCE_MONTH = OpenApiParameter(
    "month",
    str,
    description=str(_("依据月份 YYYY-MM（候选来自该月，题目属于下一个月）；缺省为最近一个已结束的月份")),
)
DISTRICT = OpenApiParameter("district", str, description=str(_("区编码；缺省为调用者的第一个区")))
QUARTER = OpenApiParameter(
    "quarter", str, description=str(_("季度 YYYYQn，例如 2026Q3；缺省为最近一个已结束月份所在季度"))
)


# ------------------------------------------------------------------------------------------------ serializers
class TopicCandidateSerializer(serializers.Serializer):
    dimension = serializers.CharField(
        help_text=_("category（问题类别）、subdistrict、community、grid、street")
    )
    key = serializers.CharField(help_text=_("类别为“类型:编码”，地点为地点编码"))
    label = serializers.CharField()
    rank = serializers.IntegerField(help_text=_("在本维度中的位次"))
    cases = serializers.IntegerField(help_text=_("依据月案件数"))
    closed = serializers.IntegerField()
    previous = serializers.IntegerField(allow_null=True, help_text=_("上月案件数；上月无则为空"))
    change = serializers.IntegerField(help_text=_("较上月增加的案件数"))
    change_percent = serializers.FloatField(allow_null=True)
    decision = serializers.CharField(allow_null=True, help_text=_("confirmed、dismissed 或空（未决定）"))
    topic_id = serializers.IntegerField(allow_null=True)


class TopicRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    effective_from = serializers.CharField(help_text=_("起用月份 YYYY-MM"))
    label = serializers.CharField(required=False, allow_blank=True, default="")
    dimensions = serializers.ListField(child=serializers.CharField(), help_text=_("统计维度"))
    per_dimension = serializers.CharField(help_text=_("每个维度的候选数（1–20）"))
    min_count = serializers.CharField(help_text=_("最少案件数"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TopicCandidatesSerializer(serializers.Serializer):
    district_code = serializers.CharField()
    source_month = serializers.CharField()
    month = serializers.CharField(help_text=_("题目月份（依据月份的下一个月）"))
    rule = TopicRuleSerializer()
    can_decide = serializers.BooleanField()
    candidates = TopicCandidateSerializer(many=True)


class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    district_code = serializers.CharField()
    month = serializers.CharField(help_text=_("题目月份"))
    source_month = serializers.CharField()
    dimension = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    decision = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField()
    source_cases = serializers.IntegerField()
    decided_at = serializers.DateTimeField()


class TopicDecideSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("依据月份 YYYY-MM"))
    district_code = serializers.CharField()
    dimension = serializers.CharField()
    key = serializers.CharField()
    title = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TopicCountSerializer(serializers.Serializer):
    month = serializers.CharField()
    cases = serializers.IntegerField()
    closed = serializers.IntegerField()


class TopicCaseSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    subtitle = serializers.CharField()


class TopicTrackingSerializer(serializers.Serializer):
    topic = TopicSerializer()
    source = TopicCountSerializer(help_text=_("确定题目时（依据月）的数量"))
    current = TopicCountSerializer(help_text=_("题目月的数量"))
    change = serializers.IntegerField()
    change_percent = serializers.FloatField(allow_null=True)
    trend = TopicCountSerializer(many=True)
    visible_count = serializers.IntegerField(help_text=_("题目月相关案件中调用者有权查看的件数"))
    truncated = serializers.BooleanField()
    records = TopicCaseSerializer(many=True)


class FocusRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    effective_from = serializers.CharField(help_text=_("起用季度 YYYYQn"))
    label = serializers.CharField(required=False, allow_blank=True, default="")
    bottom = serializers.CharField(required=False, allow_blank=True, default="0", help_text=_("末位数量"))
    below = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None, help_text=_("分数线")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FocusEntrySerializer(serializers.Serializer):
    quarter = serializers.CharField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    district_code = serializers.CharField()
    mean_score = serializers.FloatField()
    months = serializers.IntegerField()
    rank = serializers.IntegerField()
    ranked = serializers.IntegerField()
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text=_("bottom：末位；below：低于分数线")
    )
    listed = serializers.BooleanField()
    items = serializers.IntegerField(required=False)
    done = serializers.IntegerField(required=False)
    overdue = serializers.IntegerField(required=False)
    can_open = serializers.BooleanField(required=False)


class FocusListSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    entries = FocusEntrySerializer(many=True)


class FocusPlanNoteSerializer(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class FocusPlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    what = serializers.CharField()
    department = serializers.CharField(allow_null=True, help_text=_("责任部门编码"))
    department_name = serializers.CharField(allow_null=True)
    due_date = serializers.DateField()
    status = serializers.CharField(help_text=_("todo、doing、done"))
    overdue = serializers.BooleanField()
    notes = FocusPlanNoteSerializer(many=True)


class FocusPlanSerializer(serializers.Serializer):
    entry = FocusEntrySerializer()
    can_edit = serializers.BooleanField()
    items = FocusPlanItemSerializer(many=True)


class FocusPlanItemCreateSerializer(serializers.Serializer):
    what = serializers.CharField(allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    due_date = serializers.CharField(help_text=_("YYYY-MM-DD，不得早于季度开始"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FocusPlanItemUpdateSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    what = serializers.CharField(required=False, allow_null=True, default=None)
    department = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    due_date = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


# ------------------------------------------------------------------------------------------------ data
def _topic_data(t) -> dict:
    return {
        "id": t.pk,
        "district_code": t.district_code,
        "month": t.month,
        "source_month": t.source_month,
        "dimension": t.dimension,
        "key": t.key,
        "label": t.label,
        "decision": t.decision,
        "title": t.title,
        "note": t.note,
        "source_cases": t.source_cases,
        "decided_at": t.decided_at,
    }


def _entry_data(e, row=None) -> dict:
    data = {
        "quarter": e.quarter,
        "unit_code": e.unit_code,
        "unit_name": e.unit_name,
        "district_code": e.district_code,
        "mean_score": float(e.mean_score),
        "months": e.months,
        "rank": e.rank,
        "ranked": e.ranked,
        "reasons": list(e.reasons),
        "listed": e.listed,
    }
    if row is not None:
        data.update(items=row.items, done=row.done, overdue=row.overdue, can_open=row.can_open)
    return data


def _item_data(item, overdue: bool, notes=None) -> dict:
    return {
        "id": item.pk,
        "what": item.what,
        "department": item.department.code if item.department_id else None,
        "department_name": item.department.name if item.department_id else None,
        "due_date": item.due_date,
        "status": item.status,
        "overdue": overdue,
        "notes": [{"text": n.text, "created_at": n.created_at} for n in (notes if notes is not None else [])],
    }


def _fresh_item(item) -> dict:
    from django.utils import timezone

    from jingzhi.assessment import topic_rules
    from jingzhi.core import clock

    today = timezone.localtime(clock.now()).date()
    return _item_data(item, topic_rules.is_overdue(item.due_date, item.status, today), list(item.notes.all()))


# ------------------------------------------------------------------------------------------------ 每月一题
class TopicCandidatesView(ApiView):
    @extend_schema(
        operation_id="assessment_topic_candidates",
        summary=str(_("每月一题候选")),
        description=str(
            _("依据月最集中的问题（按类别和地点），按规则列为下月题目候选，含较上月变化和已作出的决定。")
        ),
        tags=TAG,
        parameters=[SOURCE_MONTH, DISTRICT],
        responses={200: TopicCandidatesSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        queries = _q()
        month = (request.query_params.get("month") or "").strip() or queries.default_month()
        board = queries.topic_board(request.user, month, (request.query_params.get("district") or "").strip())
        rule = board.rule
        return Response(
            {
                "district_code": board.district_code,
                "source_month": board.source_month,
                "month": board.month,
                "rule": {
                    "effective_from": rule.effective_from,
                    "label": rule.label,
                    "dimensions": list(rule.dimensions),
                    "per_dimension": str(rule.per_dimension),
                    "min_count": str(rule.min_count),
                    "note": "",
                },
                "can_decide": board.can_decide,
                "candidates": [
                    {
                        "dimension": r.candidate.dimension,
                        "key": r.candidate.key,
                        "label": r.candidate.label,
                        "rank": r.candidate.rank,
                        "cases": r.candidate.cases,
                        "closed": r.candidate.closed,
                        "previous": r.candidate.previous,
                        "change": r.candidate.change,
                        "change_percent": _number(r.change_percent),
                        "decision": r.decision.decision if r.decision else None,
                        "topic_id": r.decision.pk if r.decision else None,
                    }
                    for r in board.rows
                ],
            }
        )


class TopicListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="assessment_topics",
        summary=str(_("已确定的每月一题")),
        tags=TAG,
        parameters=[OpenApiParameter("month", str, description=str(_("题目月份 YYYY-MM；缺省为全部")))],
        responses={200: TopicSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        rows = _q().topics_visible(request.user, month=(request.query_params.get("month") or "").strip())
        return paginate(self, request, rows, lambda page: [_topic_data(t) for t in page])

    @extend_schema(
        operation_id="assessment_topic_confirm",
        summary=str(_("确定下月题目")),
        description=str(
            _("把依据月的一个候选确定为下一个月的题目（区管理员、区级考核员）。同一题目不能重复确定。")
        ),
        tags=TAG,
        request=TopicDecideSerializer,
        responses={201: TopicSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        from jingzhi.assessment import actions

        data = _valid(TopicDecideSerializer, request.data)
        row = actions.do_confirm_topic(
            actor=request.user,
            district_code=data["district_code"],
            source_month=data["month"],
            dimension=data["dimension"],
            key=data["key"],
            title=data["title"],
            note=data["note"],
        )
        return Response(_topic_data(row), status=status.HTTP_201_CREATED)


class TopicDismissView(ApiView):
    @extend_schema(
        operation_id="assessment_topic_dismiss",
        summary=str(_("驳回候选题目")),
        tags=TAG,
        request=TopicDecideSerializer,
        responses={201: TopicSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        from jingzhi.assessment import actions

        data = _valid(TopicDecideSerializer, request.data)
        row = actions.do_dismiss_topic(
            actor=request.user,
            district_code=data["district_code"],
            source_month=data["month"],
            dimension=data["dimension"],
            key=data["key"],
            note=data["note"],
        )
        return Response(_topic_data(row), status=status.HTTP_201_CREATED)


class TopicTrackingView(ApiView):
    @extend_schema(
        operation_id="assessment_topic_tracking",
        summary=str(_("每月一题跟踪")),
        description=str(
            _(
                "题目月的相关案件数、已结案数，与确定题目时的依据月对比，以及调用者有权查看的案件（不含个人信息）。"
            )
        ),
        tags=TAG,
        responses={200: TopicTrackingSerializer, **error_responses(404)},
    )
    def get(self, request, topic_id):
        got = _q().topic_tracking(request.user, topic_id)
        t = got.topic
        return Response(
            {
                "topic": _topic_data(t),
                "source": {"month": t.source_month, "cases": got.source[0], "closed": got.source[1]},
                "current": {"month": t.month, "cases": got.current[0], "closed": got.current[1]},
                "change": got.change,
                "change_percent": _number(got.change_percent),
                "trend": [{"month": m, "cases": n, "closed": c} for m, n, c in got.trend],
                "visible_count": got.visible_count,
                "truncated": got.truncated,
                "records": [
                    {"ref": r["ref"], "title": str(r["title"]), "subtitle": str(r["subtitle"])}
                    for r in got.records
                ],
            }
        )


class TopicRuleView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="assessment_topic_rules",
        summary=str(_("每月一题规则（各版本）")),
        tags=TAG,
        responses={200: TopicRuleSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        from jingzhi.assessment import permissions
        from jingzhi.assessment.models import TopicRule

        if not permissions.can_view_assessment(request.user):
            raise NotFound()
        return paginate(
            self, request, TopicRule.objects.all(), lambda page: TopicRuleSerializer(page, many=True).data
        )

    @extend_schema(
        operation_id="assessment_topic_rule_create",
        summary=str(_("新增每月一题规则版本")),
        tags=TAG,
        request=TopicRuleSerializer,
        responses={201: TopicRuleSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        from jingzhi.assessment import actions

        data = _valid(TopicRuleSerializer, request.data)
        row = actions.do_set_topic_rule(actor=request.user, **data)
        return Response(TopicRuleSerializer(row).data, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------------------------------------ 治理类街乡
class FocusListView(ApiView):
    @extend_schema(
        operation_id="assessment_focus",
        summary=str(_("治理类街乡名单")),
        tags=TAG,
        parameters=[QUARTER],
        responses={200: FocusListSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        queries = _q()
        quarter = (request.query_params.get("quarter") or "").strip() or queries.default_quarter()
        rows = queries.focus_list(request.user, quarter)
        return Response({"quarter": quarter, "entries": [_entry_data(r.entry, r) for r in rows]})


class FocusComputeView(ApiView):
    @extend_schema(
        operation_id="assessment_focus_compute",
        summary=str(_("按规则计算治理类街乡名单")),
        description=str(_("由该季度各月的街乡得分快照计算（幂等）；区管理员。")),
        tags=TAG,
        request=None,
        responses={200: FocusListSerializer, **error_responses(400, 404)},
    )
    def post(self, request, quarter):
        from jingzhi.assessment import actions

        entries = actions.do_compute_focus(quarter, actor=request.user, trigger="api")
        return Response({"quarter": quarter.upper(), "entries": [_entry_data(e) for e in entries]})


class FocusRuleView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="assessment_focus_rules",
        summary=str(_("治理类街乡规则（各版本）")),
        tags=TAG,
        responses={200: FocusRuleSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        from jingzhi.assessment import permissions
        from jingzhi.assessment.models import FocusRule

        if not permissions.can_view_assessment(request.user):
            raise NotFound()
        return paginate(
            self, request, FocusRule.objects.all(), lambda page: FocusRuleSerializer(page, many=True).data
        )

    @extend_schema(
        operation_id="assessment_focus_rule_create",
        summary=str(_("新增治理类街乡规则版本")),
        tags=TAG,
        request=FocusRuleSerializer,
        responses={201: FocusRuleSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        from jingzhi.assessment import actions

        data = _valid(FocusRuleSerializer, request.data)
        row = actions.do_set_focus_rule(actor=request.user, **data)
        return Response(FocusRuleSerializer(row).data, status=status.HTTP_201_CREATED)


class PlanView(ApiView):
    @extend_schema(
        operation_id="assessment_focus_plan",
        summary=str(_("治理类街乡整改计划")),
        description=str(_("本街乡工作人员与区级人员可查看；其他街乡与不存在一样返回 404。")),
        tags=TAG,
        responses={200: FocusPlanSerializer, **error_responses(400, 404)},
    )
    def get(self, request, quarter, code):
        got = _q().focus_plan(request.user, quarter, code)
        return Response(
            {
                "entry": _entry_data(got.entry),
                "can_edit": got.can_edit,
                "items": [_item_data(r.item, r.overdue, r.notes) for r in got.items],
            }
        )


class PlanItemCreateView(ApiView):
    @extend_schema(
        operation_id="assessment_focus_plan_item_create",
        summary=str(_("新增整改事项")),
        description=str(_("仅该街乡自己的工作人员（街乡管理员）。")),
        tags=TAG,
        request=FocusPlanItemCreateSerializer,
        responses={201: FocusPlanItemSerializer, **error_responses(400, 404)},
    )
    def post(self, request, quarter, code):
        from jingzhi.assessment import actions

        data = _valid(FocusPlanItemCreateSerializer, request.data)
        item = actions.do_add_plan_item(actor=request.user, quarter=quarter, unit_code=code, **data)
        return Response(_fresh_item(item), status=status.HTTP_201_CREATED)


class PlanItemView(ApiView):
    @extend_schema(
        operation_id="assessment_focus_plan_item_update",
        summary=str(_("更新整改事项（状态、内容、时限）或记录进展")),
        tags=TAG,
        request=FocusPlanItemUpdateSerializer,
        responses={200: FocusPlanItemSerializer, **error_responses(400, 404)},
    )
    def patch(self, request, quarter, code, item_id):
        from jingzhi.assessment import actions

        data = _valid(FocusPlanItemUpdateSerializer, request.data)
        item = actions.do_update_plan_item(
            actor=request.user, quarter=quarter, unit_code=code, item_id=item_id, **data
        )
        return Response(_fresh_item(item))
