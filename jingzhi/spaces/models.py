"""The tables of 腾退空间 and 便民: vacated spaces with their event history and re-checks, the editable list of
uses, the re-check schedule, service kinds and service points, walking networks, community populations, and
relocated merchants with their support checklist and follow-ups, and residents whose livelihood was hit.

Only `jingzhi.spaces.actions` writes these tables; the rules (states, transitions, re-check intervals,
coverage) are pure in `workflow.py` and `coverage.py`. Places are kept by CODE with the names beside them
(boundary generations come and go; a space belongs to the place it was located in when registered).
Geometry is a GeoJSON geometry in WGS84 lon/lat with a representative point (lon, lat) beside it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhi.core import clock
from jingzhi.spaces.workflow import Origin, State


class Use(models.Model):
    """One entry of the editable list of uses (便民服务, 养老, 留白增绿 …)."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    # The service kind this use can host (a gap of that kind suggests spaces planned for it).
    service_kinds = models.ManyToManyField("ServiceKind", blank=True, verbose_name=_("可承载的便民业态"))

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("利用用途")
        verbose_name_plural = _("利用用途")

    def __str__(self) -> str:
        return self.name


class Space(models.Model):
    number = models.CharField(_("编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    geometry = models.JSONField(_("位置（GeoJSON）"))
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    grid_code = models.CharField(_("网格编码"), max_length=32, db_index=True)
    grid_name = models.CharField(_("网格"), max_length=100, blank=True)
    community_code = models.CharField(_("社区编码"), max_length=32, db_index=True)
    community_name = models.CharField(_("社区"), max_length=100, blank=True)
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, db_index=True)
    subdistrict_name = models.CharField(_("街道"), max_length=100, blank=True)
    district_code = models.CharField(_("区编码"), max_length=32, blank=True)
    area_m2 = models.DecimalField(_("面积（平方米）"), max_digits=12, decimal_places=2)
    underground = models.BooleanField(_("地下空间"), default=False)
    origin = models.CharField(_("来源"), max_length=16, choices=Origin.choices)
    owner = models.CharField(_("产权单位"), max_length=100, blank=True)
    manager = models.CharField(_("管理单位"), max_length=100, blank=True)
    vacated_on = models.DateField(_("腾退日期"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.VACATED)
    planned_use = models.ForeignKey(
        Use, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("规划用途")
    )
    actual_use = models.ForeignKey(
        Use, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("实际用途")
    )
    safety_record = models.TextField(_("安全条件记录"), blank=True)
    safety_recorded_at = models.DateTimeField(_("安全条件登记时间"), null=True, blank=True)
    next_recheck_on = models.DateField(_("下次复查日期"), null=True, blank=True, db_index=True)
    last_recheck_on = models.DateField(_("最近复查日期"), null=True, blank=True)
    # A plain reference the projects app fills (民意立项 project number); no import between feature apps.
    project_ref = models.CharField(_("关联民意立项项目"), max_length=64, blank=True)
    note = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        ordering = ["number"]
        verbose_name = _("腾退空间")
        verbose_name_plural = _("腾退空间")
        indexes = [models.Index(fields=["state", "subdistrict_code"])]
        constraints = [models.CheckConstraint(condition=models.Q(area_m2__gt=0), name="space_area_positive")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class SpaceEvent(models.Model):
    """One entry of a space's history: who, when, why, and from which state to which."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("登记")
        TRANSITION = "transition", _("状态变更")
        EDITED = "edited", _("信息修改")
        RECHECK = "recheck", _("复查")
        SAFETY = "safety", _("安全条件登记")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("空间记录")
        verbose_name_plural = _("空间记录")

    def __str__(self) -> str:
        return f"{self.space_id} {self.kind} {self.at:%Y-%m-%d}"


class Recheck(models.Model):
    class Outcome(models.TextChoices):
        CLEAR = "clear", _("未反弹")
        REOCCUPIED = "reoccupied", _("已反弹（被重新占用）")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="rechecks")
    checked_on = models.DateField(_("复查日期"))
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    note = models.TextField(_("情况说明"), blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("案件"),
    )
    created_at = models.DateTimeField(_("录入时间"), default=clock.now)

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("复查")
        verbose_name_plural = _("复查")

    def __str__(self) -> str:
        return f"{self.space_id} {self.checked_on} {self.outcome}"


class RecheckRule(models.Model):
    """Working days between re-checks for a state (and optionally an origin); the defaults are in workflow."""

    state = models.CharField(_("状态"), max_length=16, choices=State.choices)
    origin = models.CharField(_("来源"), max_length=16, choices=Origin.choices, blank=True)
    working_days = models.PositiveSmallIntegerField(_("复查间隔（工作日）"))

    class Meta:
        verbose_name = _("复查周期")
        verbose_name_plural = _("复查周期")
        constraints = [models.UniqueConstraint(fields=["state", "origin"], name="uniq_recheck_rule")]

    # ------------------------------------------------------------------------------------------------ 便民

    def __str__(self) -> str:
        return f"{self.state}/{self.origin or '*'}: {self.working_days}"


class ServiceKind(models.Model):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    walk_minutes = models.PositiveSmallIntegerField(_("步行可达（分钟）"), default=15)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("便民业态")
        verbose_name_plural = _("便民业态")

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="points")
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    community_code = models.CharField(_("社区编码"), max_length=32, blank=True, db_index=True)
    grid_code = models.CharField(_("网格编码"), max_length=32, blank=True)
    source = models.CharField(_("来源文件"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("导入时间"), default=clock.now)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("便民网点")
        verbose_name_plural = _("便民网点")

    def __str__(self) -> str:
        return self.name


class WalkNetwork(models.Model):
    """An imported walking network (lines). Only the newest is used; whether it connects the grids is
    recorded at import, and coverage falls back to straight-line distance (labelled) when it does not."""

    name = models.CharField(_("名称"), max_length=200)
    lines = models.JSONField(_("路网（GeoJSON 线）"))
    segments = models.PositiveIntegerField(_("路段数"), default=0)
    connected = models.BooleanField(_("连通全部网格"), default=False)
    message = models.TextField(_("检查结果"), blank=True)
    created_at = models.DateTimeField(_("导入时间"), default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("步行路网")
        verbose_name_plural = _("步行路网")

    def __str__(self) -> str:
        return self.name


class CoverageMonth(models.Model):
    """便民 coverage at the end of a month: one row per grid and service kind — whether the kind's nearest
    point is within its walk of the grid, as `queries.coverage_for` measured it at `recorded_at`. Only the
    running month is (re)recorded (`actions.do_record_coverage_month`); a past month keeps its last record,
    since the service points and networks of the past are not kept. Read by assessment (便民服务覆盖率)."""

    month = models.CharField(_("月份"), max_length=7, db_index=True)
    grid_code = models.CharField(_("网格编码"), max_length=32)
    grid_name = models.CharField(_("网格名称"), max_length=100, blank=True)
    community_code = models.CharField(_("社区编码"), max_length=32, db_index=True)
    community_name = models.CharField(_("社区名称"), max_length=100, blank=True)
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, blank=True)
    kind_code = models.CharField(_("业态编码"), max_length=32)
    kind_name = models.CharField(_("业态名称"), max_length=50, blank=True)
    covered = models.BooleanField(_("已覆盖"), default=False)
    distance_m = models.PositiveIntegerField(_("步行距离（米）"), null=True, blank=True)
    method = models.CharField(_("计算方式"), max_length=16, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), default=clock.now)

    class Meta:
        ordering = ["month", "community_code", "grid_code", "kind_code"]
        verbose_name = _("便民覆盖月末快照")
        verbose_name_plural = _("便民覆盖月末快照")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "grid_code", "kind_code"], name="spaces_one_coverage_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.grid_code} {self.kind_code} {'✓' if self.covered else '✗'}"


class CommunityPopulation(models.Model):
    community_code = models.CharField(_("社区编码"), max_length=32, unique=True)
    population = models.PositiveIntegerField(_("常住人口"))

    class Meta:
        verbose_name = _("社区人口")
        verbose_name_plural = _("社区人口")

    # ---------------------------------------------------------------------------------------- 外迁商户

    def __str__(self) -> str:
        return f"{self.community_code}: {self.population}"


class Merchant(models.Model):
    """A merchant moved out of a vacated site, followed until closed."""

    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="merchants")
    name = models.CharField(_("商户名称"), max_length=100)
    business = models.CharField(_("经营类别"), max_length=100, blank=True)
    destination = models.CharField(_("承接地"), max_length=100)
    # The merchant's contact is personal data: staff pages only, never exports or public surfaces.
    contact = models.CharField(_("联系人及电话"), max_length=100, blank=True)
    closed_on = models.DateField(_("结束跟踪日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        ordering = ["space", "name"]
        verbose_name = _("外迁商户")
        verbose_name_plural = _("外迁商户")

    def __str__(self) -> str:
        return self.name


class SupportItem(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="support")
    item = models.CharField(_("扶持事项"), max_length=200)
    promised_on = models.DateField(_("承诺日期"))
    delivered_on = models.DateField(_("兑现日期"), null=True, blank=True)

    class Meta:
        ordering = ["promised_on", "id"]
        verbose_name = _("扶持事项")
        verbose_name_plural = _("扶持事项")

    def __str__(self) -> str:
        return self.item


class FollowUp(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="follow_ups")
    on = models.DateField(_("回访日期"))
    note = models.TextField(_("回访情况"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.on}"


class Livelihood(models.Model):
    """A resident whose livelihood was hit (a lost stall or job) and the assistance given."""

    class Impact(models.TextChoices):
        STALL = "stall", _("失去摊位")
        JOB = "job", _("失去工作")
        OTHER = "other", _("其他")

    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="livelihoods")
    person = models.CharField(_("居民"), max_length=50)  # personal data: staff pages only
    impact = models.CharField(_("影响"), max_length=16, choices=Impact.choices)
    assistance = models.TextField(_("帮扶措施"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("案件"),
    )
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("生计受影响居民")
        verbose_name_plural = _("生计受影响居民")

    def __str__(self) -> str:
        return f"{self.space_id} {self.impact}"
