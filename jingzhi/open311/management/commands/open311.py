"""`jingzhi open311 create-key NAME [--rate-limit N] | revoke-key PREFIX | list-keys` — Open311 client keys.

`create-key` prints the new key once; only its digest is kept, so a lost key is revoked and replaced.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Open311：签发客户端密钥（create-key 名称）、吊销密钥（revoke-key 前缀）、列出密钥（list-keys）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-key", help="为一个客户端应用签发密钥，密钥只显示这一次")
        create.add_argument("name")
        create.add_argument(
            "--rate-limit", type=int, default=None, help="每分钟提交上限（默认取设置，0 为不限）"
        )
        revoke = sub.add_parser("revoke-key", help="吊销以该前缀开头的密钥")
        revoke.add_argument("prefix")
        sub.add_parser("list-keys", help="列出客户端及其密钥前缀")

    def handle(self, *args, **options):
        from jingzhi.open311 import actions
        from jingzhi.open311.models import Open311Client

        try:
            if options["action"] == "create-key":
                client, key = actions.do_create_client(
                    actor=None, name=options["name"], rate_limit_per_minute=options["rate_limit"]
                )
                self.stderr.write(f"已签发：{client.name}（前缀 {client.key_prefix}）。密钥只显示这一次：")
                self.stdout.write(key)
            elif options["action"] == "revoke-key":
                client = actions.do_revoke_client(actor=None, prefix=options["prefix"])
                self.stdout.write(f"已吊销：{client.name}（{client.key_prefix}）")
            else:
                for client in Open311Client.objects.all():
                    state = "有效" if client.is_usable else "已吊销"
                    self.stdout.write(f"{client.key_prefix}\t{state}\t{client.name}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
