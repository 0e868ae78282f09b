"""`jingzhi taxonomy load-default | export FILE | import FILE` — the category tree from the command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "案件分类：载入默认分类树（load-default）、导出（export FILE）或导入（import FILE）Excel"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "load-default", help="载入默认分类树、十无对应、诉求类型、紧急程度与环节时限（可重复执行）"
        )
        export = sub.add_parser("export", help="导出分类为 Excel")
        export.add_argument("file")
        importer = sub.add_parser("import", help="从 Excel 导入分类（全部通过才写入）")
        importer.add_argument("file")

    def handle(self, *args, **options):
        from jingzhi.taxonomy import actions
        from jingzhi.taxonomy.excel import export_categories

        action = options["action"]
        try:
            if action == "load-default":
                counts = actions.do_load_default_taxonomy(actor=None)
                self.stdout.write("默认分类已载入：" + "，".join(f"{k} +{v}" for k, v in counts.items()))
            elif action == "export":
                Path(options["file"]).write_bytes(export_categories())
                self.stdout.write(f"已导出到 {options['file']}")
            elif action == "import":
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"文件不存在：{path}")
                with path.open("rb") as handle:
                    report = actions.do_import_categories(actor=None, file=handle)
                self.stdout.write("导入完成：" + "，".join(f"{k} {v}" for k, v in report.items()))
        except ApplicationError as error:
            problems = getattr(error, "problems", None)
            if problems:
                raise CommandError("导入失败，未写入任何数据：\n" + "\n".join(problems)) from error
            raise CommandError(error.message) from error
