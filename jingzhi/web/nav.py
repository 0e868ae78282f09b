"""The web shell's own header links (see `jingzhi.web.navigation` for the contract): the home page for
everyone signed in, the API docs for administrators and the admin site for Django staff."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import access
from jingzhi.accounts.rules import ADMIN_ROLES
from jingzhi.core.urls import fixed_url


def is_admin(user) -> bool:
    """Superusers, Django staff and district/subdistrict administrators: the API docs are theirs."""
    return bool(
        access.is_superuser(user) or getattr(user, "is_staff", False) or access.has_role(user, *ADMIN_ROLES)
    )


def entries(user) -> list[dict]:
    items = [{"key": "home", "label": _("首页"), "url": fixed_url("web:home"), "order": 0}]
    if is_admin(user):
        items.append({"key": "api", "label": _("接口文档"), "url": "/api/docs/", "order": 90})
    if getattr(user, "is_staff", False):
        items.append({"key": "admin", "label": _("管理后台"), "url": fixed_url("admin:index"), "order": 95})
    return items
