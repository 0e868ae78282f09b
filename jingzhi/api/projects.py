"""REST endpoints of 民意立项 under /api/v1/projects/: projects (list, detail, create), one endpoint per step
(decisions, co-signing, meetings and their minutes, opening a vote, a new round, ballots on every channel,
closing, objections and answers, re-vote, approval, delivery, milestones, acceptance, ratings), the channel
reconciliation of a round, and the household register import.

Thin endpoints: an input serializer parses (no rules), the action in `projects.actions` decides and writes,
an output serializer shows the result. Projects are fetched through `projects.permissions.access_project`,
so a draft outside the caller's jurisdiction is a 404 exactly like a missing one. Public fields only: no
household, representative, phone or objector's name leaves through this API.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from jingzhi.api.base import ApiView
from jingzhi.api.base import valid as _valid
from jingzhi.api.pagination import Pagination, paginate
from jingzhi.api.schema import ErrorSerializer, error_responses

TAG = [str(_("民意立项"))]


def _m():
    from jingzhi.projects import actions, permissions, queries, workflow

    return actions, permissions, queries, workflow


def conflict(description) -> dict:
    return {409: OpenApiResponse(ErrorSerializer, description=str(description))}


# ------------------------------------------------------------------------------------------------ output
class KindSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    domain_label = serializers.CharField(source="get_domain_display")
    is_example = serializers.BooleanField(help_text=_("示例类别（官方清单未公开）"))


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    type = serializers.CharField(help_text=_("solicit 民意征求型 / declare 民需申报型 / driven 民情推动型"))
    type_label = serializers.CharField(source="get_type_display")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    kind = KindSerializer()
    scope_code = serializers.CharField()
    scope_buildings = serializers.ListField(child=serializers.CharField())
    outcome = serializers.CharField()
    created_at = serializers.DateTimeField()


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    grounds = serializers.CharField()
    created_at = serializers.DateTimeField()
    answer = serializers.CharField()
    upheld = serializers.BooleanField()
    answered_at = serializers.DateTimeField(allow_null=True)


class AgendaItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    notes = serializers.CharField()
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()
    votes_abstain = serializers.IntegerField()
    carried = serializers.BooleanField()


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text=_("原图（已去除 EXIF 定位与设备信息）"))
    thumb_url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, photo) -> str:
        return _photo_url(photo, "full")

    def get_thumb_url(self, photo) -> str:
        return _photo_url(photo, "thumb")


def _photo_url(photo, variant: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("web:attachment", args=[photo.pk, variant])
    except NoReverseMatch:
        return ""


def _visible_photos(serializer, owner) -> list:
    """`owner`'s photos the caller may open (the owner type's rule: meeting photos for the office and the
    households in scope, progress photos for anyone who may see the project)."""
    from jingzhi.core.attachments import attachments_for, can_view_attachment

    request = serializer.context.get("request")
    user = getattr(request, "user", None)
    rows = [p for p in attachments_for(owner) if can_view_attachment(user, p)]
    return PhotoSerializer(rows, many=True).data


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField()
    invited_groups = serializers.ListField(child=serializers.CharField())
    quorum = serializers.IntegerField()
    signed_in = serializers.SerializerMethodField()
    minutes = serializers.CharField()
    minutes_confirmed_at = serializers.DateTimeField(allow_null=True)
    items = AgendaItemSerializer(many=True, source="items.all")
    photos = serializers.SerializerMethodField(help_text=_("会议照片：只给街道/区与范围内的住户"))

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, meeting):
        return _visible_photos(self, meeting)

    def get_signed_in(self, meeting) -> int:
        return meeting.attendees.count()


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    progress = serializers.IntegerField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    photos = serializers.SerializerMethodField(help_text=_("现场照片（随项目公开）"))

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, milestone):
        return _visible_photos(self, milestone)


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    question = serializers.CharField()
    rules = serializers.JSONField(help_text=_("开启时冻结的规则"))
    reason = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    result = serializers.SerializerMethodField(help_text=_("结束后才公布"))

    def get_result(self, round_) -> dict | None:
        return round_.result if round_.status != "open" else None


class MyBallotSerializer(serializers.Serializer):
    choice = serializers.CharField()
    channel = serializers.CharField()
    created_at = serializers.DateTimeField()


class ProjectDetailSerializer(ProjectSerializer):
    description = serializers.CharField()
    reason = serializers.CharField()
    rules = serializers.JSONField()
    publicity_starts = serializers.DateTimeField(allow_null=True)
    publicity_ends = serializers.DateTimeField(allow_null=True)
    vendor = serializers.CharField()
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    department = serializers.CharField(source="department.name", allow_null=True, default=None)
    accepted_at = serializers.DateTimeField(allow_null=True)
    acceptance_note = serializers.CharField()
    operator_flagged = serializers.BooleanField()
    rounds = RoundSerializer(many=True, source="rounds.all")
    events = EventSerializer(many=True, source="events.all")
    meetings = MeetingSerializer(many=True, source="meetings.all")
    objections = ObjectionSerializer(many=True, source="objections.all")
    milestones = MilestoneSerializer(many=True, source="milestones.all")
    allowed_actions = serializers.SerializerMethodField()
    my_ballot = serializers.SerializerMethodField(
        help_text=_("调用者所在住户在当前轮次计入的选票（仅本户可见）")
    )

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_allowed_actions(self, project) -> list[str]:
        _a, permissions, _q, workflow = _m()
        return workflow.allowed_actions(
            project.type, project.state, permissions.actors_for(self._user(), project)
        )

    @extend_schema_field(MyBallotSerializer(allow_null=True))
    def get_my_ballot(self, project):
        actions, _p, queries, _w = _m()
        from jingzhi.projects.models import Ballot

        round_ = queries.current_round(project)
        entry = queries.unit_of_user(round_, self._user()) if round_ else None
        if entry is None:
            return None
        ballot = Ballot.objects.filter(
            round=round_, unit_digest=actions.unit_digest(round_.pk, entry.unit), counted=True
        ).first()
        return MyBallotSerializer(ballot).data if ballot else None


# ------------------------------------------------------------------------------------------------ input
class CreateIn(serializers.Serializer):
    kind = serializers.CharField(help_text=_("项目类别编码"))
    type = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    scope_code = serializers.CharField()
    scope_buildings = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class DecideIn(serializers.Serializer):
    action = serializers.CharField(help_text=_("submit / accept / refuse / adopt / dismiss / reject / close"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AttendeeIn(serializers.Serializer):
    name = serializers.CharField()
    group = serializers.CharField()


class ItemIn(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    votes_for = serializers.IntegerField(required=False, default=0)
    votes_against = serializers.IntegerField(required=False, default=0)
    votes_abstain = serializers.IntegerField(required=False, default=0)


def photos_field():
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        help_text=_(
            "照片：multipart/form-data 的 photos 字段，可多个，最多 9 张；JPEG/PNG/WebP，按内容校验，"
            "存储前去除 EXIF 定位与设备信息"
        ),
    )


class MeetingIn(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    held_at = serializers.CharField()
    place = serializers.CharField(allow_blank=True)
    notice = serializers.CharField(required=False, allow_blank=True, default="")
    invited_groups = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    quorum = serializers.IntegerField(required=False, default=1)
    attendees = AttendeeIn(many=True, required=False, default=list)
    items = ItemIn(many=True, required=False, default=list)
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    photos = photos_field()


class ConfirmIn(serializers.Serializer):
    names = serializers.ListField(child=serializers.CharField())


class RulesIn(serializers.Serializer):
    unit = serializers.CharField(required=False)
    support = serializers.CharField(required=False, help_text=_("如 2/3 或 66.7%"))
    turnout = serializers.CharField(required=False)
    partial_allowed = serializers.BooleanField(required=False)
    weight_by_area = serializers.BooleanField(required=False)
    secret = serializers.BooleanField(required=False)
    publicity_days = serializers.IntegerField(required=False)


class OpenVoteIn(serializers.Serializer):
    question = serializers.CharField(allow_blank=True)
    closes_at = serializers.CharField(help_text=_("截止时间，ISO 8601"))
    rules = RulesIn(required=False, default=dict)


class NewRoundIn(serializers.Serializer):
    rules = RulesIn()
    reason = serializers.CharField(allow_blank=True)
    closes_at = serializers.CharField(required=False, allow_blank=True, default="")


class BallotIn(serializers.Serializer):
    choice = serializers.CharField(
        help_text=_("full 完全赞同 / partial 部分赞同 / oppose 反对 / abstain 弃权")
    )
    channel = serializers.CharField(required=False, default="online", help_text=_("online / meeting / paper"))
    household = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("现场票、纸质票：住户编号")
    )
    member = serializers.IntegerField(required=False, allow_null=True, default=None)
    signed_name = serializers.CharField(required=False, allow_blank=True, default="")


class BallotOut(serializers.Serializer):
    id = serializers.IntegerField()
    choice = serializers.CharField()
    channel = serializers.CharField()
    counted = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class GroundsIn(serializers.Serializer):
    grounds = serializers.CharField(allow_blank=True)


class AnswerIn(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True)
    upheld = serializers.BooleanField(required=False, default=False)


class RevoteIn(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    closes_at = serializers.CharField()


class NoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeliveryIn(serializers.Serializer):
    department = serializers.IntegerField(required=False, allow_null=True, default=None)
    vendor = serializers.CharField(allow_blank=True)
    budget = serializers.CharField(required=False, allow_blank=True, default="")


class MilestoneIn(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    progress = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    case = serializers.IntegerField(required=False, allow_null=True, default=None)
    case_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32, help_text=_("或按案件编号关联（JZ…）")
    )
    photos = photos_field()


class AcceptIn(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)
    representatives = serializers.IntegerField()


class RateIn(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReconciliationRow(serializers.Serializer):
    channel = serializers.CharField()
    label = serializers.CharField()
    given = serializers.IntegerField()
    counted = serializers.IntegerField()
    replaced = serializers.IntegerField()
    register = serializers.IntegerField()
    ok = serializers.BooleanField()


class ReconciliationOut(serializers.Serializer):
    """The current round's reconciliation, one row per channel (an object, so the body can grow)."""

    round = serializers.IntegerField(allow_null=True, help_text="当前轮次编号；尚未开始投票时为 null")
    results = ReconciliationRow(many=True)


