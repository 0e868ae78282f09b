"""`jingzhi demo`: migrate, build the fictional demo district (idempotently), print the logins, serve.

`make demo` calls this. `--no-serve` only builds the data. The server listens on 127.0.0.1 only: the demo
has well-known passwords.
"""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from jingzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "生成虚构的演示城区（示范区）及各角色演示账号，然后在 127.0.0.1 上启动服务。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="监听端口（默认取环境变量 PORT，否则 8000）",
        )
        parser.add_argument("--no-serve", action="store_true", help="只生成数据，不启动服务")

    def handle(self, *args, **options):
        from jingzhi.demo.build import build_demo, logins_table

        self.stdout.write("迁移数据库…")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = build_demo(progress=lambda line: self.stdout.write(line))
        except ApplicationError as exc:
            problems = getattr(exc, "problems", None) or []
            detail = "\n".join(f"  - {p}" for p in problems[:20])
            raise CommandError(f"演示数据生成失败：{exc.message}\n{detail}".rstrip()) from exc
        if result.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示数据已生成：区划{'已导入' if result.places_created else '已存在'}，"
                    f"新建部门 {result.departments_created} 个、用户 {result.users_created} 个、任命 {result.roles_created} 项。"
                )
            )
        else:
            self.stdout.write("演示数据已存在，未作改动。")
        self.stdout.write("\n演示账号（仅供本机体验，请勿用于生产）：")
        self.stdout.write(logins_table(result.logins))
        self.stdout.write(
            "密码是固定的，不是随机生成的。另有各社区监督员 inspector02 … inspector13、"
            "各部门处置人员 handler_szsr、handler_zls 等，密码相同。"
        )
        if options["no_serve"]:
            return
        port = options["port"]
        self.stdout.write(f"\n打开 http://127.0.0.1:{port}/ 登录体验；按 Ctrl+C 停止。\n")
        # No autoreloader: it would re-run this command (and its checks) in a child process.
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
