"""`jingzhi calendar import FILE --year 2027` and `jingzhi calendar status`.

The import reads the State Council's notice as a small file (see `jingzhi.core.holidayfile`), reports every
problem with its line number and imports nothing unless the whole file is right. The status lists, per
year, whether the working calendar knows it from the package, from the database, or only guesses weekends.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingzhi.core import workcalendar
from jingzhi.core.actions import do_import_holidays
from jingzhi.core.errors import ApplicationError
from jingzhi.core.holidayfile import HolidayFileError, parse_holiday_file

SOURCE_LABELS = {
    workcalendar.SOURCE_PACKAGE: "chinesecalendar 软件包",
    workcalendar.SOURCE_DATABASE: "数据库（已导入通知）",
    workcalendar.SOURCE_FALLBACK: "无数据：按周一至周五上班推算",
}


class Command(BaseCommand):
    help = _("工作日历：导入国务院节假日安排文件，或查看各年度数据来源。")
    # The status is the place to read coverage; don't print the same warning twice before it.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help=_("导入一年的节假日安排（CSV 或简写格式），全部正确才写入"))
        imp.add_argument("file", help=_("文件路径"))
        imp.add_argument("--year", type=int, required=True, help=_("年份，例如 2027"))
        imp.add_argument("--source", default="", help=_("来源说明，例如通知文号；默认用文件名"))
        imp.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))
        status = sub.add_parser("status", help=_("列出各年度的数据来源"))
        status.add_argument("--from", dest="first", type=int, default=None, help=_("起始年份（默认去年）"))
        status.add_argument("--to", dest="last", type=int, default=None, help=_("结束年份（默认明年）"))

    def handle(self, *args, **options):
        if options["action"] == "import":
            return self._import(options)
        return self._status(options)

    def _import(self, options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        year = options["year"]
        try:
            rows = parse_holiday_file(path.read_bytes(), year=year)
            if options["dry_run"]:
                self.stdout.write(
                    _("检查通过：%(year)d 年共 %(n)d 天（未写入）。") % {"year": year, "n": len(rows)}
                )
                return
            do_import_holidays(actor=None, year=year, rows=rows, source=options["source"] or path.name)
        except HolidayFileError as exc:
            self.stderr.write(_("文件有 %(n)d 处问题，未导入任何数据：") % {"n": len(exc.problems)})
            for problem in exc.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(_("导入失败。")) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        holidays = sum(1 for r in rows if not r.is_workday)
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入 %(year)d 年：放假 %(h)d 天，调休上班 %(w)d 天。")
                % {"year": year, "h": holidays, "w": len(rows) - holidays}
            )
        )

    def _status(self, options):
        this_year = workcalendar.today().year
        first = options["first"] or this_year - 1
        last = options["last"] or this_year + 1
        self.stdout.write(_("年份  数据来源"))
        for row in workcalendar.calendar_status(range(first, last + 1)):
            label = SOURCE_LABELS[row["source"]]
            extra = ""
            if row["source"] == workcalendar.SOURCE_DATABASE:
                extra = _("，%(n)d 条") % {"n": row["db_rows"]}
            elif row["corrected"]:
                extra = _("，另有数据库更正 %(n)d 条") % {"n": row["db_rows"]}
            line = f"{row['year']}  {label}{extra}"
            self.stdout.write(
                self.style.WARNING(line) if row["source"] == workcalendar.SOURCE_FALLBACK else line
            )
        missing = workcalendar.years_without_data(this_year)
        if missing:
            from jingzhi.core.checks import calendar_hint_text, calendar_warning_text

            self.stdout.write(self.style.WARNING(calendar_warning_text(missing)))
            self.stdout.write(calendar_hint_text(missing))
