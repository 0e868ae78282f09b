"""The category tree as an Excel workbook, out and back in.

`export_categories()` writes three sheets (分类, 立案条件, 环节时限) plus a 说明 sheet listing the accepted
values; `read_plan()` reads a workbook of that layout and checks *every* row before anything is written,
collecting row-numbered Chinese problems (unknown unit, missing parent, duplicate code, bad level, negative
limit, missing or extra columns…); `apply_plan()` then writes through the actions, inside the caller's
transaction (`actions.do_import_categories`). Import upserts: categories by kind and code, filing conditions
by category and 序号 (a category's conditions missing from the sheet are deactivated, since cases name
them), step limits by category and step (never deleted: remove one in the admin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from jingzhi.core import tabular
from jingzhi.core.errors import InvalidInput
from jingzhi.core.text import listing
from jingzhi.taxonomy import rules
from jingzhi.taxonomy.exceptions import TaxonomyImportError
from jingzhi.taxonomy.limits import TimeLimit, TimeUnit
from jingzhi.taxonomy.models import (
    DEFAULT_DEDUP_RADIUS_M,
    DEFAULT_DEDUP_WINDOW_HOURS,
    Category,
    ConditionLevel,
    FilingCondition,
    Kind,
    ShiwuItem,
    Step,
    StepLimit,
)

SHEET_CATEGORIES = "分类"
SHEET_FILING = "立案条件"
SHEET_STEPS = "环节时限"
SHEET_HELP = "说明"

_ACTIVE = tabular.yes_no(yes=("启用",), no=("停用",))
_FLAG = tabular.yes_no()


def _col(key, title, aliases=(), parse=None, *, default="", **options) -> tabular.Column:
    # Every column of the exchange format must be present: a missing one is more likely a mistake than a
    # wish to leave values alone.
    return tabular.Column(
        key, title, tuple(aliases), parse or tabular.text(), required=True, default=default, **options
    )


CATEGORY_SPEC = [
    _col("kind", "类型"),
    _col("code", "编码", parse=tabular.code()),
    _col("name", "名称", parse=tabular.text(100), needed=True, default=""),
    _col("parent_code", "上级编码", ("parent", "parent code"), tabular.code(), default=""),
    _col("is_active", "启用", ("active", "is active"), _ACTIVE, default=True),
    _col("keywords", "关键词", default=""),
    _col(
        "dedup_radius_m",
        "查重半径（米）",
        ("查重半径", "dedup radius m"),
        tabular.whole(minimum=0),
        default=DEFAULT_DEDUP_RADIUS_M,
    ),
    _col(
        "dedup_window_hours",
        "查重时段（小时）",
        ("查重时段", "dedup window hours"),
        tabular.whole(minimum=0),
        default=DEFAULT_DEDUP_WINDOW_HOURS,
    ),
    _col("shiwu_item", "十无事项", ("shiwu", "shiwu item"), default=""),
    _col("is_local_default", "本地默认编码", ("local default", "is local default"), _FLAG, default=False),
    _col("closing", "结案条件", ("closing conditions",), default=""),
]
FILING_SPEC = [
    _col("kind", "类型"),
    _col("category_code", "分类编码", ("category", "category code"), tabular.code(), default=""),
    _col("sort_order", "序号", ("order", "sort order"), tabular.whole(minimum=1), needed=True, default=None),
    _col("text", "立案条件", ("condition", "filing condition"), tabular.text(300), needed=True, default=""),
    _col("level", "等级"),
    _col("amount", "处置时限", ("limit", "limit amount"), tabular.number, needed=True, default=None),
    _col("unit", "时限单位", ("unit", "limit unit")),
    _col("is_local_default", "本地默认时限", ("local default", "is local default"), _FLAG, default=False),
    _col("is_active", "启用", ("active", "is active"), _ACTIVE, default=True),
]
STEP_SPEC = [
    _col("kind", "类型"),
    _col("category_code", "分类编码", ("category", "category code"), tabular.code(), default=""),
    _col("step", "环节"),
    _col("amount", "时限", ("limit", "limit amount"), tabular.number, needed=True, default=None),
    _col("unit", "时限单位", ("unit", "limit unit")),
    _col("is_local_default", "本地默认时限", ("local default", "is local default"), _FLAG, default=False),
]
CATEGORY_COLUMNS = [column.title for column in CATEGORY_SPEC]
FILING_COLUMNS = [column.title for column in FILING_SPEC]
STEP_COLUMNS = [column.title for column in STEP_SPEC]
SHEETS = {SHEET_CATEGORIES: CATEGORY_COLUMNS, SHEET_FILING: FILING_COLUMNS, SHEET_STEPS: STEP_COLUMNS}


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _number(amount: Decimal) -> int | float:
    return TimeLimit(amount, TimeUnit.CALENDAR_HOURS).number


def export_categories() -> bytes:
    """The whole taxonomy (active and inactive) as an .xlsx file."""
    # The workbook is an exchange format with Chinese column names; its words (部件, 工作时, 是…) stay Chinese
    # in every interface language so that the file always imports back.
    with translation.override(None):
        return _export_categories()


def _export_categories() -> bytes:
    book = tabular.WorkbookWriter()
    # Codes are text: keep "01" from becoming the number 1 when someone edits the sheet.
    sheet = book.sheet(SHEET_CATEGORIES, CATEGORY_COLUMNS, text_columns=(2, 4))
    categories = list(
        Category.objects.select_related("parent")
        .prefetch_related("closing_conditions")
        .order_by("kind", "code")
    )
    for category in categories:
        sheet.append(
            [
                category.get_kind_display(),
                category.code,
                category.name,
                category.parent.code if category.parent_id else "",
                _yes(category.is_active),
                category.keywords,
                category.dedup_radius_m,
                category.dedup_window_hours,
                str(ShiwuItem(category.shiwu_item).label) if category.shiwu_item else "",
                _yes(category.is_local_default),
                "\n".join(
                    row.text
                    for row in sorted(category.closing_conditions.all(), key=lambda r: (r.sort_order, r.pk))
                ),
            ]
        )
    filing = book.sheet(SHEET_FILING, FILING_COLUMNS, text_columns=(2,))
    for row in FilingCondition.objects.select_related("category").order_by(
        "category__kind", "category__code", "sort_order"
    ):
        filing.append(
            [
                row.category.get_kind_display(),
                row.category.code,
                row.sort_order,
                row.text,
                row.level,
                _number(row.limit_amount),
                str(TimeUnit(row.limit_unit).label),
                _yes(row.is_local_default),
                _yes(row.is_active),
            ]
        )
    steps = book.sheet(SHEET_STEPS, STEP_COLUMNS, text_columns=(2,))
    step_order = {value: number for number, value in enumerate(Step.values)}
    rows = sorted(
        StepLimit.objects.select_related("category"),
        key=lambda r: (
            r.category_id is not None,
            r.category.kind if r.category_id else "",
            r.category.code if r.category_id else "",
            step_order[r.step],
        ),
    )
    for row in rows:
        steps.append(
            [
                row.category.get_kind_display() if row.category_id else "",
                row.category.code if row.category_id else "",
                str(Step(row.step).label),
                _number(row.limit_amount),
                str(TimeUnit(row.limit_unit).label),
                _yes(row.is_local_default),
            ]
        )
    help_sheet = book.sheet(SHEET_HELP, None)
    for line in (
        [_("类型"), listing(str(label) for label in Kind.labels)],
        [_("时限单位"), listing(str(label) for label in TimeUnit.labels)],
        [_("环节"), listing(str(label) for label in Step.labels)],
        [_("等级"), listing(ConditionLevel.values)],
        [_("十无事项"), listing(str(label) for label in ShiwuItem.labels)],
        [_("编码"), _("下级编码以上级编码开头（默认每级两位：01、0101、010101）；同一类型内唯一")],
        [_("环节时限"), _("类型与分类编码留空的行为全局默认；分类未设时依次沿用上级、全局默认")],
        [_("结案条件"), _("一个单元格内每行一条")],
        [_("是/否"), _("是、√、✓、Y、yes、true、1 为是；否、×、✗、N、no、false、0 为否")],
    ):
        help_sheet.append(line)
    return book.to_bytes()


@dataclass
class Plan:
    categories: list[dict] = field(default_factory=list)  # parents before children
    filing: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    filing_categories: set[tuple[str, str]] = field(default_factory=set)


def _sheet(book, name, spec, problems, *, required) -> list[tabular.Row]:
    if name not in book.sheetnames:
        if required:
            problems.add(_("缺少工作表「%(sheet)s」") % {"sheet": name})
        return []
    return tabular.read_sheet(book.sheets[name], spec, problems, label=name)


def _limit(row: tabular.Row, sheet: str, amount_title: str, problems) -> TimeLimit | None:
    """The row's limit (amount + 时限单位), or None after saying what is wrong with it."""
    amount, unit = row["amount"], rules.parse_unit(row["unit"])
    ok = amount is not None  # a blank or non-numeric amount is reported by the column already
    if amount is not None and amount < 0:
        problems.add(
            _("%(col)s不能为负数（%(value)s）") % {"col": amount_title, "value": row.text("amount")},
            row=row.number,
            sheet=sheet,
        )
        ok = False
    elif amount is not None and amount == 0:
        problems.add(_("%(col)s必须大于 0") % {"col": amount_title}, row=row.number, sheet=sheet)
        ok = False
    if unit is None:
        problems.add(
            _("时限单位“%(value)s”无法识别，应为 工作时、工作日、自然时 之一") % {"value": row["unit"]},
            row=row.number,
            sheet=sheet,
        )
        ok = False
    if not ok:
        return None
    try:
        return TimeLimit(amount, unit)
    except InvalidInput as error:
        problems.add(error.message, row=row.number, sheet=sheet)
        return None


