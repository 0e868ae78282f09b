"""Small text helpers for messages people read."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _


def listing(items: Iterable) -> str:
    """Items joined as a list in the active language: 甲、乙、丙 in Chinese, "a, b, c" in English. Each item
    is shown as str(item)."""
    # Translators: the separator between items of an inline list (Chinese 顿号).
    return _("、").join(str(item) for item in items)


def in_each_language(render) -> dict[str, str]:
    """`render()` called once in each interface language: {"zh-hans": "…", "en": "…"}. For sentences the
    system writes once and people read later in their own language (a dispatch's routing reason)."""
    from django.conf import settings
    from django.utils import translation

    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code] = str(render())
    return out


def in_reader_language(texts: dict | None, fallback: str = "") -> str:
    """The text of `in_each_language` for the active language, else `fallback` (rows written before)."""
    from django.utils import translation

    return (texts or {}).get(translation.get_language() or "") or fallback
