"""The versioned 十无 standard: loading the default and creating a new version (items, deductions, grade rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit
from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.core.types import Actor
from jingzhi.rectification import permissions, rules
from jingzhi.rectification.models import (
    AccountabilityRule,
    StandardItem,
    StandardVersion,
)
from jingzhi.rectification.verbs import AuditVerb

from ._common import DEFAULT_RULES, DEFAULT_VERSION_CODE, _date, _decimal, _text, _user


def _mapped_category(code: str):
    from jingzhi.taxonomy.models import ShiwuItem
    from jingzhi.taxonomy.queries import shiwu_mapping

    if code not in ShiwuItem.values:
        return None
    return shiwu_mapping().get(code)


def do_load_default_standard(*, actor: Actor = None) -> StandardVersion:
    """The 2017 edition of 十无一创建 (ten items of 10 points, 一创建 as a goal) and the default
    accountability rules. Idempotent: an existing edition is kept; unmapped items pick up their category
    once taxonomy maps it."""
    with transaction.atomic():
        version = StandardVersion.objects.filter(code=DEFAULT_VERSION_CODE).first()
        if version is None:
            has_current = StandardVersion.objects.filter(is_current=True).exists()
            version = StandardVersion.objects.create(
                code=DEFAULT_VERSION_CODE,
                name=_("背街小巷环境整治提升“十无一创建”标准"),
                effective_from=date(2017, 4, 1),
                is_current=not has_current,
                note=_("默认配置：低于 90 分降为不达标，连续 3 个月不低于 90 分复档。"),
            )
            for position, (code, name, points, per, text) in enumerate(rules.DEFAULT_ITEMS, start=1):
                StandardItem.objects.create(
                    version=version,
                    code=code,
                    name=name,
                    position=position,
                    points=Decimal(points),
                    deduction_per_finding=Decimal(per),
                    deduction_rule=text,
                    category=_mapped_category(code),
                )
            StandardItem.objects.create(
                version=version,
                code=rules.CIVILIZED_CODE,
                name=rules.CIVILIZED_NAME,
                position=len(rules.DEFAULT_ITEMS) + 1,
                points=Decimal(0),
                deduction_per_finding=Decimal(0),
                is_creation_goal=True,
                deduction_rule=_("十项连续达标且群众满意度达标，评为文明街巷"),
            )
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.STANDARD_LOADED,
                target=version,
                new={"code": version.code, "items": len(rules.DEFAULT_ITEMS) + 1},
            )
        else:
            for item in version.items.filter(category__isnull=True, is_creation_goal=False):
                category = _mapped_category(item.code)
                if category is not None:
                    item.category = category
                    item.save(update_fields=["category"])
                    audit.record(
                        actor=_user(actor),
                        verb=AuditVerb.ITEM_MAPPED,
                        target=item,
                        new={"category": category.code},
                    )
        for months, kind, note in DEFAULT_RULES:
            rule, created = AccountabilityRule.objects.get_or_create(
                failing_months=months, proposal=kind, defaults={"note": note}
            )
            if created:
                audit.record(
                    actor=_user(actor),
                    verb=AuditVerb.RULE_CREATED,
                    target=rule,
                    new={"failing_months": months, "proposal": kind},
                )
    return version


@dataclass
class ItemSpec:
    code: str
    name: str
    points: Decimal
    deduction_per_finding: Decimal = Decimal(2)
    deduction_rule: str = ""
    category: object = None
    replaces: list[str] = field(default_factory=list)
    is_creation_goal: bool = False


def do_create_standard_version(
    *,
    actor: Actor,
    code: str,
    name: str,
    effective_from,
    items: list[dict],
    make_current: bool = True,
    note: str = "",
    copy_rules_from=None,
) -> StandardVersion:
    """A new edition: items may be renamed (same code), merged (a new code naming the codes it replaces)
    or added. Old inspections keep pointing at the old edition's rows, so nothing is rewritten."""
    if actor is not None and not (
        permissions.access.is_superuser(actor) or permissions.access.has_role(actor, "district_admin")
    ):
        raise PermissionDenied(_("只有区管理员可以发布新的十无标准版本"))
    code, name = _text(code, 32), _text(name, 100)
    if not code or not name:
        raise InvalidInput(_("请填写版本编码和名称"), fields={"code": "required", "name": "required"})
    if StandardVersion.objects.filter(code=code).exists():
        raise Conflict(_("标准版本编码“%(c)s”已存在") % {"c": code}, fields={"code": "duplicate"})
    effective_from = _date(effective_from, "effective_from", _("启用日期"))
    base = copy_rules_from or StandardVersion.objects.filter(is_current=True).first()
    specs, seen = [], set()
    for index, raw in enumerate(items):
        item_code, item_name = _text(raw.get("code"), 48), _text(raw.get("name"), 64)
        if not item_code or not item_name:
            raise InvalidInput(
                _("第 %(n)d 项缺少编码或名称") % {"n": index + 1}, fields={f"items.{index}": "required"}
            )
        if item_code in seen:
            raise InvalidInput(
                _("事项编码“%(c)s”重复") % {"c": item_code}, fields={f"items.{index}.code": "duplicate"}
            )
        seen.add(item_code)
        spec = ItemSpec(
            code=item_code,
            name=item_name,
            points=_decimal(raw.get("points", 0), f"items.{index}.points", _("分值")),
            deduction_per_finding=_decimal(
                raw.get("deduction_per_finding", 2), f"items.{index}.deduction_per_finding", _("每处扣分")
            ),
            deduction_rule=_text(raw.get("deduction_rule"), 200),
            category=raw.get("category"),
            replaces=list(raw.get("replaces") or []),
            is_creation_goal=bool(raw.get("is_creation_goal")),
        )
        specs.append(spec)
    full = int(base.full_score) if base else 100
    total = sum((s.points for s in specs if not s.is_creation_goal), Decimal(0))
    if total != full:
        raise InvalidInput(
            _("各事项分值合计 %(t)s 分，应等于满分 %(f)d 分") % {"t": rules._num(total), "f": full},
            fields={"items": "points_total"},
        )
    with transaction.atomic():
        if make_current:
            StandardVersion.objects.filter(is_current=True).update(is_current=False)
        version = StandardVersion.objects.create(
            code=code,
            name=name,
            effective_from=effective_from,
            is_current=make_current,
            note=_text(note),
            full_score=full,
            **(
                {
                    f: getattr(base, f)
                    for f in (
                        "downgrade_below",
                        "restore_at_least",
                        "restore_months",
                        "civilized_clean_months",
                        "civilized_satisfaction",
                    )
                }
                if base
                else {}
            ),
        )
        for position, spec in enumerate(specs, start=1):
            category = spec.category if spec.category is not None else _mapped_category(spec.code)
            if category is None and spec.replaces:
                category = _mapped_category(spec.replaces[0])
            StandardItem.objects.create(
                version=version,
                code=spec.code,
                name=spec.name,
                position=position,
                points=spec.points,
                deduction_per_finding=spec.deduction_per_finding,
                deduction_rule=spec.deduction_rule,
                category=category,
                replaces=spec.replaces,
                is_creation_goal=spec.is_creation_goal,
            )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.STANDARD_CREATED,
            target=version,
            new={"code": code, "items": [s.code for s in specs], "current": make_current},
        )
    return version
