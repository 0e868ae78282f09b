"""The responsibility list as an Excel sheet (openpyxl): export, and reading a sheet back into rows.

One row per (rule, department). Rows that agree on the rule's key — 分类类型 + 分类编码, 范围类型, 范围编码,
仅本分类, 生效日期, 失效日期 — form one rule. The required columns are 分类编码, 分类类型, 范围类型, 范围编码,
部门编码, 是否牵头, 依据, 启用; 仅本分类, 生效日期, 失效日期 are optional, and 分类名称, 部门名称 are written for
people and ignored on import. Reading here is pure parsing with row-numbered Chinese problems; resolving
codes and writing is `actions.do_import_duty_rules`, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jingzhi.core.text import listing
from jingzhi.duties import rules
from jingzhi.duties.exceptions import DutyImportError

SHEET = "职责清单"
REQUIRED = ["分类编码", "分类类型", "范围类型", "范围编码", "部门编码", "是否牵头", "依据", "启用"]
OPTIONAL = ["仅本分类", "生效日期", "失效日期"]
INFORMATIONAL = ["分类名称", "部门名称"]
COLUMNS = REQUIRED + OPTIONAL + INFORMATIONAL

KIND_WORDS = {"部件": "component", "component": "component", "事件": "event", "event": "event"}
KIND_LABELS = {"component": "部件", "event": "事件"}
SCOPE_WORDS = {
    **{v: k for k, v in rules.SCOPE_LABELS.items()},
    **{k: k for k in rules.SCOPE_LABELS},
    "全部": rules.EVERYWHERE,
    "全域": rules.EVERYWHERE,
    "街乡": rules.SUBDISTRICT,
    "乡镇": rules.SUBDISTRICT,
}
_TRUE = {"是", "true", "1", "yes", "y", "√", "✓", "启用", "牵头"}
_FALSE = {"否", "false", "0", "no", "n", "×", "停用", ""}


@dataclass(frozen=True)
class SheetRow:
    number: int
    kind: str
    category_code: str
    scope_kind: str
    scope_code: str
    department_code: str
    is_lead: bool
    basis: str
    is_active: bool
    exact_only: bool
    valid_from: date | None
    valid_to: date | None

    @property
    def rule_key(self) -> tuple:
        return (
            self.kind,
            self.category_code,
            self.scope_kind,
            self.scope_code,
            self.exact_only,
            self.valid_from,
            self.valid_to,
        )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _bool(value, *, default: bool) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text == "":
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _date(value) -> tuple[date | None, bool]:
    """(date, ok)."""
    if value in (None, ""):
        return None, True
    if isinstance(value, datetime):
        return value.date(), True
    if isinstance(value, date):
        return value, True
    try:
        return date.fromisoformat(_text(value)), True
    except ValueError:
        return None, False


def _category_code(value) -> str:
    # A spreadsheet may have turned "01" into the number 1; codes use two digits a level, so pad back.
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = _text(value)
        return text.zfill(len(text) + len(text) % 2)
    return _text(value)


def read_rows(source) -> list[SheetRow]:
    """Parse a workbook (path or file object). Raises DutyImportError listing every bad row."""
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise DutyImportError([_("无法读取 Excel 文件：%(e)s") % {"e": exc}]) from exc
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise DutyImportError([_("第 1 行（表头）缺少列：%(cols)s") % {"cols": listing(missing)}])
    index = {name: header.index(name) for name in COLUMNS if name in header}
    problems: list[str] = []
    parsed: list[SheetRow] = []
    for number, values in enumerate(rows, start=2):

        def cell(name, values=values):
            position = index.get(name)
            return values[position] if position is not None and position < len(values) else None

        if all(_text(v) == "" for v in values or ()):
            continue
        row_problems = []
        kind = KIND_WORDS.get(_text(cell("分类类型")).lower())
        if kind is None:
            row_problems.append(_("分类类型“%(v)s”应为“部件”或“事件”") % {"v": _text(cell("分类类型"))})
        category_code = _category_code(cell("分类编码"))
        if not category_code:
            row_problems.append(_("分类编码不能为空"))
        scope_kind = SCOPE_WORDS.get(_text(cell("范围类型")))
        scope_code = _text(cell("范围编码"))
        if scope_kind is None:
            row_problems.append(
                _("范围类型“%(v)s”应为：%(known)s")
                % {"v": _text(cell("范围类型")), "known": listing(rules.SCOPE_LABELS.values())}
            )
        else:
            problem = rules.scope_code_problem(scope_kind, scope_code)
            if problem:
                row_problems.append(problem)
        department_code = _text(cell("部门编码"))
        if not department_code:
            row_problems.append(_("部门编码不能为空"))
        flags = {}
        for name, default in (("是否牵头", False), ("启用", True), ("仅本分类", False)):
            flags[name] = _bool(cell(name), default=default)
            if flags[name] is None:
                row_problems.append(
                    _("“%(col)s”应填“是”或“否”，现为“%(v)s”") % {"col": name, "v": _text(cell(name))}
                )
        dates = {}
        for name in ("生效日期", "失效日期"):
            dates[name], ok = _date(cell(name))
            if not ok:
                row_problems.append(
                    _("%(col)s“%(v)s”不是日期（应为 YYYY-MM-DD）") % {"col": name, "v": _text(cell(name))}
                )
        validity = rules.validity_problem(dates["生效日期"], dates["失效日期"])
        if validity:
            row_problems.append(validity)
        if row_problems:
            problems.extend(_("第 %(n)d 行：%(why)s") % {"n": number, "why": p} for p in row_problems)
            continue
        parsed.append(
            SheetRow(
                number=number,
                kind=kind,
                category_code=category_code,
                scope_kind=scope_kind,
                scope_code=scope_code,
                department_code=department_code,
                is_lead=flags["是否牵头"],
                basis=_text(cell("依据")),
                is_active=flags["启用"],
                exact_only=flags["仅本分类"],
                valid_from=dates["生效日期"],
                valid_to=dates["失效日期"],
            )
        )
    workbook.close()
    if problems:
        raise DutyImportError(problems)
    if not parsed:
        raise DutyImportError([_("文件中没有任何规则行")])
    return parsed


def build_workbook(duty_rules) -> Workbook:
    """A workbook with one row per (rule, department); `duty_rules` prefetched as `queries.rules_for_export`."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for rule in duty_rules:
        assignments = list(rule.assignments.all())
        for assignment in assignments:
            is_lead = assignment.is_lead or len(assignments) == 1
            sheet.append(
                [
                    rule.category.code,
                    KIND_LABELS.get(rule.category.kind, rule.category.kind),
                    rules.SCOPE_LABELS[rule.scope_kind],
                    rule.scope_code,
                    assignment.department.code,
                    "是" if is_lead else "否",
                    rule.basis,
                    "是" if rule.is_active else "否",
                    "是" if rule.exact_only else "否",
                    rule.valid_from,
                    rule.valid_to,
                    rule.category.name,
                    assignment.department.name,
                ]
            )
    # Codes are text: keep "01" from becoming the number 1 when someone edits the sheet.
    for column in (1, 4, 5):
        letter = get_column_letter(column)
        for cell in sheet[letter]:
            cell.number_format = "@"
    for column, width in zip(
        range(1, len(COLUMNS) + 1), [10, 8, 10, 18, 14, 8, 40, 6, 8, 12, 12, 20, 20], strict=True
    ):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for column in (10, 11):
        for cell in sheet[get_column_letter(column)][1:]:
            cell.number_format = "yyyy-mm-dd"
    return workbook


def export_rules(destination, duty_rules=None) -> int:
    """Write the list to `destination` (path or binary file); returns the number of data rows."""
    from jingzhi.duties.queries import rules_for_export

    workbook = build_workbook(duty_rules if duty_rules is not None else rules_for_export())
    workbook.save(destination)
    return workbook.active.max_row - 1