class ImportOut(serializers.Serializer):
    imported = serializers.IntegerField()


class ImportIn(serializers.Serializer):
    file = serializers.FileField(help_text=_("住户登记 Excel（.xlsx）或 CSV"))


# ------------------------------------------------------------------------------------------------ views
def _project(request, pk, **kw):
    _a, permissions, _q, _w = _m()
    return permissions.access_project(request.user, pk, **kw)


def _detail(request, project):
    project.refresh_from_db()
    return Response(ProjectDetailSerializer(project, context={"request": request}).data)


class ProjectListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="projects_list",
        summary=str(_("项目列表：公开的项目与本辖区的项目")),
        tags=TAG,
        responses={200: ProjectSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        _a, permissions, queries, _w = _m()
        rows = queries.public_projects()
        if permissions.is_office_user(request.user):
            rows = (rows | queries.projects_for_office(request.user)).distinct()
        return paginate(
            self,
            request,
            rows.order_by("-created_at", "-id"),
            lambda page: ProjectSerializer(page, many=True).data,
        )

    @extend_schema(
        operation_id="projects_create",
        summary=str(_("发起项目（街道：民意征求型；居民：民需申报型）")),
        tags=TAG,
        request=CreateIn,
        responses={201: ProjectDetailSerializer, **error_responses(400)},
    )
    def post(self, request):
        actions, _p, _q, _w = _m()
        data = _valid(CreateIn, request.data)
        project = actions.do_create_project(
            actor=request.user,
            kind=data["kind"],
            project_type=data.get("type") or None,
            title=data["title"],
            description=data["description"],
            reason=data["reason"],
            scope_code=data["scope_code"],
            scope_buildings=data["scope_buildings"],
        )
        return Response(
            ProjectDetailSerializer(project, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProjectDetailView(ApiView):
    @extend_schema(
        operation_id="projects_detail",
        summary=str(_("项目详情（无个人信息）")),
        tags=TAG,
        responses={200: ProjectDetailSerializer, **error_responses(404)},
    )
    def get(self, request, pk):
        return Response(ProjectDetailSerializer(_project(request, pk), context={"request": request}).data)


def _step(
    name: str,
    summary,
    serializer,
    call,
    *,
    response=ProjectDetailSerializer,
    errors=(400, 404, 409),
    multipart: bool = False,
    description=None,
):
    """One endpoint per step: parse `serializer`, call `call(request, project, data)`, answer the project
    (or `response` of what the call returned). `multipart`: the body may also be multipart/form-data (with
    photos)."""

    class StepView(ApiView):
        @extend_schema(
            operation_id=f"projects_{name}",
            summary=str(summary),
            description=str(description) if description else None,
            tags=TAG,
            request={"application/json": serializer, "multipart/form-data": serializer}
            if multipart
            else serializer,
            responses={200: response, **error_responses(*errors)},
        )
        def post(self, request, pk):
            project = _project(request, pk)
            data = _valid(serializer, request.data) if serializer else {}
            result = call(request, project, data)
            if response is ProjectDetailSerializer:
                return _detail(request, project)
            return Response(response(result).data)

    StepView.__name__ = StepView.__qualname__ = "".join(p.title() for p in name.split("_")) + "View"
    return StepView


def _a():
    return _m()[0]


def _photos(request, data) -> list:
    """The uploaded photos of a multipart body (checked, cleaned and stored by the action)."""
    photos = list(data.get("photos") or [])
    if not photos and hasattr(request, "FILES"):
        photos = request.FILES.getlist("photos")
    return photos


DecideView = _step(
    "decide",
    _("办理一步：提交、受理、不予受理、采纳、驳回、不予立项、办结"),
    DecideIn,
    lambda r, p, d: _a().do_decide(actor=r.user, project_id=p.pk, action=d["action"], note=d["note"]),
)
CosignView = _step(
    "cosign", _("居民联署申报"), None, lambda r, p, d: _a().do_cosign(actor=r.user, project_id=p.pk)
)
MeetingView = _step(
    "meeting",
    _("记录议事协商会（签到、议题举手表决、纪要）"),
    MeetingIn,
    lambda r, p, d: _a().do_record_meeting(
        actor=r.user,
        project_id=p.pk,
        title=d["title"],
        held_at=d["held_at"],
        place=d["place"],
        notice=d["notice"],
        invited_groups=d["invited_groups"],
        quorum=d["quorum"],
        attendees=[dict(a) for a in d["attendees"]],
        items=[
            {
                "title": i["title"],
                "notes": i["notes"],
                "for": i["votes_for"],
                "against": i["votes_against"],
                "abstain": i["votes_abstain"],
            }
            for i in d["items"]
        ],
        minutes=d["minutes"],
        photos=_photos(r, d),
    ),
    multipart=True,
    description=_(
        "可用 JSON，或 multipart/form-data 附会议照片（photos，可多个）：此时签到名单与议题写作 "
        "attendees[0]name、attendees[0]group、items[0]title、items[0]votes_for 等，邀请对象重复 invited_groups。"
        "照片不是 JPEG/PNG/WebP、过大或像素过多时 400，并说明是哪一张。"
    ),
)
OpenVoteView = _step(
    "open_vote",
    _("开启表决：冻结规则与住户名册"),
    OpenVoteIn,
    lambda r, p, d: _a().do_open_vote(
        actor=r.user,
        project_id=p.pk,
        question=d["question"],
        closes_at=d["closes_at"],
        rules=dict(d["rules"]),
    ),
)
NewRoundView = _step(
    "new_round",
    _("改规则：开启新一轮表决（原选票存档）"),
    NewRoundIn,
    lambda r, p, d: _a().do_new_round(
        actor=r.user,
        project_id=p.pk,
        rules=dict(d["rules"]),
        reason=d["reason"],
        closes_at=d["closes_at"] or None,
    ),
)
BallotView = _step(
    "ballot",
    _("投票：网上（本人）、会议现场或入户纸质票（工作人员录入）；同一单位只计一票"),
    BallotIn,
    lambda r, p, d: _a().do_cast_ballot(
        actor=r.user,
        project_id=p.pk,
        choice=d["choice"],
        channel=d["channel"],
        household_id=d["household"],
        member_id=d["member"],
        signed_name=d["signed_name"],
    ),
    response=BallotOut,
    errors=(400, 404, 409),
)
CloseVoteView = _step(
    "close_vote", _("结束表决并计票"), None, lambda r, p, d: _a().do_close_vote(actor=r.user, project_id=p.pk)
)
ObjectView = _step(
    "object",
    _("公示期内提出异议（实名）"),
    GroundsIn,
    lambda r, p, d: _a().do_object(actor=r.user, project_id=p.pk, grounds=d["grounds"]),
)
RevoteView = _step(
    "revote",
    _("公示后重新表决"),
    RevoteIn,
    lambda r, p, d: _a().do_revote(
        actor=r.user, project_id=p.pk, reason=d["reason"], closes_at=d["closes_at"]
    ),
)
ApproveView = _step(
    "approve",
    _("立项"),
    NoteIn,
    lambda r, p, d: _a().do_approve(actor=r.user, project_id=p.pk, note=d["note"]),
)
DeliveryView = _step(
    "delivery",
    _("开始实施：责任部门、实施单位、预算"),
    DeliveryIn,
    lambda r, p, d: _a().do_start_delivery(
        actor=r.user, project_id=p.pk, department=d["department"], vendor=d["vendor"], budget=d["budget"]
    ),
)
MilestoneView = _step(
    "milestone",
    _("记录实施进度"),
    MilestoneIn,
    lambda r, p, d: _a().do_record_milestone(
        actor=r.user,
        project_id=p.pk,
        title=d["title"],
        progress=d["progress"],
        note=d["note"],
        case_id=d["case"],
        case_number=d["case_number"],
        photos=_photos(r, d),
    ),
    multipart=True,
    description=_(
        "可用 JSON，或 multipart/form-data 附现场照片（photos，可多个）；照片随项目公开（已去除 EXIF 定位与设备信息）。"
        "照片不是 JPEG/PNG/WebP、过大或像素过多时 400，并说明是哪一张。"
    ),
)
AcceptView = _step(
    "accept",
    _("验收（须有居民代表参加）"),
    AcceptIn,
    lambda r, p, d: _a().do_accept_delivery(
        actor=r.user, project_id=p.pk, note=d["note"], representatives=d["representatives"]
    ),
)
RateView = _step(
    "rate",
    _("满意度评价（1–5 分，每户一次，可修改）"),
    RateIn,
    lambda r, p, d: _a().do_rate(actor=r.user, project_id=p.pk, score=d["score"], comment=d["comment"]),
)


class ConfirmMinutesView(ApiView):
    @extend_schema(
        operation_id="projects_confirm_minutes",
        summary=str(_("参会人确认会议纪要")),
        tags=TAG,
        request=ConfirmIn,
        responses={200: MeetingSerializer, **error_responses(400, 404)},
    )
    def post(self, request, pk):
        data = _valid(ConfirmIn, request.data)
        return Response(
            MeetingSerializer(
                _a().do_confirm_minutes(actor=request.user, meeting_id=pk, names=data["names"]),
                context={"request": request},
            ).data
        )


class AnswerObjectionView(ApiView):
    @extend_schema(
        operation_id="projects_answer_objection",
        summary=str(_("公开答复异议")),
        tags=TAG,
        request=AnswerIn,
        responses={200: ObjectionSerializer, **error_responses(400, 404), **conflict(_("已答复"))},
    )
    def post(self, request, pk):
        data = _valid(AnswerIn, request.data)
        objection = _a().do_answer_objection(
            actor=request.user, objection_id=pk, answer=data["answer"], upheld=data["upheld"]
        )
        return Response(ObjectionSerializer(objection).data)


class ReconciliationView(ApiView):
    @extend_schema(
        operation_id="projects_reconciliation",
        summary=str(_("当前轮次各渠道对账（街道/区）")),
        tags=TAG,
        responses={200: ReconciliationOut, **error_responses(404)},
    )
    def get(self, request, pk):
        _x, _p, queries, _w = _m()
        project = _project(request, pk, staff=True)
        round_ = queries.current_round(project)
        rows = queries.reconciliation(round_) if round_ else []
        number = getattr(round_, "number", None) if round_ else None
        return Response(ReconciliationOut({"round": number, "results": rows}).data)


class RegisterImportView(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="projects_register_import",
        summary=str(_("导入住户登记（有任何错误则整表不导入，逐行说明原因）")),
        tags=TAG,
        request={"multipart/form-data": ImportIn},
        responses={200: ImportOut, **error_responses(400)},
    )
    def post(self, request):
        from jingzhi.core.errors import InvalidInput

        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(_("请上传住户登记文件"), fields={"file": "required"})
        saved = _a().do_import_register(actor=request.user, source=upload)
        return Response({"imported": len(saved)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str):
    from django.http import HttpResponse

    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ExportResultsView(ApiView):
    @extend_schema(
        operation_id="projects_export",
        summary=str(_("导出表决结果与选票（Excel，街道/区）")),
        description=str(
            _(
                "每一轮的结果；签字确认的轮次列出每张票的住户与签字人，无记名的轮次只有渠道、时间与选择，"
                "进行中的无记名轮次不导出选票。与网页导出为同一份表。"
            )
        ),
        tags=TAG,
        responses={(200, XLSX): OpenApiResponse(description=str(_("Excel 文件"))), **error_responses(404)},
    )
    def get(self, request, pk):
        project = _project(request, pk, staff=True)
        return _xlsx(_a().export_results(project), f"project-{project.pk}.xlsx")


class RegisterExportView(ApiView):
    @extend_schema(
        operation_id="projects_register_export",
        summary=str(_("导出住户登记（Excel，本辖区，含个人信息，街道/区）")),
        tags=TAG,
        responses={(200, XLSX): OpenApiResponse(description=str(_("Excel 文件"))), **error_responses(404)},
    )
    def get(self, request):
        from jingzhi.core.errors import NotFound

        _x, permissions, queries, _w = _m()
        if not permissions.is_office_user(request.user):
            raise NotFound(_("只有街道/区管理员可以导出住户登记"))
        rows = queries.register_for(request.user).prefetch_related("people__user")
        return _xlsx(_a().export_register(rows), "register.xlsx")


class NoticeObjection(serializers.Serializer):
    grounds = serializers.CharField()
    answer = serializers.CharField()
    upheld = serializers.BooleanField()
    answered_at = serializers.DateTimeField(allow_null=True)


class NoticeOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    publicity_starts = serializers.DateTimeField(allow_null=True)
    publicity_ends = serializers.DateTimeField(allow_null=True)
    result = serializers.JSONField(allow_null=True, help_text=_("表决结果（结束后才有）"))
    support_text = serializers.CharField(help_text=_("通过条件：赞同比例"))
    turnout_text = serializers.CharField(help_text=_("通过条件：参与率"))
    objections = NoticeObjection(many=True, help_text=_("异议理由与公开答复（不含提出人）"))
    url = serializers.CharField(help_text=_("项目公开页的地址（二维码的内容）"))
    qr_svg = serializers.CharField(help_text=_("二维码（SVG）"))


class NoticeView(ApiView):
    @extend_schema(
        operation_id="projects_notice",
        summary=str(_("公示内容与二维码（与可打印的 A4 公示页相同，不含个人信息）")),
        tags=TAG,
        responses={200: NoticeOut, **error_responses(404)},
    )
    def get(self, request, pk):
        from django.urls import reverse

        from jingzhi.projects import notice

        project = notice.access_notice(request.user, pk)
        url = request.build_absolute_uri(reverse("web:project_detail", args=[project.pk]))
        facts = notice.notice_facts(project)
        body = {
            "id": project.pk,
            "title": project.title,
            "description": project.description,
            "publicity_starts": project.publicity_starts,
            "publicity_ends": project.publicity_ends,
            **facts,
            "url": url,
            "qr_svg": notice.qr_svg(url),
        }
        return Response(NoticeOut(body).data)


# Component names in the OpenAPI document are global: these carry the app's prefix so that they do not clash
# with 多元共治's meetings and rounds (drf-spectacular names a component after its class).
for _serializer, _name in (
    (MeetingSerializer, "ProjectMeeting"),
    (RoundSerializer, "ProjectRound"),
    (DecideIn, "ProjectDecideIn"),
    (MeetingIn, "ProjectMeetingIn"),
    (PhotoSerializer, "ProjectPhoto"),
    (NoticeOut, "ProjectNotice"),
    (NoticeObjection, "ProjectNoticeObjection"),
):
    extend_schema_serializer(component_name=_name)(_serializer)