def _kind(row: tabular.Row, sheet: str, problems) -> str | None:
    kind = rules.parse_kind(row["kind"])
    if kind is None:
        problems.add(
            _("类型“%(value)s”无效，应为 部件 或 事件") % {"value": row["kind"]}, row=row.number, sheet=sheet
        )
    return kind


def read_plan(file) -> Plan:
    """Read and check a workbook. Raises TaxonomyImportError listing every problem; reads the database
    (existing categories) but writes nothing."""
    problems = tabular.Problems(TaxonomyImportError)
    book = tabular.open_book(file, csv_allowed=False, error=TaxonomyImportError)
    category_rows = _sheet(book, SHEET_CATEGORIES, CATEGORY_SPEC, problems, required=True)
    filing_rows = _sheet(book, SHEET_FILING, FILING_SPEC, problems, required=False)
    step_rows = _sheet(book, SHEET_STEPS, STEP_SPEC, problems, required=False)

    existing = {(c.kind, c.code): c for c in Category.objects.select_related("parent")}
    planned = _plan_categories(category_rows, problems)
    _check_tree(planned, existing, problems)
    _check_shiwu(planned, existing, problems)
    known = set(existing) | set(planned)
    plan = Plan()
    plan.filing = _plan_filing(filing_rows, known, problems)
    plan.filing_categories = {row["key"] for row in plan.filing if row["key"]}
    plan.steps = _plan_steps(step_rows, known, problems)
    problems.raise_if_any()
    plan.categories = sorted(planned.values(), key=lambda row: (row["depth"], row["kind"], row["code"]))
    return plan


