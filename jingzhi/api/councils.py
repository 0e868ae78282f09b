"""REST endpoints of 多元共治 under /api/v1/councils/: councils (list, create, detail with members and this
month's completion, members, unavailable days), rosters (generate, read a month, publish), shifts (mine,
check in, findings that open cases, check out, swap requests and the chief's decision), completion rates
for assessment, meetings and joint meetings with action items, and party members' registration, the
community task board, sign-ups and check-in/out.

Thin endpoints: an input serializer parses (no rules), the action in `councils.actions` decides and writes,
an output serializer shows the result. Reads go through `councils.queries` and the access helpers, so an
object outside the caller's jurisdiction is a 404 exactly like a missing one. Coordinates are WGS84; phone
map (GCJ-02) points must be converted by the client. Errors use the one body `{code, message, fields}`.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from jingzhi.api.base import ApiView, flag
from jingzhi.api.base import valid as _valid
from jingzhi.api.casesapi.serializers import photos_field
from jingzhi.api.locate import lat_field, lon_field
from jingzhi.api.pagination import Pagination, paginate
from jingzhi.api.parsers import FormParser, JSONParser, MultiPartParser
from jingzhi.api.rectification import choice
from jingzhi.api.schema import ErrorSerializer, error_responses
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.ids import parse_id
from jingzhi.councils.models import (
    AreaKind,
    HolidayPolicy,
    MeetingKind,
    MemberKind,
    MemberRole,
    OutsidePolicy,
)

TAG = [str(_("多元共治"))]


def _a():
    from jingzhi.councils import actions

    return actions


def _q():
    from jingzhi.councils import queries

    return queries


def _p():
    from jingzhi.councils import permissions

    return permissions


def _user_or_400(pk, field: str):
    from jingzhi.accounts.models import User

    user = User.objects.filter(pk=parse_id(pk), is_active=True).first()
    if user is None:
        raise InvalidInput(_("用户不存在或已停用（编号 %(id)s）") % {"id": pk}, fields={field: "invalid"})
    return user


def conflict(description) -> dict:
    return {409: OpenApiResponse(ErrorSerializer, description=str(description))}


# ------------------------------------------------------------------------------------------------ serializers
class CouncilPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = CouncilPersonSerializer()
    role = serializers.CharField(help_text=_("chief 理事长 / secretary 秘书长 / member 理事"))
    kind = serializers.CharField(help_text=_("building_head / resident / volunteer / unit / staff"))
    position = serializers.IntegerField(help_text=_("轮值顺序"))
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)
    is_active = serializers.BooleanField()


class CouncilSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    area_kind = serializers.CharField(help_text=_("street 街巷 / community 社区"))
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    subdistrict_code = serializers.CharField()
    term_start = serializers.DateField()
    term_end = serializers.DateField(allow_null=True)
    holiday_policy = serializers.CharField(help_text=_("patrol 节假日照常巡查 / skip 节假日不排班"))
    outside_policy = serializers.CharField(help_text=_("warn 范围外签到提示并记录 / refuse 拒绝"))
    per_day = serializers.IntegerField()
    checklist = serializers.ListField(child=serializers.CharField())


class CompletionSerializer(serializers.Serializer):
    council = serializers.FloatField(allow_null=True, help_text=_("完成率（0～1），尚无到期班次时为空"))
    done = serializers.IntegerField()
    due = serializers.IntegerField()
    members = serializers.DictField(
        child=serializers.ListField(), help_text=_("成员编号 → [完成, 应巡, 完成率]")
    )


class CouncilDetailSerializer(CouncilSerializer):
    members = MemberSerializer(many=True)
    completion = CompletionSerializer(help_text=_("本月至今"))
    missed = serializers.ListField(child=serializers.DictField(), help_text=_("漏巡：日期与成员"))


class MemberSpecSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    role = choice(MemberRole.choices, default="member")
    kind = choice(MemberKind.choices, default="resident")


class CouncilInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    area_kind = choice(AreaKind.choices)
    area_code = serializers.CharField(max_length=32)
    term_start = serializers.DateField(required=False)
    term_end = serializers.DateField(required=False, allow_null=True)
    holiday_policy = choice(HolidayPolicy.choices, default="patrol")
    outside_policy = choice(OutsidePolicy.choices, default="warn")
    per_day = serializers.IntegerField(default=1)
    checklist = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    members = MemberSpecSerializer(many=True)


class ShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    council = serializers.IntegerField(source="council_id")
    day = serializers.DateField()
    member = serializers.IntegerField(source="member_id")
    member_name = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(
        help_text=_("done 已巡查 / missed 漏巡 / due 待巡查 / ongoing 巡查中")
    )

    def get_member_name(self, obj) -> str:
        user = obj.member.user
        return user.display_name or user.username

    def get_status(self, obj) -> str:
        return _q().shift_status(obj)


class RosterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    council = serializers.IntegerField(source="council_id")
    month = serializers.DateField()
    holiday_policy = serializers.CharField()
    skipped_days = serializers.ListField(child=serializers.CharField())
    published_at = serializers.DateTimeField(allow_null=True)
    shifts = serializers.SerializerMethodField()

    def get_shifts(self, obj) -> list[dict]:
        rows = obj.shifts.select_related("member__user", "round").order_by("day", "member__position")
        return ShiftSerializer(rows, many=True).data


class MonthInSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text=_("YYYY-MM"))


class PointInSerializer(serializers.Serializer):
    lon = lon_field(required=False, allow_null=True)
    lat = lat_field(required=False, allow_null=True)


class CheckOutInSerializer(PointInSerializer):
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class PatrolFindingInSerializer(PointInSerializer):
    description = serializers.CharField(max_length=500)
    category = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("案件分类编号；不填则按描述推荐")
    )
    idempotency_key = serializers.CharField(max_length=100, required=False, allow_blank=True)
    photos = photos_field()


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shift = serializers.IntegerField(source="shift_id")
    started_at = serializers.DateTimeField()
    start_outside_m = serializers.FloatField(
        allow_null=True, help_text=_("签到点超出范围的距离（米），范围内为空")
    )
    finished_at = serializers.DateTimeField(allow_null=True)
    finish_outside_m = serializers.FloatField(allow_null=True)
    checklist = serializers.DictField()
    note = serializers.CharField()


class PatrolFindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    note = serializers.CharField()
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")


class SwapInSerializer(serializers.Serializer):
    to_member = serializers.IntegerField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SwapSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shift = serializers.IntegerField(source="shift_id")
    from_member = serializers.IntegerField(source="from_member_id")
    to_member = serializers.IntegerField(source="to_member_id")
    reason = serializers.CharField()
    status = serializers.CharField(help_text=_("pending / approved / rejected"))


class DecideInSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class UnavailableInSerializer(serializers.Serializer):
    days = serializers.ListField(child=serializers.DateField(), min_length=1)
    note = serializers.CharField(max_length=100, required=False, allow_blank=True)


class AddMemberInSerializer(MemberSpecSerializer):
    joined_on = serializers.DateField(required=False)


class ActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    title = serializers.CharField()
    owner = serializers.CharField(source="owner_label")
    owner_user = serializers.IntegerField(source="owner_user_id", allow_null=True)
    owner_department = serializers.IntegerField(source="owner_department_id", allow_null=True)
    due_on = serializers.DateField()
    status = serializers.CharField(help_text=_("open 办理中 / done 已办结"))
    overdue = serializers.SerializerMethodField()
    case = serializers.IntegerField(source="case_id", allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, obj) -> bool:
        return _q().is_overdue(obj)


class AgendaSerializer(serializers.Serializer):
    title = serializers.CharField()
    case = serializers.IntegerField(source="case_id", allow_null=True)
    whistle = serializers.IntegerField(source="whistle_id", allow_null=True)


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("council 理事会会议 / joint 联席会议 / property 社区物业联席会"))
    council = serializers.IntegerField(source="council_id", allow_null=True)
    area_code = serializers.CharField()
    title = serializers.CharField()
    held_at = serializers.DateTimeField()
    location = serializers.CharField()


class MeetingDetailSerializer(MeetingSerializer):
    minutes = serializers.CharField()
    invited_departments = serializers.SerializerMethodField()
    agenda = AgendaSerializer(many=True, source="agenda.all")
    decisions = serializers.SerializerMethodField()
    action_items = ActionItemSerializer(many=True, source="action_items.all")

    def get_invited_departments(self, obj) -> list[int]:
        return [d.pk for d in obj.invited_departments.all()]

    def get_decisions(self, obj) -> list[str]:
        return [d.text for d in obj.decisions.all()]


class AgendaInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    case = serializers.IntegerField(required=False, allow_null=True)
    whistle = serializers.IntegerField(required=False, allow_null=True)


class AttendanceInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    department = serializers.IntegerField(required=False, allow_null=True)
    present = serializers.BooleanField(default=True)


class MeetingInSerializer(serializers.Serializer):
    kind = choice(MeetingKind.choices)
    title = serializers.CharField(max_length=200)
    held_at = serializers.DateTimeField()
    council = serializers.IntegerField(required=False, allow_null=True)
    area_code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agenda = AgendaInSerializer(many=True, required=False)
    invited_departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    attendance = AttendanceInSerializer(many=True, required=False)
    decisions = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    minutes = serializers.CharField(required=False, allow_blank=True)
    property_company = serializers.IntegerField(required=False, allow_null=True)


class OpenCaseInSerializer(PointInSerializer):
    description = serializers.CharField(max_length=500)
    category = serializers.IntegerField(required=False, allow_null=True)


class ActionItemInSerializer(serializers.Serializer):
    """Owner and due date are checked by the action (one message naming both when both are missing)."""

    title = serializers.CharField(max_length=300)
    due_on = serializers.CharField(required=False, allow_blank=True, help_text=_("YYYY-MM-DD"))
    owner_user = serializers.IntegerField(required=False, allow_null=True)
    owner_department = serializers.IntegerField(required=False, allow_null=True)
    decision = serializers.IntegerField(required=False, allow_null=True)
    case = serializers.IntegerField(required=False, allow_null=True)
    open_case = OpenCaseInSerializer(required=False)


class DoneInSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PropertyCompanyInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    code = serializers.CharField(max_length=32, help_text=_("作为处置单位的部门编码"))
    subdistrict_code = serializers.CharField(max_length=32)
    places = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=200)
    contact = serializers.CharField(required=False, allow_blank=True, max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    categories = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=200,
        help_text=_("纳入职责清单的案件分类编码：在它管理的社区或街巷内，这些分类的案件派给它"),
    )


class PropertyDutySerializer(serializers.Serializer):
    category_code = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    scope_kind = serializers.CharField()
    scope_code = serializers.CharField()


class PropertyCompanySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    department_id = serializers.IntegerField()
    department_code = serializers.CharField(source="department.code")
    subdistrict_code = serializers.CharField()
    places = serializers.ListField(child=serializers.CharField())
    contact = serializers.CharField()
    duties = PropertyDutySerializer(many=True, source="rules")


class PartyMemberInSerializer(serializers.Serializer):
    community_code = serializers.CharField(max_length=32)
    organisation = serializers.CharField(max_length=100)
    unit_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PartyMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    community_code = serializers.CharField()
    organisation = serializers.CharField(source="organisation.name")
    registered_on = serializers.DateField()


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    community_code = serializers.CharField()
    kind = serializers.CharField(help_text=_("patrol / steward / project / event"))
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    slots = serializers.IntegerField()


class SignupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)


def _council_body(council) -> dict:
    q = _q()
    today = q.today()
    rates = q.completion_rates(council, today.replace(day=1), today)
    rates["members"] = {str(k): list(v) for k, v in rates["members"].items()}
    body = CouncilSerializer(council).data
    body["members"] = MemberSerializer(q.council_members(council), many=True).data
    body["completion"] = rates
    body["missed"] = [
        {"day": s.day.isoformat(), "member": s.member_id, "shift": s.pk} for s in q.missed_shifts(council)
    ]
    return body


# ----------------------------------------------------------------------------------------------------- views
class CouncilCollectionView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="councils_list",
        summary=str(_("理事会列表")),
        tags=TAG,
        responses={200: CouncilSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        rows = _q().councils_visible_to(request.user).order_by("pk")
        return paginate(self, request, rows, lambda page: CouncilSerializer(page, many=True).data)

    @extend_schema(
        operation_id="councils_create",
        summary=str(_("成立理事会")),
        description=str(_("一名理事长、至多一名秘书长、3～5 名理事；街道或区管理员在其辖区内成立。")),
        tags=TAG,
        request=CouncilInSerializer,
        responses={201: CouncilDetailSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        data = _valid(CouncilInSerializer, request.data)
        members = [
            {"user": _user_or_400(m["user"], "members"), "role": m["role"], "kind": m["kind"]}
            for m in data.pop("members")
        ]
        council = _a().do_create_council(actor=request.user, members=members, **data)
        return Response(_council_body(council), status=status.HTTP_201_CREATED)


class CouncilDetailView(ApiView):
    @extend_schema(
        operation_id="councils_detail",
        summary=str(_("理事会详情：成员、本月完成率、漏巡")),
        tags=TAG,
        responses={200: CouncilDetailSerializer, **error_responses(400, 404)},
    )
    def get(self, request, pk):
        return Response(_council_body(_p().access_council(request.user, pk)))


class CouncilMembersView(ApiView):
    @extend_schema(
        operation_id="councils_member_add",
        summary=str(_("增加成员")),
        tags=TAG,
        request=AddMemberInSerializer,
        responses={201: MemberSerializer, **error_responses(400, 404), **conflict(_("已是成员"))},
    )
    def post(self, request, pk):
        council = _p().access_council(request.user, pk)
        data = _valid(AddMemberInSerializer, request.data)
        member = _a().do_add_member(
            actor=request.user,
            council_id=council.pk,
            user=_user_or_400(data["user"], "user"),
            role=data["role"],
            kind=data["kind"],
            joined_on=data.get("joined_on"),
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class UnavailableView(ApiView):
    @extend_schema(
        operation_id="councils_unavailable_declare",
        summary=str(_("登记不能巡查的日期")),
        tags=TAG,
        request=UnavailableInSerializer,
        responses={200: MemberSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(UnavailableInSerializer, request.data)
        rows = _a().do_declare_unavailable(
            actor=request.user, member_id=pk, days=data["days"], note=data.get("note", "")
        )
        return Response(MemberSerializer(rows[0].member).data)


class RosterCollectionView(ApiView):
    @extend_schema(
        operation_id="councils_roster_generate",
        summary=str(_("生成（或重新生成未发布的）月度排班表")),
        description=str(
            _(
                "按轮值顺序公平分配：各成员班次数之差不超过 1（在不能巡查日期允许时）；无人可排的日期以 400 列出。"
            )
        ),
        tags=TAG,
        request=MonthInSerializer,
        responses={201: RosterSerializer, **error_responses(400, 404), **conflict(_("该月排班表已发布"))},
    )
    def post(self, request, pk):
        council = _p().access_council(request.user, pk)
        data = _valid(MonthInSerializer, request.data)
        roster = _a().do_generate_roster(actor=request.user, council_id=council.pk, month=data["month"])
        return Response(RosterSerializer(roster).data, status=status.HTTP_201_CREATED)


class RosterMonthView(ApiView):
    @extend_schema(
        operation_id="councils_roster",
        summary=str(_("某月排班表")),
        description=str(_("成员只能看到已发布的排班表；理事长、秘书长和管理员也能看到草稿。")),
        tags=TAG,
        responses={200: RosterSerializer, **error_responses(400, 404)},
    )
    def get(self, request, pk, month):
        council = _p().access_council(request.user, pk)
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise NotFound(_("月份应为 YYYY-MM")) from None
        roster = _q().roster_for(council, first)
        if roster is None or (roster.published_at is None and not _p().can_organise(request.user, council)):
            raise NotFound(_("该月还没有排班表"))
        return Response(RosterSerializer(roster).data)


class RosterPublishView(ApiView):
    @extend_schema(
        operation_id="councils_roster_publish",
        summary=str(_("发布排班表")),
        tags=TAG,
        request=None,
        responses={200: RosterSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        roster = _a().do_publish_roster(actor=request.user, roster_id=pk)
        return Response(RosterSerializer(roster).data)


class MyShiftsView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="councils_my_shifts",
        summary=str(_("我的巡查班次（今天起）")),
        tags=TAG,
        responses={200: ShiftSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        rows = _q().my_shifts(request.user, limit=62)
        return paginate(self, request, rows, lambda page: ShiftSerializer(page, many=True).data)


class CheckInView(ApiView):
    @extend_schema(
        operation_id="councils_patrol_check_in",
        summary=str(_("签到开始巡查")),
        description=str(
            _("仅当班成员本人、班次当天。位置在范围外时按理事会设置提示并记录或拒绝（400 outside_area）。")
        ),
        tags=TAG,
        request=PointInSerializer,
        responses={201: RoundSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(PointInSerializer, request.data)
        patrol = _a().do_start_patrol(
            actor=request.user, shift_id=pk, lon=data.get("lon"), lat=data.get("lat")
        )
        return Response(RoundSerializer(patrol).data, status=status.HTTP_201_CREATED)


class CheckOutView(ApiView):
    @extend_schema(
        operation_id="councils_patrol_check_out",
        summary=str(_("签退完成巡查")),
        tags=TAG,
        request=CheckOutInSerializer,
        responses={200: RoundSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(CheckOutInSerializer, request.data)
        patrol = _a().do_finish_patrol(
            actor=request.user,
            shift_id=pk,
            lon=data.get("lon"),
            lat=data.get("lat"),
            checklist=data.get("checklist"),
            note=data.get("note", ""),
        )
        return Response(RoundSerializer(patrol).data)


class FindingView(ApiView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="councils_patrol_finding",
        summary=str(_("上报巡查发现（生成案件）")),
        description=str(
            _("可用 JSON，或 multipart/form-data 附照片（photos，可多个），照片成为案件的上报照片。")
        ),
        tags=TAG,
        request={
            "application/json": PatrolFindingInSerializer,
            "multipart/form-data": PatrolFindingInSerializer,
        },
        responses={201: PatrolFindingSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        from jingzhi.core.clientip import client_ip

        data = _valid(PatrolFindingInSerializer, request.data)
        finding = _a().do_report_finding(
            actor=request.user,
            shift_id=pk,
            description=data["description"],
            lon=data.get("lon"),
            lat=data.get("lat"),
            category=data.get("category"),
            photos=data.get("photos") or (),
            idempotency_key=data.get("idempotency_key", ""),
            client_ip=client_ip(request),
        )
        return Response(PatrolFindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class SwapRequestView(ApiView):
    @extend_schema(
        operation_id="councils_swap_request",
        summary=str(_("申请换班")),
        tags=TAG,
        request=SwapInSerializer,
        responses={201: SwapSerializer, **error_responses(400, 404), **conflict(_("已有待审批的换班申请"))},
    )
    def post(self, request, pk):
        data = _valid(SwapInSerializer, request.data)
        swap = _a().do_request_swap(
            actor=request.user, shift_id=pk, to_member_id=data["to_member"], reason=data.get("reason", "")
        )
        return Response(SwapSerializer(swap).data, status=status.HTTP_201_CREATED)


class SwapDecideView(ApiView):
    @extend_schema(
        operation_id="councils_swap_decide",
        summary=str(_("理事长审批换班")),
        tags=TAG,
        request=DecideInSerializer,
        responses={200: SwapSerializer, **error_responses(400, 404), **conflict(_("已审批"))},
    )
    def post(self, request, pk):
        data = _valid(DecideInSerializer, request.data)
        return Response(
            SwapSerializer(_a().do_decide_swap(actor=request.user, swap_id=pk, approve=data["approve"])).data
        )


class CompletionView(ApiView):
    @extend_schema(
        operation_id="councils_completion",
        summary=str(_("巡查完成率（理事会与成员）")),
        tags=TAG,
        request=None,
        responses={200: CompletionSerializer, **error_responses(400, 404)},
    )
    def get(self, request, pk):
        council = _p().access_council(request.user, pk)
        month = request.query_params.get("month") or _q().today().strftime("%Y-%m")
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise InvalidInput(
                _("月份应为 YYYY-MM，收到“%(v)s”") % {"v": month}, fields={"month": "invalid"}
            ) from None
        from jingzhi.councils.workflow import month_days

        rates = _q().completion_rates(council, first, month_days(first)[-1])
        rates["members"] = {str(k): list(v) for k, v in rates["members"].items()}
        return Response(rates)


class MeetingCollectionView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="councils_meetings",
        summary=str(_("会议列表")),
        tags=TAG,
        responses={200: MeetingSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        rows = _q().meetings_visible_to(request.user, kind=request.query_params.get("kind", ""))
        return paginate(self, request, rows, lambda page: MeetingSerializer(page, many=True).data)

    @extend_schema(
        operation_id="councils_meeting_record",
        summary=str(_("记录会议（理事会会议、联席会议、社区物业联席会）")),
        tags=TAG,
        request=MeetingInSerializer,
        responses={201: MeetingDetailSerializer, **error_responses(400, 404)},
    )
    def post(self, request):
        data = _valid(MeetingInSerializer, request.data)
        meeting = _a().do_record_meeting(
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            held_at=data["held_at"],
            council_id=data.get("council"),
            area_code=data.get("area_code", ""),
            location=data.get("location", ""),
            agenda=[dict(a) for a in data.get("agenda", [])],
            invited_departments=data.get("invited_departments", []),
            attendance=[dict(a) for a in data.get("attendance", [])],
            decisions=data.get("decisions", []),
            minutes=data.get("minutes", ""),
            property_company_id=data.get("property_company"),
        )
        return Response(
            MeetingDetailSerializer(_q().meeting_detail(meeting)).data, status=status.HTTP_201_CREATED
        )


class MeetingDetailView(ApiView):
    @extend_schema(
        operation_id="councils_meeting",
        summary=str(_("会议详情与任务")),
        tags=TAG,
        responses={200: MeetingDetailSerializer, **error_responses(400, 404)},
    )
    def get(self, request, pk):
        meeting = _p().access_meeting(request.user, pk)
        return Response(MeetingDetailSerializer(_q().meeting_detail(meeting)).data)


class ActionItemCreateView(ApiView):
    @extend_schema(
        operation_id="councils_action_item_add",
        summary=str(_("布置会议任务")),
        description=str(_("须有责任人（用户）或责任部门，以及完成时限；可关联已有案件或开立新案件。")),
        tags=TAG,
        request=ActionItemInSerializer,
        responses={201: ActionItemSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(ActionItemInSerializer, request.data)
        owner = _user_or_400(data["owner_user"], "owner") if data.get("owner_user") else None
        item = _a().do_add_action_item(
            actor=request.user,
            meeting_id=pk,
            title=data["title"],
            due_on=data.get("due_on", ""),
            owner_user=owner,
            owner_department=data.get("owner_department"),
            decision_id=data.get("decision"),
            case_id=data.get("case"),
            open_case=dict(data["open_case"]) if data.get("open_case") else None,
        )
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ActionItemListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="councils_action_items",
        summary=str(_("会议任务（?overdue=1 只看超期未办结）")),
        tags=TAG,
        responses={200: ActionItemSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        rows = _q().action_items_for(request.user, overdue_only=flag(request.query_params.get("overdue")))
        return paginate(self, request, rows, lambda page: ActionItemSerializer(page, many=True).data)


class ActionItemDoneView(ApiView):
    @extend_schema(
        operation_id="councils_action_item_done",
        summary=str(_("办结会议任务")),
        tags=TAG,
        request=DoneInSerializer,
        responses={200: ActionItemSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(DoneInSerializer, request.data)
        item = _a().do_complete_action_item(actor=request.user, item_id=pk, note=data.get("note", ""))
        return Response(ActionItemSerializer(item).data)


class PropertyCompanyView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="councils_property_companies",
        summary=str(_("物业公司（辖区内）")),
        tags=TAG,
        responses={200: PropertyCompanySerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        q = _q()

        def body(page):
            page = list(page)
            rules = q.company_duty_rules(page)
            for company in page:
                company.rules = rules.get(company.pk, [])
            return PropertyCompanySerializer(page, many=True).data

        return paginate(self, request, q.property_companies_visible_to(request.user), body)

    @extend_schema(
        operation_id="councils_property_register",
        summary=str(_("登记物业公司（处置单位）")),
        description=str(
            _("街道、区管理员。categories 为纳入职责清单的案件分类：为每个管理的社区或街巷各建一条职责规则。")
        ),
        tags=TAG,
        request=PropertyCompanyInSerializer,
        responses={201: PropertyCompanySerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request):
        data = _valid(PropertyCompanyInSerializer, request.data)
        company = _a().do_register_property_company(actor=request.user, **data)
        company.rules = _q().company_duty_rules([company]).get(company.pk, [])
        return Response(PropertyCompanySerializer(company).data, status=status.HTTP_201_CREATED)


class PartyMemberView(ApiView):
    @extend_schema(
        operation_id="councils_party_register",
        summary=str(_("在职党员回社区报到")),
        tags=TAG,
        request=PartyMemberInSerializer,
        responses={201: PartyMemberSerializer, **error_responses(400, 404), **conflict(_("已在该社区报到"))},
    )
    def post(self, request):
        data = _valid(PartyMemberInSerializer, request.data)
        member = _a().do_register_party_member(actor=request.user, **data)
        return Response(PartyMemberSerializer(member).data, status=status.HTTP_201_CREATED)


class TaskBoardView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="councils_tasks",
        summary=str(_("社区任务（我报到的社区）")),
        tags=TAG,
        responses={200: TaskSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        rows = _q().task_board(request.user)
        return paginate(self, request, rows, lambda page: TaskSerializer(page, many=True).data)


class SignUpView(ApiView):
    @extend_schema(
        operation_id="councils_task_signup",
        summary=str(_("报名社区任务")),
        tags=TAG,
        request=None,
        responses={201: SignupSerializer, **error_responses(400, 404), **conflict(_("名额已满"))},
    )
    def post(self, request, pk):
        return Response(SignupSerializer(_a().do_sign_up(actor=request.user, task_id=pk)).data, status=201)


class SignupCheckView(ApiView):
    step = "in"

    @extend_schema(
        operation_id="councils_task_check_in",
        summary=str(_("任务签到")),
        tags=TAG,
        request=None,
        responses={200: SignupSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        fn = _a().do_task_check_in if self.step == "in" else _a().do_task_check_out
        return Response(SignupSerializer(fn(actor=request.user, signup_id=pk)).data)


class SignupCheckOutView(SignupCheckView):
    step = "out"

    @extend_schema(
        operation_id="councils_task_check_out",
        summary=str(_("任务签退")),
        tags=TAG,
        request=None,
        responses={200: SignupSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        return super().post(request, pk)
