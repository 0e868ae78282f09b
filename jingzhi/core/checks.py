"""System checks for the core app: the working calendar must not silently guess a year.

`jingzhi.W001` warns when this year or next is known neither to chinesecalendar nor to an imported
State Council notice, so deadlines there fall back to plain weekends. It reads the calendar tables when the
package does not cover a year; before `migrate` (no tables yet) it treats the database as empty.
"""

from django.core.checks import Warning, register
from django.utils.translation import gettext as _

from jingzhi.core import workcalendar
from jingzhi.core.text import listing


def calendar_warning_text(years: list[int]) -> str:
    """The one Chinese sentence shown by the check, the command and the administrators' banner."""
    listed = listing(str(y) for y in years)
    return _(
        "工作日历缺少 %(years)s 年的法定节假日数据：chinesecalendar 不认识该年，数据库也未导入国务院办公厅的"
        "节假日安排通知，期限暂按“周一至周五上班、周末休息”计算，春节、国庆等假期和调休上班日都不会被考虑。"
    ) % {"years": listed}


def calendar_hint_text(years: list[int]) -> str:
    year = years[0] if years else ""
    return _(
        "通知发布后，整理成 CSV（表头 date,name,is_workday，示例见 jingzhi/core/data/holidays-example.csv），"
        "执行 `jingzhi calendar import 文件 --year %(year)s`，或在管理后台“已载入年度”页面点击“上传节假日文件”。"
    ) % {"year": year}


@register()
def check_calendar_coverage(app_configs=None, **kwargs):
    years = workcalendar.years_without_data()
    if not years:
        return []
    return [Warning(calendar_warning_text(years), hint=calendar_hint_text(years), id="jingzhi.W001")]
