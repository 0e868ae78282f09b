"""The only code that writes taxonomy tables.

Each `do_*` runs in one transaction and leaves an audit row with old and new values (verbs start with
`taxonomy.`). Categories are never deleted — cases keep pointing at them — only deactivated, and a
deactivated 大类 takes its subtree with it. Codes, kinds and parents are fixed once created: the code *is*
the position in the tree (a subtree is a code prefix), so moving a node means creating a new one.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from jingzhi.core import audit
from jingzhi.core.errors import Conflict, InvalidInput
from jingzhi.core.text import listing
from jingzhi.core.types import Actor
from jingzhi.taxonomy import rules
from jingzhi.taxonomy.limits import TimeLimit
from jingzhi.taxonomy.models import (
    DEFAULT_DEDUP_RADIUS_M,
    DEFAULT_DEDUP_WINDOW_HOURS,
    Category,
    ClosingCondition,
    ConditionLevel,
    FilingCondition,
    Kind,
    RequestType,
    ShiwuItem,
    StepLimit,
    Urgency,
)
from jingzhi.taxonomy.verbs import AuditVerb

CATEGORY_FIELDS = (
    "kind",
    "code",
    "name",
    "parent_id",
    "level",
    "is_active",
    "keywords",
    "dedup_radius_m",
    "dedup_window_hours",
    "shiwu_item",
    "is_local_default",
)
CATEGORY_EDITABLE = {
    "name",
    "is_active",
    "keywords",
    "dedup_radius_m",
    "dedup_window_hours",
    "shiwu_item",
    "is_local_default",
}


def _values(obj, fields) -> dict:
    return {field: getattr(obj, field) for field in fields}


def _check_shiwu_free(shiwu_item: str, *, except_pk=None) -> None:
    if not shiwu_item:
        return
    if shiwu_item not in ShiwuItem.values:
        raise InvalidInput(
            _("十无事项“%(item)s”不存在") % {"item": shiwu_item}, fields={"shiwu_item": "unknown"}
        )
    holder = Category.objects.filter(shiwu_item=shiwu_item).exclude(pk=except_pk).first()
    if holder is not None:
        raise InvalidInput(
            _("十无事项“%(item)s”已对应分类 %(code)s %(name)s，一个事项只能对应一个分类")
            % {"item": ShiwuItem(shiwu_item).label, "code": holder.code, "name": holder.name},
            fields={"shiwu_item": "taken"},
        )


def _check_counts(dedup_radius_m, dedup_window_hours) -> None:
    for field, value, label in (
        ("dedup_radius_m", dedup_radius_m, _("查重半径")),
        ("dedup_window_hours", dedup_window_hours, _("查重时段")),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidInput(
                _("%(label)s必须是不小于 0 的整数，收到 %(value)s") % {"label": label, "value": value},
                fields={field: "invalid"},
            )


def do_create_category(
    *,
    actor: Actor,
    kind: str,
    code: str,
    name: str,
    parent: Category | None = None,
    keywords: str | list[str] = "",
    is_active: bool = True,
    dedup_radius_m: int = DEFAULT_DEDUP_RADIUS_M,
    dedup_window_hours: int = DEFAULT_DEDUP_WINDOW_HOURS,
    shiwu_item: str = "",
    is_local_default: bool = False,
    default_key: str = "",
) -> Category:
    code = (code or "").strip()
    name = (name or "").strip()
    if kind not in Kind.values:
        raise InvalidInput(
            _("分类类型“%(kind)s”无效，应为 部件 或 事件") % {"kind": kind}, fields={"kind": "invalid"}
        )
    if not rules.code_is_valid(code):
        raise InvalidInput(
            _("分类编码“%(code)s”无效：只能是 1–20 位数字或字母") % {"code": code}, fields={"code": "invalid"}
        )
    if not name:
        raise InvalidInput(_("分类名称不能为空"), fields={"name": "required"})
    level = rules.level_under(parent.level if parent else None)
    if parent is not None:
        if parent.kind != kind:
            raise InvalidInput(
                _("上级分类 %(code)s 属于另一类型") % {"code": parent.code}, fields={"parent": "kind"}
            )
        if level is None:
            raise InvalidInput(
                _("分类最多三级（大类、小类、子类），%(code)s 已是子类") % {"code": parent.code},
                fields={"parent": "too_deep"},
            )
        if not rules.child_code_fits(parent.code, code):
            raise InvalidInput(
                _("分类编码 %(code)s 须以上级编码 %(parent)s 开头且更长")
                % {"code": code, "parent": parent.code},
                fields={"code": "prefix"},
            )
    _check_counts(dedup_radius_m, dedup_window_hours)
    keywords = rules.join_keywords(keywords)
    with transaction.atomic():
        if Category.objects.filter(kind=kind, code=code).exists():
            raise Conflict(
                _("%(kind)s分类编码 %(code)s 已存在") % {"kind": Kind(kind).label, "code": code},
                fields={"code": "duplicate"},
            )
        _check_shiwu_free(shiwu_item)
        category = Category.objects.create(
            kind=kind,
            code=code,
            name=name,
            parent=parent,
            level=level,
            is_active=is_active,
            keywords=keywords,
            dedup_radius_m=dedup_radius_m,
            dedup_window_hours=dedup_window_hours,
            shiwu_item=shiwu_item,
            is_local_default=is_local_default,
            default_key=default_key,
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.CATEGORY_CREATED,
            target=category,
            new=_values(category, CATEGORY_FIELDS),
        )
    return category


def do_update_category(*, actor: Actor, category: Category, **changes) -> Category:
    """Change a category's editable fields (name, keywords, is_active, dedup radius/window, 十无 item,
    local-default flag). Returns the category unchanged, and writes nothing, when nothing differs."""
    fixed = set(changes) - CATEGORY_EDITABLE
    if fixed:
        raise InvalidInput(
            _("分类的 %(fields)s 创建后不可修改（编码即其在分类树中的位置）；如需调整请新建分类并停用旧分类")
            % {"fields": listing(sorted(fixed))},
            fields={field: "readonly" for field in fixed},
        )
    if "keywords" in changes:
        changes["keywords"] = rules.join_keywords(changes["keywords"])
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise InvalidInput(_("分类名称不能为空"), fields={"name": "required"})
    with transaction.atomic():
        locked = Category.objects.select_for_update().get(pk=category.pk)
        old = _values(locked, CATEGORY_FIELDS)
        changed = {field: value for field, value in changes.items() if getattr(locked, field) != value}
        if not changed:
            return locked
        _check_counts(
            changed.get("dedup_radius_m", locked.dedup_radius_m),
            changed.get("dedup_window_hours", locked.dedup_window_hours),
        )
        if changed.get("shiwu_item"):
            _check_shiwu_free(changed["shiwu_item"], except_pk=locked.pk)
        if changed.get("is_active") and locked.parent_id and not locked.parent.is_active:
            raise InvalidInput(
                _("上级分类 %(code)s 已停用，请先启用上级") % {"code": locked.parent.code},
                fields={"is_active": "parent_inactive"},
            )
        for field, value in changed.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(changed))
        audit.record(
            actor=actor,
            verb=AuditVerb.CATEGORY_UPDATED,
            target=locked,
            old={field: old[field] for field in changed},
            new=changed,
        )
    for field, value in changed.items():
        setattr(category, field, value)
    return locked


def do_deactivate_category(*, actor: Actor, category: Category, note: str = "") -> int:
    """Switch off a category and everything below it (new cases can no longer choose them; existing cases
    keep theirs). Returns how many categories changed."""
    with transaction.atomic():
        subtree = list(
            Category.objects.select_for_update()
            .filter(kind=category.kind, code__startswith=category.code, is_active=True)
            .order_by("code")
        )
        for node in subtree:
            node.is_active = False
            node.save(update_fields=["is_active"])
            audit.record(
                actor=actor,
                verb=AuditVerb.CATEGORY_DEACTIVATED,
                target=node,
                old={"is_active": True},
                new={"is_active": False},
                note=note
                or (_("随上级 %(code)s 停用") % {"code": category.code} if node.pk != category.pk else ""),
            )
    category.is_active = False
    return len(subtree)


def do_save_filing_condition(
    *,
    actor: Actor,
    category: Category,
    text: str,
    limit: TimeLimit,
    level: str = ConditionLevel.A,
    sort_order: int | None = None,
    is_local_default: bool = False,
    is_active: bool = True,
) -> FilingCondition:
    """Create the category's filing condition number `sort_order` (next free number when None), or update
    it when it exists."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("立案条件内容不能为空"), fields={"text": "required"})
    if level not in ConditionLevel.values:
        raise InvalidInput(
            _("立案条件等级“%(level)s”无效，应为 A、B、C 之一") % {"level": level},
            fields={"level": "invalid"},
        )
    if not isinstance(limit, TimeLimit):
        raise InvalidInput(_("处置时限无效"), fields={"limit": "invalid"})
    with transaction.atomic():
        existing = None
        if sort_order is None:
            last = (
                category.filing_conditions.order_by("-sort_order")
                .values_list("sort_order", flat=True)
                .first()
            )
            sort_order = (last or 0) + 1
        else:
            existing = (
                FilingCondition.objects.select_for_update()
                .filter(category=category, sort_order=sort_order)
                .first()
            )
        values = {
            "text": text,
            "level": level,
            "limit_amount": limit.amount,
            "limit_unit": limit.unit,
            "is_local_default": is_local_default,
            "is_active": is_active,
        }
        if existing is None:
            condition = FilingCondition.objects.create(category=category, sort_order=sort_order, **values)
            audit.record(
                actor=actor,
                verb=AuditVerb.FILING_CONDITION_CREATED,
                target=condition,
                new={"category": category.code, "sort_order": sort_order, **values},
            )
            return condition
        old = {field: getattr(existing, field) for field in values}
        changed = {field: value for field, value in values.items() if _differs(old[field], value)}
        if changed:
            for field, value in changed.items():
                setattr(existing, field, value)
            existing.save(update_fields=list(changed))
            audit.record(
                actor=actor,
                verb=AuditVerb.FILING_CONDITION_UPDATED,
                target=existing,
                old={field: old[field] for field in changed},
                new=changed,
            )
        return existing


