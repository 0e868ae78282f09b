"""REST endpoints of 腾退空间 under /api/v1/spaces/: the registry (list, register, detail with history and
re-checks, edit), state changes, the safety record, re-checks (动态清零; 反弹 opens a case), overdue
re-checks, the dashboard, the ledger (export and import), the 15-minute coverage with its gaps, service
point and walking-network imports, and relocated merchants.

Thin endpoints: an input serializer parses (no rules), the action in `spaces.actions` decides and writes, an
output serializer shows the result. Reads go through `spaces.queries`, objects through
`spaces.permissions.access_space`, so a space outside the caller's jurisdiction is a 404 exactly like a
missing one. Coordinates are WGS84 (convert GCJ-02 phone-map points first). Merchants' contacts and
affected residents' names are never in these bodies.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from jingzhi.api.base import ApiView, flag
from jingzhi.api.base import valid as _valid
from jingzhi.api.locate import lat_field, lon_field
from jingzhi.api.pagination import Pagination, paginate
from jingzhi.api.parsers import FormParser, JSONParser, MultiPartParser
from jingzhi.api.schema import error_responses
from jingzhi.core.errors import PermissionDenied

TAG = [str(_("腾退空间"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actions():
    from jingzhi.spaces import actions

    return actions


def _queries():
    from jingzhi.spaces import queries

    return queries


def _space(user, pk):
    from jingzhi.spaces.permissions import access_space

    return access_space(user, pk)


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented inline (a pattern and the list of values), so same-named enums of other
    apps never collide as schema components; the server still validates against the choices."""
    values = [value for value, _label in choices]
    listing = "、".join(f"{value}（{label}）" for value, label in choices)

    @extend_schema_field(
        {"type": "string", "pattern": "^(" + "|".join(values) + ")$", "description": listing}
    )
    class InlineChoice(serializers.ChoiceField):
        pass

    return InlineChoice(choices=choices, **kwargs)


def _states():
    from jingzhi.spaces.workflow import State

    return State.choices


def _origins():
    from jingzhi.spaces.workflow import Origin

    return Origin.choices


# ------------------------------------------------------------------------------------------------ serializers
class SpaceUseSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SpaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    geometry = serializers.JSONField(help_text=_("GeoJSON 点或面（WGS84）"))
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    grid_code = serializers.CharField()
    community_code = serializers.CharField()
    community_name = serializers.CharField()
    subdistrict_code = serializers.CharField()
    subdistrict_name = serializers.CharField()
    area_m2 = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    underground = serializers.BooleanField()
    origin = choice(_origins())
    origin_label = serializers.CharField(source="get_origin_display")
    owner = serializers.CharField()
    manager = serializers.CharField()
    vacated_on = serializers.DateField()
    state = choice(_states())
    state_label = serializers.CharField(source="get_state_display")
    planned_use = SpaceUseSerializer(allow_null=True)
    actual_use = SpaceUseSerializer(allow_null=True)
    safety_record = serializers.CharField()
    next_recheck_on = serializers.DateField(allow_null=True)
    last_recheck_on = serializers.DateField(allow_null=True)
    project_ref = serializers.CharField()
    version = serializers.IntegerField()


class SpaceEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    at = serializers.DateTimeField()


class SpaceRecheckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    checked_on = serializers.DateField()
    outcome = choice([("clear", _("未反弹")), ("reoccupied", _("已反弹"))])
    note = serializers.CharField()
    case_number = serializers.SerializerMethodField()

    def get_case_number(self, obj) -> str | None:
        return obj.case.number if obj.case_id else None


class SpaceDetailSerializer(SpaceSerializer):
    history = SpaceEventSerializer(many=True)
    rechecks = SpaceRecheckSerializer(many=True)
    allowed_states = serializers.ListField(child=serializers.CharField())


class SpaceQuerySerializer(serializers.Serializer):
    state = choice(_states(), required=False)
    origin = choice(_origins(), required=False)
    subdistrict = serializers.RegexField(r"^\d{9}$", required=False)
    q = serializers.CharField(required=False, max_length=100)


class SpaceInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=200)
    area_m2 = serializers.CharField(max_length=20, help_text=_("面积（平方米），大于 0"))
    origin = choice(_origins())
    vacated_on = serializers.DateField()
    lon = lon_field(required=False)
    lat = lat_field(required=False)
    geometry = serializers.JSONField(required=False, help_text=_("GeoJSON 点或面；不填时用 lon/lat"))
    underground = serializers.BooleanField(required=False, default=False)
    owner = serializers.CharField(required=False, allow_blank=True, max_length=100)
    manager = serializers.CharField(required=False, allow_blank=True, max_length=100)
    planned_use = serializers.CharField(required=False, allow_blank=True, help_text=_("用途编码或名称"))
    number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=9,
        help_text=_("现场照片（multipart/form-data 的 photos 字段，可多个，最多 9 张；JPEG/PNG/WebP）"),
    )


class SpaceEditSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=100)
    address = serializers.CharField(required=False, max_length=200)
    owner = serializers.CharField(required=False, allow_blank=True, max_length=100)
    manager = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True)
    project_ref = serializers.CharField(required=False, allow_blank=True, max_length=64)
    area_m2 = serializers.CharField(required=False, max_length=20)
    planned_use = serializers.CharField(required=False, allow_blank=True)
    actual_use = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)


class SpaceTransitionInSerializer(serializers.Serializer):
    to_state = serializers.CharField(
        max_length=16, help_text=_("目标状态；不允许时 400，details.allowed 列出可选状态")
    )
    reason = serializers.CharField(max_length=500)
    planned_use = serializers.CharField(required=False, allow_blank=True)
    actual_use = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)


class SpaceSafetySerializer(serializers.Serializer):
    safety_record = serializers.CharField(max_length=2000)


class SpaceRecheckInSerializer(serializers.Serializer):
    checked_on = serializers.DateField()
    outcome = choice([("clear", _("未反弹")), ("reoccupied", _("已反弹"))])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    lon = lon_field(required=False)
    lat = lat_field(required=False)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class SpaceFileSerializer(serializers.Serializer):
    file = serializers.FileField()
    replace = serializers.BooleanField(required=False, default=False)


class SpaceTallySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    area = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)


class SpaceDashboardSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    area = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    reuse_rate = serializers.FloatField(allow_null=True, help_text=_("利用中面积占比（0–1）"))
    rebound = serializers.IntegerField()
    overdue = serializers.IntegerField()
    by_state = SpaceTallySerializer(many=True)
    by_origin = SpaceTallySerializer(many=True)
    by_use = SpaceTallySerializer(many=True)
    by_subdistrict = SpaceTallySerializer(many=True)


class SpaceCandidateSerializer(serializers.Serializer):
    space_id = serializers.IntegerField(source="space.pk")
    number = serializers.CharField(source="space.number")
    name = serializers.CharField(source="space.name")
    area_m2 = serializers.DecimalField(
        source="space.area_m2", max_digits=12, decimal_places=2, coerce_to_string=False
    )
    distance_m = serializers.FloatField()


class CoverageGapSerializer(serializers.Serializer):
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.name")
    community_code = serializers.CharField()
    community_name = serializers.CharField()
    grids_total = serializers.IntegerField()
    grids_uncovered = serializers.IntegerField()
    area_share = serializers.FloatField(help_text=_("社区内未覆盖网格面积占比（0–1）"))
    population = serializers.IntegerField(allow_null=True)
    affected = serializers.IntegerField(allow_null=True, help_text=_("受影响人口（人口×未覆盖面积占比）"))
    candidates = SpaceCandidateSerializer(many=True)


class CoverageKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    share = serializers.FloatField(allow_null=True)


class SpaceCoverageSerializer(serializers.Serializer):
    method = serializers.CharField(help_text=_("straight（直线×绕行系数）或 network（步行路网）"))
    note = serializers.CharField(help_text=_("路网未采用时的原因"))
    kinds = CoverageKindSerializer(many=True)
    gaps = CoverageGapSerializer(many=True)


class MerchantSupportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField()
    promised_on = serializers.DateField()
    delivered_on = serializers.DateField(allow_null=True)


class MerchantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    space_number = serializers.CharField(source="space.number")
    name = serializers.CharField()
    business = serializers.CharField()
    destination = serializers.CharField()
    closed_on = serializers.DateField(allow_null=True)
    support = MerchantSupportSerializer(many=True, source="support.all")


class MerchantSupportInSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=200)
    promised_on = serializers.DateField()


class MerchantInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    destination = serializers.CharField(max_length=100)
    business = serializers.CharField(required=False, allow_blank=True, max_length=100)
    contact = serializers.CharField(required=False, allow_blank=True, max_length=100, write_only=True)
    support = MerchantSupportInSerializer(many=True, required=False, default=list)


class MerchantFollowUpInSerializer(serializers.Serializer):
    on = serializers.DateField()
    note = serializers.CharField(max_length=2000)


