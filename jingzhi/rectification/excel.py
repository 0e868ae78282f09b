"""Excel exports of 十无一创建: inspection results (one row per inspection, one column per item) and the
street list with grades. Read-only: rows come from `queries`, already scoped to the person exporting.
Personal data (inspectors' phones, reporters) never goes into a sheet; the inspector is named only. Sheets
are written through `core.tabular` (header style, widths, frozen header, no cell that can be a formula).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core import tabular
from jingzhi.core.text import listing
from jingzhi.rectification import rules

_FAIL = "FDE2E1"


def inspections_workbook(inspections) -> bytes:
    inspections = list(inspections)
    codes: dict[str, str] = {}
    for inspection in inspections:
        for result in inspection.results.all():
            codes.setdefault(result.item.code, result.item.name)
    header = [
        _("街巷编码"),
        _("街巷"),
        _("检查类型"),
        _("周期"),
        _("检查日期"),
        _("标准版本"),
        _("检查人"),
        _("得分"),
        *[f"{name}（{_('扣分')}）" for name in codes.values()],
        _("扣分案件"),
        _("备注"),
    ]
    book = tabular.WorkbookWriter()
    # Notes and names are people's text: the writer keeps a note such as =HYPERLINK(...) from being a formula.
    sheet = book.sheet(_("检查结果"), header, text_columns=(1,))
    for inspection in inspections:
        by_code = {r.item.code: r for r in inspection.results.all()}
        cases = [r.case.number for r in by_code.values() if r.case_id]
        inspector = inspection.inspector
        row = sheet.append(
            [
                inspection.street_code,
                inspection.street_name,
                inspection.get_kind_display(),
                inspection.period,
                inspection.inspected_on,
                inspection.version.code,
                (inspector.display_name or inspector.username) if inspector else _("系统"),
                float(inspection.score),
                *[float(by_code[c].deduction) if c in by_code else None for c in codes],
                listing(cases),
                inspection.note,
            ]
        )
        if inspection.score < inspection.version.downgrade_below:
            sheet.fill(row, 8, _FAIL)
    return book.to_bytes()


def streets_workbook(rows) -> bytes:
    book = tabular.WorkbookWriter()
    sheet = book.sheet(
        _("街巷等级"),
        [
            _("街巷编码"),
            _("街巷"),
            _("街道"),
            _("当前等级"),
            _("评定等级"),
            _("等级起始月份"),
            _("最近计分月份"),
            _("最近得分"),
            _("文明街巷"),
            _("街巷长"),
            _("级别"),
            _("未办结案件"),
        ],
        text_columns=(1,),
    )
    for row in rows:
        record, chief = row.record, row.chief
        number = sheet.append(
            [
                row.street.code,
                row.street.name,
                row.street.subdistrict.name,
                row.grade_label,
                rules.grade_label(record.awarded_grade) if record else "",
                record.grade_since if record else "",
                record.last_month if record else "",
                float(record.last_score) if record and record.last_score is not None else None,
                _("是") if record and record.is_civilized else "",
                (chief.user.display_name or chief.user.username) if chief else "",
                chief.get_rank_display() if chief else "",
                row.open_cases,
            ]
        )
        if row.grade == "failing":
            sheet.fill(number, 4, _FAIL)
    return book.to_bytes()
