"""`jingzhi rectification load-standard | regrade | export-streets FILE | export-inspections FILE [--month YYYY-MM]`.

load-standard loads the default 十无一创建 standard and accountability rules (idempotent); regrade replays
every street's grade from its official scores (after the grade rule in the current version changed);
the exports write the same workbooks as the web pages, for everything (run by an operator)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "十无一创建：载入默认标准、重新评级、导出 Excel"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("load-standard", help="载入默认的十无一创建标准与问责规则（可重复执行）")
        sub.add_parser("regrade", help="按现行评级规则重新计算所有街巷的等级")
        streets = sub.add_parser("export-streets", help="导出街巷等级（Excel）")
        streets.add_argument("file")
        inspections = sub.add_parser("export-inspections", help="导出检查结果（Excel）")
        inspections.add_argument("file")
        inspections.add_argument("--month", default="")

    def handle(self, *args, what, **options):
        from django.db import transaction

        from jingzhi.rectification import actions, excel, queries
        from jingzhi.rectification.actions import grades
        from jingzhi.rectification.models import Inspection, StreetRecord

        try:
            if what == "load-standard":
                version = actions.do_load_default_standard(actor=None)
                self.stdout.write(f"现行标准：{version.name}（{version.code}），{version.items.count()} 项")
            elif what == "regrade":
                codes = sorted(
                    set(Inspection.objects.filter(is_official=True).values_list("street_code", flat=True))
                )
                for code in codes:
                    with transaction.atomic():
                        record = StreetRecord.objects.select_for_update().get(street_code=code)
                        month = (
                            record.last_month
                            or Inspection.objects.filter(street_code=code).latest("inspected_on").month
                        )
                        grades._update_street(record, actor=None, month=month)
                self.stdout.write(f"已重新评级 {len(codes)} 条街巷")
            elif what == "export-streets":
                rows = queries.street_rows_for(_Everyone())
                with open(options["file"], "wb") as fh:
                    fh.write(excel.streets_workbook(rows))
                self.stdout.write(f"已导出 {len(rows)} 条街巷到 {options['file']}")
            else:
                qs = (
                    Inspection.objects.select_related("inspector", "version")
                    .prefetch_related(queries._results_prefetch())
                    .order_by("street_code", "inspected_on", "id")
                )
                if options["month"]:
                    qs = qs.filter(month=options["month"])
                with open(options["file"], "wb") as fh:
                    fh.write(excel.inspections_workbook(qs))
                self.stdout.write(f"已导出 {qs.count()} 次检查到 {options['file']}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc


class _Everyone:
    """The operator at the command line sees every street (as a superuser would)."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None
