"""Turns the duty tables into the plain records the pure engine (`routing.decide`) works on, and `route()`,
which loads them and decides.

Routing runs on every case intake, so the rule set is cached in the process and rebuilt only when its
stamp — (number of rules, highest id, latest `updated_at`) — changes, which costs one small aggregate query
per call. Every action that writes a rule bumps `updated_at` and also clears this process's cache at once,
so a change made here is seen immediately and a change made by another process at the next call.
Place names for the routing reason come from the active boundary generation.
"""

from __future__ import annotations

import threading
from datetime import date

from django.db import connection
from django.utils import timezone

from jingzhi.core import clock
from jingzhi.duties.routing import (
    CategoryRef,
    DepartmentRef,
    Place,
    RouteDecision,
    RuleRecord,
    RuleSet,
    decide,
)
from jingzhi.duties.rules import DISTRICT

_lock = threading.Lock()
_cache: dict = {"stamp": None, "ruleset": None}


def today() -> date:
    return timezone.localdate(clock.now())


def clear_cache() -> None:
    with _lock:
        _cache["stamp"] = None
        _cache["ruleset"] = None


def _stamp():
    from jingzhi.duties.models import DutyRule

    # Plain SQL: this runs on every routing decision, and the ORM's aggregate compilation costs more than
    # the query itself.
    table = connection.ops.quote_name(DutyRule._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(id), MAX(updated_at) FROM {table}")  # noqa: S608 (no input)
        return tuple(cursor.fetchone())


def place_names(codes_by_kind: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """{(kind, code): name} from the active boundary generation; codes not found are simply absent."""
    from jingzhi.geo.models import Community, District, Grid, Street, Subdistrict

    models = {
        "district": District,
        "subdistrict": Subdistrict,
        "community": Community,
        "grid": Grid,
        "street": Street,
    }
    names = {}
    for kind, codes in codes_by_kind.items():
        model = models.get(kind)
        if model is None or not codes:
            continue
        rows = model.objects.filter(generation__is_active=True, code__in=sorted(codes)).values_list(
            "code", "name"
        )
        names.update({(kind, code): name for code, name in rows})
    return names


def load_records(queryset=None) -> list[RuleRecord]:
    """Every rule (or those of `queryset`) as a RuleRecord; three queries plus one per place level."""
    from jingzhi.duties.models import DutyRule, DutyRuleDepartment

    rules = list((queryset if queryset is not None else DutyRule.objects.all()).select_related("category"))
    by_rule: dict[int, list] = {}
    for row in (
        DutyRuleDepartment.objects.filter(rule_id__in=[r.id for r in rules])
        .select_related("department")
        .order_by("rule_id", "-is_lead", "id")
    ):
        by_rule.setdefault(row.rule_id, []).append(row)
    wanted: dict[str, set[str]] = {}
    for rule in rules:
        if rule.scope_code:
            wanted.setdefault(rule.scope_kind, set()).add(rule.scope_code)
    names = place_names(wanted)
    records = []
    for rule in rules:
        rows = by_rule.get(rule.id, [])
        departments = tuple(
            DepartmentRef(r.department_id, r.department.code, r.department.name) for r in rows
        )
        lead = next((r.department_id for r in rows if r.is_lead), None)
        if lead is None and len(rows) == 1:
            lead = rows[0].department_id
        records.append(
            RuleRecord(
                id=rule.id,
                category_id=rule.category_id,
                category_name=rule.category.name,
                scope_kind=rule.scope_kind,
                scope_code=rule.scope_code,
                departments=departments,
                lead_id=lead,
                exact_only=rule.exact_only,
                scope_label=names.get((rule.scope_kind, rule.scope_code), ""),
                is_active=rule.is_active,
                valid_from=rule.valid_from,
                valid_to=rule.valid_to,
                basis=rule.basis,
            )
        )
    return records


def ruleset() -> RuleSet:
    """Active rules of every date (the engine filters by the day), cached while the stamp holds."""
    from jingzhi.duties.models import DutyRule

    stamp = _stamp()
    with _lock:
        if _cache["stamp"] == stamp and _cache["ruleset"] is not None:
            return _cache["ruleset"]
    built = RuleSet(load_records(DutyRule.objects.filter(is_active=True)))
    with _lock:
        _cache["stamp"], _cache["ruleset"] = stamp, built
    return built


def category_ref(category) -> CategoryRef:
    """A CategoryRef from a Category, its id or a CategoryRef (walks the parents; at most one query)."""
    from jingzhi.taxonomy.models import Category

    if isinstance(category, CategoryRef):
        return category
    if not isinstance(category, Category):
        category = Category.objects.select_related("parent__parent__parent").get(pk=category)
    chain = []
    node = category
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return CategoryRef(id=category.pk, name=category.name, chain=tuple(chain))


def category_refs() -> dict[int, CategoryRef]:
    """Every category as a CategoryRef, from one query (for reports)."""
    from jingzhi.taxonomy.models import Category

    rows = {
        pk: (parent, name) for pk, parent, name in Category.objects.values_list("id", "parent_id", "name")
    }
    refs = {}
    for pk, (_parent, name) in rows.items():
        chain, node, seen = [], pk, set()
        while node is not None and node not in seen:  # `seen` guards against a corrupted (cyclic) tree
            seen.add(node)
            chain.append(node)
            node = rows.get(node, (None, ""))[0]
        refs[pk] = CategoryRef(id=pk, name=name, chain=tuple(chain))
    return refs


def fallback_department(district_code: str | None) -> DepartmentRef | None:
    """The district government's fallback department (兜底): the district's own, else one for any district."""
    from jingzhi.accounts.models import Department

    rows = list(
        Department.objects.filter(is_fallback=True, is_active=True)
        .values_list("id", "code", "name", "district_code")
        .order_by("code")
    )
    for wanted in (district_code or None, ""):
        for pk, code, name, dc in rows:
            if wanted is not None and dc == wanted:
                return DepartmentRef(pk, code, name)
    if not district_code and len(rows) == 1:
        # Place unknown (e.g. outside every grid) and one district government in the deployment: it is theirs.
        pk, code, name, _dc = rows[0]
        return DepartmentRef(pk, code, name)
    return None


def route(category, place, *, on: date | None = None, rules: RuleSet | None = None) -> RouteDecision:
    """Load what is needed and decide: `category` is a taxonomy Category (or its id, or a CategoryRef),
    `place` anything `Place.of` accepts (e.g. what `geo.locate` returned). Reads the database (through the
    cache above) but writes nothing; with `fallback=True` the caller should record the gap
    (`actions.route_and_record` does both)."""
    place = Place.of(place)
    return decide(
        category_ref(category),
        place,
        rules if rules is not None else ruleset(),
        on=on or today(),
        fallback=lambda: fallback_department(place.code_at(DISTRICT)),
    )
