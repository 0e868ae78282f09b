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
        # Two full indexes, not three: every read names the unit kind and its units (one unit's months, a
        # list of units' figures of a month), so the one-figure key itself leads with them and serves them;
        # month-wide work (the fill's count and re-fill) has a one-column month index, which PostgreSQL
        # keeps small and cheap (repeated keys are deduplicated). The fill writes a month's rows in this
        # key's order: 395,388 rows took 3.6 s with these indexes, 8.5 s with a (month, kind, indicator,
        # code) key plus a (kind, code, month) index (PostgreSQL 15, load 5).
        constraints = [
            models.UniqueConstraint(
                fields=["unit_kind", "unit_code", "month", "indicator"], name="assessment_one_figure"
            )
        ]
        indexes = [
            models.Index(fields=["month"], name="assessment_figure_month"),
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


# ------------------------------------------------------------------------------------------------ 每月一题
class TopicRule(models.Model):
    """How a month's candidates for next month's topic are proposed (from `effective_from` on; a new
    version is a new row, like weight sets): per dimension the `per_dimension` most frequent kinds with at
    least `min_count` cases."""

    effective_from = models.CharField(_("起用月份"), max_length=7, unique=True)
    label = models.CharField(_("名称"), max_length=100)
    dimensions = models.JSONField(_("统计维度"), default=list)
    per_dimension = models.PositiveSmallIntegerField(_("每个维度的候选数"), default=3)
    min_count = models.PositiveIntegerField(_("最少案件数"), default=3)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("每月一题规则")
        verbose_name_plural = _("每月一题规则")

    def __str__(self) -> str:
        return f"{self.effective_from} {self.label}"


class ProblemCount(models.Model):
    """Snapshot: the cases reported in a month in one district, by problem kind — a category, or a place
    (subdistrict, community, grid, street) — and how many of them are closed. Filled with the month's
    figures; the topic pages read only this table."""

    month = models.CharField(_("月份"), max_length=7)
    district_code = models.CharField(_("所属区编码"), max_length=6)
    dimension = models.CharField(_("维度"), max_length=16)
    key = models.CharField(_("编码"), max_length=32)
    label = models.CharField(_("名称"), max_length=100, blank=True)
    cases = models.PositiveIntegerField(_("案件数"), default=0)
    closed = models.PositiveIntegerField(_("已结案数"), default=0)

    class Meta:
        verbose_name = _("问题数量快照")
        verbose_name_plural = _("问题数量快照")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "district_code", "dimension", "key"], name="assessment_one_problem_count"
            )
        ]
        indexes = [
            models.Index(fields=["district_code", "dimension", "key", "month"], name="assessment_problem_key")
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.district_code} {self.dimension}:{self.key} = {self.cases}"


class MonthlyTopic(models.Model):
    """A decision on one candidate of `source_month`: confirmed as the topic of the month after it
    (`month`), with a title and a note, or dismissed. One decision per candidate and district."""

    CONFIRMED, DISMISSED = "confirmed", "dismissed"
    DECISIONS = [(CONFIRMED, _("已确定")), (DISMISSED, _("已驳回"))]

    district_code = models.CharField(_("所属区编码"), max_length=6)
    month = models.CharField(_("题目月份"), max_length=7)
    source_month = models.CharField(_("来源月份"), max_length=7)
    dimension = models.CharField(_("维度"), max_length=16)
    key = models.CharField(_("编码"), max_length=32)
    label = models.CharField(_("名称"), max_length=100, blank=True)
    decision = models.CharField(_("决定"), max_length=16, choices=DECISIONS)
    title = models.CharField(_("题目"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    source_cases = models.PositiveIntegerField(_("来源月案件数"), default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), default=clock.now)

    class Meta:
        ordering = ["-month", "dimension", "key"]
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")
        constraints = [
            models.UniqueConstraint(
                fields=["district_code", "month", "dimension", "key"], name="assessment_one_topic_decision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.title or self.label}"


# ------------------------------------------------------------------------------------------------ 治理类街乡
class FocusRule(models.Model):
    """Which subdistricts a quarter's focus list holds (from the quarter `effective_from` on; versioned):
    the `bottom` lowest by the quarter's mean monthly score (ties included) and/or those below `below`."""

    effective_from = models.CharField(_("起用季度"), max_length=6, unique=True)
    label = models.CharField(_("名称"), max_length=100)
    bottom = models.PositiveIntegerField(_("末位数量"), default=0)
    below = models.DecimalField(_("分数线"), max_digits=5, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("治理类街乡规则")
        verbose_name_plural = _("治理类街乡规则")

    def __str__(self) -> str:
        return f"{self.effective_from} {self.label}"


class FocusEntry(models.Model):
    """A subdistrict on a quarter's focus list, with what put it there; it carries the improvement plan
    (its items). A re-computation that no longer lists it keeps it (unlisted) when its plan has items."""

    quarter = models.CharField(_("季度"), max_length=6)
    unit_code = models.CharField(_("街乡编码"), max_length=32)
    unit_name = models.CharField(_("街乡名称"), max_length=100, blank=True)
    district_code = models.CharField(_("所属区编码"), max_length=6, blank=True)
    mean_score = models.DecimalField(_("季度月均得分"), max_digits=7, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("有得分的月数"), default=0)
    rank = models.PositiveIntegerField(_("季度名次"), default=0)
    ranked = models.PositiveIntegerField(_("参与排名街乡数"), default=0)
    reasons = models.JSONField(_("列入原因"), default=list, blank=True)
    rule_label = models.CharField(_("规则"), max_length=100, blank=True)
    listed = models.BooleanField(_("在名单中"), default=True)
    computed_at = models.DateTimeField(_("计算时间"), default=clock.now)

    class Meta:
        ordering = ["quarter", "mean_score", "unit_code"]
        verbose_name = _("治理类街乡")
        verbose_name_plural = _("治理类街乡")
        constraints = [
            models.UniqueConstraint(fields=["quarter", "unit_code"], name="assessment_one_focus_entry")
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.unit_name or self.unit_code}"


class PlanItem(models.Model):
    """One item of a focus subdistrict's improvement plan: what, which department owns it, by when."""

    TODO, DOING, DONE = "todo", "doing", "done"
    STATES = [(TODO, _("未开始")), (DOING, _("推进中")), (DONE, _("已完成"))]

    entry = models.ForeignKey(FocusEntry, on_delete=models.CASCADE, related_name="items")
    what = models.CharField(_("整改事项"), max_length=200)
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    due_date = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=8, choices=STATES, default=TODO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")

    def __str__(self) -> str:
        return self.what


class PlanNote(models.Model):
    """A progress note on a plan item."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("进展"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")

    def __str__(self) -> str:
        return self.text[:40]
