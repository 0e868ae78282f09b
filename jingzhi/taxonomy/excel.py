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

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

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

CATEGORY_COLUMNS = [
    "类型",
    "编码",
    "名称",
    "上级编码",
    "启用",
    "关键词",
    "查重半径（米）",
    "查重时段（小时）",
    "十无事项",
    "本地默认编码",
    "结案条件",
]
FILING_COLUMNS = [
    "类型",
    "分类编码",
    "序号",
    "立案条件",
    "等级",
    "处置时限",
    "时限单位",
    "本地默认时限",
    "启用",
]
STEP_COLUMNS = ["类型", "分类编码", "环节", "时限", "时限单位", "本地默认时限"]
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
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_CATEGORIES
    sheet.append(CATEGORY_COLUMNS)
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
    filing = workbook.create_sheet(SHEET_FILING)
    filing.append(FILING_COLUMNS)
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
    steps = workbook.create_sheet(SHEET_STEPS)
    steps.append(STEP_COLUMNS)
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
    help_sheet = workbook.create_sheet(SHEET_HELP)
    for line in (
        [_("类型"), listing(str(label) for label in Kind.labels)],
        [_("时限单位"), listing(str(label) for label in TimeUnit.labels)],
        [_("环节"), listing(str(label) for label in Step.labels)],
        [_("等级"), listing(ConditionLevel.values)],
        [_("十无事项"), listing(str(label) for label in ShiwuItem.labels)],
        [_("编码"), _("下级编码以上级编码开头（默认每级两位：01、0101、010101）；同一类型内唯一")],
        [_("环节时限"), _("类型与分类编码留空的行为全局默认；分类未设时依次沿用上级、全局默认")],
        [_("结案条件"), _("一个单元格内每行一条")],
    ):
        help_sheet.append(line)
    for worksheet in (sheet, filing, steps):
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Plan:
    categories: list[dict] = field(default_factory=list)  # parents before children
    filing: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    filing_categories: set[tuple[str, str]] = field(default_factory=set)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _open(file):
    if isinstance(file, bytes | bytearray):
        file = io.BytesIO(file)
    elif hasattr(file, "seek"):
        file.seek(0)
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, TypeError) as error:
        raise TaxonomyImportError(
            [_("文件无法按 Excel（.xlsx）读取：%(error)s") % {"error": error}]
        ) from error
    except Exception as error:  # zipfile.BadZipFile and friends: any unreadable upload is bad input
        raise TaxonomyImportError(
            [_("文件无法按 Excel（.xlsx）读取：%(error)s") % {"error": error}]
        ) from error


def _rows(workbook, name: str, columns: list[str], problems: list[str], *, required: bool):
    """[(row number, {column: cell text})] of a sheet, or [] after noting what is wrong with its header."""
    if name not in workbook.sheetnames:
        if required:
            problems.append(_("缺少工作表「%(sheet)s」") % {"sheet": name})
        return []
    iterator = workbook[name].iter_rows(values_only=True)
    header = [_text(cell) for cell in next(iterator, ())]
    while header and not header[-1]:
        header.pop()
    missing = [column for column in columns if column not in header]
    extra = [column or _("（空列名）") for column in header if column not in columns]
    duplicated = sorted({column for column in header if column and header.count(column) > 1})
    if missing:
        problems.append(_("「%(sheet)s」表缺少列：%(cols)s") % {"sheet": name, "cols": listing(missing)})
    if extra:
        problems.append(_("「%(sheet)s」表有多余的列：%(cols)s") % {"sheet": name, "cols": listing(extra)})
    if duplicated:
        problems.append(_("「%(sheet)s」表列名重复：%(cols)s") % {"sheet": name, "cols": listing(duplicated)})
    if missing or extra or duplicated:
        return []
    rows = []
    for number, values in enumerate(iterator, start=2):
        cells = {
            column: (values[index] if index < len(values) else None) for index, column in enumerate(header)
        }
        if all(_text(value) == "" for value in cells.values()):
            continue
        rows.append((number, cells))
    return rows


def _limit(cells, amount_column, unit_column, where, problems) -> TimeLimit | None:
    raw_amount, raw_unit = cells[amount_column], cells[unit_column]
    amount = rules.parse_amount(raw_amount)
    unit = rules.parse_unit(raw_unit)
    ok = True
    if amount is None:
        problems.append(
            _("%(where)s：%(col)s“%(value)s”不是数字")
            % {"where": where, "col": amount_column, "value": _text(raw_amount)}
        )
        ok = False
    elif amount < 0:
        problems.append(
            _("%(where)s：%(col)s不能为负数（%(value)s）")
            % {"where": where, "col": amount_column, "value": _text(raw_amount)}
        )
        ok = False
    elif amount == 0:
        problems.append(_("%(where)s：%(col)s必须大于 0") % {"where": where, "col": amount_column})
        ok = False
    if unit is None:
        problems.append(
            _("%(where)s：时限单位“%(value)s”无法识别，应为 工作时、工作日、自然时 之一")
            % {"where": where, "value": _text(raw_unit)}
        )
        ok = False
    if not ok:
        return None
    try:
        return TimeLimit(amount, unit)
    except InvalidInput as error:
        problems.append(f"{where}：{error.message}")
        return None


