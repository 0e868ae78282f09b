"""Case categories and the time limits that hang on them.

The category tree (部件/事件 → 大类 → 小类 → 子类) is data: a city imports its own standard and edits it in
the admin. Codes are hierarchical *within a kind*: a child's code starts with its parent's code (the shipped
tree uses two digits a level, e.g. component 01 → 0101 → 010101), so a subtree is a code prefix and `duties`
can match "this category or anything below it" with one `startswith`. Every limit (filing conditions'
处置时限, per-step limits, 12345 feedback limits) is a row with an amount and a unit, never a constant; rows
we invented ourselves carry `is_local_default` so an administrator can find and replace them.

Only `jingzhi.taxonomy.actions` writes these tables.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhi.taxonomy.limits import TimeLimit
from jingzhi.taxonomy.types import ConditionLevel, Kind, Level, ShiwuItem, Step, TimeUnit

# Defaults used when a category does not say otherwise. Ours, not a city's: documented in docs/taxonomy.md.
DEFAULT_DEDUP_RADIUS_M = 50
DEFAULT_DEDUP_WINDOW_HOURS = 72


_UNIT_CHOICES = [(unit.value, unit.label) for unit in TimeUnit]
_AMOUNT = {"max_digits": 8, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0.01"))]}


class LimitFields(models.Model):
    """An amount and a unit; `limit` turns them into the pure `TimeLimit` value."""

    limit_amount = models.DecimalField(_("时限"), **_AMOUNT)
    limit_unit = models.CharField(_("时限单位"), max_length=16, choices=_UNIT_CHOICES)
    is_local_default = models.BooleanField(
        _("本地默认值"), default=False, help_text=_("由本系统拟定、待以本市标准替换的时限")
    )

    class Meta:
        abstract = True

    @property
    def limit(self) -> TimeLimit:
        return TimeLimit(self.limit_amount, self.limit_unit)


class Category(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices, editable=False)
    code = models.CharField(_("编码"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)
    keywords = models.TextField(
        _("关键词"), blank=True, help_text=_("用于由描述文字推荐分类；以逗号、顿号或空格分隔")
    )
    dedup_radius_m = models.PositiveIntegerField(
        _("查重半径（米）"),
        default=DEFAULT_DEDUP_RADIUS_M,
        help_text=_("受理时提示此半径内同类未结案件"),
    )
    dedup_window_hours = models.PositiveIntegerField(
        _("查重时段（小时）"),
        default=DEFAULT_DEDUP_WINDOW_HOURS,
        help_text=_("只提示此时段内上报的同类案件"),
    )
    shiwu_item = models.CharField(_("十无事项"), max_length=32, choices=ShiwuItem.choices, blank=True)
    is_local_default = models.BooleanField(
        _("本地默认编码"), default=False, help_text=_("编码由本系统拟定，待以本市标准替换")
    )
    # Which row of the shipped default tree this is ("event/市容环境/私搭乱建"), so reloading the defaults
    # recognises a category an administrator has since renamed or recoded. Blank for the city's own rows.
    default_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("案件分类")
        verbose_name_plural = _("案件分类")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="taxonomy_category_code_unique_in_kind"),
            models.UniqueConstraint(
                fields=["shiwu_item"],
                condition=~models.Q(shiwu_item=""),
                name="taxonomy_one_category_per_shiwu_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.name}"

    def keyword_list(self) -> list[str]:
        from jingzhi.taxonomy.rules import split_keywords

        return split_keywords(self.keywords)

    @property
    def path_name(self) -> str:
        """大类 › 小类 › 子类, walking parents (select_related them when listing)."""
        names = []
        node: Category | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))


class FilingCondition(LimitFields):
    """立案条件: when a report of this category is filed, and the 处置时限 that then applies."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="filing_conditions", verbose_name=_("分类")
    )
    sort_order = models.PositiveSmallIntegerField(_("序号"), default=1)
    text = models.CharField(_("立案条件"), max_length=300)
    level = models.CharField(
        _("等级"), max_length=1, choices=ConditionLevel.choices, default=ConditionLevel.A
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["category_id", "sort_order", "id"]
        verbose_name = _("立案条件")
        verbose_name_plural = _("立案条件")
        constraints = [
            models.UniqueConstraint(fields=["category", "sort_order"], name="taxonomy_filing_condition_order")
        ]

    def __str__(self) -> str:
        return f"{self.text}（{self.get_level_display()}，{self.limit}）"


class ClosingCondition(models.Model):
    """结案条件: what must be true on site for a case of this category to be closed."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="closing_conditions", verbose_name=_("分类")
    )
    sort_order = models.PositiveSmallIntegerField(_("序号"), default=1)
    text = models.CharField(_("结案条件"), max_length=300)

    class Meta:
        ordering = ["category_id", "sort_order", "id"]
        verbose_name = _("结案条件")
        verbose_name_plural = _("结案条件")

    def __str__(self) -> str:
        return self.text


class StepLimit(LimitFields):
    """A time limit for one step of the loop; a row without a category is the global default. A category
    without its own row inherits its parent's (see `limits.limit_for`)."""

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="step_limits",
        verbose_name=_("分类"),
        help_text=_("留空为全局默认"),
    )
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices)

    class Meta:
        ordering = ["category_id", "step"]
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "step"], name="taxonomy_step_limit_unique"),
            # NULLs are distinct in a unique index, so the global default needs its own constraint.
            models.UniqueConstraint(
                fields=["step"],
                condition=models.Q(category__isnull=True),
                name="taxonomy_one_global_step_limit",
            ),
        ]

    def __str__(self) -> str:
        owner = self.category.name if self.category_id else _("全局默认")
        return f"{owner} · {self.get_step_display()} · {self.limit}"


class RequestType(models.Model):
    """12345 诉求类型: 咨询, 求助, 投诉, 举报, 建议."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    sort_order = models.PositiveSmallIntegerField(_("序号"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("诉求类型")
        verbose_name_plural = _("诉求类型")

    def __str__(self) -> str:
        return self.name


class Urgency(LimitFields):
    """12345 urgency and its feedback limit (紧急 2 h, 涉及水电气热 24 h, 一般 7 日, 疑难复杂 15 日 by default)."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    sort_order = models.PositiveSmallIntegerField(_("序号"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("紧急程度")
        verbose_name_plural = _("紧急程度")

    def __str__(self) -> str:
        return f"{self.name}（{self.limit}）"


class Generation(models.Model):
    """One row whose `token` the database itself rewrites (triggers, see migration 0002) on every insert,
    update, delete or truncate of the category and step-limit tables — whatever wrote them: the admin, an
    import, a queryset `.update()`, another process. Per-process caches of the tree and of the limits
    (`queries.generation_token`) key on it, so they are never stale and cost one tiny read to check. The
    token is random, not a counter, so a table emptied and refilled (tests, a restored dump) never matches
    an old cache by accident."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("分类版本")
        verbose_name_plural = _("分类版本")

    def __str__(self) -> str:
        return self.token
