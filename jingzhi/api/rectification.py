"""REST endpoints of 十无一创建 under /api/v1/rectification/: the standard, streets with grades, a street's file
(chief, task letters, ledger, plan, history, scores), inspections (list, detail, create), the chief's
dashboard, accountability proposals and their decisions, and one endpoint per write (appoint a chief, issue
/ sign / end a task letter, ledger entries, the board, awarding a grade, the plan and its items, stewards
and their patrol log), plus the two Excel exports.

Thin endpoints: an input serializer parses (no rules), the action in `rectification.actions` decides and
writes, an output serializer shows the result. Reads go through `rectification.queries` and the
permission predicates, so a street outside the caller's jurisdiction is a 404 exactly like a missing one.
Coordinates are WGS84; phone-map (GCJ-02) points must be converted by the client. Photos are uploaded with
the web form; the API takes findings without photos.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from jingzhi.api.base import ApiView
from jingzhi.api.base import valid as _valid
from jingzhi.api.locate import lat_field, lon_field
from jingzhi.api.pagination import Pagination, paginate
from jingzhi.api.schema import ErrorSerializer, error_responses
from jingzhi.core.errors import NotFound
from jingzhi.core.ids import parse_id

TAG = [str(_("十无一创建"))]
CODE_PATTERN = r"(?P<code>[0-9A-Za-z]{1,32})"


def _actions():
    from jingzhi.rectification import actions

    return actions


def _queries():
    from jingzhi.rectification import queries

    return queries


def _street(user, code):
    from jingzhi.rectification.permissions import access_street

    return access_street(user, code)


def _choices(name):
    from jingzhi.rectification import models

    return getattr(models, name).choices


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented as a string pattern plus the list of values: several fields across the API
    are called "kind" with different value sets, and drf-spectacular would turn each `enum` into a named
    component whose names collide. The server still validates against the choices."""
    values = [value for value, _label in choices]
    listing = "、".join(f"{value}（{label}）" for value, label in choices)  # built once, at import

    @extend_schema_field(
        {"type": "string", "pattern": "^(" + "|".join(values) + ")$", "description": listing}
    )
    class InlineChoice(serializers.ChoiceField):
        pass

    return InlineChoice(choices=choices, **kwargs)


# ------------------------------------------------------------------------------------------------ serializers
class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class ShiwuCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class StandardItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("稳定的事项编码"))
    name = serializers.CharField()
    position = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    deduction_per_finding = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    deduction_rule = serializers.CharField()
    category = ShiwuCategorySerializer(allow_null=True)
    is_creation_goal = serializers.BooleanField()
    replaces = serializers.ListField(child=serializers.CharField())


class StandardVersionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    effective_from = serializers.DateField()
    is_current = serializers.BooleanField()
    full_score = serializers.IntegerField()
    downgrade_below = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    restore_at_least = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    restore_months = serializers.IntegerField()
    civilized_clean_months = serializers.IntegerField()
    civilized_satisfaction = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    items = StandardItemSerializer(many=True, source="items.all")


class ChiefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = PersonSerializer()
    rank = choice(_choices("ChiefRank"))
    rank_label = serializers.CharField(source="get_rank_display")
    title = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    is_active = serializers.BooleanField()
    note = serializers.CharField()


class StreetRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="street.code")
    name = serializers.CharField(source="street.name")
    subdistrict_code = serializers.CharField(source="street.subdistrict.code")
    subdistrict_name = serializers.CharField(source="street.subdistrict.name")
    grade = serializers.CharField(
        help_text=_("premium 精品、fine 优美、standard 达标、failing 不达标；空为未定级")
    )
    grade_label = serializers.CharField()
    awarded_grade = serializers.CharField(source="record.awarded_grade", allow_null=True, default=None)
    last_score = serializers.DecimalField(
        source="record.last_score",
        max_digits=5,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        default=None,
    )
    last_month = serializers.CharField(source="record.last_month", allow_null=True, default=None)
    is_civilized = serializers.BooleanField(source="record.is_civilized", default=False)
    chief = ChiefSerializer(allow_null=True)
    open_cases = serializers.IntegerField()


