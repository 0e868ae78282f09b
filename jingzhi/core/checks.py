"""System checks for the core app: the working calendar must not silently guess a year; no background job
may die unseen; a production audit chain needs its key.

`jingzhi.W001` warns when this year or next is known neither to chinesecalendar nor to an imported
State Council notice, so deadlines there fall back to plain weekends. It reads the calendar tables when the
package does not cover a year; before `migrate` (no tables yet) it treats the database as empty.
"""

from django.conf import settings
from django.core.checks import Warning, register
from django.db import DatabaseError
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


def calendar_summary_text(years: list[int]) -> str:
    """The banner's one short line (a phone shows it on one or two lines; the rest opens on a tap)."""
    return _("缺少 %(years)s 年节假日数据，期限暂按周一至周五计算") % {
        "years": listing(str(y) for y in years)
    }


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


def dead_jobs_text(count: int) -> str:
    """The one Chinese sentence shown by the check, the admin banner and the job list."""
    return _(
        "有 %(n)d 个后台任务（通知等）多次失败后已放弃，相关通知没有送达。请在管理后台“后台任务”中查看错误原因，"
        "修复后选中任务执行“立即重试”，或运行 `jingzhi jobs retry --dead`。"
    ) % {"n": count}


@register()
def check_dead_jobs(app_configs=None, **kwargs):
    """`jingzhi.W020`: jobs that gave up. Before `migrate` (no table yet) there is nothing to say."""
    from jingzhi.core.jobs import dead_count

    try:
        dead = dead_count()
    except DatabaseError:
        return []
    if not dead:
        return []
    return [Warning(dead_jobs_text(dead), hint=_("详见 docs/notifications.md。"), id="jingzhi.W020")]


@register()
def check_audit_key(app_configs=None, **kwargs):
    """`jingzhi.W021`: PostgreSQL (the production profile) without an audit key seals rows unkeyed, so
    anyone who can write the database could rewrite the chain undetected."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return []
    if str(getattr(settings, "JINGZHI_AUDIT_KEY", "") or "").strip():
        return []
    return [
        Warning(
            _(
                "未配置审计密钥：审计链的新记录只用普通哈希相连，能写数据库的人可以改写记录并重算哈希而不被发现。"
            ),
            hint=_(
                "生成一把密钥（例如 `python -c 'import secrets; print(secrets.token_hex(32))'`），保存在数据库之外，"
                "设置 JINGZHI_AUDIT_KEY 或 JINGZHI_AUDIT_KEY_FILE；见 docs/deployment.md。"
            ),
            id="jingzhi.W021",
        )
    ]
