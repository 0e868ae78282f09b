"""`jingzhi assessment rebuild --month YYYY-MM [--to YYYY-MM] | fill [--now] | focus --quarter YYYYQn`.

rebuild re-fills the given month (or every month of a range) from the source records: the same rows
whenever it runs on the same data. fill enqueues the snapshot job (for cron); with --now it runs the job
here and says which months it filled. rebuild also re-counts the months' problems for 每月一题. focus
computes a quarter's 治理类街乡 list from the subdistricts' monthly scores (the same list whenever it runs on
the same scores)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "考核：按月重建快照、填充待更新月份"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        rebuild = sub.add_parser("rebuild", help="重建某月（或某段月份）的考核快照")
        rebuild.add_argument("--month", required=True, help="YYYY-MM")
        rebuild.add_argument("--to", default="", help="YYYY-MM：重建到该月为止")
        fill = sub.add_parser("fill", help="将快照填充任务加入队列（适合 cron 定时执行）")
        fill.add_argument("--now", action="store_true", help="在本进程内立即填充")
        focus = sub.add_parser("focus", help="按规则计算某季度的治理类街乡名单")
        focus.add_argument("--quarter", required=True, help="YYYYQn，例如 2026Q3")

    def handle(self, *args, what, **options):
        from jingzhi.assessment import actions, rules
        from jingzhi.assessment.models import ProblemCount

        try:
            if what == "rebuild":
                first = rules.parse_month(options["month"])
                last = rules.parse_month(options["to"], "to") if options["to"] else first
                if last < first:
                    raise CommandError(f"--to {last} 早于 --month {first}")
                for month in rules.months_between(first, last):
                    run = actions.do_refill_month(month, actor=None, trigger="rebuild")
                    problems = ProblemCount.objects.filter(month=month).count()
                    self.stdout.write(
                        f"{month}：指标值 {run.figures} 行，得分 {run.scores} 行，问题数量 {problems} 行"
                    )
            elif what == "focus":
                entries = actions.do_compute_focus(options["quarter"], actor=None, trigger="command")
                quarter = entries[0].quarter if entries else options["quarter"]
                self.stdout.write(f"{quarter} 治理类街乡 {len(entries)} 个：")
                for e in entries:
                    self.stdout.write(
                        f"  {e.unit_code} {e.unit_name} 季度月均 {e.mean_score} 分，第 {e.rank}/{e.ranked} 名"
                    )
            elif options["now"]:
                runs = actions.do_fill_due(actor=None)
                self.stdout.write("已填充：" + ("、".join(r.month for r in runs) or "无"))
            else:
                from jingzhi.assessment.tasks import fill_due_months

                result = fill_due_months.enqueue()
                self.stdout.write(f"已加入队列：{result.id}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
