"""The navigation and home-page registry: the header's links and the home page's blocks come from the
installed apps, each of which says what the signed-in user can use.

An app opts in with a module `jingzhi/<app>/nav.py` exposing either or both of:

- `entries(user) -> list[dict]`: header links, each `{"key", "label", "url", "order"}` (`label` lazily
  translated). Only links the user can actually open: a link that answers 404 or 403 for them is a bug,
  and `tests/doors/test_navigation.py` fetches every entry as every demo role.
- `home_blocks(user) -> list[dict]`: blocks of the home page, each `{"title", "template", "context",
  "order"}` and optionally `"key"` and `"role"`. Lower `order` is more actionable and comes first; a person
  holding several roles gets each role's block.

The web layer sits on top of the house, so it may read any app; the apps' `nav.py` modules read their own
app's queries and permissions, and name pages only by URL name (never importing the web layer). The list of
`nav.py` modules is found once per process from the app registry.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from django.apps import apps


@cache
def nav_modules() -> tuple[ModuleType, ...]:
    """The `nav` modules of the installed Jingzhi apps, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("jingzhi."):
            continue
        name = f"{config.name}.nav"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a nav module that exists but imports something missing is a real error
                raise
    return tuple(found)


def _anonymous(user) -> bool:
    return not getattr(user, "is_authenticated", False)


def entries_for(user) -> list[dict]:
    """Every app's header links for `user`, by `order` then key; a key given twice keeps the first."""
    if _anonymous(user):
        return []
    out: list[dict] = []
    seen: set[str] = set()
    for module in nav_modules():
        collect = getattr(module, "entries", None)
        for entry in collect(user) if collect else ():
            if entry["key"] in seen:
                continue
            seen.add(entry["key"])
            out.append(entry)
    out.sort(key=lambda e: (e.get("order", 50), e["key"]))
    return out


def home_blocks_for(user) -> list[dict]:
    """Every app's home-page blocks for `user`, most actionable (lowest `order`) first."""
    if _anonymous(user):
        return []
    out: list[dict] = []
    for module in nav_modules():
        collect = getattr(module, "home_blocks", None)
        out.extend(collect(user) if collect else ())
    out.sort(key=lambda b: b.get("order", 50))
    return out
