"""The GeoReport v2 service list, built from our active case categories.

A service is an active category that has no active children (what a resident reports is specific: "暴露
垃圾", not "市容环境"); its `service_code` is the category's kind and code (`component-0101`,
`event-0103`), stable across renames; `group` is the top class (大类) it sits under. A category with filing
conditions (立案条件) has `metadata=true`, and its definition offers them as the optional single-value
attribute `filing_condition`, so a client can say which condition it saw. Every service is `realtime`: the
case — and its id — exists the moment the POST returns. Reads go through `taxonomy.queries` only.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core.text import listing
from jingzhi.open311.spec import Attribute, Open311Error
from jingzhi.taxonomy import queries as taxonomy
from jingzhi.taxonomy.models import Category, FilingCondition

FILING_CONDITION = "filing_condition"


def service_code_of(category) -> str:
    return f"{category.kind}-{category.code}"


def _split_code(service_code: str) -> tuple[str, str] | None:
    kind, sep, code = (service_code or "").partition("-")
    if not sep or kind not in ("component", "event") or not code:
        return None
    return kind, code


def services() -> list[Category]:
    """The leaf categories that are active, in tree order, with their condition counts."""
    categories = list(taxonomy.active_categories())
    parents = {c.parent_id for c in categories if c.parent_id}
    leaves = [c for c in categories if c.pk not in parents]
    with_conditions = set(
        FilingCondition.objects.filter(is_active=True, category__in=leaves).values_list(
            "category_id", flat=True
        )
    )
    for category in leaves:
        category.has_conditions = category.pk in with_conditions
    return leaves


def top_class(category) -> Category:
    node = category
    while node.parent_id is not None and node.parent is not None:
        node = node.parent
    return node


def service_dict(category) -> dict:
    return {
        "service_code": service_code_of(category),
        "service_name": category.name,
        "description": category.path_name,
        "metadata": bool(getattr(category, "has_conditions", False)),
        "type": "realtime",
        "keywords": ", ".join(category.keyword_list()) or None,
        "group": top_class(category).name,
    }


def access_service(service_code: str) -> Category:
    """The active leaf category behind `service_code`; a spec 404 when there is none."""
    parts = _split_code(service_code)
    found = None
    if parts is not None:
        found = next((c for c in services() if (c.kind, c.code) == parts), None)
    if found is None:
        raise Open311Error(
            404, _("服务编码“%(code)s”不存在或已停用，请先读取 services 列表") % {"code": service_code}
        )
    return found


def categories_for_codes(codes: list[str]) -> list[int]:
    """Category ids behind service codes used as a filter (inactive categories included: old requests keep
    their service). A code that was never a category is a spec 400."""
    ids, unknown = [], []
    for code in codes:
        parts = _split_code(code)
        category = Category.objects.filter(kind=parts[0], code=parts[1]).first() if parts else None
        if category is None:
            unknown.append(code)
        else:
            ids.append(category.pk)
    if unknown:
        raise Open311Error(400, _("未知的服务编码：%(codes)s") % {"codes": listing(unknown)})
    return ids


def definition(category) -> list[Attribute]:
    conditions = taxonomy.filing_conditions_for(category)
    if not conditions:
        return []
    return [
        Attribute(
            code=FILING_CONDITION,
            description=_("您看到的情形（立案条件），可不选，由受理人员核实后确定"),
            datatype="singlevaluelist",
            required=False,
            variable=True,
            order=1,
            datatype_description=_("从列表中选择一项"),
            values=tuple((str(c.pk), f"{c.text}（{c.get_level_display()}，{c.limit}）") for c in conditions),
        )
    ]


def definition_dict(category) -> dict:
    return {
        "service_code": service_code_of(category),
        "attributes": [a.as_dict() for a in definition(category)],
    }
