"""`jingzhi cases remind | diagram [--mermaid] | import-hotline FILE` — the case loop from the command line.

`remind` enqueues the overdue-reminder task (for cron, e.g. every 10 minutes); with the embedded profile
the task runs at once in this process.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "案件：发送超时提醒（remind）、输出流程图（diagram）、导入热线工单（import-hotline FILE）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="将超时提醒任务加入队列（适合 cron 定时执行）")
        remind.add_argument("--now", action="store_true", help="在本进程内立即执行，不经任务队列")
        diagram = sub.add_parser("diagram", help="输出由流转表生成的流程图（SVG，或 --mermaid）")
        diagram.add_argument("--mermaid", action="store_true")
        importer = sub.add_parser("import-hotline", help="导入 12345 工单（Excel/CSV，全部通过才写入）")
        importer.add_argument("file")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "remind":
                if options["now"]:
                    from jingzhi.cases.actions import do_send_overdue_reminders

                    self.stdout.write(f"已发送超时提醒 {do_send_overdue_reminders(actor=None)} 条")
                else:
                    from jingzhi.cases.tasks import send_overdue_reminders

                    result = send_overdue_reminders.enqueue()
                    self.stdout.write(f"已加入队列：{result.id}")
            elif action == "diagram":
                from jingzhi.cases import workflow

                self.stdout.write(
                    workflow.diagram_mermaid() if options["mermaid"] else workflow.diagram_svg()
                )
            else:
                from jingzhi.cases.actions import do_import_hotline_orders

                with open(options["file"], "rb") as handle, _ProgressBars(self.stderr) as bars:
                    counts = do_import_hotline_orders(actor=None, file=handle, progress=bars.update)
                self.stdout.write(
                    f"新建 {counts['created']} 件，已存在 {counts['existing']} 件，共 {counts['rows']} 行"
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc


class _ProgressBars:
    """The import's progress on the terminal (stderr): one tqdm bar for checking the rows and one for
    writing them; nothing when stderr is not a terminal (cron, CI logs)."""

    LABELS = {"check": "检查", "write": "写入"}

    def __init__(self, stream):
        self.stream, self.bars = stream, {}

    def __enter__(self):
        return self

    def update(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(
                total=total,
                desc=self.LABELS.get(stage, stage),
                unit="行",
                file=self.stream._out,
                disable=None,
            )
        bar.update(done - bar.n)

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()
        return False
