"""Hooks taxonomy fires after commit, for higher apps that cache the tree (duties' routing cache, the
suggestion model in cases). Subscribe with `jingzhi.core.hooks.register(NAME)` in `AppConfig.ready()`.

- `TAXONOMY_CHANGED` ("taxonomy_changed"): payload `category_ids` (list of ids whose row changed) and
  `change` ("created", "updated", "deactivated", "limits", "imported", "defaults_loaded").
"""

from __future__ import annotations

from jingzhi.core import hooks

TAXONOMY_CHANGED = "taxonomy_changed"


def taxonomy_changed(category_ids, change: str) -> None:
    hooks.fire(
        TAXONOMY_CHANGED, category_ids=sorted({pk for pk in category_ids if pk is not None}), change=change
    )