def _plan_categories(rows, problems) -> dict[tuple[str, str], dict]:
    """The 分类 sheet's good rows by (kind, code); each row's own problems reported."""
    planned: dict[tuple[str, str], dict] = {}
    for row in rows:
        before = len(problems)
        kind, code = _kind(row, SHEET_CATEGORIES, problems), row["code"]
        if not rules.code_is_valid(code):
            problems.add(
                _("编码“%(value)s”无效，应为 1–20 位数字或字母") % {"value": code},
                row=row.number,
                sheet=SHEET_CATEGORIES,
            )
        if row["parent_code"] and code and not rules.child_code_fits(row["parent_code"], code):
            problems.add(
                _("编码 %(code)s 须以上级编码 %(parent)s 开头且更长")
                % {"code": code, "parent": row["parent_code"]},
                row=row.number,
                sheet=SHEET_CATEGORIES,
            )
        shiwu = ""
        if row["shiwu_item"]:
            shiwu = rules.parse_shiwu(row["shiwu_item"]) or ""
            if not shiwu:
                problems.add(
                    _("十无事项“%(value)s”不存在") % {"value": row["shiwu_item"]},
                    row=row.number,
                    sheet=SHEET_CATEGORIES,
                )
        if kind is None or not rules.code_is_valid(code):
            continue
        if (kind, code) in planned:
            problems.add(
                _("%(kind)s编码 %(code)s 与第 %(other)d 行重复")
                % {"kind": Kind(kind).label, "code": code, "other": planned[(kind, code)]["row"]},
                row=row.number,
                sheet=SHEET_CATEGORIES,
            )
            continue
        if len(problems) == before and row.ok:
            planned[(kind, code)] = {
                "row": row.number,
                "kind": kind,
                "code": code,
                "name": row["name"],
                "parent_code": row["parent_code"],
                "is_active": row["is_active"],
                "keywords": rules.join_keywords(row["keywords"]),
                "dedup_radius_m": row["dedup_radius_m"],
                "dedup_window_hours": row["dedup_window_hours"],
                "shiwu_item": shiwu,
                "is_local_default": row["is_local_default"],
                "closing": [line.strip() for line in row["closing"].splitlines() if line.strip()],
            }
    return planned


