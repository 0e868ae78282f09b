"""`jingzhi worker`: run RQ workers for the Tasks API queues (production profile, `REDIS_URL` set).

django-tasks-rq enqueues jobs of its own class (`django_tasks_rq.Job`), which knows how to call a Task; a
plain RQ worker would refuse them, so the worker is built with that job class. Without `REDIS_URL` the
embedded profile runs tasks in-process and there is nothing to run: say so and exit 0.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jingzhi.core.tasks import rq_configured


class Command(BaseCommand):
    help = _("运行后台任务进程（RQ worker），处理 Tasks API 队列中的任务。需要设置 REDIS_URL。")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help=_("要处理的队列（默认：TASKS 配置中的全部队列）"))
        parser.add_argument("--burst", action="store_true", help=_("处理完队列中现有任务后退出"))
        parser.add_argument("--with-scheduler", action="store_true", help=_("同时运行定时任务调度"))
        parser.add_argument("--max-jobs", type=int, default=None, help=_("处理这么多任务后退出"))
        parser.add_argument("--name", default=None, help=_("worker 名称"))
        parser.add_argument(
            "--worker-class",
            default=None,
            help=_("RQ worker 类，例如 rq.worker.SimpleWorker（不 fork，适合调试）"),
        )

    def handle(self, *args, **options):
        if not rq_configured():
            self.stdout.write(
                _(
                    "未设置 REDIS_URL：当前为嵌入式配置，后台任务在 Web 进程内、事务提交后立即执行，无需单独运行 worker。"
                    "如需独立的后台任务进程，请设置 REDIS_URL（例如 redis://127.0.0.1:6379/0）后再运行 `jingzhi worker`。"
                )
            )
            return

        import django_tasks_rq
        from django_rq.utils import reset_db_connections
        from django_rq.workers import get_worker
        from redis.exceptions import ConnectionError as RedisConnectionError
        from rq.logutils import setup_loghandlers

        queues = options["queues"] or sorted(settings.TASKS["default"].get("QUEUES") or ["default"])
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
