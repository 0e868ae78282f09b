"""The tables of the case lifecycle: cases, their timeline, assignments to departments, followers,
extension requests, supervision (督办) and whistles (街乡吹哨、部门报到).

Only `jingzhi.cases.actions` writes these tables. The rules (which state, which action, which role, the SLA
arithmetic) live in the pure `jingzhi.cases.workflow`; these models only hold what the actions decided.
Place codes are denormalised onto the case (grid, community, subdistrict, district, street) so that every
jurisdiction filter is an equality on an indexed column (see `queries.cases_visible_to`), and the geo rows
of the generation in force when the case was reported are kept as foreign keys: a later boundary change
never moves an old case. Overdue status is never stored: it is computed from the stored deadlines at read
time (`Case.sla()`), so correctness never depends on a background job.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhi.cases import workflow
from jingzhi.core import clock


class Source(models.TextChoices):
    RESIDENT_WEB = "resident_web", _("居民网页")
    INSPECTOR = "inspector", _("监督员上报")
    HOTLINE = "hotline", _("12345热线")
    PATROL = "patrol", _("巡查")
    COUNCIL = "council", _("理事会")
    STEWARD = "steward", _("小巷管家")
    STREET_CHIEF = "street_chief", _("街巷长")
    ASSESSOR = "assessor", _("考核检查")
    LEADER = "leader", _("领导批示")
    MEDIA = "media", _("媒体曝光")
    SENSOR = "sensor", _("物联感知")
    OPEN311 = "open311", _("Open311")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


STATE_CHOICES = [(state, label) for state, label in workflow.STATE_LABELS.items()]
STEP_CHOICES = [("", _("无")), *[(step, label) for step, label in workflow.STEP_LABELS.items()]]


class CaseNumberCounter(models.Model):
    """The last case number handed out on a day (JZ + YYYYMMDD + five digits)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号计数")
        verbose_name_plural = _("案件编号计数")

    def __str__(self) -> str:
        return f"{self.day} #{self.last}"


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=32)  # unique: Meta (no LIKE index)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    state = models.CharField(_("状态"), max_length=20, choices=STATE_CHOICES)  # leads the Meta indexes

    category = models.ForeignKey(
        "taxonomy.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("案件分类"),
        db_index=False,
    )
    filing_condition = models.ForeignKey(
        "taxonomy.FilingCondition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("立案条件"),
        db_index=False,
    )
    request_type = models.ForeignKey(
        "taxonomy.RequestType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("诉求类型"),
        db_index=False,
    )
    urgency = models.ForeignKey(
        "taxonomy.Urgency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("紧急程度"),
        db_index=False,
    )
    # What the suggestion said at intake, so a person can see why a category was proposed.
    suggestion = models.JSONField(_("分类推荐"), default=list, blank=True)
    description = models.TextField(_("问题描述"))

    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "geo.Grid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("网格"),
        db_index=False,
    )
    community = models.ForeignKey(
        "geo.Community",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社区"),
        db_index=False,
    )
    subdistrict = models.ForeignKey(
        "geo.Subdistrict",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
        db_index=False,
    )
    district = models.ForeignKey(
        "geo.District",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("区"),
        db_index=False,
    )
    street = models.ForeignKey(
        "geo.Street",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街巷"),
        db_index=False,
    )
    grid_code = models.CharField(_("网格编码"), max_length=32, blank=True, db_index=True)
    community_code = models.CharField(_("社区编码"), max_length=32, blank=True)
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, blank=True)
    district_code = models.CharField(_("区编码"), max_length=32, blank=True)
    street_code = models.CharField(_("街巷编码"), max_length=32, blank=True)

    routing = models.JSONField(_("派遣依据"), default=dict, blank=True)
    lead_department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("牵头部门"),
    )

    # The running clock of the current step (None when no clock runs: parked, awaiting call-back, finished).
    step = models.CharField(_("当前环节"), max_length=16, choices=STEP_CHOICES, blank=True)
    step_started_at = models.DateTimeField(_("环节开始"), null=True, blank=True)
    step_deadline = models.DateTimeField(_("环节时限"), null=True, blank=True, db_index=True)
    step_limit_unit = models.CharField(_("环节时限单位"), max_length=16, blank=True)
    # The department's clocks, set at dispatch: respond (accept) by, handle (feedback) by.
    response_deadline = models.DateTimeField(_("响应时限"), null=True, blank=True)
    handle_started_at = models.DateTimeField(_("处置开始"), null=True, blank=True)
    handle_deadline = models.DateTimeField(_("处置时限"), null=True, blank=True)
    handle_limit_unit = models.CharField(_("处置时限单位"), max_length=16, blank=True)
    # 12345: the feedback limit of the urgency, from the moment the request came in.
    feedback_deadline = models.DateTimeField(_("反馈时限"), null=True, blank=True)

    reported_at = models.DateTimeField(_("上报时间"), default=clock.now, db_index=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # Stamped when the case first runs past a step deadline (by the action that notices it, or the reminder
    # task) — a record for statistics; the live overdue status is always computed.
    first_overdue_at = models.DateTimeField(_("首次超时"), null=True, blank=True)

    return_count = models.PositiveIntegerField(_("退单次数"), default=0)
    rework_count = models.PositiveIntegerField(_("返工次数"), default=0)
    reopen_count = models.PositiveIntegerField(_("重办次数"), default=0)
    extension_days = models.PositiveIntegerField(_("已延期工作日"), default=0)
    supervision_count = models.PositiveIntegerField(_("督办次数"), default=0)
    is_escalated = models.BooleanField(_("升级处理"), default=False)
    parked_until = models.DateField(_("挂账复核日期"), null=True, blank=True)

    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    version = models.PositiveIntegerField(_("版本"), default=1)

    # Personal data: shown only to staff whose work needs it (permissions.can_view_reporter).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        verbose_name=_("上报人"),
    )
    reporter_name = models.CharField(_("诉求人姓名"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("诉求人电话"), max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )

    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        verbose_name=_("合并至"),
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True)
    # sha256 of the report's significant fields, kept with the key: a reused key with another body is refused.
    idempotency_hash = models.CharField(_("幂等请求摘要"), max_length=64, blank=True, default="")
    external_ref = models.CharField(
        _("外部编号"), max_length=64, blank=True, help_text=_("如 12345 热线工单号")
    )
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        # Every index costs each intake an update (and its WAL): the set is what the reads need, no more.
        # Place rows are reached by their code columns, so the geo and taxonomy foreign keys carry no index
        # of their own (category leads cases_dedup_open); only grid_code keeps the LIKE index that a prefix
        # search (`queries.code_q`) uses; `state` leads the composite indexes.
        constraints = [
            models.UniqueConstraint(fields=["number"], name="cases_number_unique"),
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="cases_idempotency_per_source",
            ),
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="cases_external_ref_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "subdistrict_code", "reported_at"], name="cases_state_subdistrict"),
            # A department's led cases by state, earliest deadline first, ids in the index (PostgreSQL
            # INCLUDE): its queue and capped tab counts read the index alone (migration 0004 says more).
            models.Index(
                fields=["state", "lead_department", "step_deadline"],
                include=["id"],
                name="cases_state_lead_deadline",
            ),
            models.Index(fields=["state", "step_deadline"], name="cases_state_deadline"),
            # Duplicate search at intake: open cases of one category in a band of latitude (a few hundred
            # metres of a city), whatever the report volume of the time window or the size of history.
            models.Index(
                fields=["category", "lat"],
                name="cases_dedup_open",
                condition=models.Q(state__in=workflow.OPEN_STATES),
            ),
            models.Index(fields=["community_code"], name="cases_community_code"),
            models.Index(fields=["subdistrict_code"], name="cases_subdistrict_code"),
            models.Index(fields=["district_code"], name="cases_district_code"),
            models.Index(fields=["street_code"], name="cases_street_code"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def state_label(self) -> str:
        return str(workflow.STATE_LABELS.get(self.state, self.state))

    @property
    def place_codes(self) -> list[str]:
        """The codes a jurisdiction can cover this case by: the finest place code, and the street's."""
        finest = self.grid_code or self.community_code or self.subdistrict_code or self.district_code
        return [code for code in (finest, self.street_code) if code]

    @property
    def is_open(self) -> bool:
        return self.state not in workflow.FINISHED

    def sla(self, now=None) -> workflow.Sla:
        """The warning level and overdue multiple of the running step, computed now."""
        from jingzhi.cases.deadlines import step_sla

        return step_sla(self, now)

    @property
    def is_overdue(self) -> bool:
        return bool(self.step_deadline and self.is_open and clock.now() > self.step_deadline)


class CaseAssignment(models.Model):
    """A department on a case. Re-dispatch ends the old rows (is_active False) rather than deleting them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    is_lead = models.BooleanField(_("牵头"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    assigned_at = models.DateTimeField(_("派遣时间"), default=clock.now)
    accepted_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    returned = models.BooleanField(_("退单"), default=False)
    return_reason = models.TextField(_("退单理由"), blank=True)

    class Meta:
        ordering = ["-is_lead", "id"]
        verbose_name = _("派遣部门")
        verbose_name_plural = _("派遣部门")
        indexes = [
            models.Index(fields=["department", "is_active", "case"], name="cases_assign_dept"),
            # A department's co-handling cases (not led by it) whose work has not ended: the small side of
            # its queue's candidates, which does not grow with history (`ended_at` is set on finishing).
            models.Index(
                fields=["department", "case"],
                name="cases_assign_shared",
                condition=models.Q(is_active=True, is_lead=False, ended_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id}{'（牵头）' if self.is_lead else ''}"


class CaseEvent(models.Model):
    """One row of the timeline per change; attachments hang on it through core's Attachment owner
    ("cases.caseevent", id)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("动作"), max_length=32)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("案件动态")
        verbose_name_plural = _("案件动态")
        indexes = [models.Index(fields=["case", "created_at"], name="cases_event_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_state}→{self.to_state}"

    @property
    def reason_text(self) -> str:
        """The reason the system wrote with this step (a dispatch's routing), in the reader's language."""
        from jingzhi.core.text import in_reader_language

        data = self.data or {}
        return in_reader_language(data.get("reasons"), data.get("reason", "") or "")

    @property
    def action_label(self) -> str:
        return str(workflow.ACTION_LABELS.get(self.action, self.action))


class CaseFollower(models.Model):
    """A person kept informed about a case: who followed it, and the reporters of duplicates merged into it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases"
    )
    via_case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("来自合并案件"),
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("关注人")
        verbose_name_plural = _("关注人")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="cases_one_follow")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class ExtensionRequest(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    days = models.PositiveIntegerField(_("延期工作日"))
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days} {self.get_status_display()}"


class SupervisionKind(models.TextChoices):
    MANUAL = "manual", _("督办")
    OVERDUE = "overdue", _("超时提醒")
    ESCALATION = "escalation", _("多次退单升级")


class Supervision(models.Model):
    """督办: a supervisor's (or the system's) demand on an overdue or stuck case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField(
        _("类型"), max_length=16, choices=SupervisionKind.choices, default=SupervisionKind.MANUAL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("督办意见"), blank=True)
    step = models.CharField(_("环节"), max_length=16, blank=True)
    step_deadline = models.DateTimeField(_("所督办环节的时限"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        constraints = [
            # One automatic reminder per step deadline: the reminder task may run as often as cron likes.
            models.UniqueConstraint(
                fields=["case", "kind", "step_deadline"],
                condition=models.Q(kind="overdue"),
                name="cases_one_overdue_reminder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id}"


class Whistle(models.Model):
    """街乡吹哨: a subdistrict summons departments on one case or an issue of several."""

    subdistrict_code = models.CharField(_("街道编码"), max_length=32, db_index=True)
    cases = models.ManyToManyField(Case, related_name="whistles", verbose_name=_("案件"))
    blown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    blown_at = models.DateTimeField(_("吹哨时间"), default=clock.now)
    limit_minutes = models.PositiveIntegerField(_("报到时限（分钟）"))
    note = models.TextField(_("事由"), blank=True)

    class Meta:
        ordering = ["-blown_at", "-id"]
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")

    def __str__(self) -> str:
        return f"#{self.pk} {self.subdistrict_code}"


class WhistleSummons(models.Model):
    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="summonses")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    report_deadline = models.DateTimeField(_("报到时限"))
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report_place = models.CharField(_("报到地点"), max_length=200, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    comment = models.TextField(_("评价"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["whistle_id", "id"]
        verbose_name = _("报到")
        verbose_name_plural = _("报到")
        constraints = [models.UniqueConstraint(fields=["whistle", "department"], name="cases_one_summons")]
        indexes = [models.Index(fields=["department", "reported_at"], name="cases_summons_dept")]

    def __str__(self) -> str:
        return f"{self.whistle_id} {self.department_id}"

    @property
    def is_late(self) -> bool:
        """Reported after the deadline, or not yet reported and the deadline has passed."""
        return workflow.report_is_late(self.report_deadline, self.reported_at, clock.now())

    @property
    def minutes_taken(self) -> float | None:
        if self.reported_at is None:
            return None
        return round((self.reported_at - self.whistle.blown_at).total_seconds() / 60, 1)
