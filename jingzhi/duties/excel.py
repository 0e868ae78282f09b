"""The responsibility list as an Excel sheet (openpyxl): export, and reading a sheet back into rows.

One row per (rule, department). Rows that agree on the rule's key — 分类类型 + 分类编码, 范围类型, 范围编码,
仅本分类, 生效日期, 失效日期 — form one rule. The required columns are 分类编码, 分类类型, 范围类型, 范围编码,
部门编码, 是否牵头, 依据, 启用; 仅本分类, 生效日期, 失效日期 are optional, and 分类名称, 部门名称 are written for
people and ignored (as is any other column) on import. Yes/no cells take the house's forms (是/否, √/×,
Y/N, 1/0…; also 启用/停用 and 牵头), dates YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日 (`core.tabular`); an .xlsx or a
CSV is read by its content. Reading here is pure parsing with row-numbered Chinese problems; resolving
codes and writing is `actions.do_import_duty_rules`, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from jingzhi.core import tabular
from jingzhi.core.text import listing
from jingzhi.duties import rules
from jingzhi.duties.exceptions import DutyImportError

SHEET = "职责清单"

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

C = tabular.Column
SPEC = [
    # A spreadsheet may have turned "01" into the number 1; codes use two digits a level, so pad back.
    C(
        "category_code",
        "分类编码",
        ("category code",),
        tabular.code(pad_even=True),
        required=True,
        needed=True,
    ),
    C("kind", "分类类型", ("category kind", "kind"), required=True, default=""),
    C("scope_kind", "范围类型", ("scope kind",), required=True, default=""),
    C("scope_code", "范围编码", ("scope code",), tabular.code(), required=True, default=""),
    C("department_code", "部门编码", ("department code",), tabular.code(), required=True, needed=True),
    C(
        "is_lead",
        "是否牵头",
        ("lead", "is lead"),
        tabular.yes_no(yes=("牵头",)),
        required=True,
        default=False,
    ),
    C("basis", "依据", ("basis",), required=True, default=""),
    C(
        "is_active",
        "启用",
        ("active", "is active"),
        tabular.yes_no(yes=("启用",), no=("停用",)),
        required=True,
        default=True,
    ),
    C("exact_only", "仅本分类", ("exact only",), tabular.yes_no(), default=False),
    C("valid_from", "生效日期", ("valid from",), tabular.a_date),
    C("valid_to", "失效日期", ("valid to",), tabular.a_date),
    # Written for people, ignored on import.
    C("category_name", "分类名称", ("category name",)),
    C("department_name", "部门名称", ("department name",)),
]
REQUIRED = [c.title for c in SPEC if c.required]
OPTIONAL = ["仅本分类", "生效日期", "失效日期"]
INFORMATIONAL = ["分类名称", "部门名称"]
COLUMNS = [c.title for c in SPEC]


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


def read_rows(source) -> list[SheetRow]:
    """Parse a workbook or CSV (path, bytes or file object). Raises DutyImportError listing every bad row."""
    problems = tabular.Problems(DutyImportError)
    book = tabular.open_book(source, error=DutyImportError)
    sheet = SHEET if SHEET in book.sheetnames else book.first()
    rows = tabular.read_sheet(book.sheets[sheet], SPEC, problems, extra="ignore")
    parsed: list[SheetRow] = []
    for row in rows:
        before = len(problems)

        def add(message, row=row):
            problems.add(message, row=row.number)

        kind = KIND_WORDS.get(row["kind"].lower())
        if kind is None:
            add(_("分类类型“%(v)s”应为“部件”或“事件”") % {"v": row["kind"]})
        scope_kind = SCOPE_WORDS.get(row["scope_kind"])
        if scope_kind is None:
            add(
                _("范围类型“%(v)s”应为：%(known)s")
                % {"v": row["scope_kind"], "known": listing(rules.SCOPE_LABELS.values())}
            )
        elif problem := rules.scope_code_problem(scope_kind, row["scope_code"]):
            add(problem)
        if row.ok and (validity := rules.validity_problem(row["valid_from"], row["valid_to"])):
            add(validity)
        if len(problems) > before or not row.ok:
            continue
        parsed.append(
            SheetRow(
                number=row.number,
                kind=kind,
                category_code=row["category_code"],
                scope_kind=scope_kind,
                scope_code=row["scope_code"],
                department_code=row["department_code"],
                is_lead=row["is_lead"],
                basis=row["basis"],
                is_active=row["is_active"],
                exact_only=row["exact_only"],
                valid_from=row["valid_from"],
                valid_to=row["valid_to"],
            )
        )
    problems.raise_if_any()
    if not parsed:
        raise DutyImportError([_("文件中没有任何规则行")])
    return parsed


def build_workbook(duty_rules) -> tabular.WorkbookWriter:
    """A workbook with one row per (rule, department); `duty_rules` prefetched as `queries.rules_for_export`."""
    book = tabular.WorkbookWriter()
    # Codes are text: keep "01" from becoming the number 1 when someone edits the sheet.
    sheet = book.sheet(SHEET, COLUMNS, text_columns=(1, 4, 5), date_columns=(10, 11))
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
    return book


def export_rules(destination, duty_rules=None) -> int:
    """Write the list to `destination` (path or binary file); returns the number of data rows."""
    from jingzhi.duties.queries import rules_for_export

    book = build_workbook(duty_rules if duty_rules is not None else rules_for_export())
    book.save(destination)
    return book.sheets[0].rows - 1
