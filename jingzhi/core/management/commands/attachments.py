"""`jingzhi attachments sweep`: delete picture files that no attachment row names — what an upload leaves
on disk when its transaction rolls back — once they are older than a day (`--older-than-hours`). Run it
daily from cron; `--dry-run` lists them without deleting. `jingzhi attachments sweep-drafts` deletes draft
photos (kept from a form that failed) older than JINGZHI_DRAFT_PHOTO_HOURS; run it before `sweep`."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingzhi.core import attachments


class Command(BaseCommand):
    help = _("图片附件：sweep 删除没有任何附件记录引用的文件（上传所在事务回滚后留下的）。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help=_("删除无人引用、且超过指定时长未改动的图片文件"))
        sweep.add_argument(
            "--older-than-hours",
            type=float,
            default=24.0,
            help=_("只删除超过这么多小时的文件（默认 24；正在提交的上传不会被误删）"),
        )
        sweep.add_argument("--dry-run", action="store_true", help=_("只列出，不删除"))
        sub.add_parser("sweep-drafts", help=_("删除已过期的草稿照片（提交失败后暂存的照片）"))

    def handle(self, *args, **options):
        if options["action"] == "sweep-drafts":
            n = attachments.do_sweep_drafts()
            self.stdout.write(self.style.SUCCESS(_("已删除 %(n)d 张过期的草稿照片。") % {"n": n}))
            return
        hours = options["older_than_hours"]
        if hours < 1:
            raise CommandError(_("--older-than-hours 至少为 1：更新的文件可能属于尚未提交的上传。"))
        found = attachments.do_sweep_orphan_files(
            older_than=timedelta(hours=hours), dry_run=options["dry_run"]
        )
        for name in found:
            self.stdout.write(name)
        if options["dry_run"]:
            self.stdout.write(_("共 %(n)d 个无人引用的文件（未删除）。") % {"n": len(found)})
        else:
            self.stdout.write(self.style.SUCCESS(_("已删除 %(n)d 个无人引用的文件。") % {"n": len(found)}))
