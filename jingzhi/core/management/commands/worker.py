"""`jingzhi worker`: run the background jobs of the job outbox (`jingzhi.core.jobs`), in any profile.

It claims due rows with `SELECT … FOR UPDATE SKIP LOCKED` (so several workers on several nodes share the
work), runs each in its own transaction without forking, and sleeps `--poll` seconds when none is due. It
needs the database only: Redis may be down. SIGTERM/SIGINT stop it after the job in hand. `--burst` runs
what is due and exits (for cron in the embedded profile, and for tests).

`--rq` runs the former RQ worker instead, to drain jobs queued in Redis before the upgrade to the outbox:
django-tasks-rq enqueues jobs of its own class (`django_tasks_rq.Job`), so the worker is built with it.
"""

from __future__ import annotations

import signal
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jingzhi.core import jobs


class Command(BaseCommand):
    help = _("运行后台任务进程：执行数据库任务表（outbox）中到期的任务，失败按指数退避重试。")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help=_("要处理的队列（默认：全部）"))
        parser.add_argument("--burst", action="store_true", help=_("处理完队列中现有任务后退出"))
        parser.add_argument(
            "--poll", type=float, default=1.0, help=_("没有到期任务时的轮询间隔（秒，默认 1）")
        )
        parser.add_argument("--batch", type=int, default=10, help=_("每个事务执行的任务数（默认 10）"))
        parser.add_argument(
            "--rq", action="store_true", help=_("改为运行旧的 RQ worker（清空升级前 Redis 中的任务）")
        )
        parser.add_argument("--with-scheduler", action="store_true", help=_("同时运行定时任务调度"))
        parser.add_argument("--max-jobs", type=int, default=None, help=_("处理这么多任务后退出"))
        parser.add_argument("--name", default=None, help=_("worker 名称"))
        parser.add_argument(
            "--worker-class",
            default=None,
            help=_("RQ worker 类，例如 rq.worker.SimpleWorker（不 fork，适合调试）"),
        )

    def handle(self, *args, **options):
        if not options["rq"]:
            self._work_outbox(options)
            return
        if not settings.REDIS_URL:
            self.stdout.write(_("未设置 REDIS_URL：没有 RQ 队列需要处理。"))
            return

        import django_tasks_rq
        from django_rq.utils import reset_db_connections
        from django_rq.workers import get_worker
        from redis.exceptions import ConnectionError as RedisConnectionError
        from rq.logutils import setup_loghandlers

        queues = options["queues"] or ["default"]
        level = {0: "WARNING", 1: "INFO"}.get(options["verbosity"], "DEBUG")
        setup_loghandlers(level)
        try:
            worker = get_worker(
                *queues,
                job_class=django_tasks_rq.Job,
                worker_class=options["worker_class"],
                name=options["name"],
            )
            # The work horse is forked: it must not inherit this process's database connections.
            reset_db_connections()
            self.stdout.write(_("后台任务进程已启动，队列：%(q)s") % {"q": ", ".join(queues)})
            worker.work(
                burst=options["burst"],
                with_scheduler=options["with_scheduler"],
                logging_level=level,
                max_jobs=options["max_jobs"],
            )
        except RedisConnectionError as exc:
            # Name the server, never its password.
            where = urlsplit(settings.REDIS_URL)
            self.stderr.write(
                _("无法连接 Redis（%(host)s:%(port)s）：%(err)s")
                % {"host": where.hostname, "port": where.port or 6379, "err": exc}
            )
            sys.exit(1)

    def _work_outbox(self, options) -> None:
        stopping = {"now": False}

        def stop(signum, frame):  # finish the job in hand, then leave
            stopping["now"] = True

        previous = {}
        try:
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, stop)
        except ValueError:  # not the main thread (called from a test or an embedding program)
            pass
        if not options["burst"]:
            self.stdout.write(_("后台任务进程已启动（任务表），轮询间隔 %(s)s 秒。") % {"s": options["poll"]})
        try:
            ran = jobs.work(
                burst=options["burst"],
                poll_seconds=max(0.05, options["poll"]),
                max_jobs=options["max_jobs"],
                queues=options["queues"] or None,
                batch=max(1, options["batch"]),
                stop=lambda: stopping["now"],
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        dead = jobs.dead_count()
        self.stdout.write(_("已执行 %(n)d 个任务。") % {"n": ran})
        if dead:
            self.stderr.write(
                _(
                    "有 %(n)d 个任务多次失败后已放弃，请在管理后台“后台任务”中查看，或运行 `jingzhi jobs retry --dead`。"
                )
                % {"n": dead}
            )