def _differs(old, new) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(str(old)) != Decimal(str(new))
    return old != new


def do_set_closing_conditions(
    *, actor: Actor, category: Category, texts: list[str]
) -> list[ClosingCondition]:
    """Replace the category's 结案条件 with `texts` (in order); nothing is written when they are the same."""
    texts = [text.strip() for text in texts if text and text.strip()]
    with transaction.atomic():
        current = list(
            ClosingCondition.objects.select_for_update()
            .filter(category=category)
            .order_by("sort_order", "id")
        )
        if [row.text for row in current] == texts:
            return current
        ClosingCondition.objects.filter(category=category).delete()
        rows = [
            ClosingCondition.objects.create(category=category, sort_order=number, text=text)
            for number, text in enumerate(texts, start=1)
        ]
        audit.record(
            actor=actor,
            verb=AuditVerb.CLOSING_CONDITIONS_SET,
            target=category,
            old={"closing_conditions": [row.text for row in current]},
            new={"closing_conditions": texts},
        )
        return rows


def do_set_step_limit(
    *, actor: Actor, category: Category | None, step: str, limit: TimeLimit, is_local_default: bool = False
) -> StepLimit:
    """Set the limit of `step` for `category` (None: the global default)."""
    if not isinstance(limit, TimeLimit):
        raise InvalidInput(_("环节时限无效"), fields={"limit": "invalid"})
    from jingzhi.taxonomy.models import Step

    if step not in Step.values:
        raise InvalidInput(_("未知的办理环节“%(step)s”") % {"step": step}, fields={"step": "unknown"})
    with transaction.atomic():
        row = StepLimit.objects.select_for_update().filter(category=category, step=step).first()
        values = {
            "limit_amount": limit.amount,
            "limit_unit": limit.unit,
            "is_local_default": is_local_default,
        }
        if row is None:
            row = StepLimit.objects.create(category=category, step=step, **values)
            audit.record(
                actor=actor,
                verb=AuditVerb.STEP_LIMIT_SET,
                target=row,
                new={"category": category.code if category else None, "step": step, **values},
            )
            return row
        old = {field: getattr(row, field) for field in values}
        changed = {field: value for field, value in values.items() if _differs(old[field], value)}
        if changed:
            for field, value in changed.items():
                setattr(row, field, value)
            row.save(update_fields=list(changed))
            audit.record(
                actor=actor,
                verb=AuditVerb.STEP_LIMIT_SET,
                target=row,
                old={field: old[field] for field in changed},
                new=changed,
            )
        return row


