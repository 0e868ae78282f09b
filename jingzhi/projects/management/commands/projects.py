"""`jingzhi projects load-examples | import-kinds FILE | export-kinds FILE | import-register FILE | export-register FILE`.

The catalogue of project kinds as Excel (the example list is marked 示例), and the household register
(all or nothing, row-level reasons). Run by an operator as the system; the web pages do the same for staff."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "民意立项：项目类别目录与住户登记的导入导出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("load-examples", help="载入示例项目类别（标注“示例”，可重复执行）")
        for name, text in (
            ("import-kinds", "从 Excel 导入项目类别"),
            ("export-kinds", "导出项目类别（Excel）"),
            ("import-register", "从 Excel 导入住户登记（有错误则整表不导入）"),
            ("export-register", "导出住户登记（Excel，含个人信息）"),
        ):
            sub.add_parser(name, help=text).add_argument("file")

    def handle(self, *args, what, **options):
        from jingzhi.projects import actions
        from jingzhi.projects.models import Household, ProjectKind

        try:
            if what == "load-examples":
                kinds = actions.do_load_example_kinds(actor=None)
                self.stdout.write(f"示例项目类别：{len(kinds)} 个")
            elif what == "import-kinds":
                kinds = actions.do_import_kinds(actor=None, source=Path(options["file"]).read_bytes())
                self.stdout.write(f"已导入 {len(kinds)} 个项目类别")
            elif what == "export-kinds":
                Path(options["file"]).write_bytes(actions.export_kinds(ProjectKind.objects.all()))
                self.stdout.write(f"已导出到 {options['file']}")
            elif what == "import-register":
                saved = actions.do_import_register(actor=None, source=Path(options["file"]).read_bytes())
                self.stdout.write(f"已导入 {len(saved)} 户")
            else:
                rows = Household.objects.filter(is_active=True).prefetch_related("people__user")
                Path(options["file"]).write_bytes(actions.export_register(rows))
                self.stdout.write(f"已导出到 {options['file']}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"无法读写文件：{exc}") from exc
