"""The responsibility list (职责清单): which department handles which category where, and the gaps found.

A `DutyRule` ties a taxonomy category (and, unless `exact_only`, its whole subtree) in one scope (everywhere,
a district, subdistrict, community, street or grid — named by its hierarchical code, never by a geo row, so a
rule survives a new boundary generation) to one or more departments, exactly one of them the lead. Rules are
never deleted, only switched off or given an end date, so an old case's routing reason still names a rule
that exists. `RoutingGap` counts the cases that fell to the district government (兜底) because no rule
applied. Only `jingzhi.duties.actions` writes these tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhi.accounts.models import Department
from jingzhi.core import clock


class ScopeKind(models.TextChoices):
    EVERYWHERE = "everywhere", _("全部地区")
    DISTRICT = "district", _("区")
    SUBDISTRICT = "subdistrict", _("街道")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街巷")
    GRID = "grid", _("网格")


class DutyRule(models.Model):
    category = models.ForeignKey(
        "taxonomy.Category", on_delete=models.PROTECT, related_name="duty_rules", verbose_name=_("案件分类")
    )
    exact_only = models.BooleanField(
        _("仅本分类"), default=False, help_text=_("勾选后只适用于本分类，不含其下级分类")
    )
    scope_kind = models.CharField(_("范围类型"), max_length=16, choices=ScopeKind.choices)
    scope_code = models.CharField(
        _("范围编码"),
        max_length=32,
        blank=True,
        db_index=True,
        help_text=_(
            "区 6 位、街道 9 位、社区 12 位、网格 15 位数字；街巷编码以所属街道编码开头；全部地区留空"
        ),
    )
    departments = models.ManyToManyField(
        Department, through="DutyRuleDepartment", related_name="duty_rules", verbose_name=_("责任部门")
    )
    basis = models.TextField(_("依据"), blank=True, help_text=_("法规、文件或会议纪要"))
    note = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("含当日；留空为长期有效"))
    # From the injectable clock, and bumped by every action (departments included): the rule cache's stamp.
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    updated_at = models.DateTimeField(_("修改时间"), default=clock.now, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("职责规则")
        verbose_name_plural = _("职责规则")
        indexes = [models.Index(fields=["category", "scope_kind", "scope_code"])]

    def __str__(self) -> str:
        where = self.get_scope_kind_display()
        if self.scope_code:
            where = f"{where} {self.scope_code}"
        category = self.category.name if self.category_id else ""
        return _("#%(id)s %(category)s（%(where)s）") % {"id": self.pk, "category": category, "where": where}


class DutyRuleDepartment(models.Model):
    rule = models.ForeignKey(
        DutyRule, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("规则")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="duty_assignments", verbose_name=_("部门")
    )
    is_lead = models.BooleanField(_("牵头"), default=False)

    class Meta:
        ordering = ["-is_lead", "id"]
        verbose_name = _("责任部门")
        verbose_name_plural = _("责任部门")
        constraints = [
            models.UniqueConstraint(fields=["rule", "department"], name="duties_one_row_per_department"),
            models.UniqueConstraint(
                fields=["rule"], condition=models.Q(is_lead=True), name="duties_one_lead_per_rule"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department}{_('（牵头）') if self.is_lead else ''}"


class RoutingGap(models.Model):
    """A (category, place) where cases fell to the fallback department because no rule applied."""

    category = models.ForeignKey(
        "taxonomy.Category", on_delete=models.CASCADE, related_name="routing_gaps", verbose_name=_("案件分类")
    )
    place_code = models.CharField(_("地点编码"), max_length=32, blank=True, db_index=True)
    first_seen = models.DateTimeField(_("首次出现"), default=clock.now)
    last_seen = models.DateTimeField(_("最近出现"), default=clock.now)
    count = models.PositiveIntegerField(_("次数"), default=1)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("职责空白")
        verbose_name_plural = _("职责空白")
        constraints = [
            models.UniqueConstraint(fields=["category", "place_code"], name="duties_one_gap_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} @ {self.place_code or '-'} ×{self.count}"
