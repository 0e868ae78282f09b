"""Ids and numbers from text (URLs, forms, query strings, spreadsheets), parsed in one place, strictly.

`str.isdigit()` accepts characters such as "²" or "①" that `int()` then refuses, and `int()` itself accepts
full-width digits, signs, underscores and spaces: neither is a safe test for "is this a row id". Every
interface turns text into an id or a count through these functions: ASCII digits only, within what the
database can hold, else None (for ids: which matches no row, so a bad id answers "not found", never 500).
Pure: no Django import.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # the largest value a PostgreSQL bigint (and SQLite integer) holds
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: object) -> int | None:
    """A positive row id from text, an int or a model instance (its pk), else None."""
    value = getattr(value, "pk", value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_count(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number within [minimum, maximum] from ASCII digits (or an int), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    return value if minimum <= value <= maximum else None


def is_code(value: object, digits: int | None = None) -> bool:
    """True for a place or category code: ASCII digits only (of exactly `digits` characters when given)."""
    if not isinstance(value, str) or not value or not (value.isascii() and value.isdigit()):
        return False
    return digits is None or len(value) == digits
