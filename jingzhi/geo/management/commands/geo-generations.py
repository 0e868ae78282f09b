"""`jingzhi geo-generations [list|activate N|create]`: see and switch boundary generations."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingzhi.core.errors import ApplicationError
from jingzhi.geo import actions, queries


class Command(BaseCommand):
    help = _("列出、新建或启用边界版本")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op")
        sub.add_parser("list", help=_("列出全部边界版本及其地点数"))
        activate = sub.add_parser("activate", help=_("启用一个边界版本（一步切换）"))
        activate.add_argument("generation", type=int)
        create = sub.add_parser("create", help=_("新建草稿版本（默认复制当前启用版本）"))
        create.add_argument("--description", default="")
        create.add_argument("--empty", action="store_true", help=_("不复制当前启用版本"))

    def handle(self, *args, **opts):
        op = opts.get("op") or "list"
        try:
            if op == "activate":
                gen = actions.do_activate_generation(actor=None, generation=opts["generation"])
                self.stdout.write(self.style.SUCCESS(_("已启用边界版本 #%(id)d") % {"id": gen.pk}))
                return
            if op == "create":
                gen = actions.do_create_generation(
                    actor=None, description=opts["description"], copy_active=not opts["empty"]
                )
                self.stdout.write(self.style.SUCCESS(_("已新建草稿边界版本 #%(id)d") % {"id": gen.pk}))
                return
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        for gen in queries.generations():
            counts = actions.place_counts(gen.pk)
            state = _("启用中") if gen.is_active else (_("草稿") if gen.activated_at is None else _("曾启用"))
            self.stdout.write(
                f"#{gen.pk}\t{state}\t{gen.created_at:%Y-%m-%d %H:%M}\t{gen.description}\t"
                + _("区 %(district)d 街道 %(subdistrict)d 社区 %(community)d 网格 %(grid)d 街巷 %(street)d")
                % counts
            )