def _flag(cells, column, default, where, problems) -> bool:
    raw = cells[column]
    if _text(raw) == "":
        return default
    value = rules.parse_bool(raw)
    if value is None:
        problems.append(
            _("%(where)s：%(col)s“%(value)s”应为 是 或 否")
            % {"where": where, "col": column, "value": _text(raw)}
        )
        return default
    return value


def _count(cells, column, default, where, problems) -> int:
    raw = cells[column]
    if _text(raw) == "":
        return default
    value = rules.parse_whole(raw)
    if value is None or value < 0:
        problems.append(
            _("%(where)s：%(col)s“%(value)s”应为不小于 0 的整数")
            % {"where": where, "col": column, "value": _text(raw)}
        )
        return default
    return value


def read_plan(file) -> Plan:
    """Read and check a workbook. Raises TaxonomyImportError listing every problem; reads the database
    (existing categories) but writes nothing."""
    workbook = _open(file)
    problems: list[str] = []
    try:
        category_rows = _rows(workbook, SHEET_CATEGORIES, CATEGORY_COLUMNS, problems, required=True)
        filing_rows = _rows(workbook, SHEET_FILING, FILING_COLUMNS, problems, required=False)
        step_rows = _rows(workbook, SHEET_STEPS, STEP_COLUMNS, problems, required=False)
    finally:
        workbook.close()

    existing = {(c.kind, c.code): c for c in Category.objects.select_related("parent")}
    plan = Plan()
    planned: dict[tuple[str, str], dict] = {}
    for number, cells in category_rows:
        where = _("「分类」表第 %(n)d 行") % {"n": number}
        before = len(problems)
        kind = rules.parse_kind(cells["类型"])
        if kind is None:
            problems.append(
                _("%(where)s：类型“%(value)s”无效，应为 部件 或 事件")
                % {"where": where, "value": _text(cells["类型"])}
            )
        code = _text(cells["编码"])
        if not rules.code_is_valid(code):
            problems.append(
                _("%(where)s：编码“%(value)s”无效，应为 1–20 位数字或字母") % {"where": where, "value": code}
            )
        name = _text(cells["名称"])
        if not name:
            problems.append(_("%(where)s：名称不能为空") % {"where": where})
        parent_code = _text(cells["上级编码"])
        if parent_code and code and not rules.child_code_fits(parent_code, code):
            problems.append(
                _("%(where)s：编码 %(code)s 须以上级编码 %(parent)s 开头且更长")
                % {"where": where, "code": code, "parent": parent_code}
            )
        shiwu = ""
        if _text(cells["十无事项"]):
            shiwu = rules.parse_shiwu(cells["十无事项"]) or ""
            if not shiwu:
                problems.append(
                    _("%(where)s：十无事项“%(value)s”不存在")
                    % {"where": where, "value": _text(cells["十无事项"])}
                )
        row = {
            "row": number,
            "where": where,
            "kind": kind,
            "code": code,
            "name": name,
            "parent_code": parent_code,
            "is_active": _flag(cells, "启用", True, where, problems),
            "keywords": rules.join_keywords(_text(cells["关键词"])),
            "dedup_radius_m": _count(cells, "查重半径（米）", DEFAULT_DEDUP_RADIUS_M, where, problems),
            "dedup_window_hours": _count(
                cells, "查重时段（小时）", DEFAULT_DEDUP_WINDOW_HOURS, where, problems
            ),
            "shiwu_item": shiwu,
            "is_local_default": _flag(cells, "本地默认编码", False, where, problems),
            "closing": [line.strip() for line in _text(cells["结案条件"]).splitlines() if line.strip()],
        }
        if kind is None or not rules.code_is_valid(code):
            continue
        if (kind, code) in planned:
            problems.append(
                _("%(where)s：%(kind)s编码 %(code)s 与第 %(other)d 行重复")
                % {
                    "where": where,
                    "kind": Kind(kind).label,
                    "code": code,
                    "other": planned[(kind, code)]["row"],
                }
            )
            continue
        if len(problems) == before:
            planned[(kind, code)] = row

    # Parents, levels and the 十无 mapping need the whole sheet (a parent may come after its child).
    for (kind, code), row in planned.items():
        where, parent_code = row["where"], row["parent_code"]
        current = existing.get((kind, code))
        current_parent = current.parent.code if current and current.parent_id else ""
        if current is not None and current_parent != parent_code:
            problems.append(
                _(
                    "%(where)s：%(code)s 在系统中的上级是“%(old)s”，不能改为“%(new)s”（编码即位置，"
                    "如需移动请新建分类）"
                )
                % {
                    "where": where,
                    "code": code,
                    "old": current_parent or _("无"),
                    "new": parent_code or _("无"),
                }
            )
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
                problems.append(
                    _("%(where)s：上级编码 %(parent)s 不存在（本表与系统中均无此%(kind)s分类）")
                    % {"where": where, "parent": node_code, "kind": Kind(kind).label}
                )
                depth = 0
                break
            depth += 1
        if depth > 3:
            problems.append(
                _("%(where)s：分类最多三级（大类、小类、子类），%(code)s 是第 %(depth)d 级")
                % {"where": where, "code": code, "depth": depth}
            )
        if parent_code and row["is_active"]:
            parent_row = planned.get((kind, parent_code))
            parent_active = (
                parent_row["is_active"]
                if parent_row
                else (existing[(kind, parent_code)].is_active if (kind, parent_code) in existing else True)
            )
            if not parent_active:
                problems.append(
                    _("%(where)s：上级 %(parent)s 已停用，下级不能启用")
                    % {"where": where, "parent": parent_code}
                )
        row["depth"] = depth

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
            problems.append(
                _("「分类」表：十无事项“%(item)s”对应了多个分类（%(where)s），只能对应一个")
                % {"item": ShiwuItem(item).label, "where": listing(where_list)}
            )

    known = set(existing) | set(planned)

    def category_key(cells, where) -> tuple[str, str] | None:
        kind = rules.parse_kind(cells["类型"])
        code = _text(cells["分类编码"])
        if kind is None:
            problems.append(
                _("%(where)s：类型“%(value)s”无效，应为 部件 或 事件")
                % {"where": where, "value": _text(cells["类型"])}
            )
            return None
        if (kind, code) not in known:
            problems.append(
                _("%(where)s：分类 %(kind)s %(code)s 不存在")
                % {"where": where, "kind": Kind(kind).label, "code": code}
            )
            return None
        return kind, code

    seen_filing: dict[tuple, int] = {}
    for number, cells in filing_rows:
        where = _("「立案条件」表第 %(n)d 行") % {"n": number}
        key = category_key(cells, where)
        order = rules.parse_whole(cells["序号"])
        if order is None or order < 1:
            problems.append(
                _("%(where)s：序号“%(value)s”应为正整数") % {"where": where, "value": _text(cells["序号"])}
            )
        text = _text(cells["立案条件"])
        if not text:
            problems.append(_("%(where)s：立案条件不能为空") % {"where": where})
        level = rules.parse_condition_level(cells["等级"])
        if level is None:
            problems.append(
                _("%(where)s：等级“%(value)s”无效，应为 A、B、C 之一")
                % {"where": where, "value": _text(cells["等级"])}
            )
        limit = _limit(cells, "处置时限", "时限单位", where, problems)
        if key and order:
            if (key, order) in seen_filing:
                problems.append(
                    _("%(where)s：分类 %(code)s 的序号 %(order)d 与第 %(other)d 行重复")
                    % {"where": where, "code": key[1], "order": order, "other": seen_filing[(key, order)]}
                )
            seen_filing[(key, order)] = number
        plan.filing.append(
            {
                "key": key,
                "sort_order": order,
                "text": text,
                "level": level,
                "limit": limit,
                "is_local_default": _flag(cells, "本地默认时限", False, where, problems),
                "is_active": _flag(cells, "启用", True, where, problems),
            }
        )
        if key:
            plan.filing_categories.add(key)

    seen_steps: dict[tuple, int] = {}
    for number, cells in step_rows:
        where = _("「环节时限」表第 %(n)d 行") % {"n": number}
        key = None
        if _text(cells["类型"]) or _text(cells["分类编码"]):
            key = category_key(cells, where)
            if key is None:
                key = ("?", number)  # reported already; keeps the duplicate check from firing on it
        step = rules.parse_step(cells["环节"])
        if step is None:
            problems.append(
                _("%(where)s：环节“%(value)s”无效，应为 %(steps)s 之一")
                % {
                    "where": where,
                    "value": _text(cells["环节"]),
                    "steps": listing(str(label) for label in Step.labels),
                }
            )
        limit = _limit(cells, "时限", "时限单位", where, problems)
        if step:
            if (key, step) in seen_steps:
                problems.append(
                    _("%(where)s：环节“%(step)s”与第 %(other)d 行重复")
                    % {"where": where, "step": Step(step).label, "other": seen_steps[(key, step)]}
                )
            seen_steps[(key, step)] = number
        plan.steps.append(
            {
                "key": key,
                "step": step,
                "limit": limit,
                "is_local_default": _flag(cells, "本地默认时限", False, where, problems),
            }
        )

    if problems:
        raise TaxonomyImportError(problems)
    plan.categories = sorted(planned.values(), key=lambda row: (row["depth"], row["kind"], row["code"]))
    return plan


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