class GradeChangeSerializer(serializers.Serializer):
    month = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    from_grade = serializers.CharField()
    to_grade = serializers.CharField()
    reason = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True)


class TaskLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    street_code = serializers.CharField()
    title = serializers.CharField()
    targets = serializers.ListField(child=serializers.CharField())
    target_grade = serializers.CharField()
    starts_on = serializers.DateField()
    due_on = serializers.DateField()
    chief = PersonSerializer(source="chief.user")
    signed_at = serializers.DateTimeField(allow_null=True)
    is_active = serializers.BooleanField()
    end_reason = serializers.CharField()


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = choice(_choices("LedgerKind"))
    kind_label = serializers.CharField(source="get_kind_display")
    label = serializers.CharField()
    quantity = serializers.IntegerField()
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class PlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    standard_code = serializers.CharField()
    owner_name = serializers.CharField()
    deadline = serializers.DateField()
    progress = serializers.IntegerField()
    progress_note = serializers.CharField()
    overdue = serializers.BooleanField(default=False)
    cases = serializers.SerializerMethodField()

    def get_cases(self, obj) -> list[str]:
        return [c.number for c in obj.cases.all()]


class ProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    street_code = serializers.CharField()
    kind = choice(_choices("ProposalKind"))
    kind_label = serializers.CharField(source="get_kind_display")
    month = serializers.CharField()
    failing_months = serializers.IntegerField()
    reason = serializers.CharField()
    status = choice(_choices("ProposalStatus"))
    chief = PersonSerializer(source="chief.user", allow_null=True, default=None)
    decided_by = PersonSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()


class BoardSerializer(serializers.Serializer):
    property_company = serializers.CharField()
    property_phone = serializers.CharField()
    chief_public_phone = serializers.CharField()
    supervision_phone = serializers.CharField()
    target_date = serializers.DateField(allow_null=True)
    board_note = serializers.CharField()


class ScorePointSerializer(serializers.Serializer):
    month = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)


class StreetDetailSerializer(serializers.Serializer):
    street = StreetRowSerializer()
    board = BoardSerializer(allow_null=True)
    scores = ScorePointSerializer(many=True, help_text=_("近 24 个月的得分，从早到晚"))
    grade_history = GradeChangeSerializer(many=True, help_text=_("等级变化，从早到晚"))
    chiefs = ChiefSerializer(many=True, help_text=_("历任街巷长，按任职日期从早到晚"))
    task_letters = TaskLetterSerializer(many=True, help_text=_("任务书，按下达时间从早到晚"))
    ledger = LedgerEntrySerializer(many=True)
    plan_title = serializers.CharField(allow_null=True)
    plan_items = PlanItemSerializer(many=True)
    proposals = ProposalSerializer(many=True, help_text=_("问责建议，从早到晚"))
    stewards = PersonSerializer(many=True)


class ItemResultSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    passed = serializers.BooleanField()
    deduction = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    count = serializers.IntegerField()
    note = serializers.CharField()
    address = serializers.CharField()
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    case_id = serializers.IntegerField(allow_null=True)
    case_number = serializers.CharField(source="case.number", allow_null=True, default=None)
    attached_to_open_case = serializers.BooleanField()


class InspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    street_code = serializers.CharField()
    street_name = serializers.CharField()
    kind = choice(_choices("InspectionKind"))
    kind_label = serializers.CharField(source="get_kind_display")
    period = serializers.CharField()
    month = serializers.CharField()
    is_official = serializers.BooleanField()
    version = serializers.CharField(source="version.code")
    inspector = PersonSerializer(allow_null=True)
    inspected_on = serializers.DateField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    satisfaction = serializers.DecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True
    )
    note = serializers.CharField()
    results = ItemResultSerializer(many=True, source="results.all")


class FindingInSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=48, help_text=_("事项编码，须属于所用标准版本"))
    passed = serializers.BooleanField(default=False)
    count = serializers.IntegerField(min_value=0, max_value=999, default=1)
    deduction = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text=_("扣分；省略时按事项的扣分规则计算，不得超过该项分值"),
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lon = lon_field(required=False, allow_null=True)
    lat = lat_field(required=False, allow_null=True)


class InspectionInSerializer(serializers.Serializer):
    street = serializers.RegexField(r"^[0-9A-Za-z]{1,32}$", help_text=_("街巷编码"))
    kind = choice(_choices("InspectionKind"))
    inspected_on = serializers.DateField(required=False, help_text=_("检查日期，默认今天"))
    period = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("周期：月度为 YYYY-MM，季度为 YYYY-Qn；默认由检查日期推出"),
    )
    version = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", help_text=_("标准版本编码，默认现行版本")
    )
    satisfaction = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, allow_null=True, min_value=0, max_value=100
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    results = FindingInSerializer(
        many=True,
        required=False,
        default=list,
        max_length=50,
        help_text=_("不达标的事项（未列出的事项视为达标）"),
    )


class InspectionQuerySerializer(serializers.Serializer):
    street = serializers.RegexField(r"^[0-9A-Za-z]{1,32}$", required=False)
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
    kind = choice(_choices("InspectionKind"), required=False)


class StreetQuerySerializer(serializers.Serializer):
    subdistrict = serializers.RegexField(r"^\d{9}$", required=False)
    grade = choice(
        [
            ("premium", "premium"),
            ("fine", "fine"),
            ("standard", "standard"),
            ("failing", "failing"),
            ("none", _("未定级")),
        ],
        required=False,
    )
    q = serializers.CharField(max_length=50, required=False, allow_blank=True)


class AppointInSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    rank = choice(_choices("ChiefRank"))
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    started_on = serializers.DateField(required=False)


class TaskLetterInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    targets = serializers.ListField(child=serializers.CharField(max_length=300), min_length=1, max_length=30)
    starts_on = serializers.DateField()
    due_on = serializers.DateField()
    target_grade = choice([("premium", "精品"), ("fine", "优美"), ("standard", "达标")], default="standard")


class ReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class DecisionInSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=500)


class LedgerInSerializer(serializers.Serializer):
    kind = choice(_choices("LedgerKind"))
    label = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=0, max_value=10**9, default=1)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BoardInSerializer(serializers.Serializer):
    property_company = serializers.CharField(max_length=100, required=False, allow_blank=True)
    property_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    chief_public_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    supervision_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    board_note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AwardInSerializer(serializers.Serializer):
    grade = choice([("premium", "精品"), ("fine", "优美"), ("standard", "达标")])
    reason = serializers.CharField(max_length=300)


class PlanInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class PlanItemInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    owner_name = serializers.CharField(max_length=100)
    deadline = serializers.DateField()
    standard_code = serializers.CharField(max_length=48, required=False, allow_blank=True, default="")
    cases = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=50,
        help_text=_("关联案件的内部编号"),
    )


class ProgressInSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    cases = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        allow_null=True,
        default=None,
        max_length=50,
    )


class StewardInSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class PatrolInSerializer(serializers.Serializer):
    duty = choice(
        _choices("PatrolDuty"),
        help_text=_("巡 patrol、访 visit、做 dissuade、报 report（直接生成案件）、记 record"),
    )
    note = serializers.CharField(max_length=500)
    lon = lon_field(required=False, allow_null=True)
    lat = lat_field(required=False, allow_null=True)
    idempotency_key = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PatrolSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    street_code = serializers.CharField()
    duty = serializers.CharField()
    duty_label = serializers.CharField(source="get_duty_display")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    case_id = serializers.IntegerField(allow_null=True)
    case_number = serializers.CharField(source="case.number", allow_null=True, default=None)