def do_clear_step_limit(*, actor: Actor, category: Category | None, step: str) -> bool:
    """Remove a category's own limit for `step`, so it inherits again. True when a row was removed."""
    with transaction.atomic():
        row = StepLimit.objects.select_for_update().filter(category=category, step=step).first()
        if row is None:
            return False
        audit.record(
            actor=actor,
            verb=AuditVerb.STEP_LIMIT_CLEARED,
            target=row,
            old={"category": category.code if category else None, "step": step, "limit": str(row.limit)},
        )
        row.delete()
        return True


# Rows an administrator edits in the admin (inlines, request types, urgencies) are saved through these two,
# so every change still lands in the audit chain with its old and new values.
_ADMIN_MODELS = (FilingCondition, ClosingCondition, StepLimit, RequestType, Urgency)


def do_save_row(*, actor: Actor, obj) -> object:
    """Validate and save one admin-edited row of a taxonomy table, with an audit row."""
    if not isinstance(obj, _ADMIN_MODELS):
        raise InvalidInput(_("此类记录不能这样保存"))
    try:
        obj.full_clean()
    except ValidationError as error:
        raise InvalidInput("；".join(error.messages), fields=dict(error.message_dict)) from error
    if hasattr(obj, "limit_amount"):
        TimeLimit(obj.limit_amount, obj.limit_unit)  # raises InvalidInput for 1.5 working days etc.
    with transaction.atomic():
        old = None
        if obj.pk:
            previous = type(obj).objects.select_for_update().filter(pk=obj.pk).first()
            old = model_to_dict(previous) if previous else None
        obj.save()
        new = model_to_dict(obj)
        if old == new:
            return obj
        name = obj._meta.model_name
        audit.record(
            actor=actor,
            verb=AuditVerb(f"taxonomy.{name}_{'updated' if old else 'created'}"),
            target=obj,
            old=old,
            new=new,
        )
    return obj


