"""The tables of 十无一创建: the versioned standard, inspections and their per-item results, grades and their
history, street chiefs, task letters, the street ledger, the responsibility board, accountability proposals,
一街一策 plans and stewards with their patrol log.

Only `jingzhi.rectification.actions` writes these tables; the rules (the score, the grade rule, the
accountability and 文明街巷 criteria) are pure functions in `jingzhi.rectification.rules`, fed with the
configuration stored here. A street is referred to by its CODE, not by a geo row: boundary generations come
and go (geo copies streets into each new generation), while a street's chief, grade history and inspections
belong to the street itself and must survive a new generation. Inspections keep the standard version and
the item rows they were scored against, so a later version (items renamed, merged, added) never rewrites
an old result.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhi.core import clock


# ------------------------------------------------------------------------------------------------- standard
class StandardVersion(models.Model):
    """One edition of the standard: its items and the rules a street is graded by."""

    code = models.CharField(_("版本编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateField(_("启用日期"))
    is_current = models.BooleanField(_("现行版本"), default=False)
    full_score = models.PositiveSmallIntegerField(_("满分"), default=100)
    # The grade rule (DOMAIN §4: below 90 → 不达标, restored after 3 consecutive months at 90 or above).
    downgrade_below = models.DecimalField(
        _("降档分数线（低于）"), max_digits=5, decimal_places=1, default=Decimal("90")
    )
    restore_at_least = models.DecimalField(
        _("复档分数线（不低于）"), max_digits=5, decimal_places=1, default=Decimal("90")
    )
    restore_months = models.PositiveSmallIntegerField(
        _("复档所需连续月数"), default=3, validators=[MinValueValidator(1)]
    )
    # 文明街巷: every item clean for N consecutive months and resident satisfaction at or above a threshold.
    civilized_clean_months = models.PositiveSmallIntegerField(
        _("文明街巷：十项全部达标的连续月数"), default=6, validators=[MinValueValidator(1)]
    )
    civilized_satisfaction = models.DecimalField(
        _("文明街巷：群众满意度不低于（%）"), max_digits=5, decimal_places=1, default=Decimal("90")
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("十无标准版本")
        verbose_name_plural = _("十无标准版本")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="rectification_one_current_standard"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class StandardItem(models.Model):
    """One item of one version. `code` is stable across versions for the same item; a merged item names
    the codes it replaces in `replaces`, so results can be compared over time."""

    version = models.ForeignKey(StandardVersion, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("事项编码"), max_length=48)
    name = models.CharField(_("事项名称"), max_length=64)
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    # Deduction rule: points per finding, capped at the item's points.
    deduction_per_finding = models.DecimalField(
        _("每处扣分"), max_digits=5, decimal_places=1, default=Decimal("2"), validators=[MinValueValidator(0)]
    )
    deduction_rule = models.CharField(_("扣分规则"), max_length=200, blank=True)
    category = models.ForeignKey(
        "taxonomy.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("对应案件分类"),
    )
    is_creation_goal = models.BooleanField(
        _("一创建目标"), default=False, help_text=_("创建文明街巷：不单独扣分，由各项连续达标与满意度判定")
    )
    replaces = models.JSONField(_("取代的旧事项编码"), default=list, blank=True)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("十无事项")
        verbose_name_plural = _("十无事项")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="rectification_item_code_in_version")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


# ------------------------------------------------------------------------------------------------ inspections
class InspectionKind(models.TextChoices):
    CITY_MONTHLY = "city_monthly", _("市级月度检查")
    THIRD_PARTY = "third_party", _("第三方季度检查")
    CHIEF_PATROL = "chief_patrol", _("街巷长巡查")
    STEWARD_PATROL = "steward_patrol", _("小巷管家巡查")


class Inspection(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    street_name = models.CharField(_("街巷名称"), max_length=100)
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, db_index=True)
    kind = models.CharField(_("检查类型"), max_length=20, choices=InspectionKind.choices)
    # "2025-06" for monthly checks and patrols, "2025-Q2" for quarterly checks.
    period = models.CharField(_("检查周期"), max_length=10)
    month = models.CharField(_("计入月份"), max_length=7, db_index=True)
    is_official = models.BooleanField(_("正式检查"), default=False)
    version = models.ForeignKey(
        StandardVersion, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("标准版本")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("检查人"),
    )
    inspected_on = models.DateField(_("检查日期"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    full_score = models.PositiveSmallIntegerField(_("满分"), default=100)
    satisfaction = models.DecimalField(
        _("群众满意度（%）"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=clock.now)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("十无检查")
        verbose_name_plural = _("十无检查")
        constraints = [
            models.UniqueConstraint(
                fields=["street_code", "kind", "period"],
                condition=Q(is_official=True),
                name="rectification_one_official_inspection",
            )
        ]
        indexes = [models.Index(fields=["street_code", "month"])]

    def __str__(self) -> str:
        return f"{self.street_name} {self.period} {self.get_kind_display()} {self.score}"

    @property
    def passed(self) -> bool:
        return self.score >= self.version.downgrade_below


class ItemResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="results")
    passed = models.BooleanField(_("达标"), default=True)
    deduction = models.DecimalField(_("扣分"), max_digits=5, decimal_places=1, default=Decimal("0"))
    count = models.PositiveSmallIntegerField(_("问题处数"), default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    address = models.CharField(_("位置描述"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("案件"),
    )
    # True when the finding joined a case already open for the same item on the same street.
    attached_to_open_case = models.BooleanField(_("并入已有案件"), default=False)

    class Meta:
        ordering = ["inspection", "item__position"]
        verbose_name = _("检查事项结果")
        verbose_name_plural = _("检查事项结果")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="rectification_one_result_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item.name}: -{self.deduction}"


# ------------------------------------------------------------------------------------------------ grades
class Grade(models.TextChoices):
    PREMIUM = "premium", _("精品")
    FINE = "fine", _("优美")
    STANDARD = "standard", _("达标")
    FAILING = "failing", _("不达标")


class StreetRecord(models.Model):
    """What the system knows about one street beyond its geometry: the grade, the awarded grade it returns
    to on restoration, whether it is a 文明街巷, and the facts printed on its responsibility board."""

    street_code = models.CharField(_("街巷编码"), max_length=32, unique=True)
    street_name = models.CharField(_("街巷名称"), max_length=100)
    grade = models.CharField(_("当前等级"), max_length=16, choices=Grade.choices, blank=True)
    awarded_grade = models.CharField(
        _("评定等级"), max_length=16, choices=Grade.choices, default=Grade.STANDARD
    )
    grade_since = models.CharField(_("等级起始月份"), max_length=7, blank=True)
    last_score = models.DecimalField(_("最近得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    last_month = models.CharField(_("最近计分月份"), max_length=7, blank=True)
    is_civilized = models.BooleanField(_("文明街巷"), default=False)
    # The board (责任公示牌). Phone numbers here are the ones chosen for publication, never a user's own.
    property_company = models.CharField(_("物业/保洁单位"), max_length=100, blank=True)
    property_phone = models.CharField(_("物业电话"), max_length=32, blank=True)
    chief_public_phone = models.CharField(_("街巷长公示电话"), max_length=32, blank=True)
    supervision_phone = models.CharField(_("监督电话"), max_length=32, blank=True, default="12345")
    target_date = models.DateField(_("整治目标日期"), null=True, blank=True)
    board_note = models.CharField(_("公示牌说明"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        ordering = ["street_code"]
        verbose_name = _("街巷档案")
        verbose_name_plural = _("街巷档案")

    def __str__(self) -> str:
        return self.street_name


class GradeChangeKind(models.TextChoices):
    FIRST = "first", _("首次定级")
    DOWNGRADE = "downgrade", _("降档")
    RESTORE = "restore", _("复档")
    AWARD = "award", _("评定")


class GradeChange(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    month = models.CharField(_("月份"), max_length=7)
    kind = models.CharField(_("变化"), max_length=16, choices=GradeChangeKind.choices)
    from_grade = models.CharField(_("原等级"), max_length=16, choices=Grade.choices, blank=True)
    to_grade = models.CharField(_("新等级"), max_length=16, choices=Grade.choices)
    reason = models.CharField(_("原因"), max_length=300)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评定人"),
    )
    created_at = models.DateTimeField(_("记录时间"), default=clock.now)

    class Meta:
        ordering = ["street_code", "month", "id"]
        verbose_name = _("等级变化")
        verbose_name_plural = _("等级变化")

    def __str__(self) -> str:
        return f"{self.street_code} {self.month} {self.get_kind_display()} → {self.get_to_grade_display()}"


class StreetMonth(models.Model):
    """A street's state at the end of one month — its grade and whether it was a 文明街巷 — for every month
    from its first graded month to its latest scored one (a month without an inspection carries the grade
    on). The street record keeps only the current state; the grade replay (`actions.grades`) rewrites
    these rows each time it runs, so they follow late entries. Read by assessment for monthly counts."""

    street_code = models.CharField(_("街巷编码"), max_length=32)
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, blank=True, db_index=True)
    month = models.CharField(_("月份"), max_length=7, db_index=True)
    grade = models.CharField(_("月末等级"), max_length=16, choices=Grade.choices, blank=True)
    is_civilized = models.BooleanField(_("月末为文明街巷"), default=False)

    class Meta:
        ordering = ["street_code", "month"]
        verbose_name = _("街巷月末状态")
        verbose_name_plural = _("街巷月末状态")
        constraints = [
            models.UniqueConstraint(fields=["street_code", "month"], name="rectification_one_street_month")
        ]

    def __str__(self) -> str:
        return f"{self.street_code} {self.month} {self.grade}"


# ------------------------------------------------------------------------------------------------ chiefs
class ChiefRank(models.TextChoices):
    GENERAL = "general", _("总街巷长")
    SUBDISTRICT = "subdistrict", _("街道级街巷长")
    STREET = "street", _("街长")
    LANE = "lane", _("巷长")


class ChiefAssignment(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="chief_assignments",
        verbose_name=_("街巷长"),
    )
    rank = models.CharField(_("级别"), max_length=16, choices=ChiefRank.choices)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    role_assignment = models.ForeignKey(
        "accounts.RoleAssignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["street_code", "-started_on", "-id"]
        verbose_name = _("街巷长任职")
        verbose_name_plural = _("街巷长任职")
        constraints = [
            models.UniqueConstraint(
                fields=["street_code"], condition=Q(is_active=True), name="rectification_one_active_chief"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_rank_display()} {self.street_code}"


class TaskLetter(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    chief = models.ForeignKey(
        ChiefAssignment, on_delete=models.PROTECT, related_name="task_letters", verbose_name=_("街巷长")
    )
    title = models.CharField(_("标题"), max_length=200)
    targets = models.JSONField(_("目标"), default=list)
    target_grade = models.CharField(
        _("目标等级"), max_length=16, choices=Grade.choices, default=Grade.STANDARD
    )
    starts_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("完成日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("下达人"),
    )
    issued_at = models.DateTimeField(_("下达时间"), default=clock.now)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["street_code", "-issued_at"]
        verbose_name = _("任务书")
        verbose_name_plural = _("任务书")
        constraints = [
            models.UniqueConstraint(
                fields=["street_code"],
                condition=Q(is_active=True),
                name="rectification_one_active_task_letter",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class LedgerKind(models.TextChoices):
    CARS = "cars", _("居民车辆")
    BINS = "bins", _("垃圾桶")
    PARKING = "parking", _("停车位")
    SHOPS = "shops", _("沿街商户")
    WALL_OPENINGS = "wall_openings", _("开墙打洞")
    STRUCTURES = "structures", _("违法建设")
    WIRES = "wires", _("架空线")
    TREES = "trees", _("行道树")
    OTHER = "other", _("其他")


class LedgerEntry(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    kind = models.CharField(_("类别"), max_length=20, choices=LedgerKind.choices)
    label = models.CharField(_("名称"), max_length=100)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=clock.now)
    is_current = models.BooleanField(_("现行"), default=True)

    class Meta:
        ordering = ["street_code", "kind", "id"]
        verbose_name = _("街巷台账")
        verbose_name_plural = _("街巷台账")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label} × {self.quantity}"


# ------------------------------------------------------------------------------------------------ accountability
class ProposalKind(models.TextChoices):
    TALK = "talk", _("约谈")
    TRANSFER = "transfer", _("调离")
    ACCOUNTABILITY = "accountability", _("问责")


class AccountabilityRule(models.Model):
    """N failing months in a row propose a measure to the street's chief."""

    failing_months = models.PositiveSmallIntegerField(_("连续不达标月数"), validators=[MinValueValidator(1)])
    proposal = models.CharField(_("建议措施"), max_length=20, choices=ProposalKind.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["failing_months"]
        verbose_name = _("问责规则")
        verbose_name_plural = _("问责规则")
        constraints = [
            models.UniqueConstraint(fields=["failing_months", "proposal"], name="rectification_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.failing_months} → {self.get_proposal_display()}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("待决定")
    ACCEPTED = "accepted", _("已采纳")
    REJECTED = "rejected", _("未采纳")


class AccountabilityProposal(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    chief = models.ForeignKey(
        ChiefAssignment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("街巷长"),
    )
    rule = models.ForeignKey(AccountabilityRule, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("措施"), max_length=20, choices=ProposalKind.choices)
    month = models.CharField(_("触发月份"), max_length=7)
    failing_months = models.PositiveSmallIntegerField(_("连续不达标月数"))
    reason = models.CharField(_("提出原因"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.CharField(_("决定理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("问责建议")
        verbose_name_plural = _("问责建议")
        constraints = [
            models.UniqueConstraint(
                fields=["street_code", "rule", "month"], name="rectification_one_proposal_per_rule_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.street_code} {self.month} {self.get_kind_display()}"


# ------------------------------------------------------------------------------------------------ 一街一策
class StreetPlan(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("概述"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("一街一策")
        verbose_name_plural = _("一街一策")

    def __str__(self) -> str:
        return self.title


class PlanItem(models.Model):
    plan = models.ForeignKey(StreetPlan, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("整治内容"), max_length=300)
    standard_code = models.CharField(_("对应十无事项"), max_length=48, blank=True)
    owner_name = models.CharField(_("责任单位/人"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人账号"),
    )
    deadline = models.DateField(_("完成期限"))
    progress = models.PositiveSmallIntegerField(
        _("进度（%）"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    progress_note = models.CharField(_("进展说明"), max_length=300, blank=True)
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="+", verbose_name=_("关联案件"))
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        ordering = ["plan", "deadline", "id"]
        verbose_name = _("整治事项")
        verbose_name_plural = _("整治事项")

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.progress >= 100

    def is_overdue(self, today=None) -> bool:
        today = today or clock.now().date()
        return not self.is_done and self.deadline < today


# ------------------------------------------------------------------------------------------------ stewards
class StewardAssignment(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="steward_assignments",
        verbose_name=_("小巷管家"),
    )
    role_assignment = models.ForeignKey(
        "accounts.RoleAssignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["street_code", "-started_on"]
        verbose_name = _("小巷管家")
        verbose_name_plural = _("小巷管家")
        constraints = [
            models.UniqueConstraint(
                fields=["street_code", "user"],
                condition=Q(is_active=True),
                name="rectification_one_active_steward_per_street",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.street_code}"


class PatrolDuty(models.TextChoices):
    PATROL = "patrol", _("巡")
    VISIT = "visit", _("访")
    DISSUADE = "dissuade", _("做")
    REPORT = "report", _("报")
    RECORD = "record", _("记")


class PatrolLog(models.Model):
    street_code = models.CharField(_("街巷编码"), max_length=32, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    duty = models.CharField(_("类型"), max_length=16, choices=PatrolDuty.choices)
    note = models.CharField(_("内容"), max_length=500)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("案件"),
    )
    created_at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("管家巡查日志")
        verbose_name_plural = _("管家巡查日志")

    def __str__(self) -> str:
        return f"{self.get_duty_display()} {self.note[:20]}"