class ChiefStreetSerializer(serializers.Serializer):
    street = StreetRowSerializer(source="row")
    failing_items = ItemResultSerializer(many=True)
    overdue_cases = serializers.SerializerMethodField()
    overdue_plan_items = PlanItemSerializer(many=True)
    letter = TaskLetterSerializer(allow_null=True)
    pending_proposals = ProposalSerializer(many=True)

    def get_overdue_cases(self, obj) -> list[str]:
        return [c.number for c in obj.overdue_cases]


class OkSerializer(serializers.Serializer):
    id = serializers.IntegerField()


def conflict(description) -> dict:
    """The 409 response (the usual error body) with what the conflict means here."""
    return {409: OpenApiResponse(ErrorSerializer, description=str(description))}


def _user_or_404(pk):
    from jingzhi.accounts.models import User

    user = User.objects.filter(pk=parse_id(pk), is_active=True).first()
    if user is None:
        raise NotFound(_("用户不存在（编号 %(id)s）") % {"id": pk}, fields={"user": pk})
    return user


# ------------------------------------------------------------------------------------------------ views
class StandardView(ApiView):
    @extend_schema(
        operation_id="rectification_standard",
        summary=str(_("现行十无标准")),
        tags=TAG,
        description=str(_("现行标准版本、评级规则与各事项（编码、分值、扣分规则、对应案件分类）。")),
        responses={200: StandardVersionSerializer, **error_responses(404)},
    )
    def get(self, request):
        version = _queries().current_version()
        if version is None:
            raise NotFound(_("尚未设置现行的十无标准版本"))
        return Response(StandardVersionSerializer(version).data)


class StreetListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="rectification_streets",
        summary=str(_("街巷与等级")),
        tags=TAG,
        parameters=[StreetQuerySerializer],
        responses={200: StreetRowSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        params = _valid(StreetQuerySerializer, request.query_params)
        grade = params.get("grade")
        rows = _queries().street_rows_for(
            request.user,
            subdistrict_code=params.get("subdistrict", ""),
            q=params.get("q", ""),
            grade="" if grade == "none" else grade,
        )
        return paginate(self, request, rows, lambda page: StreetRowSerializer(page, many=True).data)


class StreetDetailView(ApiView):
    @extend_schema(
        operation_id="rectification_street",
        summary=str(_("街巷档案")),
        tags=TAG,
        responses={200: StreetDetailSerializer, **error_responses(404)},
    )
    def get(self, request, code):
        queries = _queries()
        street = _street(request.user, code)
        row = queries.street_rows_for(request.user, codes=[street.code])[0]
        plan, items = queries.plan_for(street.code)
        body = {
            "street": row,
            "board": row.record,
            "scores": [{"month": m, "score": s} for m, s in queries.score_series(street.code, 24)],
            # Histories answer oldest first, as everywhere in the API (the case timeline, updates).
            "grade_history": sorted(queries.grade_history(street.code), key=lambda g: (g.month, g.pk)),
            "chiefs": sorted(queries.chief_history(street.code), key=lambda c: (c.started_on, c.pk)),
            "task_letters": sorted(queries.task_letters(street.code), key=lambda t: (t.issued_at, t.pk)),
            "ledger": queries.ledger(street.code),
            "plan_title": plan.title if plan else None,
            "plan_items": items,
            "proposals": sorted(queries.proposals_for(street.code), key=lambda p: p.pk),
            "stewards": [s.user for s in queries.stewards_for(street.code)],
        }
        return Response(StreetDetailSerializer(body).data)


class InspectionCollectionView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="rectification_inspections",
        summary=str(_("检查记录")),
        tags=TAG,
        parameters=[InspectionQuerySerializer],
        responses={200: InspectionSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        params = _valid(InspectionQuerySerializer, request.query_params)
        qs = _queries().inspections_for_export(
            request.user, month=params.get("month", ""), kind=params.get("kind", "")
        )
        if params.get("street"):
            qs = qs.filter(street_code=params["street"])
        rows = qs.order_by("-inspected_on", "-id")
        return paginate(self, request, rows, lambda page: InspectionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="rectification_inspection_create",
        summary=str(_("录入检查")),
        tags=TAG,
        description=str(
            _(
                "按现行标准为街巷打分。每项扣分生成一件案件（或并入该街巷同类未办结案件）；"
                "正式检查（市级月度、第三方季度）每街巷每周期一次，并据此评级。"
            )
        ),
        request=InspectionInSerializer,
        responses={
            201: InspectionSerializer,
            **error_responses(400, 404),
            **conflict(_("同一街巷同一周期已有正式检查")),
        },
    )
    def post(self, request):
        data = _valid(InspectionInSerializer, request.data)
        inspection = _actions().do_record_inspection(
            actor=request.user,
            street_code=data["street"],
            kind=data["kind"],
            inspected_on=data.get("inspected_on"),
            period=data.get("period", ""),
            version=data.get("version") or None,
            satisfaction=data.get("satisfaction"),
            note=data.get("note", ""),
            results=[dict(r) for r in data.get("results", [])],
        )
        inspection = _queries().inspection_detail(inspection.pk)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


class InspectionDetailView(ApiView):
    @extend_schema(
        operation_id="rectification_inspection",
        summary=str(_("检查详情")),
        tags=TAG,
        responses={200: InspectionSerializer, **error_responses(404)},
    )
    def get(self, request, pk):
        return Response(InspectionSerializer(_queries().access_inspection(request.user, pk)).data)


class MineView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="rectification_mine",
        summary=str(_("街巷长工作台")),
        tags=TAG,
        description=str(
            _("我担任街巷长的街巷：等级、不达标事项、逾期案件与整治事项、任务书、待决定的问责建议。")
        ),
        responses={200: ChiefStreetSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        rows = _queries().chief_dashboard(request.user)
        return paginate(self, request, rows, lambda page: ChiefStreetSerializer(page, many=True).data)


class ProposalListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="rectification_proposals",
        summary=str(_("待我决定的问责建议")),
        tags=TAG,
        responses={200: ProposalSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        rows = _queries().pending_proposals_for(request.user)
        return paginate(self, request, rows, lambda page: ProposalSerializer(page, many=True).data)


class ProposalDecisionView(ApiView):
    @extend_schema(
        operation_id="rectification_proposal_decide",
        summary=str(_("决定问责建议")),
        tags=TAG,
        request=DecisionInSerializer,
        responses={200: ProposalSerializer, **error_responses(400, 404), **conflict(_("该建议已决定"))},
    )
    def post(self, request, pk):
        data = _valid(DecisionInSerializer, request.data)
        proposal = _actions().do_decide_proposal(
            actor=request.user, proposal_id=pk, accept=data["accept"], reason=data["reason"]
        )
        return Response(ProposalSerializer(proposal).data)


class _StreetWrite(ApiView):
    def street(self, request, code):
        return _street(request.user, code)


class AppointChiefView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_chief_appoint",
        summary=str(_("任命街巷长")),
        tags=TAG,
        request=AppointInSerializer,
        responses={201: ChiefSerializer, **error_responses(400, 404)},
    )
    def post(self, request, code):
        street = self.street(request, code)
        data = _valid(AppointInSerializer, request.data)
        chief = _actions().do_appoint_chief(
            actor=request.user,
            street_code=street.code,
            user=_user_or_404(data["user"]),
            rank=data["rank"],
            title=data["title"],
            started_on=data.get("started_on"),
        )
        return Response(ChiefSerializer(chief).data, status=status.HTTP_201_CREATED)


class TaskLetterCreateView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_task_letter_issue",
        summary=str(_("下达任务书")),
        tags=TAG,
        request=TaskLetterInSerializer,
        responses={
            201: TaskLetterSerializer,
            **error_responses(400, 404),
            **conflict(_("该街巷已有有效的任务书")),
        },
    )
    def post(self, request, code):
        street = self.street(request, code)
        data = _valid(TaskLetterInSerializer, request.data)
        letter = _actions().do_issue_task_letter(actor=request.user, street_code=street.code, **data)
        return Response(TaskLetterSerializer(letter).data, status=status.HTTP_201_CREATED)


def _letter_or_404(user, pk):
    from jingzhi.rectification.permissions import access_task_letter

    return access_task_letter(user, pk)


class TaskLetterSignView(ApiView):
    @extend_schema(
        operation_id="rectification_task_letter_sign",
        summary=str(_("签署任务书")),
        tags=TAG,
        request=None,
        responses={200: TaskLetterSerializer, **error_responses(404), **conflict(_("任务书已终止"))},
    )
    def post(self, request, pk):
        letter = _letter_or_404(request.user, pk)
        return Response(
            TaskLetterSerializer(_actions().do_sign_task_letter(actor=request.user, letter_id=letter.pk)).data
        )


class TaskLetterEndView(ApiView):
    @extend_schema(
        operation_id="rectification_task_letter_end",
        summary=str(_("终止任务书")),
        tags=TAG,
        request=ReasonInSerializer,
        responses={200: TaskLetterSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        letter = _letter_or_404(request.user, pk)
        data = _valid(ReasonInSerializer, request.data)
        return Response(
            TaskLetterSerializer(
                _actions().do_end_task_letter(actor=request.user, letter_id=letter.pk, reason=data["reason"])
            ).data
        )


class LedgerView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_ledger_add",
        summary=str(_("记台账")),
        tags=TAG,
        request=LedgerInSerializer,
        responses={201: LedgerEntrySerializer, **error_responses(400, 404)},
    )
    def post(self, request, code):
        street = self.street(request, code)
        data = _valid(LedgerInSerializer, request.data)
        entry = _actions().do_record_ledger_entry(actor=request.user, street_code=street.code, **data)
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class BoardView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_board_update",
        summary=str(_("更新责任公示牌")),
        tags=TAG,
        request=BoardInSerializer,
        responses={200: BoardSerializer, **error_responses(400, 404)},
    )
    def patch(self, request, code):
        street = self.street(request, code)
        data = _valid(BoardInSerializer, request.data)
        record = _actions().do_update_board(actor=request.user, street_code=street.code, **data)
        return Response(BoardSerializer(record).data)


class AwardView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_grade_award",
        summary=str(_("评定等级")),
        tags=TAG,
        request=AwardInSerializer,
        responses={201: GradeChangeSerializer, **error_responses(400, 404)},
    )
    def post(self, request, code):
        street = self.street(request, code)
        data = _valid(AwardInSerializer, request.data)
        change = _actions().do_award_grade(actor=request.user, street_code=street.code, **data)
        return Response(GradeChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class PlanView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_plan_save",
        summary=str(_("保存一街一策")),
        tags=TAG,
        request=PlanInSerializer,
        responses={200: OkSerializer, **error_responses(400, 404)},
    )
    def put(self, request, code):
        street = self.street(request, code)
        data = _valid(PlanInSerializer, request.data)
        plan = _actions().do_save_plan(actor=request.user, street_code=street.code, **data)
        return Response({"id": plan.pk})


class PlanItemView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_plan_item_add",
        summary=str(_("添加整治事项")),
        tags=TAG,
        request=PlanItemInSerializer,
        responses={201: PlanItemSerializer, **error_responses(400, 404)},
    )
    def post(self, request, code):
        street = self.street(request, code)
        data = _valid(PlanItemInSerializer, request.data)
        item = _actions().do_add_plan_item(
            actor=request.user,
            street_code=street.code,
            text=data["text"],
            owner_name=data["owner_name"],
            deadline=data["deadline"],
            standard_code=data["standard_code"],
            case_ids=data["cases"],
        )
        return Response(PlanItemSerializer(item).data, status=status.HTTP_201_CREATED)


