"""Values every page of the web shell needs: the demo banner, the navigation for the user's roles, the
administrators' calendar warning and the map's tile settings.

The shell sits on top of the house, so it only reads: roles come from `accounts.access`, the calendar warning
from `core.context_processors.calendar_banner` when that exists. Both are imported lazily and guarded, so a
page still renders while a lower app is being rebuilt.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

ADMIN_ROLES = ("district_admin", "subdistrict_admin")
_FLAG_TTL = 30.0  # seconds; the flag changes only when `jingzhi demo` runs
_flag_cache: dict[str, tuple[float, bool]] = {}


def demo_flag_path():
    return settings.VAR_DIR / "demo.flag"


def is_demo() -> bool:
    """True when settings say so or `jingzhi demo` has built its data into this var/ directory."""
    if getattr(settings, "JINGZHI_DEMO", False):
        return True
    path = str(demo_flag_path())
    seen = _flag_cache.get(path)
    now = time.monotonic()
    if seen is None or now - seen[0] > _FLAG_TTL:
        seen = (now, demo_flag_path().exists())
        _flag_cache[path] = seen
    return seen[1]


def forget_demo_flag() -> None:
    _flag_cache.clear()


def roles_for(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    try:
        from jingzhi.accounts.access import roles_of
    except ImportError:  # pragma: no cover - accounts.access is part of the foundation
        return set()
    return set(roles_of(user))


def is_admin(user, roles: set[str]) -> bool:
    return bool(
        getattr(user, "is_superuser", False) or getattr(user, "is_staff", False) or roles & set(ADMIN_ROLES)
    )


def navigation(user, roles: set[str]) -> list[dict]:
    """The header's links for this user: everyone signed in browses places and the map; administrators also
    get the API docs and the admin site."""
    if not getattr(user, "is_authenticated", False):
        return []
    items = [
        {"name": "home", "label": _("首页"), "url": reverse("web:home")},
        {"name": "places", "label": _("辖区"), "url": reverse("web:places")},
        {"name": "map", "label": _("网格地图"), "url": reverse("web:map")},
    ]
    # One entry for case handling: staff work from the workbench, residents follow their own reports.
    if is_admin(user, roles) or roles - {"resident"}:
        items.insert(
            1, {"name": "cases_workbench", "label": _("案件工作台"), "url": reverse("web:cases_workbench")}
        )
    elif "resident" in roles:
        items.insert(1, {"name": "my_reports", "label": _("我的上报"), "url": reverse("web:my_reports")})
    if is_admin(user, roles) or roles - {"resident", "handler", "council_member"}:  # 十无一创建: street staff
        items.append({"name": "streets", "label": _("街巷整治"), "url": reverse("web:streets")})
    if is_admin(user, roles):
        items.append({"name": "api", "label": _("接口文档"), "url": "/api/docs/"})
    if getattr(user, "is_staff", False):
        items.append({"name": "admin", "label": _("管理后台"), "url": reverse("admin:index")})
    return items


def _calendar_context(request) -> dict:
    try:
        from jingzhi.core.context_processors import calendar_banner
    except ImportError:
        return {}
    try:
        return dict(calendar_banner(request) or {})
    except Exception:  # noqa: BLE001 - a banner must never take a page down; the system check reports it
        return {}


def shell(request):
    user = getattr(request, "user", None)
    roles = roles_for(user)
    admin = is_admin(user, roles) if user is not None else False
    context = {
        "JINGZHI_DEMO": is_demo(),
        "user_roles": sorted(roles),
        "is_admin": admin,
        "nav_items": navigation(user, roles) if user is not None else [],
    }
    if admin:
        context.update(_calendar_context(request))
    context.setdefault("calendar_warning", "")
    return context