def _check_tree(planned, existing, problems) -> None:
    """Parents, levels and switched-off parents need the whole sheet (a parent may come after its child)."""
    for (kind, code), row in planned.items():

        def add(message, row=row):
            problems.add(message, row=row["row"], sheet=SHEET_CATEGORIES)

        parent_code = row["parent_code"]
        current = existing.get((kind, code))
        current_parent = current.parent.code if current and current.parent_id else ""
        if current is not None and current_parent != parent_code:
            add(
                _("%(code)s 在系统中的上级是“%(old)s”，不能改为“%(new)s”（编码即位置，如需移动请新建分类）")
                % {"code": code, "old": current_parent or _("无"), "new": parent_code or _("无")}
            )
            row["depth"] = 0
            continue
        depth, node_code, seen = 1, parent_code, set()
        while node_code and node_code not in seen:
            seen.add(node_code)
            if (kind, node_code) in planned:
                node_code = planned[(kind, node_code)]["parent_code"]
            elif (kind, node_code) in existing:
                parent = existing[(kind, node_code)].parent
                node_code = parent.code if parent else ""
            else:
                add(
                    _("上级编码 %(parent)s 不存在（本表与系统中均无此%(kind)s分类）")
                    % {"parent": node_code, "kind": Kind(kind).label}
                )
                depth = 0
                break
            depth += 1
        if depth > 3:
            add(
                _("分类最多三级（大类、小类、子类），%(code)s 是第 %(depth)d 级")
                % {"code": code, "depth": depth}
            )
        if parent_code and row["is_active"]:
            parent_row = planned.get((kind, parent_code))
            parent_active = (
                parent_row["is_active"]
                if parent_row
                else (existing[(kind, parent_code)].is_active if (kind, parent_code) in existing else True)
            )
            if not parent_active:
                add(_("上级 %(parent)s 已停用，下级不能启用") % {"parent": parent_code})
        row["depth"] = depth


def _check_shiwu(planned, existing, problems) -> None:
    """A 十无 item maps onto one category at most, counting the ones the sheet leaves alone."""
    holders: dict[str, list[str]] = {}
    for key, category in existing.items():
        if key not in planned and category.shiwu_item:
            holders.setdefault(category.shiwu_item, []).append(
                _("系统中的 %(code)s %(name)s") % {"code": category.code, "name": category.name}
            )
    for row in planned.values():
        if row["shiwu_item"]:
            holders.setdefault(row["shiwu_item"], []).append(_("第 %(n)d 行") % {"n": row["row"]})
    for item, where_list in holders.items():
        if len(where_list) > 1:
            problems.add(
                _("十无事项“%(item)s”对应了多个分类（%(where)s），只能对应一个")
                % {"item": ShiwuItem(item).label, "where": listing(where_list)},
                sheet=SHEET_CATEGORIES,
            )


def _category_key(row: tabular.Row, sheet: str, known, problems) -> tuple[str, str] | None:
    kind = _kind(row, sheet, problems)
    if kind is None:
        return None
    if (kind, row["category_code"]) not in known:
        problems.add(
            _("分类 %(kind)s %(code)s 不存在") % {"kind": Kind(kind).label, "code": row["category_code"]},
            row=row.number,
            sheet=sheet,
        )
        return None
    return kind, row["category_code"]


def _plan_filing(rows, known, problems) -> list[dict]:
    planned, seen = [], {}
    for row in rows:
        key = _category_key(row, SHEET_FILING, known, problems)
        order = row["sort_order"]
        level = rules.parse_condition_level(row["level"])
        if level is None:
            problems.add(
                _("等级“%(value)s”无效，应为 A、B、C 之一") % {"value": row["level"]},
                row=row.number,
                sheet=SHEET_FILING,
            )
        limit = _limit(row, SHEET_FILING, "处置时限", problems)
        if key and order:
            if (key, order) in seen:
                problems.add(
                    _("分类 %(code)s 的序号 %(order)d 与第 %(other)d 行重复")
                    % {"code": key[1], "order": order, "other": seen[(key, order)]},
                    row=row.number,
                    sheet=SHEET_FILING,
                )
            seen[(key, order)] = row.number
        planned.append(
            {
                "key": key,
                "sort_order": order,
                "text": row["text"],
                "level": level,
                "limit": limit,
                "is_local_default": row["is_local_default"],
                "is_active": row["is_active"],
            }
        )
    return planned


