"""Reads of the taxonomy, for cases, duties, rectification and the interfaces.

Categories are few (hundreds) and read constantly, so these functions pre-join parents and return plain
objects. A subtree is a code prefix within a kind (`category_subtree`), which is what `duties` needs to
match "this category or anything below it". Everything an outside app needs from taxonomy is here or in
`limits` (deadlines) — other apps should not query taxonomy's tables themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jingzhi.core.errors import InvalidInput
from jingzhi.core.ids import parse_id
from jingzhi.core.types import RowId
from jingzhi.taxonomy import rules
from jingzhi.taxonomy.exceptions import UnknownCategory
from jingzhi.taxonomy.models import (
    Category,
    ClosingCondition,
    FilingCondition,
    Generation,
    Kind,
    RequestType,
    ShiwuItem,
    Urgency,
)


def active_categories(kind: str | None = None) -> QuerySet[Category]:
    """Categories that can be chosen for a new case, in tree order (kind, code), parents pre-joined."""
    queryset = (
        Category.objects.filter(is_active=True).select_related("parent__parent").order_by("kind", "code")
    )
    return queryset.filter(kind=kind) if kind else queryset


def category_by_code(kind: str, code: str, *, include_inactive: bool = False) -> Category:
    """The category with this code in this kind (部件/事件, as value or label). Raises UnknownCategory."""
    kind_value = rules.parse_kind(kind)
    queryset = Category.objects.select_related("parent__parent")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    category = queryset.filter(kind=kind_value, code=str(code or "").strip()).first() if kind_value else None
    if category is None:
        raise UnknownCategory(
            _("案件分类不存在或已停用：%(kind)s %(code)s") % {"kind": kind, "code": code},
            fields={"category": "unknown"},
        )
    return category


def access_category(pk: RowId) -> Category:
    """An active category by id, for case intake. Missing, malformed and inactive ids all raise
    UnknownCategory with the same message, so the caller need not tell them apart."""
    try:
        category = (
            Category.objects.select_related("parent__parent").filter(pk=int(pk), is_active=True).first()
        )
    except (TypeError, ValueError):
        category = None
    if category is None:
        raise UnknownCategory(_("案件分类不存在或已停用（编号 %(pk)s）") % {"pk": pk})
    return category


def category_subtree(category: Category, *, include_inactive: bool = False) -> QuerySet[Category]:
    """The category and everything below it."""
    queryset = Category.objects.filter(kind=category.kind, code__startswith=category.code)
    return queryset if include_inactive else queryset.filter(is_active=True)


def category_path(category: Category) -> list[Category]:
    """From the 大类 down to `category`."""
    path = []
    node: Category | None = category
    while node is not None:
        path.append(node)
        node = node.parent
    return list(reversed(path))


def filing_conditions_for(category: Category) -> list[FilingCondition]:
    return list(
        FilingCondition.objects.filter(category=category, is_active=True).order_by("sort_order", "id")
    )


def filing_conditions_of(categories: Iterable[Category]) -> list[FilingCondition]:
    """The in-use filing conditions of several categories in one query, grouped by category (the 立案 form
    offers each category's conditions and shows only the chosen category's)."""
    ids = {c.pk for c in categories}
    return list(
        FilingCondition.objects.filter(category_id__in=ids, is_active=True).order_by(
            "category_id", "sort_order", "id"
        )
    )


def closing_conditions_for(category: Category) -> list[ClosingCondition]:
    return list(ClosingCondition.objects.filter(category=category).order_by("sort_order", "id"))


def access_filing_condition(category: Category, pk: RowId) -> FilingCondition:
    """A filing condition of this category that is in use; InvalidInput naming the field otherwise."""
    row_id = parse_id(pk)
    condition = (
        FilingCondition.objects.filter(pk=row_id, category=category, is_active=True).first()
        if row_id
        else None
    )
    if condition is None:
        raise InvalidInput(
            _("所选立案条件不属于分类“%(name)s”或已停用") % {"name": category.name},
            fields={"filing_condition": "unknown"},
        )
    return condition


def dedup_policy(category: Category) -> tuple[int, int]:
    """(radius in metres, window in hours) for duplicate search at intake."""
    return category.dedup_radius_m, category.dedup_window_hours


def shiwu_category(item_code: str) -> Category:
    """The active category a 十无 item's findings are filed under."""
    if item_code not in ShiwuItem.values:
        raise InvalidInput(_("十无事项“%(item)s”不存在") % {"item": item_code}, fields={"item": "unknown"})
    category = Category.objects.select_related("parent").filter(shiwu_item=item_code, is_active=True).first()
    if category is None:
        raise UnknownCategory(
            _("十无事项“%(item)s”尚未对应启用的案件分类，请在分类管理中设置")
            % {"item": ShiwuItem(item_code).label},
            fields={"item": "unmapped"},
        )
    return category


def shiwu_mapping() -> dict[str, Category | None]:
    """Every 十无 item (in published order) with its active category, or None when unmapped."""
    found = {c.shiwu_item: c for c in Category.objects.filter(is_active=True).exclude(shiwu_item="")}
    return {item: found.get(item) for item in ShiwuItem.values}


