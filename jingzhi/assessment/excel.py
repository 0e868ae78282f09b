"""Excel workbooks of 考核: a month's rankings (one sheet per unit kind, with a bar chart of the scores)
and one unit's monthly report (its figures, and a sheet of six months' trends with a line chart). Read-only:
rows come from `queries`, already scoped to the reader; figures only — no case, no person. Written through
`core.tabular` (header style, widths, frozen header, nothing that can run as a formula) and openpyxl charts.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl.chart import BarChart, LineChart, Reference

from jingzhi.assessment import queries, registry, rules
from jingzhi.core import tabular

_LOW = "FDE2E1"


def _number(indicator, value):
    if value is None:
        return None
    return float(value * 100) if indicator is not None and indicator.kind == rules.RATE else float(value)


def _heading(indicator) -> str:
    suffix = "（%）" if indicator.kind == rules.RATE else (f"（{indicator.unit}）" if indicator.unit else "")
    return f"{indicator.label}{suffix}"


def rankings_workbook(rankings: dict[str, list[queries.RankingRow]], month: str) -> bytes:
    book = tabular.WorkbookWriter()
    for kind, rows in rankings.items():
        side = [registry.indicator(code) for code in queries.SIDE_BY_SIDE.get(kind, ())]
        side = [i for i in side if i is not None]
        header = [
            _("排名"),
            _("较上月"),
            _("编码"),
            _("名称"),
            _("综合得分"),
            _("等次"),
            *[_heading(i) for i in side],
            _("权重方案"),
        ]
        title = f"{rules.UNIT_KINDS[kind]}{_('排名')} {month}"
        sheet = book.sheet(title[:31], header, text_columns=(3,))
        for row in rows:
            s = row.score
            line = sheet.append(
                [
                    s.rank,
                    row.change,
                    s.unit_code,
                    s.unit_name,
                    float(s.score) if s.score is not None else None,
                    s.grade,
                    *[_number(i, row.figures[i.code].value if i.code in row.figures else None) for i in side],
                    s.weight_set,
                ]
            )
            if s.grade in ("D", "E"):
                sheet.fill(line, 6, _LOW)
        if rows:
            chart = BarChart()
            chart.type = "bar"
            chart.title = title
            chart.y_axis.title = _("综合得分")
            chart.add_data(
                Reference(sheet.worksheet, min_col=5, min_row=1, max_row=len(rows) + 1), titles_from_data=True
            )
            chart.set_categories(Reference(sheet.worksheet, min_col=4, min_row=2, max_row=len(rows) + 1))
            chart.height, chart.width = max(7.5, 0.6 * len(rows)), 16
            sheet.worksheet.add_chart(chart, f"{chr(ord('A') + len(header) + 1)}2")
    return book.to_bytes()


def report_workbook(report: queries.UnitReport) -> bytes:
    book = tabular.WorkbookWriter()
    sheet = book.sheet(
        _("月度报告"),
        [_("指标"), _("数值"), _("分子"), _("分母"), _("目标"), _("是否达标"), _("说明")],
    )
    for row in report.rows:
        f, i = row.figure, row.indicator
        target = _number(i, i.target) if i.target is not None else None
        met = {True: _("达标"), False: _("未达标"), None: ""}[row.meets_target]
        line = sheet.append(
            [
                _heading(i),
                _number(i, f.value) if f else None,
                float(f.numerator) if f else None,
                float(f.denominator) if f and i.kind == rules.RATE else None,
                target,
                met,
                str(i.description),
            ]
        )
        if row.meets_target is False:
            sheet.fill(line, 6, _LOW)
    trends = book.sheet(_("近六个月"), [_("月份"), *[_heading(r.indicator) for r in report.rows]])
    for n, month in enumerate(report.months):
        trends.append([month, *[_number(r.indicator, r.trend[n][1]) for r in report.rows]])
    rates = [n for n, r in enumerate(report.rows, start=2) if r.indicator.kind == rules.RATE]
    if rates:
        chart = LineChart()
        chart.title = f"{report.name} {_('各项比率')}"
        chart.y_axis.title = "%"
        for column in rates:
            chart.add_data(
                Reference(trends.worksheet, min_col=column, min_row=1, max_row=len(report.months) + 1),
                titles_from_data=True,
            )
        chart.set_categories(
            Reference(trends.worksheet, min_col=1, min_row=2, max_row=len(report.months) + 1)
        )
        chart.height, chart.width = 9, 18
        trends.worksheet.add_chart(chart, "B10")
    return book.to_bytes()