class LivelihoodInSerializer(serializers.Serializer):
    person = serializers.CharField(
        max_length=50, write_only=True, help_text=_("居民（只保存，不在接口中返回）")
    )
    impact = choice([("stall", _("失去摊位")), ("job", _("失去工作")), ("other", _("其他"))])
    assistance = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    needs_action = serializers.BooleanField(required=False, default=False)
    request = serializers.CharField(required=False, allow_blank=True, max_length=500)


class LivelihoodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    impact = serializers.CharField()
    assistance = serializers.CharField()
    case_number = serializers.SerializerMethodField()

    def get_case_number(self, obj) -> str | None:
        return obj.case.number if obj.case_id else None


class SpaceDayInSerializer(serializers.Serializer):
    on = serializers.DateField()


# ------------------------------------------------------------------------------------------------ views
def _detail(space):
    from jingzhi.spaces import queries, workflow

    data = dict(SpaceSerializer(space).data)
    data["history"] = SpaceEventSerializer(queries.history(space), many=True).data
    data["rechecks"] = SpaceRecheckSerializer(queries.rechecks_of(space), many=True).data
    data["allowed_states"] = workflow.allowed_targets(space.state)
    return data


class SpaceCollectionView(ApiView):
    pagination_class = Pagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="spaces_list",
        summary=str(_("腾退空间台账")),
        tags=TAG,
        parameters=[SpaceQuerySerializer],
        responses={200: SpaceSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        params = _valid(SpaceQuerySerializer, request.query_params)
        rows = _queries().spaces_for(request.user, **params)
        return paginate(self, request, rows, lambda page: SpaceSerializer(page, many=True).data)

    @extend_schema(
        operation_id="spaces_register",
        summary=str(_("登记腾退空间")),
        description=str(
            _(
                "位置由网格定位；不在任何网格内、面积不大于 0、腾退日期晚于今天时 400。"
                "可用 JSON，或 multipart/form-data 附现场照片（photos，可多个）。"
            )
        ),
        tags=TAG,
        request={"application/json": SpaceInSerializer, "multipart/form-data": SpaceInSerializer},
        responses={201: SpaceDetailSerializer, **error_responses(400)},
    )
    def post(self, request):
        data = dict(_valid(SpaceInSerializer, request.data))
        space = _actions().do_register_space(actor=request.user, **data)
        return Response(_detail(space), status=status.HTTP_201_CREATED)


class SpaceDetailView(ApiView):
    @extend_schema(
        operation_id="spaces_detail",
        summary=str(_("腾退空间详情（含历史与复查）")),
        tags=TAG,
        responses={200: SpaceDetailSerializer, **error_responses(404)},
    )
    def get(self, request, pk):
        return Response(_detail(_space(request.user, pk)))

    @extend_schema(
        operation_id="spaces_edit",
        summary=str(_("修改腾退空间信息")),
        tags=TAG,
        request=SpaceEditSerializer,
        responses={200: SpaceDetailSerializer, **error_responses(400, 404, 409)},
    )
    def patch(self, request, pk):
        data = dict(_valid(SpaceEditSerializer, request.data))
        reason = data.pop("reason", "")
        version = data.pop("version", None)
        space = _actions().do_edit_space(
            actor=request.user, space_id=pk, reason=reason, expected_version=version, **data
        )
        return Response(_detail(space))


class SpaceTransitionView(ApiView):
    @extend_schema(
        operation_id="spaces_transition",
        summary=str(_("变更腾退空间状态")),
        description=str(
            _(
                "按状态表变更：不允许的变更 400（code transition_not_allowed，details.allowed 为当前可选状态）；地下空间未登记安全条件不能进入“利用中”（safety_required）。"
            )
        ),
        tags=TAG,
        request=SpaceTransitionInSerializer,
        responses={200: SpaceDetailSerializer, **error_responses(400, 404, 409)},
    )
    def post(self, request, pk):
        data = _valid(SpaceTransitionInSerializer, request.data)
        space = _actions().do_change_space_state(
            actor=request.user,
            space_id=pk,
            to_state=data["to_state"],
            reason=data["reason"],
            planned_use=data.get("planned_use") or None,
            actual_use=data.get("actual_use") or None,
            expected_version=data.get("version"),
        )
        return Response(_detail(space))


class SpaceSafetyView(ApiView):
    @extend_schema(
        operation_id="spaces_safety",
        summary=str(_("登记地下空间安全条件")),
        tags=TAG,
        request=SpaceSafetySerializer,
        responses={200: SpaceDetailSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(SpaceSafetySerializer, request.data)
        space = _actions().do_record_safety(actor=request.user, space_id=pk, record=data["safety_record"])
        return Response(_detail(space))


class SpaceRecheckView(ApiView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="spaces_recheck",
        summary=str(_("录入复查（动态清零）")),
        description=str(
            _(
                "结果为 reoccupied 时空间转为“反弹”，并按职责清单生成案件（case_number）。复查日期早于腾退日期或晚于今天时 400。"
            )
        ),
        tags=TAG,
        request={
            "application/json": SpaceRecheckInSerializer,
            "multipart/form-data": SpaceRecheckInSerializer,
        },
        responses={201: SpaceRecheckSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(SpaceRecheckInSerializer, request.data)
        recheck = _actions().do_record_recheck(
            actor=request.user,
            space_id=pk,
            checked_on=data["checked_on"],
            outcome=data["outcome"],
            note=data.get("note", ""),
            lon=data.get("lon"),
            lat=data.get("lat"),
            photos=data.get("photos") or (),
        )
        return Response(SpaceRecheckSerializer(recheck).data, status=status.HTTP_201_CREATED)


class OverdueView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="spaces_overdue",
        summary=str(_("复查已逾期的腾退空间（本辖区）")),
        tags=TAG,
        responses={200: SpaceSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        rows = _queries().overdue_rechecks(request.user).select_related("planned_use", "actual_use")
        return paginate(self, request, rows, lambda page: SpaceSerializer(page, many=True).data)


class DashboardView(ApiView):
    @extend_schema(
        operation_id="spaces_dashboard",
        summary=str(_("腾退空间统计")),
        tags=TAG,
        responses={200: SpaceDashboardSerializer, **error_responses()},
    )
    def get(self, request):
        return Response(SpaceDashboardSerializer(_queries().dashboard(request.user)).data)


class LedgerView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="spaces_ledger_export",
        summary=str(_("导出腾退空间台账（Excel）")),
        tags=TAG,
        parameters=[SpaceQuerySerializer],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400)},
    )
    def get(self, request):
        from jingzhi.spaces.permissions import can_view_spaces

        if not can_view_spaces(request.user):
            raise PermissionDenied(_("您无权导出腾退空间台账"))
        params = _valid(SpaceQuerySerializer, request.query_params)
        response = HttpResponse(
            _queries().ledger_xlsx(_queries().spaces_for(request.user, **params)), content_type=XLSX
        )
        response["Content-Disposition"] = 'attachment; filename="spaces-ledger.xlsx"'
        return response

    @extend_schema(
        operation_id="spaces_ledger_import",
        summary=str(_("导入腾退空间台账")),
        description=str(
            _(
                "Excel 或 CSV。全部通过才写入：有问题时 400，fields.problems 逐条列出行号与原因，一条也不导入。"
            )
        ),
        tags=TAG,
        request={"multipart/form-data": SpaceFileSerializer},
        responses={201: SpaceSerializer(many=True), **error_responses(400)},
    )
    def post(self, request):
        data = _valid(SpaceFileSerializer, request.data)
        created = _actions().do_import_ledger(actor=request.user, file=data["file"])
        return Response(SpaceSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class CoverageView(ApiView):
    @extend_schema(
        operation_id="spaces_coverage",
        summary=str(_("一刻钟便民生活圈覆盖与缺口")),
        description=str(
            _(
                "每种业态步行可达的网格面积占比，以及按社区的缺口（受影响人口、最近的可承接腾退空间）。默认按直线距离×绕行系数；已导入且连通的步行路网时按路网距离。"
            )
        ),
        tags=TAG,
        parameters=[
            OpenApiParameter("kind", str, required=False, description=str(_("业态编码；不填为全部业态")))
        ],
        responses={200: SpaceCoverageSerializer, **error_responses()},
    )
    def get(self, request):
        from jingzhi.spaces.permissions import can_view_spaces

        if not can_view_spaces(request.user):
            raise PermissionDenied(_("您无权查看便民生活圈"))
        kind = (request.query_params.get("kind") or "").strip()
        result = _queries().coverage_for(request.user, kind_codes=[kind] if kind else None)
        body = {
            "method": result.method,
            "note": result.note,
            "kinds": [{"kind": k.code, "name": k.name, "share": result.share(k.code)} for k in result.kinds],
            "gaps": result.gaps,
        }
        return Response(SpaceCoverageSerializer(body).data)


class PointsImportView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="spaces_points_import",
        summary=str(_("导入便民网点（Excel/CSV/GeoJSON）")),
        tags=TAG,
        request={"multipart/form-data": SpaceFileSerializer},
        responses={201: OpenApiResponse(description=str(_("导入的网点数"))), **error_responses(400)},
    )
    def post(self, request):
        data = _valid(SpaceFileSerializer, request.data)
        made = _actions().do_import_service_points(
            actor=request.user, file=data["file"], filename=data["file"].name, replace=data["replace"]
        )
        return Response({"imported": len(made)}, status=status.HTTP_201_CREATED)


class NetworkImportView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="spaces_network_import",
        summary=str(_("导入步行路网（GeoJSON/GeoPackage 线）")),
        description=str(
            _("路网不能连通全部网格时仍保存，connected 为 false 并说明原因；覆盖计算改按直线距离并注明。")
        ),
        tags=TAG,
        request={"multipart/form-data": SpaceFileSerializer},
        responses={
            201: OpenApiResponse(description=str(_("segments、connected、message"))),
            **error_responses(400),
        },
    )
    def post(self, request):
        data = _valid(SpaceFileSerializer, request.data)
        row = _actions().do_import_walk_network(
            actor=request.user, file=data["file"], filename=data["file"].name
        )
        return Response(
            {"id": row.pk, "segments": row.segments, "connected": row.connected, "message": row.message},
            status=status.HTTP_201_CREATED,
        )


class MerchantCollectionView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="spaces_merchants",
        summary=str(_("外迁商户")),
        tags=TAG,
        responses={200: MerchantSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        rows = _queries().merchants_for(request.user, open_only=flag(request.query_params.get("open")))
        return paginate(self, request, rows, lambda page: MerchantSerializer(page, many=True).data)


class SpaceMerchantView(ApiView):
    @extend_schema(
        operation_id="spaces_merchant_add",
        summary=str(_("登记外迁商户")),
        tags=TAG,
        request=MerchantInSerializer,
        responses={201: MerchantSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(MerchantInSerializer, request.data)
        merchant = _actions().do_add_merchant(
            actor=request.user,
            space_id=pk,
            name=data["name"],
            destination=data["destination"],
            business=data.get("business", ""),
            contact=data.get("contact", ""),
            support=[(s["item"], s["promised_on"]) for s in data.get("support", [])],
        )
        return Response(MerchantSerializer(merchant).data, status=status.HTTP_201_CREATED)


class FollowUpView(ApiView):
    @extend_schema(
        operation_id="spaces_merchant_follow_up",
        summary=str(_("记录外迁商户回访")),
        tags=TAG,
        request=MerchantFollowUpInSerializer,
        responses={201: MerchantSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        from jingzhi.spaces.permissions import access_merchant

        data = _valid(MerchantFollowUpInSerializer, request.data)
        _actions().do_add_follow_up(actor=request.user, merchant_id=pk, on=data["on"], note=data["note"])
        return Response(
            MerchantSerializer(access_merchant(request.user, pk)).data, status=status.HTTP_201_CREATED
        )


class CloseMerchantView(ApiView):
    @extend_schema(
        operation_id="spaces_merchant_close",
        summary=str(_("结束外迁商户跟踪")),
        description=str(_("有未兑现的扶持事项时 400 并列出。")),
        tags=TAG,
        request=SpaceDayInSerializer,
        responses={200: MerchantSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(SpaceDayInSerializer, request.data)
        merchant = _actions().do_close_merchant(actor=request.user, merchant_id=pk, on=data["on"])
        return Response(MerchantSerializer(merchant).data)


class DeliverSupportView(ApiView):
    @extend_schema(
        operation_id="spaces_support_deliver",
        summary=str(_("登记扶持事项已兑现")),
        tags=TAG,
        request=SpaceDayInSerializer,
        responses={200: MerchantSupportSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(SpaceDayInSerializer, request.data)
        item = _actions().do_deliver_support(actor=request.user, support_id=pk, delivered_on=data["on"])
        return Response(MerchantSupportSerializer(item).data)


class LivelihoodView(ApiView):
    @extend_schema(
        operation_id="spaces_livelihood_add",
        summary=str(_("登记生计受影响的居民")),
        description=str(
            _("需要办理时（needs_action）立案，案件内容只写需要解决的事项；居民姓名不在任何返回中。")
        ),
        tags=TAG,
        request=LivelihoodInSerializer,
        responses={201: LivelihoodSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(LivelihoodInSerializer, request.data)
        row = _actions().do_record_livelihood(
            actor=request.user,
            space_id=pk,
            person=data["person"],
            impact=data["impact"],
            assistance=data.get("assistance", ""),
            needs_action=data.get("needs_action", False),
            request=data.get("request", ""),
        )
        return Response(LivelihoodSerializer(row).data, status=status.HTTP_201_CREATED)
