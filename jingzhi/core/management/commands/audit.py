"""`jingzhi audit verify`: re-walk the audit chain; print OK with the row count, or name the first row
that does not fit (id, time, verb, target) and exit non-zero."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.core import audit
from jingzhi.core.models import AuditEvent


class Command(BaseCommand):
    help = _("审计记录：verify 校验哈希链是否完整。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help=_("从头校验审计记录哈希链"))

    def handle(self, *args, **options):
        broken = audit.verify()
        if broken is None:
            count = AuditEvent.objects.count()
            self.stdout.write(self.style.SUCCESS(_("OK：审计链完整，共 %(n)d 条记录。") % {"n": count}))
            return
        when = timezone.localtime(broken.created_at).strftime("%Y-%m-%d %H:%M:%S")
        self.stderr.write(
            self.style.ERROR(
                _(
                    "审计链在第一处断裂：记录 #%(id)s（时间 %(when)s，动作 %(verb)s，对象 %(type)s:%(target)s）"
                    "与前一条记录或自身内容不符——该记录或其之前的记录被修改、删除或插入过。"
                )
                % {
                    "id": broken.pk,
                    "when": when,
                    "verb": broken.verb,
                    "type": broken.target_type,
                    "target": broken.target_id,
                }
            )
        )
        sys.exit(1)
