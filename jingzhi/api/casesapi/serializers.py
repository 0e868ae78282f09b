"""Input and output serializers of the case endpoints. Inputs only parse and bound values (the rules live in
`cases.actions`); outputs are fed plain dicts built by `present.py`-style helpers in `views.py`, never
models with lazy relations, so a page costs a fixed number of queries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jingzhi.api.base import InputSerializer
from jingzhi.api.locate import CRS_CHOICES, lat_field, lon_field
from jingzhi.cases import workflow
from jingzhi.cases.models import Rating, Source
from jingzhi.cases.queries import QUEUES
from jingzhi.core.ids import MAX_ID  # views compare with s.MAX_ID before a lookup

NOTE_MAX = 2000
MAX_PHOTOS = 9

STATE_CHOICES = [(s, str(label)) for s, label in workflow.STATE_LABELS.items()]
WARNING_CHOICES = [(level, str(label)) for level, label in workflow.LEVEL_LABELS.items()]


def conflict(description) -> dict:
    """The 409 response (the usual error body) with what the conflict means here."""
    from drf_spectacular.utils import OpenApiResponse

    from jingzhi.api.schema import ErrorSerializer

    return {409: OpenApiResponse(ErrorSerializer, description=str(description))}


def id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def photos_field():
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=MAX_PHOTOS,
        help_text=_(
            "照片（multipart/form-data 的 photos 字段，可多个，最多 9 张；JPEG/PNG/WebP，按内容校验，"
            "存储前去除 EXIF 定位与设备信息）"
        ),
    )


# --- references -----------------------------------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryRefSerializer(RefSerializer):
    kind = serializers.CharField(help_text=_("component 部件 / event 事件"))
    path = serializers.CharField(help_text=_("大类 › 小类 › 子类"))


class WarningSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=WARNING_CHOICES, help_text=_("green 正常、yellow 临期、red 超时、none 无时限")
    )
    label = serializers.CharField()
    fraction_used = serializers.FloatField(help_text=_("已用时限比例（工作时按工作时间计）"))
    overdue_multiple = serializers.FloatField(help_text=_("超时倍数：超时后为 已用时间/时限，未超时为 0"))
    deadline = serializers.DateTimeField(allow_null=True)


# --- list and detail ------------------------------------------------------------------------------------


class CaseListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("案件编号，如 JZ2025061100001"))
    state = serializers.ChoiceField(choices=STATE_CHOICES)
    state_label = serializers.CharField()
    source = serializers.ChoiceField(choices=Source.choices)
    source_label = serializers.CharField()
    category = CategoryRefSerializer(allow_null=True)
    description = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    lon = serializers.FloatField(allow_null=True, help_text=_("WGS84 经度"))
    lat = serializers.FloatField(allow_null=True, help_text=_("WGS84 纬度"))
    grid_code = serializers.CharField(allow_blank=True)
    community_code = serializers.CharField(allow_blank=True)
    subdistrict_code = serializers.CharField(allow_blank=True)
    district_code = serializers.CharField(allow_blank=True)
    street_code = serializers.CharField(allow_blank=True)
    place_name = serializers.CharField(allow_blank=True, help_text=_("网格（或社区、街道）名称"))
    reported_at = serializers.DateTimeField()
    step = serializers.CharField(
        allow_blank=True, help_text=_("当前计时环节：verify、file、dispatch、respond、handle、check")
    )
    step_label = serializers.CharField(allow_blank=True)
    step_deadline = serializers.DateTimeField(allow_null=True)
    warning = WarningSerializer()
    lead_department = RefSerializer(allow_null=True)
    is_escalated = serializers.BooleanField()
    no_taker = serializers.BooleanField(
        help_text=_(
            "无人可接：没有在岗人员能接手当前环节（没有监督员等负责此处，或已派部门没有在岗的处置人员），"
            "需受理员安排"
        )
    )
    no_taker_reason = serializers.CharField(allow_blank=True, help_text=_("无人可接的原因；可接手时为空"))
    version = serializers.IntegerField(
        help_text=_("版本号；办理动作可带 expected_version 防止覆盖他人的操作")
    )


class AllowedActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    requires = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("须填写的字段：reason、note、days、review_date、target、rating"),
    )


class DepartmentOnCaseSerializer(RefSerializer):
    is_lead = serializers.BooleanField()
    assigned_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("before 处置前、after 处置后、check 核查"))
    url = serializers.CharField(help_text=_("原图地址（需登录且有权查看该案件）"))
    thumbnail_url = serializers.CharField()
    event = serializers.IntegerField(help_text=_("所属时间线事件编号"))
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class TimelineEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(
        allow_blank=True, help_text=_("操作人；您无权查看诉求人信息时，上报人显示为“上报人”")
    )
    note = serializers.CharField(allow_blank=True)
    data = serializers.DictField()
    photos = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class DeadlinesSerializer(serializers.Serializer):
    step_started_at = serializers.DateTimeField(allow_null=True)
    step_deadline = serializers.DateTimeField(allow_null=True)
    response_deadline = serializers.DateTimeField(allow_null=True)
    handle_started_at = serializers.DateTimeField(allow_null=True)
    handle_deadline = serializers.DateTimeField(allow_null=True)
    feedback_deadline = serializers.DateTimeField(
        allow_null=True, help_text=_("12345 诉求按紧急程度的反馈时限")
    )
    handle_warning = WarningSerializer(help_text=_("处置时限（派遣至反馈）的预警"))


class FactsSerializer(serializers.Serializer):
    filing_condition = serializers.DictField(allow_null=True)
    request_type = serializers.CharField(allow_blank=True)
    urgency = serializers.CharField(allow_blank=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    filed_at = serializers.DateTimeField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    handled_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    first_overdue_at = serializers.DateTimeField(allow_null=True)
    return_count = serializers.IntegerField()
    rework_count = serializers.IntegerField()
    reopen_count = serializers.IntegerField()
    extension_days = serializers.IntegerField()
    supervision_count = serializers.IntegerField()
    parked_until = serializers.DateField(allow_null=True)
    rating = serializers.CharField(allow_blank=True)
    rating_comment = serializers.CharField(allow_blank=True)
    rated_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.DictField(allow_null=True)
    external_ref = serializers.CharField(allow_blank=True, help_text=_("外部编号，如 12345 工单号"))


class CaseNumberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class WhistleSummonsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    department = RefSerializer()
    report_deadline = serializers.DateTimeField()
    reported_at = serializers.DateTimeField(allow_null=True)
    report_place = serializers.CharField(allow_blank=True)
    is_late = serializers.BooleanField()
    minutes_taken = serializers.FloatField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    whistle = serializers.IntegerField(help_text=_("所属吹哨的 id"))
    cases = CaseNumberSerializer(many=True, help_text=_("此次吹哨的案件（id 与编号）"))
    note = serializers.CharField(allow_blank=True, help_text=_("吹哨事由"))


class WhistleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subdistrict_code = serializers.CharField()
    blown_at = serializers.DateTimeField()
    limit_minutes = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    cases = serializers.ListField(child=serializers.IntegerField())
    summonses = WhistleSummonsSerializer(many=True)


class CaseDetailSerializer(CaseListItemSerializer):
    facts = FactsSerializer()
    deadlines = DeadlinesSerializer()
    routing = serializers.DictField(
        help_text=_("派遣依据：departments、lead、rule、reason（为何选中此规则）、fallback（兜底）")
    )
    routing_reason = serializers.CharField(allow_blank=True)
    departments = DepartmentOnCaseSerializer(many=True, help_text=_("当前派遣的部门，牵头部门在前"))
    allowed_actions = AllowedActionSerializer(
        many=True, help_text=_("您此刻可以办理的动作（由流转表与案件情况决定）")
    )
    suggestion = serializers.ListField(
        child=serializers.DictField(), help_text=_("受理时的分类推荐及其依据词")
    )
    photos = PhotoSerializer(many=True)
    timeline = TimelineEventSerializer(many=True, help_text=_("时间线，从早到晚（API 中的历史一律从早到晚）"))
    whistles = WhistleSerializer(many=True)
    reporter = ReporterSerializer(
        allow_null=True, help_text=_("诉求人姓名与电话：仅上报人本人及办理该案件的工作人员可见，否则为 null")
    )
    is_following = serializers.BooleanField()


# --- queries --------------------------------------------------------------------------------------------


class CaseListQuerySerializer(serializers.Serializer):
    queue = serializers.ChoiceField(
        choices=list(QUEUES),
        required=False,
        help_text=_(
            "工作队列：verify 待核实、filing 待立案、dispatch 待派遣、response 待响应、handling 处置中、"
            "parked 挂账、check 待核查、callback 待回访、supervision 督办、closed 已结案"
        ),
    )
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False)
    category = id_field(required=False, help_text=_("分类编号"))
    place = serializers.RegexField(
        r"^(\d{6}|\d{9}|\d{12}|\d{15}|\d{9}S\w{1,20})$",
        required=False,
        help_text=_("地点编码：区 6 位、街道 9 位、社区 12 位、网格 15 位，或街巷编码"),
    )
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    warning = serializers.ChoiceField(
        choices=WARNING_CHOICES,
        required=False,
        help_text=_("预警等级；green/yellow 在最近截止的 2000 件中按当前时间计算"),
    )
    reported_from = serializers.DateField(required=False, help_text=_("上报日期起（含），YYYY-MM-DD"))
    reported_to = serializers.DateField(required=False, help_text=_("上报日期止（含），YYYY-MM-DD"))
    search = serializers.CharField(
        required=False, max_length=100, help_text=_("案件编号，或描述、地址中的文字")
    )
    no_taker = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true 只列无人可接的案件，false 只列有人可接的"),
    )

    def validate(self, attrs):
        start, end = attrs.get("reported_from"), attrs.get("reported_to")
        if start and end and start > end:
            raise serializers.ValidationError({"reported_to": [_("截止日期早于起始日期")]})
        return attrs


class DuplicatesQuerySerializer(serializers.Serializer):
    category = id_field(help_text=_("分类编号"))
    lon = lon_field()
    lat = lat_field()
    crs = serializers.ChoiceField(choices=CRS_CHOICES, default="wgs84")


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    category = CategoryRefSerializer(allow_null=True)
    description = serializers.CharField(help_text=_("描述的前 100 字（不含诉求人信息）"))
    reported_at = serializers.DateTimeField()
    distance_m = serializers.FloatField()
    follower_count = serializers.IntegerField()


class SuggestQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text=_("问题描述"))
    limit = serializers.IntegerField(required=False, default=3, min_value=1, max_value=10)


class SuggestionSerializer(serializers.Serializer):
    category = CategoryRefSerializer()
    score = serializers.FloatField(help_text=_("模型：概率；关键词：匹配词占描述的比例"))
    words = serializers.ListField(child=serializers.CharField(), help_text=_("推荐依据的词"))
    source = serializers.CharField(help_text=_("model 学习模型；keywords 关键词"))


class SuggestModelSerializer(serializers.Serializer):
    trained = serializers.BooleanField()
    trained_at = serializers.CharField(allow_blank=True)
    n_cases = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True, help_text=_("留出集准确率"))


class SuggestResultSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True)
    model = SuggestModelSerializer()


class QueueCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


# --- writes ---------------------------------------------------------------------------------------------


class IntakeInputSerializer(InputSerializer):
    description = serializers.CharField(
        max_length=100_000, help_text=_("问题描述（上限见 JINGZHI_CASE_DESCRIPTION_MAX，默认 2000 字）")
    )
    lon = lon_field()
    lat = lat_field()
    crs = serializers.ChoiceField(
        choices=CRS_CHOICES,
        default="wgs84",
        help_text=_("坐标系：wgs84（默认）或 gcj02（高德/腾讯地图，服务端换算）"),
    )
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    category = id_field(required=False, allow_null=True, help_text=_("分类编号；不填则按描述推荐"))
    filing_condition = id_field(required=False, allow_null=True, help_text=_("立案条件编号（工作人员）"))
    source = serializers.ChoiceField(
        choices=Source.choices,
        required=False,
        help_text=_("来源；居民只能是 resident_web，工作人员按其角色可选，不填按角色决定"),
    )
    request_type = serializers.CharField(
        required=False, max_length=32, allow_blank=True, help_text=_("12345 诉求类型编码")
    )
    urgency = serializers.CharField(
        required=False, max_length=32, allow_blank=True, help_text=_("紧急程度编码")
    )
    reporter_name = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text=_("代为录入时的诉求人姓名（仅工作人员）")
    )
    reporter_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text=_("代为录入时的诉求人电话（仅工作人员）")
    )
    duplicate_of = id_field(
        required=False,
        allow_null=True,
        help_text=_("关注已有案件而不新建：本报告记为已合并，您成为该案件的关注人"),
    )
    photos = photos_field()


class ActionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX,
        help_text=_("理由：退单、不予立案、作废、延期申请、挂账、核查不通过、重新办理时必填"),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX,
        help_text=_("说明：处置反馈、督办时必填；评价、回访时为评价意见"),
    )
    departments = serializers.ListField(
        child=id_field(),
        required=False,
        max_length=20,
        help_text=_("人工派遣的部门编号；不填则按职责清单自动派遣"),
    )
    lead = id_field(required=False, allow_null=True, help_text=_("牵头部门编号（派遣多个部门时必填）"))
    days = serializers.IntegerField(
        required=False, min_value=1, max_value=365, help_text=_("申请延期的工作日数")
    )
    review_date = serializers.DateField(required=False, help_text=_("挂账复核日期，须晚于今天"))
    rating = serializers.ChoiceField(choices=Rating.choices, required=False)
    category = id_field(required=False, allow_null=True, help_text=_("立案时改定的分类"))
    filing_condition = id_field(required=False, allow_null=True, help_text=_("立案条件编号"))
    target = id_field(required=False, allow_null=True, help_text=_("合并到的案件编号"))
    expected_version = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("您看到的版本号；已变化时返回 409，请刷新")
    )
    photos = photos_field()


class HotlineOrderInputSerializer(serializers.Serializer):
    order_number = serializers.CharField(
        max_length=64, help_text=_("12345 工单编号，保存为 external_ref；重复提交返回已有案件")
    )
    description = serializers.CharField(max_length=100_000)
    lon = lon_field()
    lat = lat_field()
    crs = serializers.ChoiceField(choices=CRS_CHOICES, default="wgs84")
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    request_type = serializers.CharField(required=False, allow_blank=True, max_length=32)
    urgency = serializers.CharField(required=False, allow_blank=True, max_length=32)
    category = id_field(required=False, allow_null=True)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate_order_number(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("工单编号不能为空"))
        return value


class HotlineImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, help_text=_("Excel（.xlsx）或 CSV（UTF-8/GB18030）"))


class HotlineImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField(help_text=_("已导入过、本次跳过的工单数"))
    rows = serializers.IntegerField()


class WhistleInputSerializer(serializers.Serializer):
    case_ids = serializers.ListField(child=id_field(), min_length=1, max_length=50)
    department_ids = serializers.ListField(child=id_field(), min_length=1, max_length=20)
    limit_minutes = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text=_("报到时限（分钟），默认 JINGZHI_WHISTLE_LIMIT_MINUTES（30）"),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)


class ReportInInputSerializer(serializers.Serializer):
    place = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=_("到场地点"))
    lon = lon_field(required=False, allow_null=True)
    lat = lat_field(required=False, allow_null=True)


class RateWhistleInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    verb = serializers.CharField()
    # In the reader's language when the row carries both (Notification.texts), else as written.
    title = serializers.CharField(source="shown_title")
    body = serializers.CharField(source="shown_body", allow_blank=True)
    link = serializers.CharField(allow_blank=True)
    target_type = serializers.CharField(allow_blank=True)
    target_id = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class InboxQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text=_("为 1 时只列未读"))


class MarkReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(child=id_field(), required=False, max_length=500)
    all = serializers.BooleanField(required=False, default=False, help_text=_("为 true 时全部标为已读"))

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": [_("请给出要标为已读的通知编号，或 all=true")]})
        return attrs


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()
