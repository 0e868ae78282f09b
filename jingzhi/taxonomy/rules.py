"""Pure rules of the category tree: what a code may look like, which level sits below which, and how the
words people type in a spreadsheet (部件, 工作时, 处置, 是…) map onto our stable values. No ORM here; the
actions and the Excel importer call these and turn a `None` into a row-numbered Chinese error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models.enums import TextChoices
from django.utils import translation

from jingzhi.core import tabular
from jingzhi.core.text import listing
from jingzhi.taxonomy.types import ConditionLevel, Kind, Level, ShiwuItem, Step, TimeUnit

CODE_PATTERN = re.compile(r"^[0-9A-Za-z]{1,20}$")
_KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")

LEVEL_BELOW: dict[str | None, str] = {None: Level.MAJOR, Level.MAJOR: Level.MINOR, Level.MINOR: Level.SUB}


def split_keywords(text: str | None) -> list[str]:
    words: list[str] = []
    for word in _KEYWORD_SPLIT.split(text or ""):
        if word and word not in words:
            words.append(word)
    return words


def join_keywords(words: str | Iterable[object]) -> str:
    return listing(split_keywords(listing(words) if not isinstance(words, str) else words))


def code_is_valid(code: str) -> bool:
    return bool(CODE_PATTERN.match(code or ""))


def level_under(parent_level: str | None) -> str | None:
    """The level of a child of a `parent_level` node (None: a node without a parent); None when the tree
    would grow a fourth level."""
    return LEVEL_BELOW.get(parent_level)


def child_code_fits(parent_code: str, code: str) -> bool:
    """A child's code extends its parent's, so that a subtree is a code prefix."""
    return code.startswith(parent_code) and len(code) > len(parent_code)


def next_child_code(parent_code: str, taken: set[str], width: int = 2) -> str:
    """The first free code below `parent_code` (or a free 大类 code when `parent_code` is "")."""
    for number in range(1, 10**width):
        candidate = f"{parent_code}{number:0{width}d}"
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free code below {parent_code!r}")


def _source(label: object) -> str:
    """A choice label in the source language (Chinese): spreadsheets carry the Chinese words whatever the
    interface language of the person importing them."""
    with translation.override(None):
        return str(label)


def _lookup(value: object, enum: type[TextChoices]) -> str | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    for member in enum:
        if text in (member.value, str(member.label), _source(member.label)):
            return str(member.value)
    return None


def parse_kind(value: object) -> str | None:
    return _lookup(value, Kind)


def parse_unit(value: object) -> str | None:
    text = str(value or "").strip()
    aliases = {
        "工作小时": TimeUnit.WORKING_HOURS,
        "小时": TimeUnit.CALENDAR_HOURS,
        "自然小时": TimeUnit.CALENDAR_HOURS,
    }
    return aliases.get(text) or _lookup(text, TimeUnit)


def parse_step(value: object) -> str | None:
    return _lookup(value, Step)


def parse_condition_level(value: object) -> str | None:
    text = str(value or "").strip().upper().removesuffix("级")
    return _lookup(text, ConditionLevel)


def parse_shiwu(value: object) -> str | None:
    """A 十无 item by code (`illegal_parking`) or name, with or without the leading 无 (乱停车, 无乱停车)."""
    text = str(value or "").strip()
    found = _lookup(text, ShiwuItem)
    if found:
        return found
    for member in ShiwuItem:
        if text in (str(member.label).removeprefix("无"), _source(member.label).removeprefix("无")):
            return member.value
    return None


def parse_bool(value: object) -> bool | None:
    """The house's yes/no forms (`core.tabular`: 是/否, √/×, ✓/✗, Y/N, 1/0…) plus 启用/停用; blank is no."""
    if tabular.is_blank(value):
        return False
    return tabular.parse_yes_no(value, yes=("启用",), no=("停用",))
