"""Values every page of the web shell needs: the demo banner, the navigation for the user's roles (from the
apps' `nav.py`, see `jingzhi.web.navigation`), the administrators' calendar warning and the map's tile
settings.

The shell sits on top of the house, so it only reads: roles come from `accounts.access`, the calendar warning
from `core.context_processors.calendar_banner` when that exists. Both are imported lazily and guarded, so a
page still renders while a lower app is being rebuilt.
"""

from __future__ import annotations

import time

from django.conf import settings

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


def navigation(user) -> list[dict]:
    """The header's links for this user: what the installed apps' `nav.py` offer them
    (`jingzhi.web.navigation`), only pages they can open."""
    from jingzhi.web.navigation import entries_for

    return entries_for(user)


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
        "nav_items": navigation(user) if user is not None else [],
    }
    if admin:
        context.update(_calendar_context(request))
    context.setdefault("calendar_warning", "")
    return context
