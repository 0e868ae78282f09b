"""Small text helpers for messages people read."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _


def listing(items: Iterable) -> str:
    """Items joined as a list in the active language: 甲、乙、丙 in Chinese, "a, b, c" in English. Each item
    is shown as str(item)."""
    # Translators: the separator between items of an inline list (Chinese 顿号).
    return _("、").join(str(item) for item in items)
