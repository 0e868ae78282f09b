"""考核's own tables: the snapshot of every month's figures and scores, the versioned weight sets, and the
fill's bookkeeping. Only `jingzhi.assessment.actions` writes them; dashboards read only these (never the
case tables). A figure keeps numerator and denominator beside its value so a page can say "37 / 40".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhi.core import clock


class Figure(models.Model):
    month = models.CharField(_("月份"), max_length=7)
    indicator = models.CharField(_("指标"), max_length=48)
    unit_kind = models.CharField(_("单位类型"), max_length=16)
    unit_code = models.CharField(_("单位编码"), max_length=32)
    unit_name = models.CharField(_("单位名称"), max_length=100, blank=True)
    # The district the unit belongs to, so a district's leader reads their own units with one equality.
    district_code = models.CharField(_("所属区编码"), max_length=6, blank=True)
    numerator = models.DecimalField(_("分子"), max_digits=18, decimal_places=4)
    denominator = models.DecimalField(_("分母"), max_digits=18, decimal_places=4)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("考核指标值")
        verbose_name_plural = _("考核指标值")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit_kind", "indicator", "unit_code"], name="assessment_one_figure"
            )
        ]
        indexes = [
            models.Index(fields=["unit_kind", "unit_code", "month"], name="assessment_figure_unit"),
            # The dashboard's hot spots: a month's grids by cases received, largest first (read in index
            # order, not by sorting every grid of the month).
            # Partial: kept up for the grids' 受理量 only, so the fill's writes of other figures pay nothing.
            models.Index(
                fields=["month", "-numerator", "unit_code"],
                name="assessment_figure_hot_grid",
                condition=models.Q(unit_kind="grid", indicator="reported_cases"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.indicator} {self.unit_kind}:{self.unit_code} = {self.value}"


class Score(models.Model):
    month = models.CharField(_("月份"), max_length=7)
    unit_kind = models.CharField(_("单位类型"), max_length=16)
    unit_code = models.CharField(_("单位编码"), max_length=32)
    unit_name = models.CharField(_("单位名称"), max_length=100, blank=True)
    district_code = models.CharField(_("所属区编码"), max_length=6, blank=True)
    score = models.DecimalField(_("综合得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("等次"), max_length=1, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    ranked = models.PositiveIntegerField(_("参与排名单位数"), default=0)
    weight_set = models.CharField(_("权重方案"), max_length=100, blank=True)
    parts = models.JSONField(_("得分构成"), default=dict, blank=True)

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        constraints = [
            models.UniqueConstraint(fields=["month", "unit_kind", "unit_code"], name="assessment_one_score")
        ]
        indexes = [models.Index(fields=["unit_kind", "unit_code", "month"], name="assessment_score_unit")]

    def __str__(self) -> str:
        return f"{self.month} {self.unit_kind}:{self.unit_code} {self.score} {self.grade}"


class WeightSet(models.Model):
    """How one unit kind is scored from `effective_from` on; a new version is a new row, never an edit, so
    a month is always scored with the set that was in force for it."""

    unit_kind = models.CharField(_("单位类型"), max_length=16)
    effective_from = models.CharField(_("起用月份"), max_length=7)
    label = models.CharField(_("名称"), max_length=100)
    weights = models.JSONField(_("权重"), default=dict)
    band_indicator = models.CharField(_("量级指标"), max_length=48, blank=True)
    bands = models.JSONField(_("量级分档"), default=list, blank=True)
    grades = models.JSONField(_("等次分数线"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        ordering = ["unit_kind", "-effective_from"]
        verbose_name = _("权重方案")
        verbose_name_plural = _("权重方案")
        constraints = [
            models.UniqueConstraint(
                fields=["unit_kind", "effective_from"], name="assessment_one_set_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_kind} {self.effective_from} {self.label}"


class FillRun(models.Model):
    """One fill of one month: what the job got through (the newest run of a month is its state)."""

    month = models.CharField(_("月份"), max_length=7, db_index=True)
    trigger = models.CharField(_("触发"), max_length=32)
    started_at = models.DateTimeField(_("开始"), default=clock.now)
    finished_at = models.DateTimeField(_("完成"), null=True, blank=True)
    figures = models.PositiveIntegerField(_("指标值行数"), default=0)
    scores = models.PositiveIntegerField(_("得分行数"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("快照填充记录")
        verbose_name_plural = _("快照填充记录")

    def __str__(self) -> str:
        return f"{self.month} {self.trigger}"


class DirtyMonth(models.Model):
    """A month whose figures a late change touched (a reopened case, a re-rating, a new inspection):
    the next fill re-fills it and removes the row in the same transaction."""

    month = models.CharField(_("月份"), max_length=7, unique=True)
    reason = models.CharField(_("原因"), max_length=64, blank=True)
    marked_at = models.DateTimeField(_("标记时间"), default=clock.now)

    class Meta:
        ordering = ["month"]
        verbose_name = _("待重算月份")
        verbose_name_plural = _("待重算月份")

    def __str__(self) -> str:
        return self.month
