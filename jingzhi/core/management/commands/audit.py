"""`jingzhi audit verify | anchor` — check the audit chain, and checkpoint its head outside the database.

`verify` re-walks the chain (HMAC under the configured keys) and compares it with the latest signed
checkpoint: it prints OK with the row count, or names each problem — the first row that does not fit, a
truncation past the checkpoint — and exits 1. `anchor` appends the current head (sequence, hash, time) as
an HMAC-signed JSON line to `JINGZHI_AUDIT_ANCHOR_DIR`/anchors.jsonl and logs it on `jingzhi.audit.anchor`;
run it from cron (docs/deployment.md), more often than the window of deletion you can accept.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.core import audit


class Command(BaseCommand):
    help = _("审计记录：verify 校验哈希链与最近的检查点；anchor 把当前链头写入库外的签名检查点。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help=_("从头校验审计记录哈希链，并与最近的检查点比对"))
        anchor = sub.add_parser("anchor", help=_("把当前链头（序号、哈希、时间）写入签名检查点文件和日志"))
        for p in (verify, anchor):
            p.add_argument("--dir", default=None, help=_("检查点目录（默认 JINGZHI_AUDIT_ANCHOR_DIR）"))
        verify.add_argument(
            "--require-anchor",
            action="store_true",
            help=_("没有可用的检查点时视为失败（适合生产环境的定时校验）"),
        )

    def handle(self, *args, **options):
        directory = Path(options["dir"]) if options["dir"] else None
        if options["action"] == "anchor":
            try:
                point = audit.anchor(directory)
            except audit.AnchorError as exc:
                raise CommandError(str(exc)) from exc
            except OSError as exc:
                raise CommandError(_("无法写入检查点文件：%(err)s") % {"err": exc}) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    _("已写入检查点：链头 #%(seq)s，哈希 %(hash)s…，密钥编号 %(key)s。")
                    % {"seq": point.seq, "hash": point.hash[:16], "key": point.key}
                )
            )
            return
        findings, count, checkpoint = audit.check(directory)
        if not findings:
            if checkpoint is None:
                message = _(
                    "OK：审计链完整，共 %(n)d 条记录；但没有可用的检查点，无法发现末尾记录被删除。"
                ) % {"n": count}
                if options["require_anchor"]:
                    self.stderr.write(self.style.ERROR(message))
                    sys.exit(1)
                self.stdout.write(self.style.WARNING(message))
                return
            self.stdout.write(
                self.style.SUCCESS(
                    _("OK：审计链完整，共 %(n)d 条记录；与检查点（链头 #%(seq)s，%(at)s）一致。")
                    % {"n": count, "seq": checkpoint.seq, "at": checkpoint.at}
                )
            )
            return
        for finding in findings:
            text = finding.message
            row = finding.row
            if row is not None:
                when = timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S")
                text += " " + _(
                    "（记录 #%(id)s：时间 %(when)s，动作 %(verb)s，对象 %(type)s:%(target)s）"
                ) % {
                    "id": row.pk,
                    "when": when,
                    "verb": row.verb,
                    "type": row.target_type,
                    "target": row.target_id,
                }
            self.stderr.write(
                self.style.ERROR(_("审计链校验失败［%(kind)s］：") % {"kind": finding.kind} + text)
            )
        sys.exit(1)
