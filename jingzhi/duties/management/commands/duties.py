"""`jingzhi duties export FILE | import FILE | coverage [--district CODE] | load-demo DISTRICT_CODE`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "职责清单：导出（export FILE）、导入（import FILE）Excel，覆盖报告（coverage），载入演示规则（load-demo）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("export", help="导出职责清单为 Excel").add_argument("file")
        sub.add_parser("import", help="从 Excel 导入职责清单（全部通过才写入）").add_argument("file")
        coverage = sub.add_parser("coverage", help="列出无规则的 分类×街道 与冲突规则")
        coverage.add_argument("--district", default=None, help="只看该区（6 位区编码）")
        sub.add_parser("load-demo", help="为演示区载入默认职责规则（可重复执行）").add_argument(
            "district_code"
        )

    def handle(self, *args, **options):
        from jingzhi.duties import actions, excel, queries
        from jingzhi.duties.demo import load_demo_rules

        action = options["action"]
        try:
            if action == "export":
                rows = excel.export_rules(options["file"])
                self.stdout.write(f"已导出 {rows} 行到 {options['file']}")
            elif action == "import":
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"文件不存在：{path}")
                with path.open("rb") as handle:
                    summary = actions.do_import_duty_rules(actor=None, source=handle)
                self.stdout.write(
                    "导入完成：新建 {created} 条，更新 {updated} 条，未变 {unchanged} 条（共 {rows} 行）".format(
                        **summary
                    )
                )
            elif action == "coverage":
                report = queries.coverage_report(options["district"])
                for line in report.as_lines():
                    self.stdout.write(line)
            elif action == "load-demo":
                result = load_demo_rules(options["district_code"])
                self.stdout.write(f"演示职责规则：新建 {result.created} 条，已有 {result.existing} 条")
                for problem in result.problems:
                    self.stderr.write(f"  未能对应：{problem}")
        except ApplicationError as error:
            problems = getattr(error, "problems", None)
            if problems:
                raise CommandError("导入失败，未写入任何数据：\n" + "\n".join(problems)) from error
            raise CommandError(error.message) from error
