"""`jingzhi once --every 10m -- COMMAND [ARGS…]` — run a management command once per slot across all nodes.

Put the same crontab on every node; for each slot exactly one node runs the command (jingzhi.core.scheduled):

    */10 * * * *  jingzhi once --every 10m -- cases remind
    */5  * * * *  jingzhi once --every 5m -- audit anchor

`--every` must equal the cron interval. Exits 0 both when this node ran the command and when another node
already had the slot (it says which); a failing command exits non-zero as it would on its own.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingzhi.core import scheduled
from jingzhi.core.errors import InvalidInput


class Command(BaseCommand):
    help = _("定时任务在多个节点中只执行一次：jingzhi once --every 10m -- cases remind")

    def add_arguments(self, parser):
        parser.add_argument("--every", required=True, help=_("与 cron 一致的间隔，如 5m、10m、1h、1d"))
        parser.add_argument("--job", default="", help=_("任务名（默认即命令本身，如“cases remind”）"))
        parser.add_argument("--node", default="", help=_("节点名（默认主机名）"))
        parser.add_argument("command", nargs="+", help=_("要执行的管理命令及其参数"))

    def handle(self, *args, every, job, node, command, **options):
        try:
            interval = scheduled.parse_every(every)
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        name = job or " ".join(command)
        ran = scheduled.run_once(name, interval, lambda: call_command(*command), node=node or None)
        if ran:
            self.stdout.write(_("已执行：%(job)s") % {"job": name})
        else:
            self.stdout.write(_("跳过：本时段的“%(job)s”已由其他节点执行。") % {"job": name})