def do_delete_row(*, actor: Actor, obj) -> None:
    """Delete one admin-edited row (a closing condition, a step limit, a request type or an urgency). Filing
    conditions are deactivated instead, because cases name the condition they were filed under."""
    if isinstance(obj, FilingCondition) or not isinstance(obj, _ADMIN_MODELS):
        raise InvalidInput(_("立案条件不能删除，请改为停用"))
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb=AuditVerb(f"taxonomy.{obj._meta.model_name}_deleted"),
            target=obj,
            old=model_to_dict(obj),
        )
        obj.delete()


def do_import_categories(*, actor: Actor, file) -> dict:
    """Import an Excel workbook in the layout `export_categories()` writes. Everything is checked first;
    any problem raises `TaxonomyImportError` listing every row at fault, and nothing is written. Returns
    counts of what changed."""
    from jingzhi.taxonomy.excel import apply_plan, read_plan

    plan = read_plan(file)
    with transaction.atomic():
        report = apply_plan(plan, actor=actor)
        audit.record(
            actor=actor, verb=AuditVerb.CATEGORIES_IMPORTED, target=("taxonomy.import", "excel"), new=report
        )
    return report


def do_load_default_taxonomy(*, actor: Actor = None) -> dict:
    """Build the shipped default tree, 十无 mapping, request types, urgencies and step limits. Idempotent:
    a row that exists (by kind and code, by code, by step) is left as the administrator made it."""
    from jingzhi.taxonomy.defaults import load_default

    with transaction.atomic():
        return load_default(actor=actor)
