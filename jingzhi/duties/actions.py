"""The only code that writes the responsibility list and the routing gaps.

Each `do_*` runs in one transaction and leaves an audit row with old and new values. Permissions are not
checked here: the interfaces (admin, web, api, the command line run by the operator) decide who may edit
the list. `route_and_record` is the thin wrapper case intake calls: the pure decision from `routing`, then,
when it fell to the district government, the gap counted here.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jingzhi.accounts.models import Department
from jingzhi.core import audit, clock, tabular
from jingzhi.core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from jingzhi.core.text import listing
from jingzhi.core.types import Actor
from jingzhi.duties import loader, rules
from jingzhi.duties.exceptions import DutyImportError
from jingzhi.duties.loader import route
from jingzhi.duties.models import DutyRule, DutyRuleDepartment, RoutingGap
from jingzhi.duties.routing import Place, RouteDecision
from jingzhi.duties.verbs import AuditVerb

_UNSET = object()
_FIELDS = (
    "category",
    "exact_only",
    "scope_kind",
    "scope_code",
    "basis",
    "note",
    "is_active",
    "valid_from",
    "valid_to",
)


def normalise_departments(departments, lead) -> list[tuple[Department, bool]]:
    """[(Department, is_lead)] from Departments, (Department, is_lead) pairs, and/or a separate `lead`."""
    pairs = []
    for item in departments or []:
        if isinstance(item, tuple | list):
            department, is_lead = item[0], bool(item[1])
        else:
            department, is_lead = item, False
        pairs.append((department, is_lead))
    if lead is not None:
        if not any(d.pk == lead.pk for d, _l in pairs):
            pairs.append((lead, True))
        pairs = [(d, d.pk == lead.pk) for d, _l in pairs]
    if len(pairs) == 1:
        pairs = [(pairs[0][0], True)]  # a lone department leads without being told
    return pairs


def _values(rule: DutyRule, pairs: list[tuple[Department, bool]]) -> dict:
    return {
        "category": rule.category_id,
        "category_code": rule.category.code,
        "exact_only": rule.exact_only,
        "scope_kind": rule.scope_kind,
        "scope_code": rule.scope_code,
        "departments": [[d.code, is_lead] for d, is_lead in pairs],
        "basis": rule.basis,
        "note": rule.note,
        "is_active": rule.is_active,
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
    }


def _current_pairs(rule: DutyRule) -> list[tuple[Department, bool]]:
    return [(row.department, row.is_lead) for row in rule.assignments.select_related("department")]


def _validate(rule: DutyRule, pairs: list[tuple[Department, bool]]) -> None:
    """Shape checks, then refuse an exact duplicate of another rule (same category, scope, departments and
    lead, overlapping validity). A same-place rule naming *other* departments is allowed on purpose: it is
    a conflict the coverage report shows and routing refuses to guess."""
    problems: dict[str, list[str]] = {}
    if rule.category_id is None:
        problems["category"] = [_("必须选择案件分类")]
    scope_problem = rules.scope_code_problem(rule.scope_kind, rule.scope_code)
    if scope_problem:
        problems["scope_code"] = [scope_problem]
    lead_problem = rules.lead_problem([(d.code, is_lead) for d, is_lead in pairs])
    if lead_problem:
        problems["departments"] = [lead_problem]
    inactive = [d.name for d, _l in pairs if not d.is_active]
    if inactive:
        problems.setdefault("departments", []).append(
            _("部门已停用：%(names)s") % {"names": listing(inactive)}
        )
    validity = rules.validity_problem(rule.valid_from, rule.valid_to)
    if validity:
        problems["valid_to"] = [validity]
    if problems:
        detail = "；".join(message for messages in problems.values() for message in messages)
        raise InvalidInput(_("职责规则有误：%(detail)s") % {"detail": detail}, fields=problems)
    if not rule.is_active:
        return
    key = (next((d.pk for d, lead in pairs if lead), None), frozenset(d.pk for d, _l in pairs))
    same = (
        DutyRule.objects.filter(
            category_id=rule.category_id,
            exact_only=rule.exact_only,
            scope_kind=rule.scope_kind,
            scope_code=rule.scope_code,
            is_active=True,
        )
        .exclude(pk=rule.pk)
        .prefetch_related("assignments")
    )
    for other in same:
        other_key = (
            next((a.department_id for a in other.assignments.all() if a.is_lead), None),
            frozenset(a.department_id for a in other.assignments.all()),
        )
        if other_key == key and rules.periods_overlap(
            rule.valid_from, rule.valid_to, other.valid_from, other.valid_to
        ):
            raise Conflict(
                _("与规则 #%(id)s 完全重复（同一分类、范围、部门和有效期），未保存") % {"id": other.pk},
                code="duplicate",
                fields={"rule": [other.pk]},
            )


def check_duty_rule(rule: DutyRule, pairs: list[tuple[Department, bool]]) -> None:
    """The checks the actions run before writing, for forms that want to show them first."""
    _validate(rule, pairs)


def _write_departments(rule: DutyRule, pairs: list[tuple[Department, bool]]) -> None:
    rule.assignments.all().delete()
    DutyRuleDepartment.objects.bulk_create(
        [DutyRuleDepartment(rule=rule, department=d, is_lead=is_lead) for d, is_lead in pairs]
    )


def do_create_duty_rule(
    *,
    actor: Actor,
    category,
    scope_kind: str,
    scope_code: str = "",
    departments=(),
    lead: Department | None = None,
    exact_only: bool = False,
    basis: str = "",
    note: str = "",
    is_active: bool = True,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> DutyRule:
    """A new rule. `departments` holds Departments or (Department, is_lead) pairs; `lead` may name the lead
    instead. One department leads by itself; several need exactly one lead."""
    if category is not None and not category.is_active:
        raise InvalidInput(
            _("案件分类“%(name)s”已停用，不能为其新建职责规则") % {"name": category.name},
            fields={"category": [_("已停用")]},
        )
    pairs = normalise_departments(departments, lead)
    now = clock.now()
    rule = DutyRule(
        category=category,
        exact_only=bool(exact_only),
        scope_kind=scope_kind,
        scope_code=(scope_code or "").strip(),
        basis=basis or "",
        note=note or "",
        is_active=is_active,
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=now,
        updated_at=now,
    )
    with transaction.atomic():
        _validate(rule, pairs)
        rule.save()
        _write_departments(rule, pairs)
        audit.record(actor=actor, verb=AuditVerb.DUTY_RULE_CREATED, target=rule, new=_values(rule, pairs))
    loader.clear_cache()
    return rule


def do_update_duty_rule(
    *,
    actor: Actor,
    rule: DutyRule,
    departments=_UNSET,
    lead: Department | None = None,
    note_for_audit: str = "",
    **changes,
) -> DutyRule:
    """Change some of a rule's fields (`category`, `exact_only`, `scope_kind`, `scope_code`, `basis`,
    `note`, `is_active`, `valid_from`, `valid_to`) and/or its departments. Nothing changes → no write."""
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise InvalidInput(
            _("无法修改的字段：%(f)s") % {"f": listing(sorted(unknown))},
            fields={f: [_("不可修改")] for f in unknown},
        )
    with transaction.atomic():
        try:
            locked = DutyRule.objects.select_for_update().select_related("category").get(pk=rule.pk)
        except DutyRule.DoesNotExist as exc:
            raise NotFound(_("职责规则 #%(id)s 不存在") % {"id": rule.pk}) from exc
        old_pairs = _current_pairs(locked)
        old = _values(locked, old_pairs)
        if "scope_code" in changes:
            changes["scope_code"] = (changes["scope_code"] or "").strip()
        changed = [f for f, v in changes.items() if getattr(locked, f) != v]
        for field_name in changed:
            setattr(locked, field_name, changes[field_name])
        if departments is _UNSET and lead is not None:
            departments = [d for d, _l in old_pairs]
        pairs = old_pairs if departments is _UNSET else normalise_departments(departments, lead)
        pairs_changed = [(d.pk, bool(x)) for d, x in pairs] != [(d.pk, bool(x)) for d, x in old_pairs]
        if not changed and not pairs_changed:
            return locked
        if "category" in changed and not locked.category.is_active:
            raise InvalidInput(
                _("案件分类“%(name)s”已停用") % {"name": locked.category.name},
                fields={"category": [_("已停用")]},
            )
        _validate(locked, pairs)
        locked.updated_at = clock.now()
        locked.save(update_fields=[*changed, "updated_at"])
        if pairs_changed:
            _write_departments(locked, pairs)
        audit.record(
            actor=actor,
            verb=AuditVerb.DUTY_RULE_UPDATED,
            target=locked,
            old=old,
            new=_values(locked, pairs),
            note=note_for_audit,
        )
    loader.clear_cache()
    rule.refresh_from_db()
    return locked


def do_deactivate_duty_rule(*, actor: Actor, rule: DutyRule, note: str = "") -> DutyRule:
    """Switch a rule off (rules are never deleted: old routing reasons keep naming them)."""
    return do_update_duty_rule(actor=actor, rule=rule, is_active=False, note_for_audit=note)


def do_record_routing_gap(*, category, place_code: str, actor: Actor = None) -> RoutingGap:
    """Count one case that fell to the fallback department. The first sighting of a (category, place) is
    audited; later ones only raise the count and `last_seen` (an F() update, safe under concurrent intake),
    because every one of those cases already has its own audit trail."""
    place_code = (place_code or "").strip()
    now = clock.now()
    with transaction.atomic():
        updated = RoutingGap.objects.filter(category=category, place_code=place_code).update(
            count=F("count") + 1, last_seen=now
        )
        if updated:
            return RoutingGap.objects.get(category=category, place_code=place_code)
        try:
            with transaction.atomic():
                gap = RoutingGap.objects.create(
                    category=category, place_code=place_code, first_seen=now, last_seen=now, count=1
                )
        except IntegrityError:
            # Another intake created it between our update and insert: count on theirs.
            RoutingGap.objects.filter(category=category, place_code=place_code).update(
                count=F("count") + 1, last_seen=now
            )
            return RoutingGap.objects.get(category=category, place_code=place_code)
        audit.record(
            actor=actor,
            verb=AuditVerb.ROUTING_GAP_FOUND,
            target=gap,
            new={"category": category.pk, "place_code": place_code},
        )
    return gap


def route_and_record(category, place, *, on: date | None = None, actor: Actor = None) -> RouteDecision:
    """`loader.route`, and when it fell to the district government, the gap counted (in the caller's
    transaction when there is one)."""
    decision = route(category, place, on=on)
    if decision.fallback:
        from jingzhi.taxonomy.models import Category

        if not isinstance(category, Category):
            category = Category.objects.get(pk=getattr(category, "id", category))
        do_record_routing_gap(category=category, place_code=Place.of(place).most_specific_code, actor=actor)
    return decision


def do_import_duty_rules(*, actor: Actor, source) -> dict:
    """Import an Excel sheet or CSV (see `excel`): rows grouped into rules by their key; a rule whose key
    matches an existing rule updates it (departments, 依据, 启用), any other is created. Rules not in the
    sheet are left alone. All or nothing: every problem of every row is collected, then `DutyImportError`
    is raised and nothing is written. Returns {"created", "updated", "unchanged", "rows"}."""
    from jingzhi.duties import excel

    rows = excel.read_rows(source)  # the column spec and per-row checks
    problems = tabular.Problems(DutyImportError)
    plans = _plan_rule_groups(rows, problems)  # checks across the rows of one rule
    problems.raise_if_any()
    return _apply_rule_plans(actor, plans, rows, problems)


def _plan_rule_groups(rows, problems) -> list:
    """[(rows, category, [(department, is_lead)])] for each rule of the sheet, or problems for it."""
    from jingzhi.duties import excel
    from jingzhi.taxonomy.models import Category

    categories = {
        (c.kind, c.code): c for c in Category.objects.filter(code__in={r.category_code for r in rows})
    }
    departments = {d.code: d for d in Department.objects.filter(code__in={r.department_code for r in rows})}
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(row.rule_key, []).append(row)
    plans = []
    for members in groups.values():
        before = len(problems)
        where = _("第 %(n)s 行") % {"n": listing(str(r.number) for r in members)}

        def add(message, where=where, first=members[0].number):
            problems.add(message, row=first, where=where)

        first = members[0]
        category = categories.get((first.kind, first.category_code))
        if category is None:
            add(
                _("分类编码“%(code)s”（%(kind)s）不存在")
                % {"code": first.category_code, "kind": excel.KIND_LABELS[first.kind]}
            )
        seen: dict[str, int] = {}
        pairs = []
        for row in members:
            if row.department_code in seen:
                problems.add(
                    _("与第 %(m)d 行重复（同一规则、同一部门）") % {"m": seen[row.department_code]},
                    row=row.number,
                )
                continue
            seen[row.department_code] = row.number
            department = departments.get(row.department_code)
            if department is None:
                problems.add(_("部门编码“%(code)s”不存在") % {"code": row.department_code}, row=row.number)
                continue
            pairs.append((department, row.is_lead))
        leads = [r.number for r in members if r.is_lead]
        rule_where = _("%(where)s（同一规则）") % {"where": where}
        if len(members) > 1 and len(leads) > 1:
            add(
                _("只能有一个牵头部门，第 %(leads)s 行都标为牵头") % {"leads": listing(map(str, leads))},
                where=rule_where,
            )
        elif len(members) > 1 and not leads:
            add(_("多个部门共同负责时必须有一行“是否牵头”为“是”"), where=rule_where)
        for attribute, label in (("basis", _("依据")), ("is_active", _("启用"))):
            if len({getattr(r, attribute) for r in members}) > 1:
                add(_("各行的“%(col)s”不一致") % {"col": label}, where=rule_where)
        if len(problems) == before:
            plans.append((members, category, pairs))
    return plans


def _apply_rule_plans(actor, plans, rows, problems) -> dict:
    """Create or update each planned rule, in one transaction; a rule the actions refuse is one more
    problem and undoes the lot."""
    summary = {"created": 0, "updated": 0, "unchanged": 0, "rows": len(rows)}
    with transaction.atomic():
        for members, category, pairs in plans:
            first = members[0]
            where = _("第 %(n)s 行") % {"n": listing(str(r.number) for r in members)}
            existing = list(
                DutyRule.objects.filter(
                    category=category,
                    exact_only=first.exact_only,
                    scope_kind=first.scope_kind,
                    scope_code=first.scope_code,
                    valid_from=first.valid_from,
                    valid_to=first.valid_to,
                ).order_by("-is_active", "id")
            )
            try:
                with transaction.atomic():
                    if len(existing) > 1:
                        wanted = {d.pk for d, _l in pairs}
                        existing = [
                            r for r in existing if {a.department_id for a in r.assignments.all()} == wanted
                        ] or existing
                    if len(existing) > 1:
                        raise Conflict(
                            _("已有多条同一分类、同一范围的规则（%(ids)s），无法确定更新哪一条")
                            % {"ids": listing(f"#{r.pk}" for r in existing)}
                        )
                    if existing:
                        before = existing[0].updated_at
                        rule = do_update_duty_rule(
                            actor=actor,
                            rule=existing[0],
                            departments=pairs,
                            basis=first.basis,
                            is_active=first.is_active,
                            note_for_audit=_("Excel 导入"),
                        )
                        summary["updated" if rule.updated_at != before else "unchanged"] += 1
                    else:
                        do_create_duty_rule(
                            actor=actor,
                            category=category,
                            scope_kind=first.scope_kind,
                            scope_code=first.scope_code,
                            departments=pairs,
                            exact_only=first.exact_only,
                            basis=first.basis,
                            is_active=first.is_active,
                            valid_from=first.valid_from,
                            valid_to=first.valid_to,
                        )
                        summary["created"] += 1
            except ApplicationError as exc:
                problems.add(exc.message, row=first.number, where=where)
        problems.raise_if_any()
        audit.record(
            actor=actor, verb=AuditVerb.DUTY_RULES_IMPORTED, target=("duties.dutyrule", "*"), new=summary
        )
    loader.clear_cache()
    return summary