def suggest_categories(
    text: str, limit: int = 3, *, kind: str | None = None
) -> list[tuple[Category, float, list[str]]]:
    """Categories whose keywords (or name) appear in `text`, best first, as (category, score, matched words).

    The score is the share of the text's characters covered by matched words, plus the matched length
    itself as the main key, so a longer, more specific match beats a short generic one; ties go to the
    lower code (the published 上水井盖 0101 before the other manhole covers). The learned model that will
    sit beside this lives in cases, which owns the filed cases it learns from.
    """
    text = (text or "").strip()
    if not text or limit <= 0:
        return []
    letters = sum(1 for char in text if not char.isspace()) or 1
    scored = []
    for category, words in _keyword_index(kind):
        matched = [word for word in words if word in text]
        # A word inside a longer matched word adds nothing ("井盖" within "上水井盖").
        matched = [word for word in matched if not any(word != other and word in other for other in matched)]
        if not matched:
            continue
        length = sum(len(word) for word in matched)
        scored.append((length, category, matched))
    kind_order = {Kind.COMPONENT: 0, Kind.EVENT: 1}
    scored.sort(key=lambda item: (-item[0], -_depth(item[1]), kind_order.get(item[1].kind, 2), item[1].code))
    return [
        (category, round(min(1.0, length / letters), 3), matched)
        for length, category, matched in scored[:limit]
    ]


# Per process: kind → (generation token, [(category, words)]). The token (one tiny read) changes with every
# write to the category table, whoever makes it — another process, a test, the admin, a bulk `.update()` —
# so an edit is seen at once; what is saved is reading, building and splitting the whole tree per report.
_INDEX: dict = {}


_PINNED: ContextVar[list | None] = ContextVar("taxonomy_generation_pin", default=None)


@contextmanager
def pinned_generation():
    """Within the block (or a call decorated with it), `generation_token` reads the database once: one
    operation — an intake suggesting a category and then timing its first step — sees the taxonomy as
    of its first read, and pays for one read. Each entry (each decorated call, each thread) has its own."""
    reset = _PINNED.set([])
    try:
        yield
    finally:
        _PINNED.reset(reset)


def generation_token() -> str | None:
    """The taxonomy's current generation (see `models.Generation`); None when no write has been seen yet
    (or on a database without the triggers), and then callers must not cache."""
    from django.db import connection

    pin = _PINNED.get()
    if pin:
        return pin[0]
    table = connection.ops.quote_name(Generation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    token = row[0] if row else None
    if pin is not None:
        pin.append(token)
    return token


def generation_token_returning() -> tuple[str, list]:
    """An expression (SQL, parameters) reading the generation token inside another statement (a write's
    RETURNING list): the caller hands its value to `pin_generation_token`, and the reads of the pinned
    operation cost no round trip of their own."""
    from django.db import connection

    table = connection.ops.quote_name(Generation._meta.db_table)
    return f"(SELECT token FROM {table} WHERE id = 1)", []


def pin_generation_token(token: str | None) -> None:
    """Within `pinned_generation`, take `token` (read by `generation_token_returning`) as the taxonomy's
    generation, unless the block has read one already."""
    pin = _PINNED.get()
    if pin is not None and not pin:
        pin.append(token)


def _keyword_index(kind: str | None) -> list[tuple[Category, list[str]]]:
    token = generation_token()
    cached = _INDEX.get(kind)
    if token is not None and cached is not None and cached[0] == token:
        return cached[1]
    index = []
    for category in active_categories(kind).order_by("pk").select_related(None):
        words = [word for word in dict.fromkeys([category.name, *category.keyword_list()]) if word]
        index.append((category, words))
    by_id = {category.pk: category for category, _words in index}
    for category, _words in index:  # the tree pre-joined, as active_categories does
        if category.parent_id in by_id:
            category.parent = by_id[category.parent_id]
    if token is not None:
        _INDEX[kind] = (token, index)
    return index


def _depth(category: Category) -> int:
    return {"major": 0, "minor": 1, "sub": 2}.get(category.level, 0)


def request_types() -> list[RequestType]:
    return list(RequestType.objects.filter(is_active=True).order_by("sort_order", "code"))


def urgencies() -> list[Urgency]:
    return list(Urgency.objects.filter(is_active=True).order_by("sort_order", "code"))


def urgency_by_code(code: str) -> Urgency:
    urgency = Urgency.objects.filter(code=code, is_active=True).first()
    if urgency is None:
        raise InvalidInput(
            _("紧急程度“%(code)s”不存在或已停用") % {"code": code}, fields={"urgency": "unknown"}
        )
    return urgency


def request_type_by_code(code: str) -> RequestType:
    found = (
        RequestType.objects.filter(is_active=True).filter(code=code).first()
        or RequestType.objects.filter(is_active=True, name=code).first()
    )
    if found is None:
        raise InvalidInput(
            _("诉求类型“%(code)s”不存在或已停用") % {"code": code}, fields={"request_type": "unknown"}
        )
    return found