def _plan_steps(rows, known, problems) -> list[dict]:
    planned, seen = [], {}
    for row in rows:
        key = None
        if row["kind"] or row["category_code"]:
            # ("?", n) for a category already reported keeps the duplicate check from firing on it.
            key = _category_key(row, SHEET_STEPS, known, problems) or ("?", row.number)
        step = rules.parse_step(row["step"])
        if step is None:
            problems.add(
                _("环节“%(value)s”无效，应为 %(steps)s 之一")
                % {"value": row["step"], "steps": listing(str(label) for label in Step.labels)},
                row=row.number,
                sheet=SHEET_STEPS,
            )
        limit = _limit(row, SHEET_STEPS, "时限", problems)
        if step:
            if (key, step) in seen:
                problems.add(
                    _("环节“%(step)s”与第 %(other)d 行重复")
                    % {"step": Step(step).label, "other": seen[(key, step)]},
                    row=row.number,
                    sheet=SHEET_STEPS,
                )
            seen[(key, step)] = row.number
        planned.append(
            {"key": key, "step": step, "limit": limit, "is_local_default": row["is_local_default"]}
        )
    return planned


def apply_plan(plan: Plan, *, actor) -> dict:
    """Write a checked plan through the actions. Runs inside the caller's transaction."""
    from jingzhi.taxonomy import actions

    report = {
        "categories_created": 0,
        "categories_updated": 0,
        "filing_conditions_saved": 0,
        "filing_conditions_deactivated": 0,
        "step_limits_saved": 0,
    }
    by_key = {(c.kind, c.code): c for c in Category.objects.select_related("parent")}
    # Free 十无 items that move, so no intermediate state holds one item twice.
    for row in plan.categories:
        current = by_key.get((row["kind"], row["code"]))
        if current is not None and current.shiwu_item and current.shiwu_item != row["shiwu_item"]:
            by_key[(row["kind"], row["code"])] = actions.do_update_category(
                actor=actor, category=current, shiwu_item=""
            )
    editable = (
        "name",
        "is_active",
        "keywords",
        "dedup_radius_m",
        "dedup_window_hours",
        "shiwu_item",
        "is_local_default",
    )
    for row in plan.categories:
        key = (row["kind"], row["code"])
        current = by_key.get(key)
        if current is None:
            parent = by_key[(row["kind"], row["parent_code"])] if row["parent_code"] else None
            current = actions.do_create_category(
                actor=actor,
                kind=row["kind"],
                code=row["code"],
                name=row["name"],
                parent=parent,
                **{field_name: row[field_name] for field_name in editable if field_name != "name"},
            )
            report["categories_created"] += 1
        else:
            changes = {name: row[name] for name in editable if getattr(current, name) != row[name]}
            if changes.get("is_active") is False:
                # Switching a node off takes its subtree with it, as in the admin.
                actions.do_deactivate_category(actor=actor, category=current, note=_("Excel 导入"))
                current.refresh_from_db()
                changes.pop("is_active")
            if changes:
                current = actions.do_update_category(actor=actor, category=current, **changes)
                report["categories_updated"] += 1
        by_key[key] = current
        actions.do_set_closing_conditions(actor=actor, category=current, texts=row["closing"])

    kept: dict[tuple[str, str], set[int]] = {}
    for row in plan.filing:
        category = by_key[row["key"]]
        actions.do_save_filing_condition(
            actor=actor,
            category=category,
            text=row["text"],
            limit=row["limit"],
            level=row["level"],
            sort_order=row["sort_order"],
            is_local_default=row["is_local_default"],
            is_active=row["is_active"],
        )
        kept.setdefault(row["key"], set()).add(row["sort_order"])
        report["filing_conditions_saved"] += 1
    for key in plan.filing_categories:
        for condition in FilingCondition.objects.filter(category=by_key[key], is_active=True).exclude(
            sort_order__in=kept.get(key, set())
        ):
            condition.is_active = False
            actions.do_save_row(actor=actor, obj=condition)
            report["filing_conditions_deactivated"] += 1
    for row in plan.steps:
        category = by_key[row["key"]] if row["key"] else None
        actions.do_set_step_limit(
            actor=actor,
            category=category,
            step=row["step"],
            limit=row["limit"],
            is_local_default=row["is_local_default"],
        )
        report["step_limits_saved"] += 1
    return report