class PlanItemProgressView(ApiView):
    @extend_schema(
        operation_id="rectification_plan_item_progress",
        summary=str(_("更新整治进度")),
        tags=TAG,
        request=ProgressInSerializer,
        responses={200: PlanItemSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(ProgressInSerializer, request.data)
        item = _actions().do_update_plan_item(
            actor=request.user,
            item_id=pk,
            progress=data.get("progress"),
            note=data.get("note", ""),
            case_ids=data.get("cases"),
        )
        return Response(PlanItemSerializer(item).data)


class StewardView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_steward_assign",
        summary=str(_("安排小巷管家")),
        tags=TAG,
        request=StewardInSerializer,
        responses={201: OkSerializer, **error_responses(400, 404)},
    )
    def post(self, request, code):
        street = self.street(request, code)
        data = _valid(StewardInSerializer, request.data)
        assignment = _actions().do_assign_steward(
            actor=request.user, street_code=street.code, user=_user_or_404(data["user"])
        )
        return Response({"id": assignment.pk}, status=status.HTTP_201_CREATED)


class PatrolView(_StreetWrite):
    @extend_schema(
        operation_id="rectification_patrol_log",
        summary=str(_("记录巡查（巡访做报记）")),
        tags=TAG,
        description=str(_("“报”直接生成案件，位置默认取街巷中点。")),
        request=PatrolInSerializer,
        responses={201: PatrolSerializer, **error_responses(400, 404)},
    )
    def post(self, request, code):
        street = self.street(request, code)
        data = _valid(PatrolInSerializer, request.data)
        log = _actions().do_log_patrol(
            actor=request.user,
            street_code=street.code,
            duty=data["duty"],
            note=data["note"],
            lon=data.get("lon"),
            lat=data.get("lat"),
            idempotency_key=data.get("idempotency_key", ""),
        )
        return Response(PatrolSerializer(log).data, status=status.HTTP_201_CREATED)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Export(ApiView):
    def check(self, request):
        from jingzhi.rectification.permissions import can_export

        if not can_export(request.user):
            from jingzhi.core.errors import PermissionDenied

            raise PermissionDenied(_("只有考核员和管理员可以导出"))

    def xlsx(self, data: bytes, stem: str) -> HttpResponse:
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response


class StreetExportView(_Export):
    @extend_schema(
        operation_id="rectification_export_streets",
        summary=str(_("导出街巷等级（Excel）")),
        tags=TAG,
        parameters=[OpenApiParameter("subdistrict", str, pattern=r"^\d{9}$", required=False)],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400)},
    )
    def get(self, request):
        from jingzhi.rectification import excel

        self.check(request)
        params = _valid(StreetQuerySerializer, request.query_params)
        rows = _queries().street_rows_for(request.user, subdistrict_code=params.get("subdistrict", ""))
        return self.xlsx(excel.streets_workbook(rows), "streets-grades")


class InspectionExportView(_Export):
    @extend_schema(
        operation_id="rectification_export_inspections",
        summary=str(_("导出检查结果（Excel）")),
        tags=TAG,
        parameters=[InspectionQuerySerializer],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400)},
    )
    def get(self, request):
        from jingzhi.rectification import excel

        self.check(request)
        params = _valid(InspectionQuerySerializer, request.query_params)
        qs = _queries().inspections_for_export(
            request.user, month=params.get("month", ""), kind=params.get("kind", "")
        )
        if params.get("street"):
            qs = qs.filter(street_code=params["street"])
        return self.xlsx(excel.inspections_workbook(qs), "inspections")
