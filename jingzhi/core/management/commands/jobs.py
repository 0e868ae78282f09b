"""`jingzhi jobs status | retry (IDS… | --dead) | prune [--days N]` — the job outbox from the command line.

`status` counts jobs by state and lists the dead ones with their last error; `retry` puts dead jobs back
to run now with a fresh count of attempts (audited as `job.retried`); `prune` deletes done rows older than
N days (default 7), for a daily cron.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils.translation import gettext as _

from jingzhi.core import jobs
from jingzhi.core.ids import parse_id
from jingzhi.core.models import OutboxJob


class Command(BaseCommand):
    help = _("后台任务表：status 查看状态，retry 重试已放弃的任务，prune 清理已完成的旧任务。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help=_("按状态统计任务，并列出已放弃的任务"))
        retry = sub.add_parser("retry", help=_("把已放弃（或仍在重试）的任务放回队列，立即执行"))
        retry.add_argument("ids", nargs="*", help=_("任务编号"))
        retry.add_argument("--dead", action="store_true", help=_("重试全部已放弃的任务"))
        prune = sub.add_parser("prune", help=_("删除 N 天前已完成的任务记录"))
        prune.add_argument("--days", type=int, default=7)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "status":
            counts = dict(OutboxJob.objects.values_list("state").annotate(n=Count("id")).order_by())
            labels = dict(OutboxJob.STATES)
            for state in (OutboxJob.PENDING, OutboxJob.DONE, OutboxJob.DEAD):
                self.stdout.write(f"{labels[state]}（{state}）：{counts.get(state, 0)}")
            for row in OutboxJob.objects.filter(state=OutboxJob.DEAD).order_by("id")[:50]:
                error = (row.last_error.strip().splitlines() or [""])[-1][:200]
                self.stdout.write(f"#{row.pk} {row.task} ×{row.attempts} {error}")
        elif action == "retry":
            if not options["dead"] and not options["ids"]:
                raise CommandError(_("请给出任务编号，或用 --dead 重试全部已放弃的任务。"))
            ids = []
            for raw in options["ids"]:
                pk = parse_id(raw)
                if pk is None:
                    raise CommandError(_("任务编号“%(v)s”无效：应为正整数。") % {"v": raw})
                ids.append(pk)
            n = jobs.do_retry_jobs(actor=None, job_ids=ids, all_dead=options["dead"])
            self.stdout.write(_("已放回队列 %(n)d 个任务。") % {"n": n})
        else:
            if options["days"] < 0:
                raise CommandError(_("--days 不能为负数。"))
            n = jobs.prune_done(older_than=timedelta(days=options["days"]))
            self.stdout.write(_("已删除 %(n)d 条已完成的任务记录。") % {"n": n})
